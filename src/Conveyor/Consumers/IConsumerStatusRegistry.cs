namespace Conveyor;

/// <summary>
/// What every consumer of this process is doing: the single source of truth for <c>conveyor list</c> and health
/// checks. Written by the hosted service, the consumer runner and the transports; read-only here.
/// </summary>
public interface IConsumerStatusRegistry
{
    /// <summary>Every consumer that ran or runs in this process, by name.</summary>
    IReadOnlyList<ConsumerStatus> Consumers { get; }

    /// <summary>The status of the consumer named <paramref name="name"/> (a channel or <c>[KafkaConsumer]</c> endpoint), or null when it never ran in this process.</summary>
    /// <param name="name">The consumer's name.</param>
    /// <returns>A snapshot.</returns>
    ConsumerStatus? Find(string name);
}

/// <summary>A snapshot of one consumer.</summary>
/// <param name="Name">The channel (or consumer endpoint) it consumes.</param>
/// <param name="State">What it is doing.</param>
/// <param name="AssignedPartitions">What the transport gave it to read, e.g. <c>orders[3]</c>; empty when not known or not assigned.</param>
/// <param name="LastError">The last error that stopped it, if any.</param>
/// <param name="LastMessageAt">When it last finished a message.</param>
/// <param name="FailedDeadLetterWrites">How many times a finally failed message could not be written to the dead letter.</param>
public sealed record ConsumerStatus(
    string Name,
    ConsumerState State,
    IReadOnlyList<string> AssignedPartitions,
    ConsumerError? LastError,
    DateTimeOffset? LastMessageAt,
    long FailedDeadLetterWrites)
{
    /// <summary>
    /// Whether an operator paused it (<see cref="IConsumerRunner.PauseAsync"/>): it hands out no new message until
    /// resumed, whatever its <see cref="State"/>; the pause holds across restarts and rebalances.
    /// </summary>
    public bool IsPaused { get; init; }
}

/// <summary>An error that stopped a consumer.</summary>
/// <param name="Type">The exception's type name.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="At">When it happened.</param>
public sealed record ConsumerError(string Type, string Message, DateTimeOffset At);

/// <summary>What a consumer is doing.</summary>
public enum ConsumerState
{
    /// <summary>Being started: connecting, joining its group.</summary>
    Starting,

    /// <summary>Receiving messages.</summary>
    Running,

    /// <summary>It crashed and waits before the hosted service starts it again.</summary>
    BackingOff,

    /// <summary>It ended (the host or the command stopped it, or a limit was reached) and is not restarted.</summary>
    Stopped,

    /// <summary>It cannot run (e.g. invalid configuration) and is not restarted; see <see cref="ConsumerStatus.LastError"/>.</summary>
    Failed,
}
