using System.Collections.ObjectModel;

namespace Conveyor.Kafka.Tests.Observability;

/// <summary>What an OpenTelemetry in-memory exporter wrote, safe to read while it writes from another thread.</summary>
internal sealed class Exported<T> : Collection<T>
{
    private readonly Lock _lock = new();

    public List<T> Snapshot()
    {
        lock (_lock)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, T item)
    {
        lock (_lock)
        {
            base.InsertItem(index, item);
        }
    }
}
