using System.Diagnostics;
using Confluent.Kafka;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>Waiting on real conditions with a deadline, never on elapsed time alone.</summary>
internal static class Eventually
{
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> at the deadline.</summary>
    internal static async Task Until(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new ShouldAssertException($"Still waiting after {limit.TotalSeconds:0}s until {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> at the deadline.</summary>
    internal static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new ShouldAssertException($"Still waiting after {limit.TotalSeconds:0}s until {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Consumes exactly <paramref name="count"/> records, failing at the deadline with how many arrived.</summary>
    internal static List<ConsumeResult<TKey, TValue>> Consume<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var results = new List<ConsumeResult<TKey, TValue>>(count);
        while (results.Count < count)
        {
            var remaining = limit - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new ShouldAssertException($"Consumed {results.Count} of {count} records within {limit.TotalSeconds:0}s.");
            }

            if (consumer.Consume(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1)) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }
}
