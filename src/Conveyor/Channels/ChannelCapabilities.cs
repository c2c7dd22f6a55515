namespace Conveyor.Channels;

/// <summary>
/// What a channel can do, stated by the channel itself so that code handling it never needs its concrete type and
/// wrappers or composite channels can pass the capabilities of what they wrap on.
/// </summary>
public sealed record ChannelCapabilities
{
    /// <summary>A channel that can only be sent to, such as a named publisher.</summary>
    public static ChannelCapabilities SendOnly { get; } = new();

    /// <summary>Whether the channel can be consumed (it is an <see cref="IReceivingChannel"/>).</summary>
    public bool CanReceive { get; init; }

    /// <summary>
    /// Whether a released message (<see cref="Acknowledgement.Release"/>) is delivered again before anything queued behind
    /// it, so that order holds (a Kafka partition, the in-memory queue).
    /// </summary>
    public bool KeepsOrderOnRelease { get; init; }

    /// <summary>
    /// The longest delay the channel holds a message for itself when it is sent with a due time
    /// (<see cref="TransportMessage.DeliverAt"/>). A message due later goes to the application's
    /// <see cref="Scheduling.IMessageScheduler"/> first, which sends it when it is due. <see cref="TimeSpan.Zero"/>: the
    /// channel cannot delay at all; <see cref="Timeout.InfiniteTimeSpan"/>: any delay.
    /// </summary>
    public TimeSpan MaxDeliveryDelay { get; init; }

    /// <summary>
    /// Whether a delayed retry waits in place, holding what follows, instead of being redelivered later (Kafka's
    /// blocking retry mode). The inbound pipeline then waits before the next attempt itself.
    /// </summary>
    public bool RetriesWaitInPlace { get; init; }

    /// <summary>
    /// Whether several receive loops may consume the channel at once (in this process or others), each message going
    /// to one of them (a database channel). False: one consumer at a time, so that order holds.
    /// </summary>
    public bool CompetingConsumers { get; init; }

    /// <summary>Whether <see cref="IReceivingChannel.GetLagAsync"/> reports how many messages wait.</summary>
    public bool ReportsLag { get; init; }

    /// <summary>
    /// Whether the receive loop honours <see cref="ReceiveOptions.Pause"/>, so that an operator can pause and resume
    /// the consumer (<see cref="IConsumerRunner.PauseAsync"/>) without stopping it.
    /// </summary>
    public bool CanPause { get; init; }

    /// <summary>
    /// Whether the receive loop delivers messages in <see cref="InboundBatch"/>es when <see cref="ReceiveOptions.Batched"/>
    /// asks it to, so that handlers taking <c>IReadOnlyList&lt;T&gt;</c> may consume it (Kafka).
    /// </summary>
    public bool DeliversBatches { get; init; }

    /// <summary>Whether the channel can hold <paramref name="delay"/> itself.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns><see langword="true"/> when it needs no scheduler.</returns>
    public bool CanDelay(TimeSpan delay) => MaxDeliveryDelay == Timeout.InfiniteTimeSpan || delay <= MaxDeliveryDelay;
}
