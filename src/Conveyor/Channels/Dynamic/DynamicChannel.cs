using Conveyor.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Channels.Dynamic;

/// <summary>
/// A channel composed of other channels of the application (in-memory, database, Kafka…): sending picks one
/// sub-channel per message (by header, round robin, or a decider), receiving takes one message at a time from the
/// sub-channels (round robin, throttled by a decider asked per sub-channel, or a decider naming the sub-channel) through
/// their pull primitive, <see cref="IReceivingChannel.TryReceiveAsync"/>.
/// </summary>
/// <remarks>
/// A received message keeps the sub-channel it came from as its <see cref="InboundMessage.ChannelName"/>: its retries,
/// delays and dead letter go back to that sub-channel, and a sub-channel can be consumed alone, by its own name, with
/// the handlers of the dynamic channel.
/// </remarks>
public sealed class DynamicChannel : IReceivingChannel
{
    private readonly DynamicChannelOptions _options;
    private readonly ILogger _logger;
    private IReadOnlyList<IMessageChannel> _sending = [];
    private TaskCompletionSource _arrived = NewSignal();

    internal DynamicChannel(string name, DynamicChannelOptions options, IServiceProvider services)
    {
        Name = name;
        _options = options;
        Deciders = new Deciders(services.GetRequiredService<IServiceScopeFactory>());
        _logger = services.GetService<ILogger<DynamicChannel>>() ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <remarks>What the sub-channels it receives from all can do; it can always pause (it checks between takes).</remarks>
    public ChannelCapabilities Capabilities { get; private set; } = ChannelCapabilities.SendOnly;

    /// <summary>The composition, as <c>conveyor list</c> shows it: how it sends and how it receives.</summary>
    public string? Address =>
        $"sends {_options.Sending!.Describe()}; receives {Receiving.Describe(ReceivingChannelNames)}";

    /// <inheritdoc />
    /// <remarks>Null: a message's dead letter goes where its sub-channel keeps dead letters.</remarks>
    public Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

    /// <inheritdoc />
    public FinalFailureStrategy? FinalFailureStrategy => null;

    /// <summary>The sub-channels a message may be sent to.</summary>
    public IReadOnlyList<string> SendingChannelNames => _options.Sending!.Channels;

    /// <summary>The sub-channels messages are received from.</summary>
    public IReadOnlyList<string> ReceivingChannelNames { get; private set; } = [];

    internal IReadOnlyList<IReceivingChannel> ReceivingChannels { get; private set; } = [];

    internal Deciders Deciders { get; }

    private ReceivingStrategy Receiving => _options.Receiving ?? DefaultReceiving;

    private RoundRobinReceiving DefaultReceiving { get; } = new([], null);

    /// <summary>
    /// Finds the sub-channels among the application's channels once they are all created; adds what is wrong to
    /// <paramref name="errors"/>, each with how to fix it.
    /// </summary>
    internal void Bind(IReadOnlyDictionary<string, IMessageChannel> channels, IServiceProvider services, List<string> errors)
    {
        var before = errors.Count;
        errors.AddRange(_options.Validate(Name));
        if (errors.Count > before)
        {
            return;
        }

        var receivingNames = Receiving.Declared.Count > 0 ? Receiving.Declared : _options.Sending!.Channels;
        var sending = Resolve(_options.Sending!.Channels, "sends to", channels, errors);
        var receiving = Resolve(receivingNames, "receives from", channels, errors);
        foreach (var name in receivingNames.Where(n => channels.GetValueOrDefault(n) is { } c && c is not IReceivingChannel))
        {
            errors.Add($"Dynamic channel '{Name}' receives from '{name}', which can only be sent to. Receive from channels that can be consumed (ReceiveRoundRobin(...) with their names).");
        }

        var isService = services.GetService<IServiceProviderIsService>();
        foreach (var decider in new[] { _options.Sending!.Decider, Receiving.Decider }.OfType<Type>())
        {
            if (isService is not null && !isService.IsService(decider))
            {
                errors.Add($"Dynamic channel '{Name}' uses decider {decider.Name}, which is not registered: add services.AddScoped<{decider.Name}>() (or AddSingleton) before AddConveyor.");
            }
        }

        if (errors.Count > before)
        {
            return;
        }

        _sending = sending;
        ReceivingChannelNames = receivingNames;
        ReceivingChannels = [.. receiving.Cast<IReceivingChannel>()];
        var capabilities = ReceivingChannels.Select(c => c.Capabilities).ToList();
        Capabilities = new ChannelCapabilities
        {
            CanReceive = true,
            KeepsOrderOnRelease = capabilities.All(c => c.KeepsOrderOnRelease),
            MaxDeliveryDelay = sending.Select(c => c.Capabilities.MaxDeliveryDelay).Aggregate(Timeout.InfiniteTimeSpan, Shorter),
            CompetingConsumers = capabilities.All(c => c.CompetingConsumers),
            ReportsLag = capabilities.All(c => c.ReportsLag),
            CanPause = true,
        };
    }

    /// <inheritdoc />
    /// <remarks>Sends to the sub-channel the sending strategy picks; a custom strategy that picks none discards the message.</remarks>
    public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) =>
        RouteAsync(message, redeliver: false, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Redelivers through the sub-channel the sending strategy picks.</remarks>
    public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) =>
        RouteAsync(message, redeliver: true, cancellationToken);

