using Conveyor.Channels;
using Conveyor.Diagnostics;
using Conveyor.Inbound;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Consumers;

/// <summary>Runs a channel's receive loop with the inbound pipeline and the run's limits.</summary>
internal sealed class ConsumerRunner(ConveyorRuntime runtime, InboundPipeline pipeline, Scheduling.ScheduledDeliveries scheduled, ConsumerStatusRegistry status, TimeProvider time, ILogger<ConsumerRunner> logger) : IConsumerRunner
{
    public IReadOnlyList<string> ConsumerNames =>
        [.. runtime.Channels.Where(c => c.Value is IReceivingChannel).Select(c => c.Key).Order(StringComparer.Ordinal)];

    /// <summary>The channels that have endpoints (or a distributed bus's own channel), which the hosted service runs by default.</summary>
    public IEnumerable<string> ChannelsWithEndpoints =>
        ConsumerNames.Where(name => runtime.EndpointsOn(name).Any() || runtime.EndpointsForwardingFrom(name).Any() || runtime.ConsumedChannels.Contains(name));

    public string ResolveChannel(string name)
    {
        if (runtime.Channels.ContainsKey(name))
        {
            return name;
        }

        if (runtime.Endpoints.TryGetValue(name, out var endpoint) && endpoint.Info.IsAsynchronous)
        {
            return endpoint.Info.Channel!;
        }

        // Suggest among everything that can be run: channels and the ids of asynchronous endpoints.
        var runnable = ConsumerNames.Concat(runtime.Endpoints.Values.Where(e => e.Info.IsAsynchronous).Select(e => e.Id));
        throw new ConveyorConfigurationException(
            $"There is no consumer named '{name}'.{NameSuggestions.DidYouMean(name, runnable)} Run one of: {string.Join(", ", ConsumerNames)} (see 'conveyor list').");
    }

    public Task PauseAsync(string name, CancellationToken cancellationToken = default)
    {
        var channelName = ResolveChannel(name);
        if (!runtime.Channels[channelName].Capabilities.CanPause)
        {
            throw new NotSupportedException(
                $"Consumer '{channelName}' cannot be paused: its channel (kind '{runtime.ChannelKinds.GetValueOrDefault(channelName)}') does not support pausing. Stop the consumer instead, or use a transport that can pause (in-memory, Kafka).");
        }

        Log.ConsumerPaused(logger, channelName);
        return status.PauseOf(channelName).PauseAsync(cancellationToken);
    }

    public Task ResumeAsync(string name, CancellationToken cancellationToken = default)
    {
        var channelName = ResolveChannel(name);
        Log.ConsumerResumed(logger, channelName);
        status.PauseOf(channelName).Resume();
        return Task.CompletedTask;
    }

    public async Task<ConsumerRunResult> RunAsync(string name, ConsumerRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ConsumerRunOptions();
        var channelName = ResolveChannel(name);
        if (runtime.Channels[channelName] is not IReceivingChannel channel)
        {
            throw new ConveyorConfigurationException($"Channel '{channelName}' can be sent to but not consumed.");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timeout = options.MaxDuration is { } duration ? new CancellationTokenSource(duration, time) : null;
        using var onTimeout = timeout?.Token.Register(limit.Cancel);

        // A stop ends the receive loop only: handlers already running keep an uncancelled token for ShutdownTimeout,
        // so in-flight messages finish and are acknowledged; after that they are cancelled and their messages kept.
        var abort = new CancellationTokenSource();
        using var handlerTokens = new LinkedAbortTokens(abort.Token);
        var shutdownTimeout = runtime.Options.ShutdownTimeout;
        ITimer? grace = null;
        var onStop = limit.Token.Register(() => grace = time.CreateTimer(_ => CancelQuietly(abort), null, shutdownTimeout, Timeout.InfiniteTimeSpan));
        long finished = 0, failed = 0, duplicates = 0;
        string? reason = null;

        // Scheduled messages (delays longer than a channel holds) are delivered while any consumer runs, also when it
        // runs outside the host (conveyor run); the host's own scheduler service shares the same run.
        using var scheduling = new CancellationTokenSource();
        var deliveries = scheduled.RunAsync(scheduling.Token);

        Log.ConsumerStarted(logger, channelName);
        status.Running(channelName);
        var statusEntry = status.EntryOf(channelName);
        var pause = channel.Capabilities.CanPause ? status.PauseOf(channelName) : null;
        using var attached = pause?.AttachLoop();
        ReceiveSummary summary;
        try
        {
            summary = await channel.ReceiveAsync(Handle, new ReceiveOptions { StopWhenEmpty = options.StopWhenEmpty, Pause = pause, Batched = runtime.IsBatchChannel(channelName) }, limit.Token).ConfigureAwait(false);
        }
        finally
        {
            attached?.Dispose();
            status.Stopped(channelName);
            await onStop.DisposeAsync().ConfigureAwait(false);
            grace?.Dispose();
            await scheduling.CancelAsync().ConfigureAwait(false);
            await deliveries.ConfigureAwait(false);
        }

        if (summary.StoppedOn is not null)
        {
            Log.ConsumerStoppedOnMessage(logger, channelName, summary.StoppedOn);
            reason = $"stopped on message {summary.StoppedOn} by the final failure strategy";
        }

        reason ??= cancellationToken.IsCancellationRequested ? "cancelled"
            : timeout?.IsCancellationRequested == true ? "time limit reached"
            : limit.IsCancellationRequested ? reason ?? "limit reached"
            : "channel empty";
        Log.ConsumerStopped(logger, channelName, finished);
        return new ConsumerRunResult(channelName, finished, failed, reason) { Duplicates = duplicates };

        // A message the pipeline finished at once — nearly every one — is counted without an async method of its own.
        ValueTask<Acknowledgement> Handle(InboundMessage message, CancellationToken lost)
        {
            var processing = pipeline.ProcessAsync(message, handlerTokens.For(lost));
            return processing.IsCompletedSuccessfully ? Finish(message, processing.Result) : HandleAsync(message, processing);
        }

        async ValueTask<Acknowledgement> HandleAsync(InboundMessage message, ValueTask<ProcessingResult> processing) =>
            await Finish(message, await processing.ConfigureAwait(false)).ConfigureAwait(false);

        ValueTask<Acknowledgement> Finish(InboundMessage message, ProcessingResult result)
        {
            if (result.Acknowledgement != Acknowledgement.Completed)
            {
                return new ValueTask<Acknowledgement>(result.Acknowledgement);
            }

            statusEntry.MessageFinished();
            var count = Interlocked.Increment(ref finished);
            if (result.Outcome == ProcessingOutcome.Duplicate)
            {
                Interlocked.Increment(ref duplicates);
            }

            var stop = false;
            if (result.Failed)
            {
                Interlocked.Increment(ref failed);
                if (options.StopOnFailure)
                {
                    reason = $"stopped on failure of message {message.Message.MessageId}";
                    stop = true;
                }
            }

            if (count >= options.MaxMessages)
            {
                reason ??= $"handled {count} message(s)";
                stop = true;
            }

            return stop ? StopAsync() : new ValueTask<Acknowledgement>(Acknowledgement.Completed);
        }

        async ValueTask<Acknowledgement> StopAsync()
        {
            await limit.CancelAsync().ConfigureAwait(false);
            return Acknowledgement.Completed;
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
