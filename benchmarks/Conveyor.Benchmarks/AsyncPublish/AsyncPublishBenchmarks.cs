using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.AsyncPublish;

/// <summary>
/// Publishing one event to three asynchronous subscribers on in-memory channels, reported per event.
/// <see cref="Publish"/> measures the publish alone (one serialization and one transport message per subscriber);
/// the channels are drained after each iteration, outside the measurement, so a queue never holds more than one batch.
/// <see cref="PublishAndDrain"/> also runs the three consumers until their channels are empty, one after another.
/// Each iteration is one batch of <see cref="Events"/> events, so every run handles the same number of messages:
/// the default in-memory deduplication store keeps each handled message id for 24 hours, and a run whose length
/// the pilot stage chose would measure a store of a different size each time. <see cref="Listened"/> runs each with
/// the OpenTelemetry SDK wired (<see cref="ConveyorOpenTelemetry"/>): the publish and the consumers are traced and measured.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class AsyncPublishBenchmarks
{
    public const int Events = 2_000;
    private static readonly string[] Channels = [OrderPlacedSubscribers.Billing, OrderPlacedSubscribers.Shipping, OrderPlacedSubscribers.Analytics];
    private static readonly ConsumerRunOptions UntilEmpty = new() { StopWhenEmpty = true };

    private readonly OrderPlaced _event = new(Guid.NewGuid(), "customer-42", 129.90m, 3, DateTimeOffset.UnixEpoch);
    private ServiceProvider _services = null!;
    private IEventBus _bus = null!;
    private IConsumerRunner _consumers = null!;
    private ConveyorOpenTelemetry? _telemetry;

    /// <summary>Whether the OpenTelemetry SDK is wired to Conveyor's activity source and meter (no exporter).</summary>
    [Params(false, true)]
    public bool Listened { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _telemetry = Listened ? new ConveyorOpenTelemetry() : null;
        var services = new ServiceCollection();
        services.AddConveyor(c => c
            .AddHandler<OrderPlacedSubscribers>()
            .UseHandlerLifetime(ServiceLifetime.Singleton)
            .AddInMemoryChannel(OrderPlacedSubscribers.Billing)
            .AddInMemoryChannel(OrderPlacedSubscribers.Shipping)
            .AddInMemoryChannel(OrderPlacedSubscribers.Analytics));
        _services = services.BuildServiceProvider();
        _bus = _services.GetRequiredService<IEventBus>();
        _consumers = _services.GetRequiredService<IConsumerRunner>();

        var before = OrderPlacedSubscribers.Handled;
        await PublishAndDrain();
        if (OrderPlacedSubscribers.Handled - before != 3 * Events)
        {
            throw new InvalidOperationException($"Expected {3 * Events} handled copies, got {OrderPlacedSubscribers.Handled - before}.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _services.DisposeAsync();
        _telemetry?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Publish (3 async subscribers)")]
    public async Task Publish()
    {
        for (var i = 0; i < Events; i++)
        {
            await _bus.PublishAsync(_event);
        }
    }

    [IterationCleanup(Target = nameof(Publish))]
    public void DrainAfterPublish() => DrainAsync().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Events, Description = "Publish + drain 3 consumers")]
    public async Task PublishAndDrain()
    {
        await Publish();
        await DrainAsync();
    }

    private async Task DrainAsync()
    {
        foreach (var channel in Channels)
        {
            await _consumers.RunAsync(channel, UntilEmpty);
        }
    }
}
