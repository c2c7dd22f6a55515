using Conveyor.Channels;
using Conveyor.Deduplication;
using Conveyor.Diagnostics;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Failures;
using Conveyor.Outgoing;
using Conveyor.Runtime;
using Conveyor.Serialization;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Inbound;

/// <summary>
/// Where every received message is handled, its steps in this order:
/// <list type="number">
/// <item>route — <see cref="InboundRouter"/> finds the endpoint (several: fan out one copy each, then done);</item>
/// <item>decode — the body becomes the handler's payload type;</item>
/// <item>begin the unit of work, and claim the deduplication key inside it (a duplicate is skipped);</item>
/// <item>get the handler instance, invoke it with its interceptors around (instant retries re-run these steps in a new unit of work);</item>
/// <item>handle the result — the output channel;</item>
/// <item>hand the messages sent while handling to the outgoing path;</item>
/// <item>commit the unit of work;</item>
/// <item>acknowledge — returned to the channel, which commits the offset or removes the message.</item>
/// </list>
/// A failure after the instant retries is retried later (a redelivery with a due time through the outgoing path) or
/// given to <see cref="FailureHandler"/>. The pipeline returns only when the message is finished, so the channel
/// acknowledges nothing early.
/// </summary>
internal sealed class InboundPipeline(
    MessageDispatcher dispatcher,
    InboundRouter router,
    FailureHandler failures,
    IDeduplicationStore deduplication,
    IUnitOfWorkFactory unitsOfWork,
    IServiceScopeFactory scopes,
    IEnumerable<IInboundFailureObserver> failureObservers,
    InboundTelemetry telemetry,
    ILogger<InboundPipeline> logger)
{
    private readonly IInboundFailureObserver[] _failureObservers = [.. failureObservers];

    private ConveyorRuntime Runtime => dispatcher.Runtime;

    /// <summary>Processes <paramref name="inbound"/>; traced and measured when anything listens (<see cref="InboundTelemetry"/>).</summary>
    public ValueTask<ProcessingResult> ProcessAsync(InboundMessage inbound, CancellationToken cancellationToken) =>
        inbound.Batch is null ? ProcessAloneAsync(inbound, cancellationToken) : ProcessBatchMemberAsync(inbound, cancellationToken);

    private ValueTask<ProcessingResult> ProcessAloneAsync(InboundMessage inbound, CancellationToken cancellationToken) =>
        telemetry.Enabled ? ProcessObservedAsync(inbound, cancellationToken) : ProcessAsync(inbound, null, cancellationToken);

    // A message of a batch that did not join its batch handler (it could not be read or decoded, it was forwarded…)
    // leaves the batch however it ended, so that the rest of the batch does not wait for it.
    private async ValueTask<ProcessingResult> ProcessBatchMemberAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        try
        {
            return await ProcessAloneAsync(inbound, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            inbound.Batch!.Leave(inbound.BatchIndex);
        }
    }

    private async ValueTask<ProcessingResult> ProcessObservedAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        var observation = telemetry.Start(inbound);
        ProcessingResult result;
        try
        {
            result = await ProcessAsync(inbound, observation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            observation.Finish(null, e);
            throw;
        }

        observation.Finish(result);
        return result;
    }

    private async ValueTask<ProcessingResult> ProcessAsync(InboundMessage inbound, InboundObservation? observation, CancellationToken cancellationToken)
    {
        if (inbound.ReadError is { } readError)
        {
            return await failures.FailAsync(inbound, null, new MessageConversionException(readError), 1, cancellationToken).ConfigureAwait(false);
        }

        if (inbound.Message.Headers.Get(Distributed.DistributedHeaders.ForwardTo) is { } forwardTo)
        {
            return await ForwardAsync(inbound, forwardTo, cancellationToken).ConfigureAwait(false);
        }

        // 1. Route.
        RuntimeEndpoint endpoint;
        try
        {
            var (single, fanOut) = router.Route(inbound);
            if (fanOut is { Count: 0 })
            {
                return ProcessingResult.Handled;
            }

            if (fanOut is not null)
            {
                await FanOutAsync(inbound, fanOut, cancellationToken).ConfigureAwait(false);
                return ProcessingResult.Handled;
            }

            endpoint = single!;
            observation?.Routed(endpoint.Id);
        }
        catch (MessageRoutingException e)
        {
            return await failures.FailAsync(inbound, null, e, 1, cancellationToken).ConfigureAwait(false);
        }

        // A chain ([Asynchronous("db", "kafka")]): received on a channel before the last, the message goes on to the next.
        if (endpoint.Info.NextChannelAfter(inbound.ChannelName) is { } next)
        {
            try
            {
                await dispatcher.Sender.SendAsync(new OutgoingMessage(inbound.Message.Copy(), next, OutgoingIntent.Send) { Source = inbound }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                return await failures.FailAsync(inbound, endpoint, new ConveyorException($"Forwarding the message to channel '{next}', the next of its chain, failed: {e.Message}", e), 1, cancellationToken).ConfigureAwait(false);
            }

            Log.ForwardedInChain(logger, inbound.Message.MessageId, endpoint.Id, inbound.ChannelName, next);
            return ProcessingResult.Handled;
        }

        // 2. Decode, once: a body that does not convert will not convert on a retry either.
        object? payload;
        try
        {
            payload = endpoint.PayloadType is { } type ? Runtime.Serializer.Deserialize(inbound.Message.Body, inbound.Message.Headers.ContentType, type) : null;
        }
        catch (MessageConversionException e)
        {
            return await failures.FailAsync(inbound, endpoint, e, 1, cancellationToken).ConfigureAwait(false);
        }

        if (endpoint.Descriptor.Batch is not null && inbound.Batch is { } batch)
        {
            return await HandleInBatchAsync(batch, endpoint, inbound, payload, observation, cancellationToken).ConfigureAwait(false);
        }

        return await HandleWithFailuresAsync(endpoint, inbound, payload, observation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A message of a batch: it waits for the rest, and the batch handler runs once for all of them (with the endpoint's
    /// instant retries, in one unit of work). When that fails, each message is handled alone, one after another in the
    /// batch's order, with its own retries and dead letter: only the messages that fail alone end there.
    /// </summary>
    private async ValueTask<ProcessingResult> HandleInBatchAsync(
        InboundBatch batch, RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, InboundObservation? observation, CancellationToken cancellationToken)
    {
        var group = await batch.JoinAsync(inbound.BatchIndex, endpoint, inbound, payload).ConfigureAwait(false);
        var error = await group.HandleOnceAsync(async g => (await HandleAsync(g.Endpoint, g.Members[0].Message, null, cancellationToken, g).ConfigureAwait(false)).Error).ConfigureAwait(false);
        if (error is null)
        {
            return ProcessingResult.Handled;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Given up (the partition was lost, or the stop's grace period is over): none of it is finished.
            return new ProcessingResult(Acknowledgement.Release, ProcessingOutcome.Handled);
        }

        var position = group.PositionOf(inbound);
        if (position == 0)
        {
            Log.BatchFailed(logger, error, endpoint.Id, group.Members.Count);
        }

        await group.TurnAsync(position).ConfigureAwait(false);
        try
        {
            return await HandleWithFailuresAsync(endpoint, inbound, payload, observation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            group.HandledAlone(position);
        }
    }

    /// <summary>
    /// Handles one message with the endpoint's retries; a failure after them is retried later or given to the failure
    /// handler. A first attempt that succeeds at once — nearly every message — returns without the async method below.
    /// </summary>
    private ValueTask<ProcessingResult> HandleWithFailuresAsync(
        RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, InboundObservation? observation, CancellationToken cancellationToken)
    {
        var first = HandleAsync(endpoint, inbound, payload, cancellationToken);
        if (!first.IsCompletedSuccessfully)
        {
            return HandleWithFailuresAsync(endpoint, inbound, payload, observation, first, cancellationToken);
        }

        var (error, duplicate) = first.Result;
        return error is null
            ? new ValueTask<ProcessingResult>(duplicate ? ProcessingResult.Duplicate : ProcessingResult.Handled)
            : HandleWithFailuresAsync(endpoint, inbound, payload, observation, new ValueTask<(Exception?, bool)>((error, duplicate)), cancellationToken);
    }

    private async ValueTask<ProcessingResult> HandleWithFailuresAsync(
        RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, InboundObservation? observation, ValueTask<(Exception? Error, bool Duplicate)> first, CancellationToken cancellationToken)
    {
        var attempts = inbound.Message.Headers.DeliveryAttempt;
        for (var attempt = first; ; attempt = HandleAsync(endpoint, inbound, payload, cancellationToken))
        {
            var (error, duplicate) = await attempt.ConfigureAwait(false);
            if (error is null)
            {
                return duplicate ? ProcessingResult.Duplicate : ProcessingResult.Handled;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return new ProcessingResult(Acknowledgement.Release, ProcessingOutcome.Handled);
            }

            attempts++;
            if (endpoint.Failure.DelayedRetry is not { } retry || error is INonRetryableException || attempts > retry.MaxAttempts)
            {
                return await failures.FailAsync(inbound, endpoint, error, attempts, cancellationToken).ConfigureAwait(false);
            }

            var delay = retry.DelayFor(attempts - 1);
            Log.RetryScheduled(logger, error, endpoint.Id, inbound.Message.MessageId, attempts, delay);
            foreach (var observer in _failureObservers)
            {
                observer.RetryScheduled(inbound, endpoint.Id, error, attempts, delay);
            }

            var channel = Runtime.Channels.GetValueOrDefault(inbound.ChannelName);
            if (channel is null || channel.Capabilities.RetriesWaitInPlace)
            {
                if (!await WaitInPlaceAsync(inbound, delay, cancellationToken).ConfigureAwait(false))
                {
                    return new ProcessingResult(Acknowledgement.Release, ProcessingOutcome.Handled);
                }

                continue;
            }

            try
            {
                await RedeliverLaterAsync(inbound, endpoint, attempts, delay, cancellationToken).ConfigureAwait(false);
                observation?.RetryScheduled();
                return ProcessingResult.Handled;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                return await failures.FailAsync(
                    inbound, endpoint, new ConveyorException($"Scheduling a delayed retry failed ({e.Message}) after the handler failed: {error.Message}", error), attempts, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Steps 3 to 7 for one attempt, with the endpoint's instant retries: each attempt runs in a unit of work of its own
    /// that commits only when the handler succeeded. Returns the exception the last attempt ended with, or null. With
    /// <paramref name="batch"/>, the batch handler runs once for its members (<paramref name="inbound"/> is the first).
    /// </summary>
    public ValueTask<(Exception? Error, bool Duplicate)> HandleAsync(RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, CancellationToken cancellationToken, BatchGroup? batch = null)
    {
        // An attempt that succeeds at once returns without the async method below.
        var first = HandleOnceAsync(endpoint, inbound, payload, batch, cancellationToken);
        return first.IsCompletedSuccessfully
            ? new ValueTask<(Exception?, bool)>((null, first.Result))
            : HandleWithInstantRetriesAsync(endpoint, inbound, payload, first, batch, cancellationToken);
    }

    private async ValueTask<(Exception? Error, bool Duplicate)> HandleWithInstantRetriesAsync(
        RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, ValueTask<bool> first, BatchGroup? batch, CancellationToken cancellationToken)
    {
        var message = inbound.Message;
        for (var retries = 0; ; retries++)
        {
            Exception? error;
            try
            {
                var duplicate = await (retries == 0 ? first : HandleOnceAsync(endpoint, inbound, payload, batch, cancellationToken)).ConfigureAwait(false);
                return (null, duplicate);
            }
            catch (Exception e)
            {
                error = e;
            }

            if (!endpoint.Failure.ShouldRetryInstantly(error, retries) || cancellationToken.IsCancellationRequested)
            {
                return (error, false);
            }

            Log.InstantRetry(logger, error, endpoint.Id, message.MessageId, retries + 1);
            telemetry.InstantRetry(endpoint, error, retries + 1);
        }
    }

    private async ValueTask<bool> HandleOnceAsync(RuntimeEndpoint endpoint, InboundMessage inbound, object? payload, BatchGroup? batch, CancellationToken cancellationToken)
    {
        var message = inbound.Message;
        AsyncServiceScope? scope = endpoint.NeedsScope ? scopes.CreateAsyncScope() : null;
        try
        {
            var services = scope?.ServiceProvider ?? dispatcher.RootServices;
            // 3. Begin the unit of work; the deduplication claim is made inside it, so that a database store's claim
            // commits in the same transaction as the handler's own writes and its outbox rows.
            var unitOfWork = await unitsOfWork.BeginAsync(services, cancellationToken).ConfigureAwait(false);
            try
            {
                if (scope is not null)
                {
                    services.GetRequiredService<UnitOfWorkAccessor>().Current = unitOfWork;
                }

                var key = endpoint.Deduplication?.KeyOf(message.Headers, payload);
                if (key is not null && !await deduplication.TryClaimAsync(endpoint.Id, key, unitOfWork, cancellationToken).ConfigureAwait(false))
                {
                    Log.DuplicateSkipped(logger, message.MessageId, endpoint.Id, key);
                    await unitOfWork.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                }

                // 4. Instance and invocation, with the interceptors around it; 5. the result (output channel).
                var pending = new PendingMessages();
                var context = endpoint.Descriptor.Batch is { } shape
                    ? BatchContext(endpoint, shape, inbound, payload, batch, services, pending, cancellationToken)
                    : new HandlerContext(endpoint.Info, payload, message.Headers, services, Runtime.Time, pending, cancellationToken);
                await dispatcher.InvokeWithPoliciesAsync(endpoint, context, instantRetries: false).ConfigureAwait(false);

                // 6. Hand what the handler sent to the outgoing path, in the order it was sent.
                if (pending.Take() is { } sent)
                {
                    foreach (var outgoing in sent)
                    {
                        outgoing.UnitOfWork = unitOfWork;
                        await dispatcher.Sender.SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
                    }
                }

                // 7. Commit, with the acknowledgement when the channel makes it in the same transaction.
                if (batch is null)
                {
                    await inbound.AcknowledgeInAsync(unitOfWork, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    foreach (var (member, _) in batch.Members)
                    {
                        await member.AcknowledgeInAsync(unitOfWork, cancellationToken).ConfigureAwait(false);
                    }
                }

                await unitOfWork.CommitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
            catch
            {
                await unitOfWork.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
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
    /// A batch handler's invocation: the list of the batch's members, or of the one message handled alone. A batch has no
    /// headers of its own: messages sent from it start a new correlation (each message's headers are in Received&lt;T&gt;).
    /// </summary>
    private HandlerContext BatchContext(
        RuntimeEndpoint endpoint, Handlers.BatchShape shape, InboundMessage inbound, object? payload, BatchGroup? batch, IServiceProvider services, PendingMessages pending, CancellationToken cancellationToken)
    {
        var list = batch is null
            ? shape.Build([(payload, inbound.Message.Headers)])
            : shape.Build([.. batch.Members.Select(m => (m.Payload, m.Message.Message.Headers))]);
        return new HandlerContext(endpoint.Info, list, batch is null ? inbound.Message.Headers : new MessageHeaders(), services, Runtime.Time, pending, cancellationToken);
    }

    private async ValueTask FanOutAsync(InboundMessage inbound, IReadOnlyList<RuntimeEndpoint> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints)
        {
            var copy = inbound.Message.Copy();
            copy.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
            await dispatcher.Sender.SendAsync(new OutgoingMessage(copy, inbound.ChannelName, OutgoingIntent.Resend) { Source = inbound }, cancellationToken).ConfigureAwait(false);
        }

        Log.FannedOut(logger, inbound.Message.MessageId, inbound.ChannelName, endpoints.Count);
    }

    /// <summary>
    /// A distributed bus's message taken from its sender's asynchronous channel goes on to its service's channel, as it
    /// was sent. A send that fails releases it, to be forwarded again: nothing is lost, and the receiver's deduplication
    /// takes a copy forwarded twice once.
    /// </summary>
    private async ValueTask<ProcessingResult> ForwardAsync(InboundMessage inbound, string channel, CancellationToken cancellationToken)
    {
        var forwarded = inbound.Message.Copy();
        forwarded.Headers.Set(Distributed.DistributedHeaders.ForwardTo, null);
        try
        {
            await dispatcher.Sender.SendAsync(new OutgoingMessage(forwarded, channel, OutgoingIntent.Send), cancellationToken).ConfigureAwait(false);
            return ProcessingResult.Handled;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Distributed.DistributedLog.ForwardFailed(logger, e, inbound.Message.MessageId, channel);
            return new ProcessingResult(Acknowledgement.Release, ProcessingOutcome.Handled);
        }
    }

    /// <summary>A delayed retry: the message goes back to its channel's own consumers, addressed to the endpoint, due after the delay.</summary>
    private ValueTask RedeliverLaterAsync(InboundMessage inbound, RuntimeEndpoint endpoint, int attempts, TimeSpan delay, CancellationToken cancellationToken)
    {
        var later = inbound.Message.Copy();
        later.Headers.Set(MessageHeaderNames.DeliveryAttempt, attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        later.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
        later.SetDeliverAt(Runtime.Time.GetUtcNow() + delay);
        return dispatcher.Sender.SendAsync(new OutgoingMessage(later, inbound.ChannelName, OutgoingIntent.Redeliver) { Source = inbound }, cancellationToken);
    }

    /// <summary>
    /// Waits before the next attempt on a channel whose retries wait in place. Waiting is no work in progress: it ends as
    /// soon as the channel gives the message up, not after the grace period the handler's token allows (KafkaFlow #581:
    /// a retry must not hold a rebalance). False when it was given up.
    /// </summary>
    private async ValueTask<bool> WaitInPlaceAsync(InboundMessage inbound, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, inbound.Revoked);
        try
        {
            await Task.Delay(delay, Runtime.Time, wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
