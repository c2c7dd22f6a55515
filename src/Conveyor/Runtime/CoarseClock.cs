namespace Conveyor.Runtime;

/// <summary>
/// The current UTC time for what needs it to a few milliseconds on every message (a deduplication key's expiry, a
/// consumer's last message): the system clock is read at most once per tick of <see cref="Environment.TickCount64"/>
/// (1–4 ms), since a read costs 30–60 ns on a virtual machine against a few for the tick count; any other
/// <see cref="TimeProvider"/> (a test's) is read every time, so that advancing it is seen at once. Thread-safe: a reader
/// may get a value up to one tick old.
/// </summary>
internal sealed class CoarseClock(TimeProvider time)
{
    private readonly bool _system = ReferenceEquals(time, TimeProvider.System);
    private long _tick = long.MinValue;
    private long _utcTicks;

    /// <summary>The provider it reads.</summary>
    public TimeProvider Time => time;

    /// <summary>Now, as UTC ticks.</summary>
    public long UtcTicks
    {
        get
        {
            if (!_system)
            {
                return time.GetUtcNow().UtcTicks;
            }

            var tick = Environment.TickCount64;
            if (tick == Volatile.Read(ref _tick))
            {
                return Volatile.Read(ref _utcTicks);
            }

            // The value before the tick: a reader that sees the new tick sees this value or a later one.
            var now = time.GetUtcNow().UtcTicks;
            Volatile.Write(ref _utcTicks, now);
            Volatile.Write(ref _tick, tick);
            return now;
        }
    }

    /// <summary>Now.</summary>
    public DateTimeOffset UtcNow => new(UtcTicks, TimeSpan.Zero);
}
