using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// How a competent hand-written Confluent.Kafka service traces its records with the OpenTelemetry API, the baseline of
/// the traced comparison (<see cref="Sides.RawTraced"/>): an <see cref="ActivitySource"/> of its own; a Producer span
/// per record (<c>send &lt;topic&gt;</c>) whose context is injected into the record's headers with the SDK's default
/// propagator (W3C <c>traceparent</c>, as the OpenTelemetry docs show it) and which ends on the record's delivery report
/// (with an error status when delivery failed); a Consumer span per record (<c>process &lt;topic&gt;</c>) continuing
/// the context extracted from its headers, around the handler. Each span carries the attributes the messaging semantic
/// conventions require and the partition and offset on the consumer's. Spans only: no metrics of its own.
/// </summary>
internal sealed class RawKafkaTracing
{
    /// <summary>The service's activity source; the SDK is wired to it for the traced raw runs.</summary>
    public const string SourceName = "Bench.RawKafka";

    private static readonly ActivitySource Source = new(SourceName);

    private static readonly Action<Headers, string, string> Setter = static (headers, name, value) => headers.Add(name, Encoding.UTF8.GetBytes(value));

    private static readonly Func<Headers?, string, IEnumerable<string>> Getter = static (headers, name) =>
        headers is not null && headers.TryGetLastBytes(name, out var value) ? [Encoding.UTF8.GetString(value)] : [];

    private readonly string _topic;
    private readonly string _sendName;
    private readonly string _processName;

    public RawKafkaTracing(string topic)
    {
        _topic = topic;
        _sendName = "send " + topic;
        _processName = "process " + topic;
    }

    /// <summary>
    /// Starts the record's Producer span and writes its context into <paramref name="headers"/>; the caller's span is
    /// current again on return (the span ends later, on the delivery report, on another thread).
    /// </summary>
    public Activity? StartSend(Headers headers)
    {
        var caller = Activity.Current;
        var activity = Source.StartActivity(_sendName, ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.destination.name", _topic);
        activity.SetTag("messaging.operation.type", "send");
        activity.SetTag("messaging.operation.name", "send");
        Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(activity.Context, Baggage.Current), headers, Setter);
        Activity.Current = caller;
        return activity;
    }

    /// <summary>Ends a Producer span on its record's delivery report.</summary>
    public static void Delivered(Activity? activity, DeliveryReport<byte[], byte[]> report)
    {
        if (activity is null)
        {
            return;
        }

        if (report.Error.IsError)
        {
            activity.SetStatus(ActivityStatusCode.Error, report.Error.Reason);
        }

        activity.Dispose();
    }

    /// <summary>Starts the Consumer span of a consumed record, continuing the context its headers carry; dispose it when handled.</summary>
    public Activity? StartProcess(ConsumeResult<byte[], byte[]> result)
    {
        // The parent's trace context only: Conveyor carries no baggage either.
        var parent = Propagators.DefaultTextMapPropagator.Extract(default, result.Message.Headers, Getter);
        var activity = Source.StartActivity(ActivityKind.Consumer, parent.ActivityContext, name: _processName);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.destination.name", _topic);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", result.Offset.Value);
        }

        return activity;
    }
}
