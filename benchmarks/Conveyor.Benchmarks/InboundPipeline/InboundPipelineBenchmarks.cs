using System.Text;
using BenchmarkDotNet.Attributes;
using Conveyor.Channels;
using Conveyor.Inbound;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.InboundPipeline;

/// <summary>
/// What the inbound pipeline costs per received message, without a transport: a message with the headers a Kafka
/// channel record decodes to (id, type, the <c>kafka_*</c> metadata) goes through routing, decoding, the unit of work,
/// the deduplication claim (on by default for a channel's endpoint) and a handler that counts — the per-record path of
/// the Kafka throughput benchmark after the record is read. Its allocations per operation are the number to watch:
/// they do not depend on the machine's load.
/// </summary>
[MemoryDiagnoser]
public class InboundPipelineBenchmarks
{
    private const string Channel = "bench";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"orderId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","customerId":"customer-00042","sequence":42,"amount":54.5,"currency":"EUR","sku":"SKU-000042","quantity":1,"placedAt":"2026-01-01T00:00:42+00:00","note":"standard delivery, leave at the door"}""");

    private ServiceProvider _services = null!;
    private Conveyor.Inbound.InboundPipeline _pipeline = null!;

    /// <summary>The handler's lifetime: <c>Scoped</c> is Conveyor's default, <c>Singleton</c> needs no DI scope.</summary>
    [Params(ServiceLifetime.Scoped, ServiceLifetime.Singleton)]
    public ServiceLifetime Lifetime { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c.AddInMemoryChannel(Channel).AddHandler<OrderPlacedCounter>().UseHandlerLifetime(Lifetime));
        _services = services.BuildServiceProvider();
        _pipeline = _services.GetRequiredService<Conveyor.Inbound.InboundPipeline>();
        var before = OrderPlacedCounter.Count;
        await Receive();
        if (OrderPlacedCounter.Count != before + 1)
        {
            throw new InvalidOperationException("The handler did not run: the benchmark measures nothing.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _services.DisposeAsync();

    /// <summary>What the message and its payload cost alone: the pipeline's own share is the difference.</summary>
    [Benchmark(Baseline = true, Description = "build the message and decode its payload only")]
    public object? MessageAndPayload() =>
        _services.GetRequiredService<Runtime.ConveyorRuntime>().Serializer.Deserialize(Message().Body, null, typeof(OrderPlaced));

    [Benchmark(Description = "receive one message (route, decode, unit of work, dedup claim, handle)")]
    public async Task Receive()
    {
        var result = await _pipeline.ProcessAsync(new Received(Message()), CancellationToken.None);
        if (result.Outcome != ProcessingOutcome.Handled)
        {
            throw new InvalidOperationException($"Not handled: {result.Outcome}.");
        }
    }

    private static TransportMessage Message()
    {
        var headers = new MessageHeaders(11);
        headers.Set(MessageHeaderNames.MessageId, Guid.CreateVersion7().ToString());
        headers.Set(MessageHeaderNames.MessageName, "bench.order-placed");
        headers.Set("kafka_topic", "bench");
        headers.Set("kafka_partition", "3");
        headers.Set("kafka_offset", "123456");
        headers.Set("kafka_timestamp", "1764400000000");
        headers.Set("kafka_key", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        return new TransportMessage(headers, Body);
    }

    private sealed class Received(TransportMessage message) : InboundMessage(message, Channel)
    {
        public override string Position => "bench[3]@123456";

        public override ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}

/// <summary>The throughput benchmark's payload.</summary>
[Message("bench.order-placed")]
public sealed record OrderPlaced(string OrderId, string CustomerId, long Sequence, decimal Amount, string Currency, string Sku, int Quantity, DateTimeOffset PlacedAt, string Note);

/// <summary>The throughput benchmark's handler: an asynchronous event handler on the channel that counts.</summary>
public sealed class OrderPlacedCounter
{
    private static long _count;

    public static long Count => Interlocked.Read(ref _count);

    [Asynchronous("bench")]
    [EventHandler(EndpointId = "bench.order-placed.count")]
    public void Handle(OrderPlaced order) => Interlocked.Add(ref _count, order.Quantity > 0 ? 1 : 0);
}
