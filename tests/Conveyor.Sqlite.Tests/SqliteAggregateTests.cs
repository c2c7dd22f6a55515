using Conveyor.Aggregates;
using Conveyor.EventSourcing;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Sqlite.Tests;

/// <summary>Aggregates on SQLite: saved in the message's unit of work, so they commit with it or not at all.</summary>
public sealed class SqliteAggregateTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public sealed record OpenCart(string CartId);

    public sealed record AddItem(string CartId, string Sku);

    public sealed record ItemAdded(string CartId, string Sku);

    [Aggregate]
    public sealed class Cart : AggregateRoot
    {
        [Identifier]
        public string CartId { get; private set; } = "";

        public List<string> Items { get; private set; } = [];

        [Asynchronous("carts")]
        [CommandHandler(EndpointId = "cart.open")]
        public static Cart Open(OpenCart command) => new() { CartId = command.CartId };

        [Asynchronous("carts")]
        [CommandHandler(EndpointId = "cart.add")]
        public void Add(AddItem command)
        {
            Items.Add(command.Sku);
            RecordThat(new ItemAdded(CartId, command.Sku));
        }
    }

    public sealed record StartWallet(string CartId);

    public sealed record Credited(string CartId, int Amount);

    [EventSourcedAggregate(SnapshotEvery = 2)]
    public sealed class Wallet : AggregateRoot
    {
        [Identifier]
        public string CartId { get; private set; } = "";

        public int Balance { get; private set; }

        [Asynchronous("carts")]
        [CommandHandler(EndpointId = "wallet.start")]
        public static Wallet Begin(StartWallet command)
        {
            var wallet = new Wallet();
            wallet.RecordThat(new Credited(command.CartId, 1));
            return wallet;
        }

        [Asynchronous("carts")]
        [CommandHandler(EndpointId = "wallet.credit")]
        public void Credit(Credited command) => RecordThat(command);

        [EventSourcingHandler]
        private void On(Credited credited)
        {
            CartId = credited.CartId;
            Balance += credited.Amount;
        }
    }

    /// <summary>Runs in-process, inside the message's unit of work, after the save: its failure fails the message.</summary>
    public sealed class Stock
    {
        [EventHandler]
        public void On(ItemAdded added)
        {
            if (added.Sku == "sold-out")
            {
                throw new InvalidOperationException("sold out");
            }
        }
    }

    private ConveyorFlow Host() =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<Cart>().AddHandler<Wallet>().AddHandler<Stock>().AddInMemoryChannel("carts").UseSqlite(_file.ConnectionString));

    [Fact]
    public async Task StateStored_SavedInTheUnitOfWork_ARolledBackMessageLeavesTheStoredStateAsItWas()
    {
        await using (var flow = Host())
        {
            await flow.SendAsync(new OpenCart("c-1"));
            await flow.SendAsync(new AddItem("c-1", "book"));
            await flow.SendAsync(new AddItem("c-1", "sold-out"));

            await flow.RunAsync("carts", expectFailures: true);

            (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem().ExceptionMessage.ShouldBe("sold out");
        }

        _file.Scalar("SELECT state FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';").ShouldBe("""{"cartId":"c-1","items":["book"]}""");
        _file.Scalar("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';").ShouldBe(2L);
    }

    [Fact]
    public async Task EventSourced_AppendsAndSnapshotsInTheUnitOfWork_AndANewHostRebuildsIt()
    {
        await using (var flow = Host())
        {
            await flow.SendAsync(new StartWallet("w-1"));
            await flow.SendAsync(new Credited("w-1", 10));
            await flow.SendAsync(new Credited("w-1", 100));
            await flow.RunAsync("carts");
        }

        _file.Scalar("SELECT COUNT(*) FROM conveyor_events WHERE stream_id = 'Wallet-w-1';").ShouldBe(3L);
        _file.Scalar("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Wallet.snapshot' AND id = 'w-1';").ShouldBe(2L);

        await using (var flow = Host())
        {
            await flow.SendAsync(new Credited("w-1", 1000));
            await flow.RunAsync("carts");
            await using var scope = flow.Services.CreateAsyncScope();
            var events = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync("Wallet-w-1", 1, default);
            events.Select(e => e.Version).ShouldBe([1L, 2L, 3L, 4L]);
            var snapshot = await scope.ServiceProvider.GetRequiredService<IAggregateStateStore>().LoadAsync("Wallet.snapshot", "w-1", default);
            snapshot.ShouldNotBeNull().Version.ShouldBe(4);
            snapshot.State.ShouldContain("\"balance\":1111");
        }
    }

    public void Dispose() => _file.Dispose();
}
