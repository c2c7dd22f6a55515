using System.Diagnostics;
using Conveyor.Failures.DeadLetters;
using Conveyor.Outgoing;
using Microsoft.Extensions.Options;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Traces and measures the outgoing path: a span (kind Producer) per message that leaves, its context written into the
/// message's <c>traceparent</c>/<c>tracestate</c> headers so that whoever receives it continues the trace; and the sent
/// and dead-letter counters. A delayed retry keeps the context of the message's first send (every attempt is a child of
/// it) and names the failed attempt in <see cref="TraceContext.RetryOf"/>, which the next attempt links to. A dead letter
/// keeps the message's headers as they were received, its trace context included: a replay continues that trace.
/// Per message this allocates the span (and its attributes) and the <c>traceparent</c> value, nothing else: span names
/// and metric tags come from <see cref="ChannelTelemetry"/>, a send that completes synchronously needs no state machine,
/// and one that completes later (a broker's acknowledgement) is awaited by a pooled <see cref="PendingSend"/>.
/// </summary>
internal sealed partial class OutgoingTelemetry(ConveyorMetrics metrics, ChannelTelemetry.Cache channels, IOptions<ConveyorOptions> options)
{
    private readonly bool _details = options.Value.Tracing.RecordMessageDetails;

    public bool Enabled => ConveyorActivitySource.Instance.HasListeners() || metrics.Sent.Enabled || metrics.DeadLetters.Enabled;

    /// <summary>
    /// Room a new message's headers keep for the <c>traceparent</c> its send adds while something traces: one header
    /// past a full array would double it (a few hundred bytes per message).
    /// </summary>
    public int TraceHeaderRoom => ConveyorActivitySource.Instance.HasListeners() ? 1 : 0;

    public ValueTask SendAsync(OutgoingMessage outgoing, OutgoingDelegate path, CancellationToken cancellationToken)
    {
        var channel = channels.Of(outgoing.Destination);
        var operation = OperationOf(outgoing);
        var caller = CallerContext.Capture();
        var activity = Start(outgoing, channel, operation);
        ValueTask sending;
        try
        {
            sending = path(outgoing, cancellationToken);
        }
        catch (Exception e)
        {
            caller.Restore(activity);
            Failed(activity, channel, operation, e);
            throw;
        }

        // The span was current for the path (a middleware, the transport); the caller goes on in its own span, whether
        // the send completed or goes on: its context is put back as it was, as an await would, rather than written anew.
        caller.Restore(activity);
        if (!sending.IsCompletedSuccessfully)
        {
            return PendingSend.Await(sending, this, outgoing.DeadLetter, activity, channel, operation);
        }

        Sent(outgoing.DeadLetter, activity, channel, operation);
        return default;
    }

    private Activity? Start(OutgoingMessage outgoing, ChannelTelemetry channel, Operation operation)
    {
        var activity = ConveyorActivitySource.Instance.StartActivity(channel.SpanName(operation), ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        var message = outgoing.Message;
        if (activity.IsAllDataRequested)
        {
            // AddTag, not SetTag: the span is new, so no attribute is there to replace and none needs looking up.
            activity.AddTag(MessagingAttributes.System, channel.System);
            activity.AddTag(MessagingAttributes.DestinationName, channel.Channel);
            activity.AddTag(MessagingAttributes.OperationType, "send");
            activity.AddTag(MessagingAttributes.OperationName, Operations.Names[(int)operation]);
            activity.AddTagIfPresent(MessagingAttributes.MessageId, message.MessageId);
            if (outgoing.DeadLetter is { } deadLetter)
            {
                activity.AddTag(MessagingAttributes.Endpoint, deadLetter.EndpointId);
            }
            else if (_details)
            {
                activity.AddTagIfPresent(MessagingAttributes.Endpoint, message.Headers.TargetEndpoint);
            }

            if (_details)
            {
                activity.AddTagIfPresent(MessagingAttributes.ConversationId, message.Headers.CorrelationId);
                activity.AddTag(MessagingAttributes.BodySize, ActivityTags.Boxed(message.Body.Length));
            }
        }

        switch (outgoing.Intent)
        {
            case OutgoingIntent.Redeliver when activity.Parent is { Kind: ActivityKind.Consumer } failed:
                message.Headers.Set(TraceContext.RetryOf, TraceContext.TraceParentOf(failed));
                break;
            case OutgoingIntent.Send or OutgoingIntent.Resend:
                TraceContext.Inject(activity, message.Headers);
                break;
        }

        return activity;
    }

    private void Sent(DeadLetter? deadLetter, Activity? activity, ChannelTelemetry channel, Operation operation)
    {
        if (activity is not null)
        {
            CallerContext.End(activity);
        }

        metrics.Sent.Add(1, channel.SentTags(operation));
        if (deadLetter is not null && metrics.DeadLetters.Enabled)
        {
            metrics.DeadLetters.Add(1, new TagList
            {
                { MessagingAttributes.System, channel.System },
                { MessagingAttributes.DestinationName, channel.Channel },
                { MessagingAttributes.Endpoint, deadLetter.EndpointId },
                { MessagingAttributes.ErrorType, deadLetter.ExceptionType },
            });
        }
    }

    private void Failed(Activity? activity, ChannelTelemetry channel, Operation operation, Exception error)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.AddException(error);
            CallerContext.End(activity);
        }

        if (metrics.Sent.Enabled)
        {
            var tags = new TagList(channel.SentTags(operation));
            tags.Add(MessagingAttributes.ErrorType, error.GetType().FullName);
            metrics.Sent.Add(1, tags);
        }
    }

    /// <summary><c>publish</c> for events, <c>send</c> for everything else sent; <c>retry</c>, <c>resend</c> and <c>dead_letter</c> by intent.</summary>
    private static Operation OperationOf(OutgoingMessage outgoing) => outgoing.Intent switch
    {
        OutgoingIntent.Redeliver => Operation.Retry,
        OutgoingIntent.Resend => Operation.Resend,
        OutgoingIntent.DeadLetter => Operation.DeadLetter,
        _ => outgoing.Message.Headers.Get(MessageHeaderNames.MessageKind) == "event" ? Operation.Publish : Operation.Send,
    };
}
