using System.Diagnostics;
using Conveyor.Outgoing;
using Conveyor.Runtime;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Traces and measures the outgoing path: a span (kind Producer) per message that leaves, its context written into the
/// message's <c>traceparent</c>/<c>tracestate</c> headers so that whoever receives it continues the trace; and the sent
/// and dead-letter counters. A delayed retry keeps the context of the message's first send (every attempt is a child of
/// it) and names the failed attempt in <see cref="TraceContext.RetryOf"/>, which the next attempt links to. A dead letter
/// keeps the message's headers as they were received, its trace context included: a replay continues that trace.
/// </summary>
internal sealed class OutgoingTelemetry(ConveyorMetrics metrics, ConveyorRuntime runtime)
{
    public bool Enabled => ConveyorActivitySource.Instance.HasListeners() || metrics.Sent.Enabled || metrics.DeadLetters.Enabled;

    public async ValueTask SendAsync(OutgoingMessage outgoing, OutgoingDelegate path, CancellationToken cancellationToken)
    {
        var message = outgoing.Message;
        var operation = OperationName(outgoing);
        var system = MessagingAttributes.SystemOf(runtime.ChannelKinds.GetValueOrDefault(outgoing.Destination));
        using var activity = ConveyorActivitySource.Instance.StartActivity(operation + " " + outgoing.Destination, ActivityKind.Producer);
        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(MessagingAttributes.System, system);
                activity.SetTag(MessagingAttributes.DestinationName, outgoing.Destination);
                activity.SetTag(MessagingAttributes.Channel, outgoing.Destination);
                activity.SetTag(MessagingAttributes.OperationType, "send");
                activity.SetTag(MessagingAttributes.OperationName, operation);
                activity.SetTag(MessagingAttributes.MessageId, message.MessageId);
                activity.SetTag(MessagingAttributes.ConversationId, message.Headers.CorrelationId);
                activity.SetTag(MessagingAttributes.BodySize, message.Body.Length);
                activity.SetTag(MessagingAttributes.Endpoint, outgoing.DeadLetter?.EndpointId ?? message.Headers.TargetEndpoint);
            }

            switch (outgoing.Intent)
            {
                case OutgoingIntent.Redeliver when activity.Parent is { Kind: ActivityKind.Consumer } failed:
                    message.Headers.Set(TraceContext.RetryOf, failed.Id);
                    break;
                case OutgoingIntent.Send or OutgoingIntent.Resend:
                    TraceContext.Inject(activity, message.Headers);
                    break;
            }
        }

        var tags = ConveyorMetrics.ChannelTags(system, outgoing.Destination);
        tags.Add(MessagingAttributes.OperationName, operation);
        try
        {
            await path(outgoing, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            activity?.AddException(e);
            tags.Add(MessagingAttributes.ErrorType, e.GetType().FullName);
            metrics.Sent.Add(1, tags);
            throw;
        }

        metrics.Sent.Add(1, tags);
        if (outgoing.DeadLetter is { } deadLetter && metrics.DeadLetters.Enabled)
        {
            metrics.DeadLetters.Add(1, new TagList
            {
                { MessagingAttributes.System, system },
                { MessagingAttributes.DestinationName, outgoing.Destination },
                { MessagingAttributes.Endpoint, deadLetter.EndpointId },
                { MessagingAttributes.ErrorType, deadLetter.ExceptionType },
            });
        }
    }

    /// <summary><c>publish</c> for events, <c>send</c> for everything else sent; <c>retry</c>, <c>resend</c> and <c>dead_letter</c> by intent.</summary>
    private static string OperationName(OutgoingMessage outgoing) => outgoing.Intent switch
    {
        OutgoingIntent.Redeliver => "retry",
        OutgoingIntent.Resend => "resend",
        OutgoingIntent.DeadLetter => "dead_letter",
        _ => outgoing.Message.Headers.Get(MessageHeaderNames.MessageKind) == "event" ? "publish" : "send",
    };
}
