using System.Globalization;
using Conveyor.Channels;
using Conveyor.Diagnostics;
using Conveyor.Failures.DeadLetters;
using Conveyor.Inbound;
using Conveyor.Outgoing;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Failures;

/// <summary>
/// Where a message that finally failed goes: its endpoint's error channel, else the dead letter, else — when
/// neither took it — the final failure strategy decides (release, resend, ignore or stop). Error-channel messages,
/// dead letters and resends leave through the outgoing path like every other message.
/// </summary>
internal sealed class FailureHandler(
    MessageDispatcher dispatcher,
    Consumers.ConsumerStatusRegistry status,
    TimeProvider time,
    IEnumerable<IInboundFailureObserver> failureObservers,
    ILogger<FailureHandler> logger)
{
    private readonly IInboundFailureObserver[] _failureObservers = [.. failureObservers];

    private ConveyorRuntime Runtime => dispatcher.Runtime;

    public async ValueTask<ProcessingResult> FailAsync(InboundMessage inbound, RuntimeEndpoint? endpoint, Exception exception, int attempts, CancellationToken cancellationToken)
    {
        var message = inbound.Message;
        var endpointId = endpoint?.Id ?? message.Headers.TargetEndpoint ?? "(unrouted)";
        var errorChannel = endpoint is null ? Runtime.Options.DefaultErrorChannel : endpoint.Failure.ErrorChannel;
        var deadLetter = endpoint?.Failure.DeadLetter ?? Runtime.Options.DeadLetterEnabled;
        var strategy = endpoint?.Failure.FinalStrategy ?? Runtime.Options.FinalFailureStrategy;
        var destination = errorChannel is not null ? $"error channel '{errorChannel}'" : deadLetter ? "the dead letter" : $"final failure strategy {strategy}";
        Log.FinallyFailed(logger, exception, message.MessageId, inbound.Position, endpointId, attempts, destination);
        foreach (var observer in _failureObservers)
        {
            observer.FinallyFailed(inbound, endpointId, exception, attempts, destination);
        }

        try
        {
            if (errorChannel is not null)
            {
                await ToErrorChannelAsync(errorChannel, Annotate(message, inbound, endpointId, exception, attempts), cancellationToken).ConfigureAwait(false);
                return Failed(Acknowledgement.Completed);
            }

            if (deadLetter)
            {
                var entry = new DeadLetter(
                    message.MessageId ?? (string.IsNullOrEmpty(inbound.Position) ? MessageIds.New() : inbound.Position),
                    endpointId,
                    Annotate(message, inbound, endpointId, exception, attempts),
                    inbound.ChannelName,
                    inbound.Position,
                    exception.GetType().FullName ?? exception.GetType().Name,
                    exception.Message,
                    attempts,
                    time.GetUtcNow());
                await dispatcher.Sender.SendAsync(
                    new OutgoingMessage(entry.Message, inbound.ChannelName, OutgoingIntent.DeadLetter) { Source = inbound, DeadLetter = entry },
                    cancellationToken).ConfigureAwait(false);
                return Failed(Acknowledgement.Completed);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Counted where operators look (conveyor list, health checks): a dead letter that cannot be written means the
            // final failure strategy decides instead, and Release redelivers the message until the destination works.
            Log.FailureDestinationFailed(logger, e, message.MessageId, destination, strategy);
            status.DeadLetterWriteFailed(inbound.ChannelName);
        }

        return await ApplyAsync(strategy, inbound, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ProcessingResult> ApplyAsync(FinalFailureStrategy strategy, InboundMessage inbound, CancellationToken cancellationToken)
    {
        Log.FinalStrategyApplied(logger, inbound.Message.MessageId, inbound.Position, strategy);
        switch (strategy)
        {
            case FinalFailureStrategy.Ignore:
                return Failed(Acknowledgement.Completed);
            case FinalFailureStrategy.Stop:
                return Failed(Acknowledgement.Stop);
            case FinalFailureStrategy.Resend:
                try
                {
                    await dispatcher.Sender.SendAsync(
                        new OutgoingMessage(inbound.Message.Copy(), inbound.ChannelName, OutgoingIntent.Resend) { Source = inbound }, cancellationToken).ConfigureAwait(false);
                    return Failed(Acknowledgement.Completed);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.FailureDestinationFailed(logger, e, inbound.Message.MessageId, "its channel (resend)", FinalFailureStrategy.Release);
                    return Failed(Acknowledgement.Release);
                }

            default:
                return Failed(Acknowledgement.Release);
        }
    }

    private static ProcessingResult Failed(Acknowledgement acknowledgement) => new(acknowledgement, ProcessingOutcome.Failed);

    /// <summary>Hands a failed message to an error channel: its internal handler, or the registered channel.</summary>
    private async ValueTask ToErrorChannelAsync(string channel, TransportMessage message, CancellationToken cancellationToken)
    {
        if (Runtime.InternalByChannel.TryGetValue(channel, out var endpoint))
        {
            await dispatcher.InvokeErrorHandlerAsync(endpoint, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        message.Headers.Set(MessageHeaderNames.TargetEndpoint, Runtime.EndpointsOn(channel).FirstOrDefault(e => e.Info.Kind == EndpointKind.Internal)?.Id);
        await dispatcher.Sender.SendAsync(new OutgoingMessage(message, channel, OutgoingIntent.Send), cancellationToken).ConfigureAwait(false);
    }

    private static TransportMessage Annotate(TransportMessage message, InboundMessage inbound, string endpointId, Exception exception, int attempts)
    {
        var failed = message.Copy();
        failed.Headers.Set(MessageHeaderNames.ExceptionType, exception.GetType().FullName);
        failed.Headers.Set(MessageHeaderNames.ExceptionMessage, exception.Message);
        failed.Headers.Set(MessageHeaderNames.FailedChannel, inbound.ChannelName);
        failed.Headers.Set(MessageHeaderNames.FailedEndpoint, endpointId);
        failed.Headers.Set(MessageHeaderNames.DeliveryAttempt, attempts.ToString(CultureInfo.InvariantCulture));
        return failed;
    }
}
