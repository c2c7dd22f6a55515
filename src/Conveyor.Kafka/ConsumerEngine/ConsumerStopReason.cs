namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Why a consumer run ended.</summary>
internal enum ConsumerStopReason
{
    /// <summary>The caller's cancellation token was cancelled.</summary>
    Cancelled,

    /// <summary>Every assigned partition reached its end and nothing was in flight (stop-when-idle).</summary>
    Idle,

    /// <summary>The processor returned <see cref="RecordOutcome.Stop"/> for a record.</summary>
    StoppedOnRecord,

    /// <summary>The processor threw for a record; the record is not committed.</summary>
    ProcessorFailed,

    /// <summary>The Kafka client reported a fatal error; the consumer cannot go on.</summary>
    FatalError,
}
