using Conveyor.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Tests.Runtime;

public sealed class CoarseClockTests
{
    [Fact]
    public void ATestsTimeProvider_IsReadEveryTime_SoAdvancingItIsSeenAtOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new CoarseClock(time);
        var first = clock.UtcTicks;

        time.Advance(TimeSpan.FromTicks(1));

        clock.UtcTicks.ShouldBe(first + 1);
        clock.UtcNow.ShouldBe(time.GetUtcNow());
    }

    [Fact]
    public void TheSystemClock_IsNow_ToATickOfTheTickCount()
    {
        var clock = new CoarseClock(TimeProvider.System);
        var before = DateTimeOffset.UtcNow;

        var now = clock.UtcNow;

        // Read at most one tick of Environment.TickCount64 (1–4 ms) before; a loaded machine may preempt between the reads.
        now.ShouldBeInRange(before - TimeSpan.FromMilliseconds(50), DateTimeOffset.UtcNow);
        clock.UtcTicks.ShouldBeGreaterThanOrEqualTo(now.UtcTicks);
    }
}
