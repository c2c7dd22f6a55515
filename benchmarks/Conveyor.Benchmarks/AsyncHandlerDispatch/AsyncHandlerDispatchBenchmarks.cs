using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.AsyncHandlerDispatch;

/// <summary>
/// One command to one <c>async</c> handler that takes a <see cref="CancellationToken"/> and a header — the common
/// Conveyor handler, which takes the <c>HandlerContext</c> path rather than the direct call of the synchronous
/// benchmark — against Mediator.SourceGenerator's equivalent. Both handlers complete without yielding, so the
/// dispatch is what is measured.
/// </summary>
[MemoryDiagnoser]
public class AsyncHandlerDispatchBenchmarks
{
    private readonly ReserveStock _command = new("sku-1", 1, "acme");
    private readonly Dictionary<string, string> _headers = new() { ["tenant"] = "acme" };
    private readonly CancellationTokenSource _cancellation = new();
    private ServiceProvider _mediatorServices = null!;
    private Mediator.IMediator _mediator = null!;
    private ServiceProvider _conveyorServices = null!;
    private ICommandBus _conveyor = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var mediator = new ServiceCollection();
        mediator.AddMediator();
        _mediatorServices = mediator.BuildServiceProvider();
        _mediator = _mediatorServices.GetRequiredService<Mediator.IMediator>();

        var conveyor = new ServiceCollection();
        conveyor.AddConveyor(c => c.AddHandler<ConveyorReserveStockHandler>().UseHandlerLifetime(ServiceLifetime.Singleton));
        _conveyorServices = conveyor.BuildServiceProvider();
        _conveyor = _conveyorServices.GetRequiredService<ICommandBus>();

        var before = Stock.Reserved;
        await Mediator();
        await Conveyor();
        if (Stock.Reserved - before != 2 * _command.Quantity)
        {
            throw new InvalidOperationException($"Expected both handlers to run once and see the tenant; stock moved by {Stock.Reserved - before}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _mediatorServices.DisposeAsync();
        await _conveyorServices.DisposeAsync();
        _cancellation.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Mediator.SourceGenerator (async, token)")]
    public async Task Mediator() => await _mediator.Send(_command, _cancellation.Token);

    [Benchmark(Description = "Conveyor (async, token, header)")]
    public async Task Conveyor() => await _conveyor.SendAsync(_command, _headers, _cancellation.Token);
}
