namespace Conveyor.Channels;

/// <summary>What a receive loop did.</summary>
/// <param name="Completed">Messages acknowledged as completed.</param>
/// <param name="StoppedOn">The message the loop stopped on (<see cref="Acknowledgement.Stop"/>), if any.</param>
public sealed record ReceiveSummary(long Completed, string? StoppedOn = null);
