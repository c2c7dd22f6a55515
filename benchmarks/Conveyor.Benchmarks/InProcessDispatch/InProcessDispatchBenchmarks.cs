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

    // Every contender is awaited in the same async Task shape, so BenchmarkDotNet handles all four alike. Returning
    // each library's own task type instead (one run) put Mediator's ValueTask<Unit> ~10 ns above this shape while
    // Conveyor's ValueTask did not move: an effect of how the harness awaits, kept out of the ratios.
    [Benchmark(Baseline = true, Description = "Mediator.SourceGenerator")]
    public async Task Mediator() => await _mediator.Send(_command);

    [Benchmark(Description = "Conveyor")]
    public async Task Conveyor() => await _conveyor.SendAsync(_command);

    [Benchmark(Description = "Wolverine")]
    public async Task Wolverine() => await _wolverine.InvokeAsync(_command);

    [Benchmark(Description = "MassTransit mediator")]
    public async Task MassTransit() => await _massTransit.Send(_command);
}
