namespace Conveyor.Channels.InMemory;

/// <summary>Options of an <see cref="InMemoryChannel"/>.</summary>
public sealed class InMemoryChannelOptions
{
    /// <summary>How long a released message waits before it is delivered again. Default one second.</summary>
    public TimeSpan ReleaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What happens to a message no error channel or dead letter took; null uses <see cref="ConveyorOptions.FinalFailureStrategy"/>.</summary>
    public FinalFailureStrategy? FinalFailureStrategy { get; set; }

    /// <summary>Keep every sent message for inspection (the flow-testing host turns this on). Default off.</summary>
    public bool RecordSentMessages { get; set; }
}
