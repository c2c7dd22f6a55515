using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// Which types a phase allocates, from the runtime's allocation sampling (an event about every 100 KB allocated, with
/// the type that crossed the mark): enough samples over a run of 100,000+ messages to rank the types per message.
/// On with <c>CONVEYOR_BENCH_ALLOCATIONS=1</c>; the consume scenario prints the top types after each Conveyor phase.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _recording;

    public static AllocationSampler? FromEnvironment() =>
        Environment.GetEnvironmentVariable("CONVEYOR_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;

    public void Start()
    {
        _bytes.Clear();
        _recording = true;
    }

    /// <summary>The sampled bytes per type, scaled to <paramref name="messages"/>: the top <paramref name="count"/>.</summary>
    public string Report(long messages, int count = 25)
    {
        _recording = false;
        var total = _bytes.Values.Sum();
        return string.Join(Environment.NewLine, _bytes.OrderByDescending(e => e.Value).Take(count)
            .Select(e => $"    {(double)e.Value / messages,7:0.0} B/msg  {100.0 * e.Value / total,5:0.0} %  {e.Key}"));
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (!_recording || data.EventName is null || !data.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || data.Payload is null)
        {
            return;
        }

        var amount = data.PayloadNames!.IndexOf("AllocationAmount64") is var i and >= 0 ? Convert.ToInt64(data.Payload[i], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var type = data.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? data.Payload[t] as string ?? "?" : "?";
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
