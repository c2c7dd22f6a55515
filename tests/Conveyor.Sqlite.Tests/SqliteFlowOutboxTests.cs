using Microsoft.Extensions.DependencyInjection;
using Conveyor.Testing;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// A <see cref="ConveyorFlow"/> over SQLite: what a handler sends in its unit of work waits in the outbox, and the flow
/// relays it as the running application's relay would, so a multi-step flow reaches its end.
/// </summary>
public sealed class SqliteFlowOutboxTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public sealed record PlaceOrder(string Id);

    public sealed record ShipOrder(string Id);

    public sealed class Orders(ICommandBus commands, Shipped shipped)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public ValueTask Place(PlaceOrder order) => commands.SendAsync(new ShipOrder(order.Id));

        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "orders.ship")]
        public void Ship(ShipOrder order) => shipped.Ids.Add(order.Id);
    }

    public sealed class Shipped
    {
        public List<string> Ids { get; } = [];
    }

    [Fact]
    public async Task A_message_sent_in_a_handlers_unit_of_work_is_relayed_from_the_outbox_to_its_channel()
    {
        var shipped = new Shipped();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Orders>().AddInMemoryChannel("orders").AddInMemoryChannel("shipping").UseSqlite(_file.ConnectionString),
            services => services.AddSingleton(shipped));
        await flow.SendAsync(new PlaceOrder("o-1"));

        var placed = await flow.RunAsync("orders");

        placed.Finished.ShouldBe(1);
        flow.RecordedPayloads<ShipOrder>("shipping").ShouldBe([new ShipOrder("o-1")], "the flow relayed the outbox after the run");
        Scalar("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(0L, "the relayed row left the outbox");

        var shipping = await flow.RunAsync("shipping");

        shipping.Finished.ShouldBe(1);
        shipped.Ids.ShouldBe(["o-1"]);
    }

    [Fact]
    public async Task A_handler_that_sends_to_its_own_channel_through_the_outbox_is_run_again_in_the_same_run()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Countdown>().AddInMemoryChannel("countdown").UseSqlite(_file.ConnectionString));
        await flow.SendAsync(new Tick(3));

        var run = await flow.RunAsync("countdown");

        run.Finished.ShouldBe(4, "3, 2, 1 and 0: each tick sent the next one through the outbox");
    }

    public sealed record Tick(int Remaining);

    public sealed class Countdown(ICommandBus commands)
    {
        [Asynchronous("countdown")]
        [CommandHandler(EndpointId = "countdown.tick")]
        public async ValueTask Handle(Tick tick)
        {
            if (tick.Remaining > 0)
            {
                await commands.SendAsync(new Tick(tick.Remaining - 1));
            }
        }
    }

    private object? Scalar(string sql) => _file.Scalar(sql);

    public void Dispose() => _file.Dispose();
}
