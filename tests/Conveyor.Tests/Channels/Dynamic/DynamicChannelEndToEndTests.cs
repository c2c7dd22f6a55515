using Conveyor.Channels.Dynamic;
using Conveyor.Testing;

namespace Conveyor.Tests.Channels.Dynamic;

/// <summary>A dynamic channel with handlers: routing by tenant, consumption of the whole or one sub-channel, failures kept on the sub-channel.</summary>
public sealed class DynamicChannelEndToEndTests
{
    private static readonly Dictionary<string, string> Premium = new() { ["tenant"] = "premium" };
    private static readonly Dictionary<string, string> Other = new() { ["tenant"] = "globex" };

    public sealed record PlaceOrder(string Id);

    public sealed class Placed
    {
        public List<string> Ids { get; } = [];

        public HashSet<string> Failing { get; } = [];
    }

    public sealed class OrderHandler(Placed placed)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        [DelayedRetry(1, InitialDelayMs = 1000)]
        public void Handle(PlaceOrder command)
        {
            if (placed.Failing.Contains(command.Id))
            {
                throw new InvalidOperationException($"order {command.Id} cannot be placed");
            }

            placed.Ids.Add(command.Id);
        }
    }

    private static ConveyorFlow Flow(Placed placed) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<OrderHandler>()
            .AddInMemoryChannel("premium_orders")
            .AddInMemoryChannel("shared_orders")
            .AddDynamicChannel("orders", d => d.SendByHeader("tenant", new Dictionary<string, string> { ["premium"] = "premium_orders" }, "shared_orders")),
        s => s.AddSingleton(placed),
        new ConveyorFlowOptions { AllowFailures = true });

    [Fact]
    public async Task RunningTheDynamicChannel_HandlesTheMessagesOfEverySubChannel()
    {
        var placed = new Placed();
        await using var flow = Flow(placed);
        await flow.SendAsync(new PlaceOrder("p1"), Premium);
        await flow.SendAsync(new PlaceOrder("s1"), Other);
        flow.Channel("premium_orders").Count.ShouldBe(1);
        flow.Channel("shared_orders").Count.ShouldBe(1);

        await flow.RunAsync("orders");

        placed.Ids.Order(StringComparer.Ordinal).ShouldBe(["p1", "s1"]);
    }

    [Fact]
    public async Task RunningOneSubChannelAlone_HandlesItsMessagesWithTheDynamicChannelsHandlers()
    {
        var placed = new Placed();
        await using var flow = Flow(placed);
        await flow.SendAsync(new PlaceOrder("p1"), Premium);
        await flow.SendAsync(new PlaceOrder("s1"), Other);

        await flow.RunAsync("premium_orders");

        placed.Ids.ShouldBe(["p1"]);
        flow.Channel("shared_orders").Count.ShouldBe(1, "the shared channel was not run");
    }

    [Fact]
    public async Task RetriesAndDeadLetters_GoBackToTheSubChannelTheMessageCameFrom()
    {
        var placed = new Placed { Failing = { "p1" } };
        await using var flow = Flow(placed);
        await flow.SendAsync(new PlaceOrder("p1"), Premium);

        await flow.RunAsync("orders");
        flow.Channel("premium_orders").ScheduledCount.ShouldBe(1, "the delayed retry waits on the premium channel");
        flow.Channel("shared_orders").ScheduledCount.ShouldBe(0);

        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("orders");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ChannelName.ShouldBe("premium_orders");
        deadLetter.Attempts.ShouldBe(2);

        // Replayed, it goes back to the premium channel, and is handled once the cause is fixed.
        placed.Failing.Clear();
        await flow.DeadLetters.ReplayAsync(deadLetter.Id);
        flow.Channel("premium_orders").Count.ShouldBe(1);
        await flow.RunAsync("premium_orders");
        placed.Ids.ShouldBe(["p1"]);
    }

    [Fact]
    public async Task TheChannelStatesItsComposition()
    {
        await using var flow = Flow(new Placed());
        var registry = flow.Services.GetRequiredService<Conveyor.Channels.IChannelRegistry>();
        registry.TryGet("orders", out var orders).ShouldBeTrue();

        registry.KindOf("orders").ShouldBe("dynamic");
        orders.Address.ShouldBe("sends by header 'tenant': premium->premium_orders, default shared_orders; receives round robin over premium_orders, shared_orders");
        ((DynamicChannel)orders).ReceivingChannelNames.ShouldBe(["premium_orders", "shared_orders"]);
    }
}
