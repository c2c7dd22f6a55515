namespace Conveyor.Transports.FileQueue;

/// <summary>Options of a <see cref="FileQueueChannel"/>.</summary>
public sealed class FileQueueOptions
{
    /// <summary>The directory that holds the queue: one file per message, named in the order they were sent.</summary>
    public string Directory { get; set; } = "";

    /// <summary>How long a released message waits before it is delivered again (nothing behind it overtakes). Default one second.</summary>
    public TimeSpan ReleaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the consumer looks for files written by another process. Default one second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
