using System.Diagnostics;
using Conveyor.Channels;
using Conveyor.Inbound;
using Conveyor.Runtime;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Traces and measures the inbound pipeline: a <c>process</c> span (kind Consumer) per received message, continuing the
/// trace its headers carry, with retries and the final failure as span events; and the processing metrics. The pipeline
/// asks <see cref="Enabled"/> first and takes its untraced path when nothing listens, so nothing is allocated then.
/// </summary>
internal sealed class InboundTelemetry(ConveyorMetrics metrics, ConveyorRuntime runtime) : IInboundFailureObserver
{
    public bool Enabled => ConveyorActivitySource.Instance.HasListeners() || metrics.ProcessingEnabled;

    public InboundObservation Start(InboundMessage inbound)
    {
        var headers = inbound.Message.Headers;
        var system = MessagingAttributes.SystemOf(runtime.ChannelKinds.GetValueOrDefault(inbound.ChannelName));
        var retried = TraceContext.RetriedAttempt(headers);
        var activity = ConveyorActivitySource.Instance.StartActivity(
            ActivityKind.Consumer,
            TraceContext.Extract(headers),
            links: retried == default ? null : [new ActivityLink(retried)],
            name: "process " + inbound.ChannelName);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, system);
            activity.SetTag(MessagingAttributes.DestinationName, headers.Get("kafka_topic") ?? inbound.ChannelName);
            activity.SetTag(MessagingAttributes.Channel, inbound.ChannelName);
            activity.SetTag(MessagingAttributes.OperationType, "process");
            activity.SetTag(MessagingAttributes.OperationName, "process");
            activity.SetTag(MessagingAttributes.MessageId, inbound.Message.MessageId);
            activity.SetTag(MessagingAttributes.ConversationId, headers.CorrelationId);
            activity.SetTag(MessagingAttributes.BodySize, inbound.Message.Body.Length);
            activity.SetTag(MessagingAttributes.PartitionId, headers.Get("kafka_partition"));
            activity.SetTag(MessagingAttributes.KafkaOffset, headers.Get("kafka_offset") is { } offset && long.TryParse(offset, out var o) ? o : null);
            activity.SetTag(MessagingAttributes.KafkaKey, headers.Get("kafka_key"));
            activity.SetTag(MessagingAttributes.Attempt, headers.DeliveryAttempt + 1);
        }

        return new InboundObservation(metrics, activity, system, inbound.ChannelName);
    }

    /// <summary>An instant (in-process) retry of a failed handler.</summary>
    public void InstantRetry(RuntimeEndpoint endpoint, Exception error, int retry) => Retried(endpoint.Id, null, error, retry, "instant");

    public void RetryScheduled(InboundMessage inbound, string endpointId, Exception exception, int attempt, TimeSpan delay) =>
        Retried(endpointId, inbound.ChannelName, exception, attempt, "delayed", delay);

    public void FinallyFailed(InboundMessage inbound, string endpointId, Exception exception, int attempts, string destination)
    {
        if (Activity.Current is { Source.Name: ConveyorTelemetry.Name, Kind: ActivityKind.Consumer } activity)
        {
            activity.SetTag(MessagingAttributes.Endpoint, endpointId);
            activity.SetTag(MessagingAttributes.ErrorType, exception.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.AddException(exception, new TagList { { "conveyor.failure.destination", destination }, { MessagingAttributes.Attempt, attempts } });
        }
    }

    private void Retried(string endpointId, string? channel, Exception error, int attempt, string kind, TimeSpan? delay = null)
    {
        if (metrics.Retries.Enabled)
        {
            var tags = new TagList
            {
                { MessagingAttributes.Endpoint, endpointId },
                { MessagingAttributes.RetryKind, kind },
                { MessagingAttributes.ErrorType, error.GetType().FullName },
            };
            if (channel is not null)
            {
                tags.Add(MessagingAttributes.DestinationName, channel);
            }

            metrics.Retries.Add(1, tags);
        }

        if (Activity.Current is { Source.Name: ConveyorTelemetry.Name, Kind: ActivityKind.Consumer } activity)
        {
            var tags = new ActivityTagsCollection
            {
                { MessagingAttributes.RetryKind, kind },
                { MessagingAttributes.Attempt, attempt },
                { "exception.type", error.GetType().FullName },
                { "exception.message", error.Message },
            };
            if (delay is { } wait)
            {
                tags.Add("conveyor.retry.delay", wait.TotalSeconds);
            }

            activity.AddEvent(new ActivityEvent("conveyor.retry", tags: tags));
        }
    }
}
