using Conveyor.Channels;
using Conveyor.Diagnostics;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Failures.DeadLetters;
using Conveyor.Runtime;
using Conveyor.Scheduling;
using Microsoft.Extensions.Logging;

namespace Conveyor.Outgoing;

/// <summary>
/// The outgoing path: the middleware, then the destination. A message due later than its channel can wait goes to the
/// scheduler, which sends it back through <see cref="DeliverScheduledAsync"/> when it is due.
/// </summary>
internal sealed class MessageSender : IMessageSender
{
    private readonly ConveyorRuntime _runtime;
    private readonly IMessageScheduler _scheduler;
    private readonly IDeadLetterStore _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageSender> _logger;
    private readonly OutgoingDelegate _path;
    private readonly OutgoingTelemetry _telemetry;

    public MessageSender(
        ConveyorRuntime runtime,
        IMessageScheduler scheduler,
        IDeadLetterStore deadLetters,
        IEnumerable<IOutgoingMiddleware> middleware,
        OutgoingTelemetry telemetry,
        TimeProvider time,
        ILogger<MessageSender> logger)
    {
        _runtime = runtime;
        _scheduler = scheduler;
        _deadLetters = deadLetters;
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
        OutgoingDelegate path = DeliverAsync;

        // The outbox is the innermost step whoever registered first: every other middleware (a trace context) has
        // seen the message when it is written, and the relay delivers it past the middleware.
        foreach (var step in middleware.OrderBy(m => m is Outbox.OutboxOutgoingMiddleware).Reverse())
        {
            var next = path;
            path = (message, cancellationToken) => step.SendAsync(message, next, cancellationToken);
        }

        _path = path;
    }

    public TransportMessage Create(object? payload, IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null) =>
        Create(payload, metadata, HandlerContext.Current, null, contentType);

    public TransportMessage Create(object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, EndpointKind? kind, string? contentType = null)
    {
        var headers = MessageHeadersFactory.Create(payload is byte[] ? null : payload, metadata, parent, kind, _time, _telemetry.TraceHeaderRoom);
        if (contentType is not null)
        {
            headers.Set(MessageHeaderNames.ContentType, contentType);
        }

        var (body, type) = _runtime.Serializer.Serialize(payload, headers.ContentType);
        headers.Set(MessageHeaderNames.ContentType, type);
        return new TransportMessage(headers, body);
    }

    public ValueTask SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Traced first, before any middleware: an outbox stores the message with its trace context.
        return _telemetry.Enabled ? _telemetry.SendAsync(message, _path, cancellationToken) : _path(message, cancellationToken);
    }

    /// <summary>Sends a scheduled message that is due, past the middleware (it went through it when it was scheduled).</summary>
    public ValueTask DeliverScheduledAsync(ScheduledMessage scheduled, CancellationToken cancellationToken)
    {
        var channel = ChannelNamed(scheduled.Channel);
        return scheduled.Redeliver ? Receiving(channel).RedeliverAsync(scheduled.Message, cancellationToken) : channel.SendAsync(scheduled.Message, cancellationToken);
    }

    /// <summary>Sends a message to its destination past the middleware: the scheduled and outbox relays' way out.</summary>
    internal ValueTask DeliverAsync(OutgoingMessage outgoing, CancellationToken cancellationToken) => outgoing.Intent switch
    {
        OutgoingIntent.Send => ToChannelAsync(outgoing, redeliver: false, cancellationToken),
        OutgoingIntent.Redeliver => ToChannelAsync(outgoing, redeliver: true, cancellationToken),
        OutgoingIntent.Resend => (outgoing.Source ?? throw new InvalidOperationException("A resent message needs the received message it came from (Source)."))
            .ResendAsync(outgoing.Message, cancellationToken),
        OutgoingIntent.DeadLetter => DeadLetterStoreOf(outgoing.Destination).AddAsync(
            outgoing.DeadLetter ?? throw new InvalidOperationException("A dead-letter message needs its DeadLetter."), cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(outgoing), outgoing.Intent, "Unknown outgoing intent."),
    };

    private ValueTask ToChannelAsync(OutgoingMessage outgoing, bool redeliver, CancellationToken cancellationToken)
    {
        var channel = ChannelNamed(outgoing.Destination);
        var message = outgoing.Message;
        if (message.DeliverAt is { } due && due - _time.GetUtcNow() is { Ticks: > 0 } delay && !channel.Capabilities.CanDelay(delay))
        {
            Log.Scheduled(_logger, message.MessageId, channel.Name, due);
            message.SetDeliverAt(null);
            return _scheduler.ScheduleAsync(new ScheduledMessage(channel.Name, message, due, redeliver), cancellationToken);
        }

        if (redeliver)
        {
            return Receiving(channel).RedeliverAsync(message, cancellationToken);
        }

        return channel is IDeliveryReportingChannel reporting ? ReportAsync(reporting, outgoing, cancellationToken) : channel.SendAsync(message, cancellationToken);
    }

    private static async ValueTask ReportAsync(IDeliveryReportingChannel channel, OutgoingMessage outgoing, CancellationToken cancellationToken) =>
        outgoing.Receipt = await channel.SendReportingAsync(outgoing.Message, cancellationToken).ConfigureAwait(false);

    private IMessageChannel ChannelNamed(string name) =>
        _runtime.Channels.GetValueOrDefault(name)
            ?? throw new ConveyorConfigurationException($"There is no channel or publisher named '{name}'. Registered: {string.Join(", ", _runtime.Channels.Keys.Order(StringComparer.Ordinal))}.");

    private static IReceivingChannel Receiving(IMessageChannel channel) =>
        channel as IReceivingChannel ?? throw new InvalidOperationException($"Channel '{channel.Name}' can only be sent to; nothing can be delivered again to its consumers.");

    private IDeadLetterStore DeadLetterStoreOf(string channel) =>
        (_runtime.Channels.GetValueOrDefault(channel) as IReceivingChannel)?.DeadLetters ?? _deadLetters;
}
