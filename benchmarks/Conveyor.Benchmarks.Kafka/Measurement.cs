using System.Diagnostics;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// Wall time, process CPU time (every thread: the application's, librdkafka's and the embedded cluster's), managed
/// allocations (all threads) and collections of one phase of a run.
/// </summary>
internal readonly record struct Phase(TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public double PerSecond(long messages) => messages / Elapsed.TotalSeconds;

    public double CpuMicrosecondsPerMessage(long messages) => Cpu.TotalMicroseconds / messages;

    public double BytesPerMessage(long messages) => (double)AllocatedBytes / messages;

    public static Phase operator +(Phase a, Phase b) =>
        new(a.Elapsed + b.Elapsed, a.Cpu + b.Cpu, a.AllocatedBytes + b.AllocatedBytes, a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2);
}

/// <summary>Starts measuring a phase; <see cref="Stop"/> returns it.</summary>
internal readonly struct PhaseClock
{
    private readonly long _start;
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly int _gen0;
    private readonly int _gen1;
    private readonly int _gen2;

    private PhaseClock(long start, TimeSpan cpu, long allocated, int gen0, int gen1, int gen2)
    {
        _start = start;
        _cpu = cpu;
        _allocated = allocated;
        _gen0 = gen0;
        _gen1 = gen1;
        _gen2 = gen2;
    }

    public static PhaseClock Start() =>
        new(Stopwatch.GetTimestamp(), Cpu(), GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    public Phase Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_start);
        return new Phase(
            elapsed,
            Cpu() - _cpu,
            GC.GetTotalAllocatedBytes(precise: true) - _allocated,
            GC.CollectionCount(0) - _gen0,
            GC.CollectionCount(1) - _gen1,
            GC.CollectionCount(2) - _gen2);
    }
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
