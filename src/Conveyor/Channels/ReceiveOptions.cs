namespace Conveyor.Channels;

/// <summary>How a receive loop runs.</summary>
public sealed record ReceiveOptions
{
    /// <summary>Return once nothing is deliverable instead of waiting for more.</summary>
    public bool StopWhenEmpty { get; init; }
}
