using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.InProcessDispatch;

/// <summary>
/// The direct path of <see cref="InProcessDispatchBenchmarks"/> with and without the OpenTelemetry SDK wired
/// (<see cref="ConveyorOpenTelemetry"/>), against Mediator.SourceGenerator. Each benchmark runs in a process of its own,
/// so the SDK's listeners in one never reach the others.
/// </summary>
[MemoryDiagnoser]
public class InProcessDispatchListenedBenchmarks
{
    private readonly PlaceOrder _command = new(Guid.NewGuid(), 1);
    private ServiceProvider _mediatorServices = null!;
    private Mediator.IMediator _mediator = null!;
    private ServiceProvider _conveyorServices = null!;
    private ICommandBus _conveyor = null!;
    private ConveyorOpenTelemetry? _telemetry;

    [GlobalSetup(Targets = [nameof(Mediator), nameof(Conveyor)])]
    public void Setup()
    {
        (_mediatorServices, _mediator) = MediatorContender.Start();
        (_conveyorServices, _conveyor) = ConveyorContender.Start();
    }

    [GlobalSetup(Target = nameof(ConveyorListened))]
    public void SetupListened()
    {
        _telemetry = new ConveyorOpenTelemetry();
        Setup();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _telemetry?.Dispose();
        await _mediatorServices.DisposeAsync();
        await _conveyorServices.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Mediator.SourceGenerator")]
    public async Task Mediator() => await _mediator.Send(_command);

    [Benchmark(Description = "Conveyor, nothing listening")]
    public async Task Conveyor() => await _conveyor.SendAsync(_command);

    [Benchmark(Description = "Conveyor, OpenTelemetry SDK wired (no exporter)")]
    public async Task ConveyorListened() => await _conveyor.SendAsync(_command);
}
