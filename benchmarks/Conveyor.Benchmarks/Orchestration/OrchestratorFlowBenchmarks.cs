using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Orchestration;

/// <summary>
/// Three in-process steps run by an orchestrator's routing slip, against the same three handlers chained by
/// <c>OutputChannel</c>: what the slip costs over the chain it replaces. Both add the same total to
/// <see cref="Steps.Total"/>; singleton handlers, no scope.
/// </summary>
[MemoryDiagnoser]
public class OrchestratorFlowBenchmarks
{
    private readonly Quote _quote = new(10);
    private ServiceProvider _services = null!;
    private ICommandBus _bus = null!;
    private IOrchestrator _orchestrator = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c.AddHandler<Steps>().UseHandlerLifetime(ServiceLifetime.Singleton));
        _services = services.BuildServiceProvider();
        _bus = _services.GetRequiredService<ICommandBus>();
        _orchestrator = _services.GetRequiredService<IOrchestrator>();

        var before = Steps.Total;
        await Chain();
        var output = await Orchestrator();
        if (Steps.Total - before != 2 * 13 || output is not Quote { Amount: 13 })
        {
            throw new InvalidOperationException($"Expected both flows to run the three steps; total moved by {Steps.Total - before}, output {output}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _services.DisposeAsync();

    [Benchmark(Baseline = true, Description = "OutputChannel chain (3 steps)")]
    public async Task Chain() => await _bus.SendAsync(_quote);

    [Benchmark(Description = "Orchestrator routing slip (3 steps)")]
    public ValueTask<object?> Orchestrator() => _orchestrator.StartAsync("quote.start", _quote);
}

public sealed record Quote(int Amount);

/// <summary>The same three steps, reached by a chain (the command handler) or by a slip (the orchestrator).</summary>
public sealed class Steps
{
    private static long _total;

    public static long Total => Interlocked.Read(ref _total);

    [CommandHandler(OutputChannel = "chain.tax")]
    public static Quote Chain(Quote quote) => new(quote.Amount + 1);

    [InternalHandler("chain.tax", OutputChannel = "chain.round")]
    public static Quote ChainTax(Quote quote) => new(quote.Amount + 1);

    [InternalHandler("chain.round")]
    public static void ChainRound(Quote quote) => Interlocked.Add(ref _total, quote.Amount + 1);

    [Orchestrator("quote.start")]
    public static string[] Plan() => ["quote.fee", "quote.tax", "quote.round"];

    [InternalHandler("quote.fee")]
    public static Quote Fee(Quote quote) => new(quote.Amount + 1);

    [InternalHandler("quote.tax")]
    public static Quote Tax(Quote quote) => new(quote.Amount + 1);

    [InternalHandler("quote.round")]
    public static Quote Round(Quote quote)
    {
        Interlocked.Add(ref _total, quote.Amount + 1);
        return new Quote(quote.Amount + 1);
    }
}
