namespace Conveyor;

/// <summary>Runs consumers by name, as <c>conveyor run &lt;name&gt;</c> does.</summary>
public interface IConsumerRunner
{
    /// <summary>The names consumers can be run by: channels, and the endpoints that consume them.</summary>
    IReadOnlyList<string> ConsumerNames { get; }

    /// <summary>
    /// Consumes the channel named <paramref name="name"/> (or the channel of the endpoint of that id) until a limit is
    /// reached or <paramref name="cancellationToken"/> is cancelled; then in-flight messages finish and are acknowledged.
    /// </summary>
    /// <param name="name">A channel name or an asynchronous endpoint's id.</param>
    /// <param name="options">Limits; none when null.</param>
    /// <param name="cancellationToken">Stops the consumer gracefully.</param>
    /// <returns>What the run did and why it ended.</returns>
    Task<ConsumerRunResult> RunAsync(string name, ConsumerRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pauses the consumer named <paramref name="name"/>: it hands out no new message (for Kafka: its assigned
    /// partitions are paused, and so are those a rebalance gives it) until <see cref="ResumeAsync"/>; messages already
    /// handed out finish. The pause belongs to the consumer, not to one run: it holds while the consumer restarts, and a
    /// consumer paused before it starts starts paused. <see cref="ConsumerStatus.IsPaused"/> shows it.
    /// </summary>
    /// <param name="name">A channel name or an asynchronous endpoint's id.</param>
    /// <param name="cancellationToken">Stops waiting for the confirmation (the pause stays).</param>
    /// <returns>A task that completes once a running consumer takes no new message, or at once when none runs.</returns>
    /// <exception cref="ConveyorConfigurationException">There is no such consumer.</exception>
    /// <exception cref="NotSupportedException">The channel cannot pause (<see cref="Channels.ChannelCapabilities.CanPause"/>).</exception>
    Task PauseAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused consumer; it takes messages again at once. Resuming one that is not paused does nothing.</summary>
    /// <param name="name">A channel name or an asynchronous endpoint's id.</param>
    /// <param name="cancellationToken">Unused; for symmetry with <see cref="PauseAsync"/>.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="ConveyorConfigurationException">There is no such consumer.</exception>
    Task ResumeAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>Limits for one consumer run.</summary>
public sealed record ConsumerRunOptions
{
    /// <summary>Stop after this many messages were finished.</summary>
    public long? MaxMessages { get; init; }

    /// <summary>Stop after running this long.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Stop after the first message that finally failed (after it went to the error channel or dead letter).</summary>
    public bool StopOnFailure { get; init; }

    /// <summary>
    /// Stop once nothing is deliverable. Whether a delayed retry not yet due counts is the channel's: a Kafka channel
    /// waits for the retries in its retry topic (a run that empties a channel reports each message's outcome), the
    /// in-memory channel does not (its retries wait on the application's clock, which a flow test moves itself).
    /// </summary>
    public bool StopWhenEmpty { get; init; }
}

/// <summary>What a consumer run did.</summary>
/// <param name="Name">The channel that was consumed.</param>
/// <param name="Finished">Messages finished (handled or resolved by failure handling).</param>
/// <param name="Failed">Of those, messages that finally failed.</param>
/// <param name="StopReason">Why the run ended.</param>
public sealed record ConsumerRunResult(string Name, long Finished, long Failed, string StopReason)
{
    /// <summary>Of the finished messages, those skipped because their endpoint had handled their deduplication key already.</summary>
    public long Duplicates { get; init; }
}
