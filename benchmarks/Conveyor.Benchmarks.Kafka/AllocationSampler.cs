using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// Which types a phase allocates: the runtime's allocation ticks (one event per ~100 KB allocated, naming the type of
/// the object that crossed the mark), summed by type. A sample, not an exact count — enough to rank the types.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _recording;

    public void Start()
    {
        _bytes.Clear();
        _recording = true;
    }

    /// <summary>The top <paramref name="count"/> types by sampled bytes, with their share per message.</summary>
    public IEnumerable<string> Stop(int count, long messages)
    {
        _recording = false;
        var total = _bytes.Values.Sum();
        return _bytes.OrderByDescending(e => e.Value).Take(count)
            .Select(e => $"    {e.Value * 100.0 / total,5:0.0} %  ~{(double)e.Value / messages,6:N0} B/msg  {e.Key}");
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
