using Conveyor.Inbound;
using Conveyor.Runtime;

namespace Conveyor.Channels;

/// <summary>
/// Messages a channel delivers together to batch handlers (handlers taking <c>IReadOnlyList&lt;T&gt;</c>), when it
/// was asked to (<see cref="ReceiveOptions.Batched"/>). The channel creates one per batch, marks each message with
/// it and its place (<see cref="InboundMessage.Batch"/>, <see cref="InboundMessage.BatchIndex"/>), and hands all of
/// them to the pipeline at once, each on its own call. The pipeline waits until every message has either reached its
/// batch handler or gone another way (one that cannot be read or decoded goes to the dead letter alone), invokes each
/// handler once with its messages in index order, and answers every message's call when its handler is done.
/// </summary>
public sealed class InboundBatch
{
    private readonly Lock _gate = new();
    private readonly (RuntimeEndpoint Endpoint, InboundMessage Message, object? Payload)?[] _joined;
    private readonly bool[] _arrived;
    // Completed by the last message to arrive, outside the lock: the others go on on its thread, one after another,
    // rather than each with a hop to the thread pool (a batch of 100 would cost 100 hops).
    private readonly TaskCompletionSource _all = new();
    private int _arrivedCount;
    private Dictionary<RuntimeEndpoint, BatchGroup>? _groups;

    /// <summary>Creates a batch of <paramref name="count"/> messages, indexed 0 to <paramref name="count"/> − 1.</summary>
    /// <param name="count">How many messages the channel delivers in it; 1 or more.</param>
    public InboundBatch(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _joined = new (RuntimeEndpoint, InboundMessage, object?)?[count];
        _arrived = new bool[count];
    }

    /// <summary>How many messages the batch has.</summary>
    public int Count { get; }

    /// <summary>
    /// Adds a decoded message for its batch endpoint and waits for the rest of the batch; returns the messages of the
    /// batch that went to the same endpoint.
    /// </summary>
    internal async ValueTask<BatchGroup> JoinAsync(int index, RuntimeEndpoint endpoint, InboundMessage message, object? payload)
    {
        bool last;
        lock (_gate)
        {
            if (_arrived[index])
            {
                throw new InvalidOperationException($"Message {index} of the batch was handed to the pipeline twice.");
            }

            _joined[index] = (endpoint, message, payload);
            last = Arrive(index);
        }

        if (last)
        {
            _all.TrySetResult();
        }

        await _all.Task.ConfigureAwait(false);
        lock (_gate)
        {
            _groups ??= _joined.OfType<(RuntimeEndpoint Endpoint, InboundMessage Message, object? Payload)>()
                .GroupBy(m => m.Endpoint)
                .ToDictionary(g => g.Key, g => new BatchGroup(g.Key, [.. g.Select(m => (m.Message, m.Payload))]));
            return _groups[endpoint];
        }
    }

    /// <summary>
    /// The channel gives up the message at <paramref name="index"/> before handing it to the pipeline (e.g. a wait for its
    /// due time ended because its partition was revoked): the rest of the batch is handled without it.
    /// </summary>
    /// <param name="index">Its place in the batch.</param>
    public void Withdraw(int index) => Leave(index);

    /// <summary>The message at <paramref name="index"/> went another way than its batch handler (or is done): nothing waits for it.</summary>
    internal void Leave(int index)
    {
        bool last;
        lock (_gate)
        {
            last = !_arrived[index] && Arrive(index);
        }

        if (last)
        {
            _all.TrySetResult();
        }
    }

    /// <summary>Marks the message at <paramref name="index"/> arrived; true when it was the last one.</summary>
    private bool Arrive(int index)
    {
        _arrived[index] = true;
        return ++_arrivedCount == Count;
    }
}
