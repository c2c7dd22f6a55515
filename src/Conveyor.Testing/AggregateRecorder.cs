using Conveyor.Aggregates;

namespace Conveyor.Testing;

/// <summary>Records the events aggregates and sagas recorded, in the order they were saved.</summary>
internal sealed class AggregateRecorder : IAggregateObserver
{
    private readonly Lock _gate = new();
    private readonly List<object> _events = [];

    public void Recorded(string aggregateType, string id, IReadOnlyList<object> events)
    {
        lock (_gate)
        {
            _events.AddRange(events);
        }
    }

    public IReadOnlyList<object> Snapshot()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }
}
