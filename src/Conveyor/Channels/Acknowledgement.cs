namespace Conveyor.Channels;

/// <summary>What a channel does with a message once its handler is done.</summary>
public enum Acknowledgement
{
    /// <summary>The message is finished: acknowledge it (for Kafka: its offset may be committed).</summary>
    Completed,

    /// <summary>Deliver the same message again, in place, keeping order.</summary>
    Release,

    /// <summary>Stop the consumer without acknowledging the message.</summary>
    Stop,
}
