using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Benchmarks.InProcessDispatch;

/// <summary>
/// One command to one synchronous handler that adds a number and returns nothing, through each library's
/// in-process dispatch. Every contender is built and warmed in <see cref="Setup"/>, so start-up and code
/// generation are not measured.
/// </summary>
[MemoryDiagnoser]
public class InProcessDispatchBenchmarks
{
    private readonly PlaceOrder _command = new(Guid.NewGuid(), 1);
    private ServiceProvider _mediatorServices = null!;
    private Mediator.IMediator _mediator = null!;
    private ServiceProvider _conveyorServices = null!;
    private ICommandBus _conveyor = null!;
    private IHost _wolverineHost = null!;
    private IServiceScope _wolverineScope = null!;
    private Wolverine.IMessageBus _wolverine = null!;
    private ServiceProvider _massTransitServices = null!;
    private MassTransit.Mediator.IMediator _massTransit = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        (_mediatorServices, _mediator) = MediatorContender.Start();
        (_conveyorServices, _conveyor) = ConveyorContender.Start();
        (_wolverineHost, _wolverineScope, _wolverine) = await WolverineContender.StartAsync();
        (_massTransitServices, _massTransit) = MassTransitContender.Start();

        var before = OrderBook.Quantity;
        await Mediator();
        await Conveyor();
        await Wolverine();
        await MassTransit();
        if (OrderBook.Quantity - before != 4 * _command.Quantity)
        {
            throw new InvalidOperationException($"Expected every contender's handler to run once; the order book moved by {OrderBook.Quantity - before}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _wolverineScope.Dispose();
        await _wolverineHost.StopAsync();
        _wolverineHost.Dispose();
        await _mediatorServices.DisposeAsync();
        await _conveyorServices.DisposeAsync();
        await _massTransitServices.DisposeAsync();
    }

    // Each benchmark returns the library's own task type, so that BenchmarkDotNet awaits it and no async wrapper
    // of ours adds to any contender.
    [Benchmark(Baseline = true, Description = "Mediator.SourceGenerator")]
    public ValueTask<Mediator.Unit> Mediator() => _mediator.Send(_command);

    [Benchmark(Description = "Conveyor")]
    public ValueTask Conveyor() => _conveyor.SendAsync(_command);

    [Benchmark(Description = "Wolverine")]
    public Task Wolverine() => _wolverine.InvokeAsync(_command);

    [Benchmark(Description = "MassTransit mediator")]
    public Task MassTransit() => _massTransit.Send(_command);
}
