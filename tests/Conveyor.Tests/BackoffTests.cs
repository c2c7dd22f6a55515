namespace Conveyor.Tests;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 300)]
    [InlineData(3, 900)]
    [InlineData(4, 2000)]
    [InlineData(int.MaxValue, 2000)]
    public void DelayFor_NoJitter_GrowsByTheMultiplierUpToMax(int attempt, int expectedMilliseconds) =>
        new Backoff(TimeSpan.FromMilliseconds(100), 3, TimeSpan.FromSeconds(2)).DelayFor(attempt).ShouldBe(TimeSpan.FromMilliseconds(expectedMilliseconds));

    [Fact]
    public void DelayFor_MultiplierOne_IsFixed() =>
        Enumerable.Range(1, 5).Select(new Backoff(TimeSpan.FromSeconds(1), 1, TimeSpan.FromHours(1)).DelayFor).ShouldAllBe(d => d == TimeSpan.FromSeconds(1));

    [Fact]
    public void DelayFor_Jitter_StaysWithinTheJitteredRangeBelowTheCap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), jitter: 0.5, new Random(7));

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var nominal = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks << (attempt - 1), TimeSpan.FromSeconds(10).Ticks));
            backoff.DelayFor(attempt).ShouldBeInRange(nominal * 0.5, nominal);
        }
    }

    [Fact]
    public void DelayFor_SameSeed_SameDelays()
    {
        Backoff Seeded() => new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.3, new Random(42));
        var (first, second) = (Seeded(), Seeded());

        var delays = Enumerable.Range(1, 8).Select(first.DelayFor).ToList();

        Enumerable.Range(1, 8).Select(second.DelayFor).ShouldBe(delays);
        delays.Distinct().Count().ShouldBeGreaterThan(1);
        delays.ShouldContain(d => d < TimeSpan.FromTicks(TimeSpan.FromSeconds(1).Ticks << 2), "jitter takes something off");
    }

    [Fact]
    public void DelayFor_AttemptBelowOne_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(5)).DelayFor(0));

    [Theory]
    [InlineData(-1, 2, 5, 0, "initial")]
    [InlineData(1, 0.5, 5, 0, "multiplier")]
    [InlineData(1, double.NaN, 5, 0, "multiplier")]
    [InlineData(5, 2, 1, 0, "max")]
    [InlineData(1, 2, 5, 1.5, "jitter")]
    [InlineData(1, 2, 5, -0.1, "jitter")]
    public void Constructor_InvalidSetting_NamesIt(int initialSeconds, double multiplier, int maxSeconds, double jitter, string parameter) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(initialSeconds), multiplier, TimeSpan.FromSeconds(maxSeconds), jitter))
            .ParamName.ShouldBe(parameter);
}
