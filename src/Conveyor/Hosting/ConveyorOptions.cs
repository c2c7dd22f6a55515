namespace Conveyor;

/// <summary>
/// Conveyor's global options, bound from the <c>Conveyor</c> configuration section and changeable in code.
/// Channels and endpoints override the failure settings for themselves.
/// </summary>
public sealed class ConveyorOptions
{
    /// <summary>The configuration section bound by default.</summary>
    public const string SectionName = "Conveyor";

    /// <summary>The service's name, used as the source of distributed messages and in telemetry. Default: the entry assembly's name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Where finally failed messages go when an endpoint names no <see cref="ErrorChannelAttribute"/>. Default: none, so the dead letter.</summary>
    public string? DefaultErrorChannel { get; set; }

    /// <summary>Whether messages no error channel took go to the dead letter. Default <see langword="true"/>: nothing is dropped.</summary>
    public bool DeadLetterEnabled { get; set; } = true;

    /// <summary>What happens when neither an error channel nor the dead letter took a failed message. Default <see cref="FinalFailureStrategy.Release"/>.</summary>
    public FinalFailureStrategy FinalFailureStrategy { get; set; } = FinalFailureStrategy.Release;

    /// <summary>
    /// Deduplicate asynchronous endpoints — and <see cref="DistributedAttribute"/> handlers, on what they receive from
    /// other services — by message id unless they say otherwise. Default <see langword="true"/>.
    /// </summary>
    public bool DeduplicateAsynchronousEndpoints { get; set; } = true;

    /// <summary>How long handled keys are remembered for deduplication. Default 24 hours.</summary>
    public TimeSpan DeduplicationRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The most handled keys the in-memory deduplication store (the default, without a database store) remembers at
    /// once; beyond it the oldest are forgotten before their retention ends, which bounds its memory (about 100 bytes a
    /// key). Default 100,000. A database store keeps every key for <see cref="DeduplicationRetention"/>.
    /// </summary>
    public int InMemoryDeduplicationCapacity { get; set; } = Deduplication.InMemoryDeduplicationStore.DefaultCapacity;

    /// <summary>Consumers the hosted service runs, by channel or endpoint name. Default: every channel that has endpoints.</summary>
    public IList<string>? HostedConsumers { get; set; }

    /// <summary>Whether the hosted service runs consumers at all (<c>conveyor run</c> still works). Default <see langword="true"/>.</summary>
    public bool RunConsumersInHost { get; set; } = true;

    /// <summary>How long a stopping consumer waits for in-flight messages. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How old the last lag reading may be before the <c>conveyor.consumer.lag</c> gauge reads again (in the background:
    /// an observation never waits on a broker). Default 15 seconds.
    /// </summary>
    public TimeSpan LagRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>What Conveyor's spans record (<c>Conveyor:Tracing</c>). Default: the lean set of attributes.</summary>
    public Diagnostics.ConveyorTracingOptions Tracing { get; } = new();
}
