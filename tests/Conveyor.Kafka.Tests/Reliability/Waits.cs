using System.Diagnostics;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>Waiting on real conditions (counts, lag, signals) with a deadline; every poll loop is bounded in time.</summary>
internal static class Waits
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> until it holds; fails at the deadline naming <paramref name="what"/> and <paramref name="state"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, TimeSpan? interval = null, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new ShouldAssertException($"Still waiting after {timeout.TotalSeconds:0}s until {what}{(state is null ? "" : $" ({state()})")}.");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(20));
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout, TimeSpan? interval = null, Func<string>? state = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, interval, state);

    /// <summary>Waits until the group of <paramref name="channel"/> committed everything written to its topics (lag 0 on every partition).</summary>
    public static Task UntilLagIsZeroAsync(IKafkaLag lag, string channel, TimeSpan timeout)
    {
        IReadOnlyList<PartitionLag> last = [];
        return UntilAsync(
            async () =>
            {
                last = await lag.GetLagAsync(channel);
                return last.Count > 0 && last.All(p => p.Lag == 0);
            },
            $"channel '{channel}' has lag 0",
            timeout,
            TimeSpan.FromMilliseconds(250),
            () => string.Join(", ", last.Where(p => p.Lag != 0).Select(p => $"{p.Topic}[{p.Partition}] committed {p.Committed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} of {p.HighWatermark}")));
    }
}
