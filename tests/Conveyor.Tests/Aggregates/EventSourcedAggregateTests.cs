using Conveyor.Aggregates;
using Conveyor.EventSourcing;
using Conveyor.Testing;

namespace Conveyor.Tests.Aggregates;

public sealed class EventSourcedAggregateTests
{
    public sealed record OpenAccount(Guid AccountId);

    public sealed record Deposit(Guid AccountId, decimal Amount);

    public sealed record Withdraw(Guid AccountId, decimal Amount);

    public sealed record AccountOpened(Guid AccountId);

    public sealed record Deposited(decimal Amount);

    public sealed record Withdrawn(decimal Amount);

    [EventSourcedAggregate(SnapshotEvery = 3)]
    public sealed class Account : AggregateRoot
    {
        [Identifier]
        public Guid AccountId { get; private set; }

        public decimal Balance { get; private set; }

        public int Movements { get; private set; }

        [CommandHandler]
        public static Account Open(OpenAccount command)
        {
            var account = new Account();
            account.RecordThat(new AccountOpened(command.AccountId));
            return account;
        }

        [CommandHandler]
        public void Handle(Deposit command) => RecordThat(new Deposited(command.Amount));

        [CommandHandler]
        public void Handle(Withdraw command)
        {
            if (command.Amount > Balance)
            {
                throw new InvalidOperationException($"Balance {Balance} does not cover {command.Amount}.");
            }

            RecordThat(new Withdrawn(command.Amount));
        }

        [EventSourcingHandler]
        private void On(AccountOpened opened) => AccountId = opened.AccountId;

        [EventSourcingHandler]
        private void On(Deposited deposited)
        {
            Balance += deposited.Amount;
            Movements++;
        }

        [EventSourcingHandler]
        private void On(Withdrawn withdrawn)
        {
            Balance -= withdrawn.Amount;
            Movements++;
        }
    }

    public sealed class Ledger
    {
        public List<object> Seen { get; } = [];

        [EventHandler]
        public void On(Deposited deposited) => Seen.Add(deposited);
    }

    private static ConveyorFlow Start(Ledger? ledger = null) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Account>().AddHandler<Ledger>(),
        s => s.AddSingleton(ledger ?? new Ledger()));

    [Fact]
    public async Task Commands_AppendEventsToTheAggregatesStream_AndPublishThem()
    {
        var ledger = new Ledger();
        await using var flow = Start(ledger);
        var id = Guid.NewGuid();

        await flow.SendAsync(new OpenAccount(id));
        await flow.SendAsync(new Deposit(id, 10));

        var stream = await flow.Services.GetRequiredService<IEventStore>().ReadStreamAsync($"Account-{id}", 1, default);
        stream.Select(e => e.EventType).ShouldBe(["AccountOpened", "Deposited"]);
        stream[1].Data.ShouldContain("10");
        ledger.Seen.ShouldBe([new Deposited(10)]);
    }

    [Fact]
    public async Task Load_RebuildsTheStateFromTheEvents_AndCommandsSeeIt()
    {
        await using var flow = Start();
        var id = Guid.NewGuid();
        await flow.SendAsync(new OpenAccount(id));
        await flow.SendAsync(new Deposit(id, 10));
        await flow.SendAsync(new Withdraw(id, 4));

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await flow.SendAsync(new Withdraw(id, 7)));

        error.Message.ShouldBe("Balance 6 does not cover 7.");
        var account = (await flow.LoadAsync<Account>(id.ToString()))!;
        (account.AccountId, account.Balance, account.Movements, account.Version).ShouldBe((id, 6m, 2, 3L));
    }

    [Fact]
    public async Task Snapshot_TakenEveryNEvents_AndTheLoadFromItEqualsAFullReplay()
    {
        await using var flow = Start();
        var id = Guid.NewGuid();
        await flow.SendAsync(new OpenAccount(id));
        for (var i = 1; i <= 7; i++)
        {
            await flow.SendAsync(new Deposit(id, i));
        }

        var snapshot = (await flow.Services.GetRequiredService<IAggregateStateStore>().LoadAsync("Account.snapshot", id.ToString(), default)).ShouldNotBeNull();
        snapshot.Version.ShouldBe(6);
        snapshot.State.ShouldContain("\"balance\":15");

        var fromSnapshot = (await flow.LoadAsync<Account>(id.ToString()))!;
        (fromSnapshot.Balance, fromSnapshot.Movements, fromSnapshot.Version).ShouldBe((28m, 7, 8L));
    }

    [Fact]
    public async Task Snapshot_IsWhereTheLoadStarts_OnlyLaterEventsAreReplayed()
    {
        await using var flow = Start();
        var id = Guid.NewGuid();
        await flow.SendAsync(new OpenAccount(id));
        await flow.SendAsync(new Deposit(id, 1));
        await flow.SendAsync(new Deposit(id, 2));

        // A snapshot that disagrees with the events it stands for shows which of them the load read.
        var states = flow.Services.GetRequiredService<IAggregateStateStore>();
        var snapshot = (await states.LoadAsync("Account.snapshot", id.ToString(), default))!;
        snapshot.Version.ShouldBe(3);
        await flow.Services.GetRequiredService<IEventStore>().AppendAsync(
            $"Account-{id}", 3, [new EventData("Deposited", """{"amount":5}"""), new EventData("Deposited", """{"amount":7}""")], default);
        await states.SaveAsync("Account.snapshot", id.ToString(), snapshot.State.Replace("\"balance\":3", "\"balance\":100", StringComparison.Ordinal), 3, 4, default);

        // From the snapshot at 4 (100), then event 5 only: a full replay would give 15.
        (await flow.LoadAsync<Account>(id.ToString()))!.Balance.ShouldBe(107);
    }

    [Fact]
    public async Task ConcurrentAppend_AfterTheLoad_Conflicts()
    {
        await using var flow = Start();
        var id = Guid.NewGuid();
        await flow.SendAsync(new OpenAccount(id));
        var stale = (await flow.LoadAsync<Account>(id.ToString()))!;
        await flow.SendAsync(new Deposit(id, 1));

        var errors = new List<string>();
        var persistence = AggregatePersistence.For(AggregateModel.Describe(typeof(Account), errors)!, flow.Services.GetRequiredService<Conveyor.Serialization.MessageSerializer>());
        stale.Handle(new Deposit(id, 2));
        await using var scope = flow.Services.CreateAsyncScope();

        (await Should.ThrowAsync<ConcurrencyConflictException>(async () => await persistence.SaveAsync(stale, id.ToString(), scope.ServiceProvider, default)))
            .Message.ShouldContain("is at version 2, not 1");
    }
}
