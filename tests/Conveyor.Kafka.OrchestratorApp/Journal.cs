namespace Conveyor.Kafka.OrchestratorApp;

/// <summary>One line per step event, appended and flushed at once, so that a SIGKILL loses nothing written before it.</summary>
public sealed class Journal(string path)
{
    private readonly Lock _gate = new();

    public void Write(string step, string detail)
    {
        lock (_gate)
        {
            File.AppendAllText(path, $"{step} {detail} pid={Environment.ProcessId}{Environment.NewLine}");
        }
    }
}
