namespace Conveyor.Testing;

/// <summary>A message that failed while a flow consumed it.</summary>
/// <param name="Kind">Whether a delayed retry was scheduled or the message finally failed.</param>
/// <param name="Channel">The channel it was received from.</param>
/// <param name="Endpoint">The endpoint it failed at; <c>(unrouted)</c> when no endpoint could take it.</param>
/// <param name="MessageId">Its id, when it has one.</param>
/// <param name="MessageName">Its name (<c>messageName</c> header), when it has one.</param>
/// <param name="Exception">What the handler threw, or why the message could not be handled (e.g. a body that does not convert).</param>
/// <param name="Attempt">The attempt that failed, counting from 1.</param>
/// <param name="Destination">For a final failure, where it went (error channel, dead letter, final failure strategy); for a retry, when it is due.</param>
public sealed record FlowFailure(
    FlowFailureKind Kind,
    string Channel,
    string Endpoint,
    string? MessageId,
    string? MessageName,
    Exception Exception,
    int Attempt,
    string Destination)
{
    /// <summary>One line naming the message, the endpoint, the exception and what became of the message.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var what = Kind == FlowFailureKind.DelayedRetryScheduled
            ? $"attempt {Attempt} failed and a delayed retry was scheduled ({Destination})"
            : $"finally failed after {Attempt} attempt(s) and went to {Destination}";
        return $"message '{MessageName ?? "(no name)"}' (id {MessageId ?? "none"}) on channel '{Channel}' at endpoint '{Endpoint}': {what}: {Exception.GetType().Name}: {Exception.Message}";
    }
}
