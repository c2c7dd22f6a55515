namespace Conveyor.Outgoing;

/// <summary>
/// The messages a handler of a received message sent to asynchronous endpoints and channels, held until it succeeded:
/// a handler that fails and is retried sends nothing twice, and nothing it sent leaves before its unit of work can
/// commit them (through an outbox) with its state changes.
/// </summary>
internal sealed class PendingMessages
{
    // Created per received message, mostly to stay empty: no lock object of its own (handlers rarely send from
    // several threads at once, but may), the list only once something is sent.
    private List<OutgoingMessage>? _messages;

    public void Add(OutgoingMessage message)
    {
        lock (this)
        {
            (_messages ??= []).Add(message);
        }
    }

    /// <summary>The messages in the order they were sent, emptying the buffer.</summary>
    public List<OutgoingMessage>? Take()
    {
        lock (this)
        {
            var messages = _messages;
            _messages = null;
            return messages;
        }
    }
}
