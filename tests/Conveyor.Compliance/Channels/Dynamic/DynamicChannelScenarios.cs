using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Conveyor.Channels;
using Conveyor.Channels.Dynamic;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Compliance.Channels.Dynamic;

/// <summary>
/// Every sending and receiving strategy of a dynamic channel, over sub-channels of one transport: derive a test class,
/// register a sub-channel in <see cref="AddSubChannel"/>, and build the application in <see cref="BuildAsync"/>.
/// </summary>
public abstract class DynamicChannelScenarios : IAsyncLifetime
{
    private readonly List<IServiceProvider> _providers = [];

    /// <summary>The longest a scenario waits for deliveries.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a take from a sub-channel with messages always hands one out (in-memory); false when a sub-channel may
    /// need a moment before its first take finds anything (a Kafka consumer joining its group), so that only what was
    /// delivered, not the exact interleaving, is checked.
    /// </summary>
    protected virtual bool TakesAtOnce => true;

    /// <summary>Registers a sub-channel named <paramref name="name"/> that no other test uses.</summary>
    /// <param name="conveyor">The builder.</param>
    /// <param name="name">The channel name.</param>
    protected abstract void AddSubChannel(ConveyorBuilder conveyor, string name);

    /// <summary>Builds the application; the runtime is built before it is returned, so configuration errors throw here.</summary>
    /// <param name="services">Adds services (deciders).</param>
    /// <param name="conveyor">Configures Conveyor.</param>
    /// <returns>The service provider; disposed after the test.</returns>
    protected abstract Task<IServiceProvider> BuildAsync(Action<IServiceCollection> services, Action<ConveyorBuilder> conveyor);

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            if (provider is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>A header value picks its sub-channel; an unmapped value and a missing header go to the default.</summary>
    [Fact]
    public async Task SendByHeader_MappedValueToItsChannel_OthersToTheDefault()
    {
        var app = await AppAsync(["premium", "shared"], d => d.SendByHeader("tenant", new Dictionary<string, string> { ["acme"] = "premium" }, "shared"));

        await app.Orders.SendAsync(Message("1", tenant: "acme"), CancellationToken.None);
        await app.Orders.SendAsync(Message("2", tenant: "globex"), CancellationToken.None);
        await app.Orders.SendAsync(Message("3", tenant: null), CancellationToken.None);

        (await DrainAsync(app.Sub("premium"), 1)).ShouldBe(["1"]);
        (await DrainAsync(app.Sub("shared"), 2)).Order(StringComparer.Ordinal).ShouldBe(["2", "3"]);
    }

    /// <summary>Without a default, a value nothing maps is an error that names the value, and nothing is sent.</summary>
    [Fact]
    public async Task SendByHeader_WithoutDefault_AnUnmappedValueFailsNamingIt()
    {
        var app = await AppAsync(["premium"], d => d.SendByHeader("tenant", new Dictionary<string, string> { ["acme"] = "premium" }));

        var error = await Should.ThrowAsync<ConveyorException>(() => app.Orders.SendAsync(Message("1", tenant: "initech"), CancellationToken.None).AsTask());

        error.Message.ShouldContain("'initech'");
        error.Message.ShouldContain("'tenant'");
        (await app.Sub("premium").GetLagAsync(CancellationToken.None) ?? 0).ShouldBe(0);
    }

    /// <summary>Round robin sending spreads messages over the sub-channels in turn.</summary>
    [Fact]
    public async Task SendRoundRobin_SendsToEachSubChannelInTurn()
    {
        var app = await AppAsync(["one", "two"], d => d.SendRoundRobin("one", "two"));

        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await app.Orders.SendAsync(Message(id), CancellationToken.None);
        }

        (await DrainAsync(app.Sub("one"), 2)).Order(StringComparer.Ordinal).ShouldBe(["1", "3"]);
        (await DrainAsync(app.Sub("two"), 2)).Order(StringComparer.Ordinal).ShouldBe(["2", "4"]);
    }

