using System.Text;
using BenchmarkDotNet.Attributes;
using Conveyor.Channels;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Inbound;
using Conveyor.Outgoing;
using Conveyor.Benchmarks.InboundPipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Observability;

/// <summary>
/// What tracing adds to one message, without a transport: the outgoing path's Producer span (with the <c>traceparent</c>
/// it writes) around a send that completes at once or at a later acknowledgement, as a broker's does; and the inbound
/// pipeline's Consumer span for a received message carrying a <c>traceparent</c>. <see cref="Tracing"/> wires the
/// OpenTelemetry SDK with no exporter (<see cref="ConveyorOpenTelemetry"/>); untraced, the same calls take the plain
/// path. The allocation column is the number to read: it does not depend on the machine's load.
/// </summary>
[MemoryDiagnoser]
public class TracedMessageBenchmarks
{
    private const string Channel = "bench";
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"orderId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","customerId":"customer-00042","sequence":42,"amount":54.5,"currency":"EUR","sku":"SKU-000042","quantity":1,"placedAt":"2026-01-01T00:00:42+00:00","note":"standard delivery, leave at the door"}""");

    private static readonly OutgoingDelegate AtOnce = static (_, _) => default;
    private static readonly System.Diagnostics.ActivitySource Handlers = new("Bench.Handler");
    private static readonly ContextCallback SendAcknowledgedLaterNow = static state => ((TracedMessageBenchmarks)state!).SendAcknowledgedLaterSynchronously();
    private readonly Acknowledgements _later = new();
    private ServiceProvider _services = null!;
    private OutgoingTelemetry _outgoing = null!;
    private Conveyor.Inbound.InboundPipeline _pipeline = null!;
    private ConveyorOpenTelemetry? _telemetry;
    private System.Diagnostics.Activity? _handlerSpan;
    private ExecutionContext _inHandlerSpan = null!;

    /// <summary>
    /// <c>Off</c>: nothing listens. <c>Lean</c>: the OpenTelemetry SDK wired (every span sampled in, no exporter), the
    /// default attributes. <c>Details</c>: the same with <c>Conveyor:Tracing:RecordMessageDetails</c>.
    /// </summary>
    [Params(TracingMode.Off, TracingMode.Lean, TracingMode.Details)]
    public TracingMode Tracing { get; set; }

    private bool Traced => Tracing != TracingMode.Off;

    [GlobalSetup]
    public async Task Setup()
    {
        _telemetry = Traced ? new ConveyorOpenTelemetry(Handlers.Name) : null;

        // A handler's span, current in a context the in-span send runs in (as a handler's sends do).
        var outside = System.Diagnostics.Activity.Current;
        _handlerSpan = Handlers.StartActivity("process orders", System.Diagnostics.ActivityKind.Consumer);
        _inHandlerSpan = ExecutionContext.Capture()!;
        System.Diagnostics.Activity.Current = outside;
        var services = new ServiceCollection();
        services.AddConveyor(c => c
            .AddInMemoryChannel(Channel)
            .AddHandler<OrderPlacedCounter>()
            .UseHandlerLifetime(ServiceLifetime.Singleton)
            .Configure(o =>
            {
                o.DeduplicateAsynchronousEndpoints = false; // a growing deduplication store would blur the allocation column
                o.Tracing.RecordMessageDetails = Tracing == TracingMode.Details;
            }));
        _services = services.BuildServiceProvider();
        _outgoing = _services.GetRequiredService<OutgoingTelemetry>();
        _pipeline = _services.GetRequiredService<Conveyor.Inbound.InboundPipeline>();
        if (_outgoing.Enabled != Traced)
        {
            throw new InvalidOperationException($"Tracing is {(_outgoing.Enabled ? "on" : "off")}, expected {(Traced ? "on" : "off")}: the benchmark measures the wrong path.");
        }

        var before = OrderPlacedCounter.Count;
        await Receive();
        await SendAcknowledgedLater();
        if (OrderPlacedCounter.Count != before + 1)
        {
            throw new InvalidOperationException("The handler did not run: the benchmark measures nothing.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _services.DisposeAsync();
        _handlerSpan?.Dispose();
        _telemetry?.Dispose();
    }

    [Benchmark(Description = "send, completes at once (in-memory)")]
    public ValueTask SendAtOnce() => Send(AtOnce);

    [Benchmark(Description = "send, acknowledged later (a broker)")]
    public async Task SendAcknowledgedLater()
    {
        var sending = Send(_later.Path);
        _later.Acknowledge();
        await sending;
    }

    /// <summary>
    /// As <see cref="SendAcknowledgedLater"/>, sent from inside another span (a handler's, a request's): the span's start
    /// and end change <see cref="System.Diagnostics.Activity.Current"/> from and back to a span rather than null.
    /// </summary>
    [Benchmark(Description = "send inside a span, acknowledged later")]
    public void SendInSpanAcknowledgedLater() => ExecutionContext.Run(_inHandlerSpan, SendAcknowledgedLaterNow, this);

    [Benchmark(Description = "receive with a traceparent (route, decode, unit of work, handle)")]
    public async Task Receive()
    {
        var result = await _pipeline.ProcessAsync(new Received(Message(TraceParent)), CancellationToken.None);
        if (result.Outcome != ProcessingOutcome.Handled)
        {
            throw new InvalidOperationException($"Not handled: {result.Outcome}.");
        }
    }

    private void SendAcknowledgedLaterSynchronously()
    {
        var sending = Send(_later.Path);
        _later.Acknowledge();
        sending.GetAwaiter().GetResult();
    }

    // The outgoing path calls the telemetry only while something listens, as MessageSender does.
    private ValueTask Send(OutgoingDelegate path)
    {
        var outgoing = new OutgoingMessage(Message(null), Channel, OutgoingIntent.Send);
        return _outgoing.Enabled ? _outgoing.SendAsync(outgoing, path, CancellationToken.None) : path(outgoing, CancellationToken.None);
    }

    private static TransportMessage Message(string? traceParent)
    {
        var headers = new MessageHeaders(12);
        var id = Guid.CreateVersion7().ToString();
        headers.Set(MessageHeaderNames.MessageId, id);
        headers.Set(MessageHeaderNames.CorrelationId, id);
        headers.Set(MessageHeaderNames.MessageName, "bench.order-placed");
        headers.Set(MessageHeaderNames.MessageKind, "event");
        headers.Set(MessageHeaderNames.TargetEndpoint, "bench.order-placed.count");
        headers.Set("kafka_topic", Channel);
        headers.Set("kafka_partition", "3");
        headers.Set("kafka_offset", "123456");
        headers.Set("kafka_key", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        if (traceParent is not null)
        {
            headers.Set("traceparent", traceParent);
        }

        return new TransportMessage(headers, Body);
    }

    /// <summary>What listens to Conveyor's spans.</summary>
    public enum TracingMode
    {
        Off,
        Lean,
        Details,
    }

    private sealed class Received(TransportMessage message) : InboundMessage(message, Channel)
    {
        public override string Position => "bench[3]@123456";

        public override MessageOrigin Origin => new(Channel, "3", 123456); // as a Kafka channel gives it

        public override ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>A send that completes when <see cref="Acknowledge"/> is called, through one reused source: the path itself allocates nothing.</summary>
    private sealed class Acknowledgements : System.Threading.Tasks.Sources.IValueTaskSource
    {
        private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<bool> _core;

        public Acknowledgements() => Path = (_, _) =>
        {
            _core.Reset();
            return new ValueTask(this, _core.Version);
        };

        public OutgoingDelegate Path { get; }

        public void Acknowledge() => _core.SetResult(true);

        public void GetResult(short token) => _core.GetResult(token);

        public System.Threading.Tasks.Sources.ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