    /// <inheritdoc />
    /// <remarks>The sum over the sub-channels it receives from.</remarks>
    public async ValueTask<long?> GetLagAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var channel in ReceivingChannels)
        {
            if (await channel.GetLagAsync(cancellationToken).ConfigureAwait(false) is not { } lag)
            {
                return null;
            }

            total += lag;
        }

        return total;
    }

    /// <inheritdoc />
    /// <remarks>One take of the receiving strategy: the first sub-channel in its order that has a message and is not skipped.</remarks>
    public ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Receiving.TakeAsync(this, handler, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Takes one message at a time as the receiving strategy says; when nothing was taken it waits
    /// <see cref="DynamicChannelOptions.IdlePollInterval"/> (or until a message is sent through this channel) and asks
    /// again. With <see cref="ReceiveOptions.StopWhenEmpty"/> it returns once a take found nothing: every sub-channel
    /// was empty or skipped.
    /// </remarks>
    public async Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        long completed = 0;
        string? current = null;
        InboundMessageHandler remembering = (message, token) =>
        {
            current = message.Message.MessageId ?? message.Position;
            return handler(message, token);
        };

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (options.Pause is { } pause)
                {
                    await pause.WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }

                var arrived = _arrived.Task;
                switch (await Receiving.TakeAsync(this, remembering, cancellationToken).ConfigureAwait(false))
                {
                    case Acknowledgement.Completed:
                        completed++;
                        break;
                    case Acknowledgement.Stop:
                        return new ReceiveSummary(completed, current);
                    case null when options.StopWhenEmpty:
                        return new ReceiveSummary(completed);
                    case null:
                        await WaitAsync(arrived, options.Pause?.WhenPaused, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return new ReceiveSummary(completed);
    }

    internal void Skipped(string subChannel) => Log.DynamicChannelSkipped(_logger, Name, subChannel);

    private async ValueTask RouteAsync(TransportMessage message, bool redeliver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var strategy = _options.Sending!;
        var chosen = await strategy.ChooseAsync(Name, message, Deciders, cancellationToken).ConfigureAwait(false);
        if (chosen is null)
        {
            Log.DynamicChannelDiscarded(_logger, Name, message.MessageId, strategy.Decider?.Name ?? "(none)");
            return;
        }

        var target = _sending.First(c => c.Name == chosen);
        await (redeliver && target is IReceivingChannel receiving
            ? receiving.RedeliverAsync(message, cancellationToken)
            : target.SendAsync(message, cancellationToken)).ConfigureAwait(false);
        Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();
    }

    private async Task WaitAsync(Task arrived, Task? paused, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<Task> waits = [arrived, Task.Delay(_options.IdlePollInterval, stop.Token)];
        if (paused is not null)
        {
            waits.Add(paused);
        }

        await Task.WhenAny(waits).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private List<IMessageChannel> Resolve(IReadOnlyList<string> names, string what, IReadOnlyDictionary<string, IMessageChannel> channels, List<string> errors)
    {
        var found = new List<IMessageChannel>();
        foreach (var name in names)
        {
            if (name == Name)
            {
                errors.Add($"Dynamic channel '{Name}' {what} itself. Name other channels as its sub-channels.");
            }
            else if (!channels.TryGetValue(name, out var channel))
            {
                errors.Add($"Dynamic channel '{Name}' {what} '{name}', which is not a registered channel.{Runtime.NameSuggestions.DidYouMean(name, channels.Keys)} Register it (e.g. AddInMemoryChannel(\"{name}\")) in the same AddConveyor.");
            }
            else if (channel is DynamicChannel)
            {
                errors.Add($"Dynamic channel '{Name}' {what} '{name}', which is a dynamic channel too. Compose a dynamic channel of concrete channels only.");
            }
            else
            {
                found.Add(channel);
            }
        }

        return found;
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) =>
        a == Timeout.InfiniteTimeSpan ? b : b == Timeout.InfiniteTimeSpan ? a : a < b ? a : b;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
