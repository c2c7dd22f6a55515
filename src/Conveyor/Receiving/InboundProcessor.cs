using System.Globalization;
using Conveyor.Channels;
using Conveyor.Deduplication;
using Conveyor.Diagnostics;
using Conveyor.Failures;
using Conveyor.Runtime;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Receiving;

/// <summary>
/// Where a received message is handled: routed to its endpoint, converted, deduplicated, run with instant retries,
/// and on failure retried later or handed to <see cref="FailureHandler"/>. It returns only when the message is
/// finished, so the channel acknowledges (commits) nothing early.
/// </summary>
internal sealed class InboundProcessor(
    MessageDispatcher dispatcher,
    FailureHandler failures,
    IDeduplicationStore deduplication,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<InboundProcessor> logger)
{
    private ConveyorRuntime Runtime => dispatcher.Runtime;

    public async ValueTask<ProcessingResult> ProcessAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        if (inbound.ReadError is { } readError)
        {
            return await failures.FailAsync(inbound, null, new Serialization.MessageConversionException(readError), 1, cancellationToken).ConfigureAwait(false);
        }

        RuntimeEndpoint? endpoint;
        try
        {
            endpoint = await ResolveAsync(inbound, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageRoutingException e)
        {
            return await failures.FailAsync(inbound, null, e, 1, cancellationToken).ConfigureAwait(false);
        }

        if (endpoint is null)
        {
            return ProcessingResult.Completed;
        }

        var attempts = inbound.Message.Headers.DeliveryAttempt;
        while (true)
        {
            var error = await TryHandleAsync(endpoint, inbound.Message, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                return ProcessingResult.Completed;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return new ProcessingResult(Acknowledgement.Release, false);
            }

            attempts++;
            if (endpoint.Failure.DelayedRetry is { } retry && error is not INonRetryableException && attempts <= retry.MaxAttempts)
            {
                var delay = retry.DelayFor(attempts - 1);
                Log.RetryScheduled(logger, error, endpoint.Id, inbound.Message.MessageId, attempts, delay);
                if (!inbound.CanSchedule)
                {
                    // Waiting is no work in progress: it ends as soon as the channel gives the message up, not after
                    // the grace period the handler's token allows (KafkaFlow #581: a retry must not hold a rebalance).
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, inbound.Revoked);
                    try
                    {
                        await Task.Delay(delay, time, wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return new ProcessingResult(Acknowledgement.Release, false);
                    }

                    continue;
                }

                var later = inbound.Message.Copy();
                later.Headers.Set(MessageHeaderNames.DeliveryAttempt, attempts.ToString(CultureInfo.InvariantCulture));
                later.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
                try
                {
                    await inbound.ScheduleAsync(later, delay, cancellationToken).ConfigureAwait(false);
                    return ProcessingResult.Completed;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    error = new ConveyorException($"Scheduling a delayed retry failed ({e.Message}) after the handler failed: {error.Message}", error);
                }
            }

            return await failures.FailAsync(inbound, endpoint, error, attempts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the endpoint on a message once (with its instant retries); returns the exception it ended with, or null.</summary>
    public async ValueTask<Exception?> TryHandleAsync(RuntimeEndpoint endpoint, TransportMessage message, CancellationToken cancellationToken)
    {
        AsyncServiceScope? scope = endpoint.NeedsScope ? scopes.CreateAsyncScope() : null;
        InMemoryUnitOfWork? unitOfWork = null;
        try
        {
            var payload = endpoint.PayloadType is { } type
                ? Runtime.Serializer.Deserialize(message.Body, message.Headers.ContentType, type)
                : null;

            var key = endpoint.Deduplication?.KeyOf(message.Headers, payload);
            var services = scope?.ServiceProvider ?? dispatcher.RootServices;
            unitOfWork = new InMemoryUnitOfWork(services);
            if (key is not null && !await deduplication.TryClaimAsync(endpoint.Id, key, unitOfWork, cancellationToken).ConfigureAwait(false))
            {
                Log.DuplicateSkipped(logger, message.MessageId, endpoint.Id, key);
                await unitOfWork.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            var context = new HandlerContext(endpoint.Info, payload, message.Headers, services, cancellationToken);
            await dispatcher.InvokeWithPoliciesAsync(endpoint, context).ConfigureAwait(false);
            await unitOfWork.CommitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            if (unitOfWork is not null)
            {
                await unitOfWork.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return e;
        }
        finally
        {
            if (scope is { } s)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Finds the endpoint a message is for: the one it is addressed to, the consumer endpoint that owns the channel,
    /// or the endpoints subscribed to its name on this channel. Several subscribers get a copy each and null is returned.
    /// </summary>
    private async ValueTask<RuntimeEndpoint?> ResolveAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        var headers = inbound.Message.Headers;
        if (Runtime.Endpoints.GetValueOrDefault(inbound.ChannelName) is { Info.Kind: EndpointKind.Consumer } owner)
        {
            // A consumer endpoint owns everything on its source, whatever a foreign producer's headers say.
            return owner;
        }

        if (headers.TargetEndpoint is { } target)
        {
            return Runtime.Endpoints.GetValueOrDefault(target)
                ?? throw new MessageRoutingException(
                    $"The message is addressed to endpoint '{target}', which this service does not have. Deploy the endpoint, then replay the message from the dead letter.");
        }

        var onChannel = Runtime.EndpointsOn(inbound.ChannelName).ToList();
        if (onChannel.Count == 1 && onChannel[0].Info.Kind is EndpointKind.Internal)
        {
            return onChannel[0];
        }

        var name = headers.RoutingKey ?? headers.MessageName
            ?? throw new MessageRoutingException(
                $"The message on channel '{inbound.ChannelName}' has neither a '{MessageHeaderNames.TargetEndpoint}', '{MessageHeaderNames.RoutingKey}' nor '{MessageHeaderNames.MessageName}' header, so no handler can be chosen.");

        var matching = onChannel.Where(e => Accepts(e, name)).ToList();
        switch (matching.Count)
        {
            case 0:
                throw new MessageRoutingException(
                    $"No handler on channel '{inbound.ChannelName}' accepts message name '{name}'. Known names here: {string.Join(", ", onChannel.Select(e => e.Info.Routing ?? MessageNames.Of(e.PayloadType!)).Distinct())}.");
            case 1:
                return matching[0];
        }

        foreach (var endpoint in matching)
        {
            var copy = inbound.Message.Copy();
            copy.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
            await inbound.ResendAsync(copy, cancellationToken).ConfigureAwait(false);
        }

        Log.FannedOut(logger, headers.MessageId, inbound.ChannelName, matching.Count);
        return null;
    }

    private static bool Accepts(RuntimeEndpoint endpoint, string name) =>
        endpoint.Info.Routing is { } routing
            ? RoutingPattern.Matches(routing, name)
            : endpoint.PayloadType is { } type && MessageNames.Of(type) == name;
}
