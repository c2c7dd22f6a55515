namespace Conveyor.Transports.FileQueue;

/// <summary>A message as it is stored in its file.</summary>
/// <param name="Headers">The headers.</param>
/// <param name="Body">The body.</param>
internal sealed record FileQueueEntry(Dictionary<string, string> Headers, byte[] Body);
