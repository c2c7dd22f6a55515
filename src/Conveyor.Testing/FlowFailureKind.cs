namespace Conveyor.Testing;

/// <summary>How a message failed in a flow.</summary>
public enum FlowFailureKind
{
    /// <summary>Its handler threw and a delayed retry was scheduled: the message is tried again when the clock reaches its due time.</summary>
    DelayedRetryScheduled,

    /// <summary>It finally failed: it went to an error channel, the dead letter or the final failure strategy.</summary>
    FinallyFailed,
}