    /// <summary>A custom decider names the sub-channel, or none: that message is discarded.</summary>
    [Fact]
    public async Task SendWith_TheDeciderChoosesTheSubChannel_OrNoneToDiscard()
    {
        var app = await AppAsync(["one", "two"], d => d.SendWith<HeaderDecider>("one", "two"), s => s.AddSingleton<HeaderDecider>());

        await app.Orders.SendAsync(Message("1", route: "two"), CancellationToken.None);
        await app.Orders.SendAsync(Message("2", route: null), CancellationToken.None);
        await app.Orders.SendAsync(Message("3", route: "one"), CancellationToken.None);

        (await DrainAsync(app.Sub("one"), 1)).ShouldBe(["3"]);
        (await DrainAsync(app.Sub("two"), 1)).ShouldBe(["1"]);
        (await app.Orders.GetLagAsync(CancellationToken.None) ?? 0).ShouldBe(0, "message 2 was discarded");
    }

    /// <summary>Receiving round robin takes one message from each sub-channel in turn, each sub-channel in its own order.</summary>
    [Fact]
    public async Task ReceiveRoundRobin_TakesFromEachSubChannelInTurn()
    {
        var app = await AppAsync(["one", "two"], d => d.SendByHeader("tenant", new Dictionary<string, string> { ["a"] = "one", ["b"] = "two" }).ReceiveRoundRobin("one", "two"));
        foreach (var (id, tenant) in new[] { ("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("b2", "b") })
        {
            await app.Orders.SendAsync(Message(id, tenant), CancellationToken.None);
        }

        var probe = new ReceiveProbe(TimeProvider.System);
        await RunUntilAsync(app.Orders, probe, d => d.Count >= 5, "all five messages arrived");

        probe.Ids.Order(StringComparer.Ordinal).ShouldBe(["a1", "a2", "a3", "b1", "b2"]);
        probe.Deliveries.Select(d => d.Message.ChannelName).Distinct().Order(StringComparer.Ordinal).ToArray().ShouldBe(["one", "two"], customMessage: "a message names the sub-channel it came from");
        if (TakesAtOnce)
        {
            probe.Ids.ShouldBe(["a1", "b1", "a2", "b2", "a3"], "one from each sub-channel in turn");
        }
    }

    /// <summary>
    /// Seed 001's throttling: a tenant may have 5 orders a day processed. The decision, asked per sub-channel before each
    /// take, skips a tenant at its limit: its further orders are not taken at all (they wait, uncounted), while the
    /// other tenant's flow.
    /// </summary>
    [Fact]
    public async Task ReceiveThrottled_SkipsATenantAtItsDailyLimit_WithoutConsumingItsMessages()
    {
        var limit = new DailyOrderLimit(5);
        var app = await AppAsync(
            ["tenant_a", "tenant_b"],
            d => d.SendByHeader("tenant", new Dictionary<string, string> { ["a"] = "tenant_a", ["b"] = "tenant_b" }).ReceiveThrottled<DailyOrderLimitDecider>(),
            s => s.AddSingleton(limit).AddScoped<DailyOrderLimitDecider>());
        for (var i = 1; i <= 7; i++)
        {
            await app.Orders.SendAsync(Message($"a{i}", "a"), CancellationToken.None);
        }

        await app.Orders.SendAsync(Message("b1", "b"), CancellationToken.None);
        await app.Orders.SendAsync(Message("b2", "b"), CancellationToken.None);

        var probe = new ReceiveProbe(TimeProvider.System)
        {
            Answer = (d, _) =>
            {
                limit.Processed(d.Message.ChannelName);
                return ValueTask.FromResult(Acknowledgement.Completed);
            },
        };
        using var stop = new CancellationTokenSource();
        var run = app.Orders.ReceiveAsync(probe.HandleAsync, new ReceiveOptions(), stop.Token);
        await probe.UntilAsync(d => d.Count >= 7, run, Timeout, "tenant a's first five and tenant b's two orders arrived");

        // The loop goes on asking; once it has skipped tenant a several times, it had every chance to take more.
        await UntilAsync(() => limit.SkipsOf("tenant_a") >= 3 || run.IsCompleted, "tenant a was skipped at its limit");
        await stop.CancelAsync();
        await run.WaitAsync(Timeout);

        probe.Deliveries.Count(d => d.Message.ChannelName == "tenant_a").ShouldBe(5, "tenant a's limit is 5 orders a day");
        probe.Deliveries.Count(d => d.Message.ChannelName == "tenant_b").ShouldBe(2);
        (await app.Sub("tenant_a").GetLagAsync(CancellationToken.None)).ShouldBe(2, "the orders over the limit wait in tenant a's channel, untaken");

        // The next day (the limit resets) the waiting orders are taken.
        limit.NewDay();
        var nextDay = new ReceiveProbe(TimeProvider.System);
        await RunUntilAsync(app.Orders, nextDay, d => d.Count >= 2, "tenant a's two waiting orders arrived the next day");
        var waiting = Enumerable.Range(1, 7).Select(i => $"a{i}").Except(probe.Ids).Order(StringComparer.Ordinal).ToArray();
        nextDay.Ids.Order(StringComparer.Ordinal).ToArray().ShouldBe(waiting, "the two orders over yesterday's limit, and no other");
    }

    /// <summary>A custom receiving decider names the sub-channel of each take; one it does not name keeps its messages.</summary>
    [Fact]
    public async Task ReceiveWith_TakesFromTheSubChannelTheDeciderNames_OrNothing()
    {
        var choice = new ChosenChannel { Name = "two" };
        var app = await AppAsync(
            ["one", "two"],
            d => d.SendByHeader("tenant", new Dictionary<string, string> { ["a"] = "one", ["b"] = "two" }).ReceiveWith<ChosenChannelDecider>(),
            s => s.AddSingleton(choice).AddSingleton<ChosenChannelDecider>());
        await app.Orders.SendAsync(Message("a1", "a"), CancellationToken.None);
        await app.Orders.SendAsync(Message("b1", "b"), CancellationToken.None);
        await app.Orders.SendAsync(Message("b2", "b"), CancellationToken.None);

        var probe = new ReceiveProbe(TimeProvider.System);
        await RunUntilAsync(app.Orders, probe, d => d.Count >= 2, "sub-channel two's messages arrived");
        probe.Ids.Order(StringComparer.Ordinal).ShouldBe(["b1", "b2"]);
        (await app.Sub("one").GetLagAsync(CancellationToken.None)).ShouldBe(1, "sub-channel one was never chosen");

        choice.Name = null;
        (await app.Orders.TryReceiveAsync(probe.HandleAsync, CancellationToken.None)).ShouldBeNull("the decider chose nothing");

        choice.Name = "one";
        await RunUntilAsync(app.Orders, probe, d => d.Count >= 3, "sub-channel one's message arrived once chosen");
        probe.Ids.Last().ShouldBe("a1");
    }

    /// <summary>A sub-channel can be consumed alone, by its own name, beside the dynamic channel's composition.</summary>
    [Fact]
    public async Task SubChannel_CanBeConsumedAlone()
    {
        var app = await AppAsync(["one", "two"], d => d.SendRoundRobin("one", "two"));
        await app.Orders.SendAsync(Message("1"), CancellationToken.None);
        await app.Orders.SendAsync(Message("2"), CancellationToken.None);

        var probe = new ReceiveProbe(TimeProvider.System);
        await RunUntilAsync(app.Sub("two"), probe, d => d.Count >= 1, "sub-channel two's message arrived");

        probe.Ids.ShouldBe(["2"]);
        probe.Deliveries[0].Message.ChannelName.ShouldBe("two");
    }

    /// <summary>Naming a channel that is not registered fails at start-up, naming it.</summary>
    [Fact]
    public async Task UnknownSubChannel_FailsAtStartUp_NamingIt()
    {
        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => BuildAsync(_ => { }, c =>
        {
            AddSubChannel(c, "one");
            c.AddDynamicChannel("orders", d => d.SendRoundRobin("one", "tow"));
        }));

        error.Message.ShouldContain("'tow'");
    }

    /// <summary>A decider that is not registered in DI fails at start-up with how to register it.</summary>
    [Fact]
    public async Task UnregisteredDecider_FailsAtStartUp()
    {
        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => BuildAsync(_ => { }, c =>
        {
            AddSubChannel(c, "one");
            c.AddDynamicChannel("orders", d => d.SendRoundRobin("one").ReceiveThrottled<DailyOrderLimitDecider>());
        }));

        error.Message.ShouldContain(nameof(DailyOrderLimitDecider));
        error.Message.ShouldContain("AddScoped");
    }

    private async Task<App> AppAsync(string[] subChannels, Action<DynamicChannelOptions> configure, Action<IServiceCollection>? services = null)
    {
        var provider = await BuildAsync(services ?? (_ => { }), c =>
        {
            foreach (var name in subChannels)
            {
                AddSubChannel(c, name);
            }

            c.AddDynamicChannel("orders", configure);
        });
        _providers.Add(provider);
        return new App(provider.GetRequiredService<IChannelRegistry>());
    }

    private async Task<IReadOnlyList<string>> DrainAsync(IReceivingChannel channel, int count)
    {
        var probe = new ReceiveProbe(TimeProvider.System);
        await RunUntilAsync(channel, probe, d => d.Count >= count, $"{count} message(s) arrived on {channel.Name}");
        return probe.Ids;
    }

    private async Task RunUntilAsync(IReceivingChannel channel, ReceiveProbe probe, Func<IReadOnlyList<Delivery>, bool> until, string what)
    {
        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(probe.HandleAsync, new ReceiveOptions(), stop.Token);
        try
        {
            await probe.UntilAsync(until, run, Timeout, what);
        }
        finally
        {
            await stop.CancelAsync();
        }

        await run.WaitAsync(Timeout);
    }

    private async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Timeout)
            {
                throw new ShouldAssertException($"Still waiting after {Timeout.TotalSeconds:0}s until {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    private static TransportMessage Message(string id, string? tenant = null, string? route = null)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        headers.Set(MessageHeaderNames.ContentType, "text/plain");
        headers.Set("tenant", tenant);
        headers.Set("route", route);
        return new TransportMessage(headers, Encoding.UTF8.GetBytes($"order {id}"));
    }

    private sealed class App(IChannelRegistry registry)
    {
        public IReceivingChannel Orders => Sub("orders");

        public IReceivingChannel Sub(string name) =>
            registry.TryGet(name, out var channel) ? (IReceivingChannel)channel : throw new InvalidOperationException($"No channel {name}.");
    }

    /// <summary>Routes by the message's <c>route</c> header; none: discard.</summary>
    public sealed class HeaderDecider : ISendingChannelDecider
    {
        /// <inheritdoc />
        public ValueTask<string?> ChooseChannelAsync(TransportMessage message, CancellationToken cancellationToken) =>
            ValueTask.FromResult(message.Headers.Get("route"));
    }

    /// <summary>How many orders each tenant's channel had processed today, and how often it was skipped.</summary>
    public sealed class DailyOrderLimit(int perDay)
    {
        private readonly ConcurrentDictionary<string, int> _processed = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _skips = new(StringComparer.Ordinal);

        /// <summary>Whether the tenant of <paramref name="channel"/> may have another order processed today.</summary>
        public bool Allows(string channel)
        {
            var allows = _processed.GetValueOrDefault(channel) < perDay;
            if (!allows)
            {
                _skips.AddOrUpdate(channel, 1, (_, n) => n + 1);
            }

            return allows;
        }

        /// <summary>Counts an order processed from <paramref name="channel"/>.</summary>
        public void Processed(string channel) => _processed.AddOrUpdate(channel, 1, (_, n) => n + 1);

        /// <summary>How often <paramref name="channel"/> was skipped.</summary>
        public int SkipsOf(string channel) => _skips.GetValueOrDefault(channel);

        /// <summary>Starts a new day.</summary>
        public void NewDay() => _processed.Clear();
    }

    /// <summary>The throttling decision: a tenant's channel is taken from while it is under its daily limit.</summary>
    public sealed class DailyOrderLimitDecider(DailyOrderLimit limit) : IConsumptionDecider
    {
        /// <inheritdoc />
        public ValueTask<bool> ShouldConsumeAsync(string channelName, CancellationToken cancellationToken) =>
            ValueTask.FromResult(limit.Allows(channelName));
    }

    /// <summary>The sub-channel a test wants taken from next.</summary>
    public sealed class ChosenChannel
    {
        /// <summary>Its name, or null for none.</summary>
        public string? Name { get; set; }
    }

    /// <summary>Names <see cref="ChosenChannel"/>.</summary>
    public sealed class ChosenChannelDecider(ChosenChannel choice) : IReceivingChannelDecider
    {
        /// <inheritdoc />
        public ValueTask<string?> NextChannelAsync(IReadOnlyList<string> channelNames, CancellationToken cancellationToken) =>
            ValueTask.FromResult(choice.Name);
    }
}
