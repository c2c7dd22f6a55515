using Conveyor.Aggregates;
using Conveyor.EventSourcing;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace Conveyor.Compliance.Aggregates;

/// <summary>
/// Aggregates on a database store, end to end through a host: saved (state-stored) and appended and snapshotted
/// (event-sourced) in the message's unit of work, so they commit with it or not at all, and a new host rebuilds them
/// from the database. Derive a test class, register the store on a database of the test's own in
/// <see cref="UseStore"/> (every host of a test uses that same database), and read a value of it in
/// <see cref="ScalarAsync"/>.
/// </summary>
public abstract class AggregatesInUnitOfWorkCompliance : IAsyncLifetime
{
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

    /// <summary>Registers the store on the test's database.</summary>
    /// <param name="conveyor">The builder of one host.</param>
    /// <returns>The builder.</returns>
    protected abstract ConveyorBuilder UseStore(ConveyorBuilder conveyor);

    /// <summary>The first column of the first row <paramref name="sql"/> selects from the test's database.</summary>
    /// <returns>The value; a whole number as a <see cref="long"/>.</returns>
    protected abstract Task<object?> ScalarAsync(string sql);

    /// <summary>Prepares the test's database.</summary>
    /// <returns>A task that completes once prepared.</returns>
    protected virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Releases the test's database.</summary>
    /// <returns>A task that completes once released.</returns>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => CleanupAsync();

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

        (await ScalarAsync("SELECT state FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';")).ShouldBe("""{"cartId":"c-1","items":["book"]}""");
        (await ScalarAsync("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';")).ShouldBe(2L);
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

        (await ScalarAsync("SELECT COUNT(*) FROM conveyor_events WHERE stream_id = 'Wallet-w-1' AND position IS NOT NULL;")).ShouldBe(3L);
        (await ScalarAsync("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Wallet.snapshot' AND id = 'w-1';")).ShouldBe(2L);

        await using (var flow = Host())
        {
            await flow.SendAsync(new Credited("w-1", 1000));
            await flow.RunAsync("carts");
            await using var scope = flow.Services.CreateAsyncScope();
            var events = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync("Wallet-w-1", 1, default);
            events.Select(e => e.Version).ShouldBe([1L, 2L, 3L, 4L]);
            events.Select(e => e.Position).ShouldBe([1L, 2L, 3L, 4L]);
            var snapshot = await scope.ServiceProvider.GetRequiredService<IAggregateStateStore>().LoadAsync("Wallet.snapshot", "w-1", default);
            snapshot.ShouldNotBeNull().Version.ShouldBe(4);
            snapshot.State.ShouldContain("\"balance\":1111");
        }
    }

    private ConveyorFlow Host() =>
        ConveyorFlow.Bootstrap(c => UseStore(c.AddHandler<Cart>().AddHandler<Wallet>().AddHandler<Stock>().AddInMemoryChannel("carts")));
}
