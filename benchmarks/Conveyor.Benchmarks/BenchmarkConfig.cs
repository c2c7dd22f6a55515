using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Conveyor.Benchmarks;

/// <summary>
/// One job for every class: a single launch, 6 warm-up and 15 measured iterations of BenchmarkDotNet's default
/// 500 ms each. BenchmarkDotNet's default job keeps iterating until the error is small, which on a noisy two-core
/// machine takes tens of minutes; <c>ShortRun</c> (3 iterations) is too few to trust a mean. This finishes both
/// classes in a few minutes. Median and Min are shown beside the mean because other work on the machine inflates
/// some iterations: on a shared machine they are the steadier figures.
/// </summary>
internal static class BenchmarkConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddJob(Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(6)
                .WithIterationCount(15)
                .WithId("ci"))
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .WithOptions(ConfigOptions.DisableLogFile)
            .HideColumns("Job", "IterationCount", "LaunchCount", "WarmupCount");
}
