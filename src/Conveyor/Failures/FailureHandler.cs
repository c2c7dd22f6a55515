using System.Globalization;
using Conveyor.Channels;
using Conveyor.Diagnostics;
using Conveyor.Failures.DeadLetters;
using Conveyor.Receiving;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Failures;

/// <summary>
/// Where a message that finally failed goes: its endpoint's error channel, else the dead letter, else — when
/// neither took it — the final failure strategy decides (release, resend, ignore or stop).
/// </summary>
internal sealed class FailureHandler(MessageDispatcher dispatcher, IDeadLetterStore deadLetters, TimeProvider time, ILogger<FailureHandler> logger)
{
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

        try
        {
            if (errorChannel is not null)
            {
                await dispatcher.SendFailedAsync(errorChannel, Annotate(message, inbound, endpointId, exception, attempts), cancellationToken).ConfigureAwait(false);
                return new ProcessingResult(Acknowledgement.Completed, true);
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
                var store = (Runtime.Channels.GetValueOrDefault(inbound.ChannelName) as IReceivingChannel)?.DeadLetters ?? deadLetters;
                await store.AddAsync(entry, cancellationToken).ConfigureAwait(false);
                return new ProcessingResult(Acknowledgement.Completed, true);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.FailureDestinationFailed(logger, e, message.MessageId, destination, strategy);
        }

        return await ApplyAsync(strategy, inbound, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ProcessingResult> ApplyAsync(FinalFailureStrategy strategy, InboundMessage inbound, CancellationToken cancellationToken)
    {
        Log.FinalStrategyApplied(logger, inbound.Message.MessageId, inbound.Position, strategy);
        switch (strategy)
        {
            case FinalFailureStrategy.Ignore:
                return new ProcessingResult(Acknowledgement.Completed, true);
            case FinalFailureStrategy.Stop:
                return new ProcessingResult(Acknowledgement.Stop, true);
            case FinalFailureStrategy.Resend:
                try
                {
                    await inbound.ResendAsync(inbound.Message.Copy(), cancellationToken).ConfigureAwait(false);
                    return new ProcessingResult(Acknowledgement.Completed, true);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.FailureDestinationFailed(logger, e, inbound.Message.MessageId, "its channel (resend)", FinalFailureStrategy.Release);
                    return new ProcessingResult(Acknowledgement.Release, true);
                }

            default:
                return new ProcessingResult(Acknowledgement.Release, true);
        }
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
