namespace Conveyor.Channels;

/// <summary>How a receive loop runs.</summary>
public sealed record ReceiveOptions
{
    /// <summary>Return once nothing is deliverable instead of waiting for more.</summary>
    public bool StopWhenEmpty { get; init; }

    /// <summary>
    /// The consumer's pause, for a channel that can pause (<see cref="ChannelCapabilities.CanPause"/>): while it is
    /// paused the loop hands out no new message. Null: never paused.
    /// </summary>
    public ConsumerPause? Pause { get; init; }

    /// <summary>
    /// The channel's handlers take batches (<c>IReadOnlyList&lt;T&gt;</c>): a channel that can
    /// (<see cref="ChannelCapabilities.DeliversBatches"/>) hands its messages over in <see cref="InboundBatch"/>es.
    /// </summary>
    public bool Batched { get; init; }
}
