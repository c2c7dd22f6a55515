namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>What the layer above decided about one consumed record.</summary>
internal enum RecordOutcome
{
    /// <summary>
    /// The record is finished (handled, dead-lettered, re-sent or ignored); its offset may be committed
    /// once every earlier offset of its partition is finished too.
    /// </summary>
    Completed,

    /// <summary>
    /// Redeliver this same record after a backoff, keeping order: nothing behind it (in its partition, or
    /// with its key in key-parallel mode) runs first, and its offset is never committed past.
    /// </summary>
    Release,

    /// <summary>Stop the consumer without committing this record; it is the first one read on restart.</summary>
    Stop,
}
