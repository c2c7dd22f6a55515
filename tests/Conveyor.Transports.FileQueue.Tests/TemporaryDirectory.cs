namespace Conveyor.Transports.FileQueue.Tests;

/// <summary>A directory of its own for one test, deleted afterwards.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("conveyor-file-queue-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
