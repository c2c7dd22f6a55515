using System.Diagnostics;
using Conveyor.Channels;
using Conveyor.Inbound;
using Conveyor.Runtime;
using Microsoft.Extensions.Options;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Traces and measures the inbound pipeline: a <c>process</c> span (kind Consumer) per received message, continuing the
/// trace its headers carry, with retries and the final failure as span events; and the processing metrics. The pipeline
/// asks <see cref="Enabled"/> first and takes its untraced path when nothing listens, so nothing is allocated then.
/// </summary>
internal sealed class InboundTelemetry(ConveyorMetrics metrics, ChannelTelemetry.Cache channels, IOptions<ConveyorOptions> options) : IInboundFailureObserver
{
    private readonly bool _details = options.Value.Tracing.RecordMessageDetails;

    public bool Enabled => ConveyorActivitySource.Instance.HasListeners() || metrics.ProcessingEnabled;

    public InboundObservation Start(InboundMessage inbound)
    {
        var channel = channels.Of(inbound.ChannelName);
        var headers = inbound.Message.Headers;
        var retried = TraceContext.RetriedAttempt(headers);
        var caller = CallerContext.Capture();
        var activity = ConveyorActivitySource.Instance.StartActivity(
            ActivityKind.Consumer,
            TraceContext.Extract(headers),
            links: retried == default ? null : [new ActivityLink(retried)],
            name: channel.ProcessSpanName);
        if (activity is { IsAllDataRequested: true })
        {
            // From the transport's typed metadata, not its kafka_* headers: reading one of those would make all of them
            // into strings for every traced message.
            var origin = inbound.Origin;

            // AddTag, not SetTag: the span is new, so no attribute is there to replace and none needs looking up.
            activity.AddTag(MessagingAttributes.System, channel.System);
            activity.AddTag(MessagingAttributes.DestinationName, origin.Source ?? channel.Channel);
            activity.AddTag(MessagingAttributes.OperationType, "process");
            activity.AddTag(MessagingAttributes.OperationName, "process");
            activity.AddTagIfPresent(MessagingAttributes.MessageId, inbound.Message.MessageId);
            activity.AddTagIfPresent(MessagingAttributes.PartitionId, origin.PartitionId);
            if (origin.Offset is { } offset && channel.IsKafka)
            {
                activity.AddTag(MessagingAttributes.KafkaOffset, offset);
            }

            if (_details)
            {
                activity.AddTag(MessagingAttributes.Channel, channel.Channel); // the span's name has it too
                activity.AddTagIfPresent(MessagingAttributes.ConversationId, headers.CorrelationId);
                activity.AddTag(MessagingAttributes.BodySize, ActivityTags.Boxed(inbound.Message.Body.Length));
                activity.AddTagIfPresent(MessagingAttributes.KafkaKey, headers.Get("kafka_key"));
            }

            if (_details || headers.DeliveryAttempt > 0)
            {
                activity.AddTag(MessagingAttributes.Attempt, ActivityTags.Boxed(headers.DeliveryAttempt + 1)); // by default, redeliveries only
            }
        }

        return new InboundObservation(metrics, activity, caller, channel);
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
