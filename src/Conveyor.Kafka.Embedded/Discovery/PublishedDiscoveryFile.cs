namespace Conveyor.Kafka.Embedded.Discovery;

/// <summary>
/// This process's discovery file: removed on <see cref="Dispose"/> or, should the application never dispose its host, when
/// the process exits. A file that another instance of the application has since taken over is left alone.
/// </summary>
internal sealed class PublishedDiscoveryFile : IDisposable
{
    private int disposed;

    public PublishedDiscoveryFile(string path)
    {
        Path = path;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Where the file is.</summary>
    public string Path { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (EmbeddedKafkaDiscovery.Read(Path) is { } record && record.ProcessId == Environment.ProcessId)
        {
            EmbeddedKafkaDiscovery.TryDelete(Path);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
