using Conveyor.Deduplication;
using Conveyor.Testing;
using Conveyor.UnitOfWork;

namespace Conveyor.Tests.Deduplication;

public sealed class DeduplicationTests
{
    public sealed record Pay(string PaymentId, decimal Amount);

    public sealed class Ledger
    {
        public List<string> Entries { get; } = [];
    }

    public sealed class ById(Ledger ledger)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "pay")]
        public void Handle(Pay pay) => ledger.Entries.Add(pay.PaymentId);
    }

    public sealed class ByPayload(Ledger ledger)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "pay")]
        [Deduplicated("payload.PaymentId")]
        public void Handle(Pay pay) => ledger.Entries.Add(pay.PaymentId);
    }

    public sealed class ByHeader(Ledger ledger)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "pay")]
        [Deduplicated("idempotencyKey")]
        public void Handle(Pay pay) => ledger.Entries.Add(pay.PaymentId);
    }

    public sealed class Disabled(Ledger ledger)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "pay")]
        [Deduplicated(Enabled = false)]
        public void Handle(Pay pay) => ledger.Entries.Add(pay.PaymentId);
    }

    private static async Task<Ledger> Deliver<THandler>(Func<ConveyorFlow, Task> send)
    {
        var ledger = new Ledger();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<THandler>().AddInMemoryChannel("payments"), s => s.AddSingleton(ledger));
        await send(flow);
        await flow.RunAsync("payments");
        return ledger;
    }

    private static async Task SendTwiceSameMessage(ConveyorFlow flow)
    {
        await flow.SendAsync(new Pay("p-1", 10));
        var channel = flow.Channel("payments");
        await channel.SendAsync(channel.SentMessages[0].Copy(), CancellationToken.None);
    }

    [Fact]
    public async Task AsyncEndpoint_SameMessageIdTwice_HandledOnceByDefault()
    {
        var ledger = await Deliver<ById>(SendTwiceSameMessage);

        ledger.Entries.ShouldBe(["p-1"]);
    }

    [Fact]
    public async Task DeduplicatedDisabled_SameMessageIdTwice_HandledTwice()
    {
        var ledger = await Deliver<Disabled>(SendTwiceSameMessage);

        ledger.Entries.ShouldBe(["p-1", "p-1"]);
    }

    [Fact]
    public async Task DeduplicatedByPayload_DifferentMessagesSameBusinessKey_HandledOnce()
    {
        var ledger = await Deliver<ByPayload>(async flow =>
        {
            await flow.SendAsync(new Pay("p-1", 10));
            await flow.SendAsync(new Pay("p-1", 10));
            await flow.SendAsync(new Pay("p-2", 10));
        });

        ledger.Entries.ShouldBe(["p-1", "p-2"]);
    }

    [Fact]
    public async Task DeduplicatedByHeader_SameHeaderValue_HandledOnce()
    {
        var ledger = await Deliver<ByHeader>(async flow =>
        {
            await flow.SendAsync(new Pay("p-1", 10), new Dictionary<string, string> { ["idempotencyKey"] = "k" });
            await flow.SendAsync(new Pay("p-2", 10), new Dictionary<string, string> { ["idempotencyKey"] = "k" });
            await flow.SendAsync(new Pay("p-3", 10), new Dictionary<string, string> { ["idempotencyKey"] = "other" });
        });

        ledger.Entries.ShouldBe(["p-1", "p-3"]);
    }

    [Fact]
    public async Task Deduplication_AfterRetentionWindow_HandledAgain()
    {
        var ledger = new Ledger();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<ById>().AddInMemoryChannel("payments").Configure(o => o.DeduplicationRetention = TimeSpan.FromMinutes(10)),
            s => s.AddSingleton(ledger));
        await flow.SendAsync(new Pay("p-1", 10));
        await flow.RunAsync("payments");

        flow.AdvanceTime(TimeSpan.FromMinutes(11));
        var channel = flow.Channel("payments");
        await channel.SendAsync(channel.SentMessages[0].Copy(), CancellationToken.None);
        await flow.RunAsync("payments");

        ledger.Entries.ShouldBe(["p-1", "p-1"]);
    }

    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();

    /// <summary>Claims <paramref name="key"/> in a unit of work of its own and commits it; returns whether the claim was the first.</summary>
    private static async Task<bool> ClaimAndCommit(InMemoryDeduplicationStore store, string endpoint, string key)
    {
        var unitOfWork = new InMemoryUnitOfWork(NoServices);
        var claimed = await store.TryClaimAsync(endpoint, key, unitOfWork, default);
        await unitOfWork.CommitAsync(default);
        return claimed;
    }

    [Fact]
    public async Task InMemoryStore_BeyondItsCapacity_ForgetsTheOldestKeysFirst_WithinTheirRetention()
    {
        var store = new InMemoryDeduplicationStore(TimeSpan.FromHours(24), TimeProvider.System, capacity: 3);
        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            (await ClaimAndCommit(store, "e", key)).ShouldBeTrue();
        }

        store.Count.ShouldBe(3, "five keys committed, three remembered at most");
        (await ClaimAndCommit(store, "e", "e")).ShouldBeFalse("the newest keys are remembered");
        (await ClaimAndCommit(store, "e", "d")).ShouldBeFalse();
        (await ClaimAndCommit(store, "e", "c")).ShouldBeFalse();
        (await ClaimAndCommit(store, "e", "a")).ShouldBeTrue("the oldest key was forgotten to stay within the capacity");
        store.Count.ShouldBe(3);
    }

    [Fact]
    public async Task InMemoryStore_CapacityFromOptions_BoundsTheDefaultStore()
    {
        await using var services = new ServiceCollection()
            .AddConveyor(c => c.Configure(o => o.InMemoryDeduplicationCapacity = 2))
            .BuildServiceProvider();
        var store = services.GetRequiredService<IDeduplicationStore>().ShouldBeOfType<InMemoryDeduplicationStore>();

        foreach (var key in new[] { "a", "b", "c" })
        {
            await ClaimAndCommit(store, "e", key);
        }

        store.Count.ShouldBe(2);
    }

    [Fact]
    public async Task InMemoryStore_ExpiredKeys_ForgottenAsKeysAreCommitted_AndAKeyClaimedAgainAfterExpiryKept()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var store = new InMemoryDeduplicationStore(TimeSpan.FromMinutes(10), clock);
        await ClaimAndCommit(store, "e", "a");
        await ClaimAndCommit(store, "e", "b");
        clock.Advance(TimeSpan.FromMinutes(11));

        (await ClaimAndCommit(store, "e", "a")).ShouldBeTrue("'a' expired, so it is claimed again");

        store.Count.ShouldBe(1, "committing 'a' again forgot the expired 'b' without waiting for RemoveExpiredAsync; 'a' has a new expiry and is kept");
        (await store.RemoveExpiredAsync(default)).ShouldBe(0);
        (await ClaimAndCommit(store, "e", "a")).ShouldBeFalse();
        (await ClaimAndCommit(store, "e", "b")).ShouldBeTrue();
    }

    [Fact]
    public async Task InMemoryStore_AKeyClaimedAgainAfterExpiry_ThenRolledBack_IsClaimableAndForgottenCleanly()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var store = new InMemoryDeduplicationStore(TimeSpan.FromMinutes(10), clock);
        await ClaimAndCommit(store, "e", "a");
        clock.Advance(TimeSpan.FromMinutes(11));

        // Claimed again past its retention while its first expiry is still queued, then rolled back.
        var unitOfWork = new InMemoryUnitOfWork(NoServices);
        (await store.TryClaimAsync("e", "a", unitOfWork, default)).ShouldBeTrue();
        await store.RemoveExpiredAsync(default); // its first expiry comes due while the claim holds it
        await unitOfWork.RollbackAsync(default);

        store.Count.ShouldBe(0, "the rolled-back claim remembers nothing");
        (await ClaimAndCommit(store, "e", "a")).ShouldBeTrue();
        (await ClaimAndCommit(store, "e", "a")).ShouldBeFalse();
        store.Count.ShouldBe(1);
        clock.Advance(TimeSpan.FromMinutes(11));
        (await store.RemoveExpiredAsync(default)).ShouldBe(1);
        store.Count.ShouldBe(0);
    }

    [Fact]
    public async Task InMemoryStore_UuidKeys_RememberedPerEndpoint_AndNotConfusedWithTheirUpperCaseOrOtherText()
    {
        var store = new InMemoryDeduplicationStore(TimeSpan.FromMinutes(10), TimeProvider.System);
        var id = Guid.CreateVersion7().ToString();
        await ClaimAndCommit(store, "e", id);
        await ClaimAndCommit(store, "e", "not-a-uuid");

        (await ClaimAndCommit(store, "e", id)).ShouldBeFalse();
        (await ClaimAndCommit(store, "e", "not-a-uuid")).ShouldBeFalse();
        store.Count.ShouldBe(2);
        (await ClaimAndCommit(store, "e", id.ToUpperInvariant())).ShouldBeTrue();
        (await ClaimAndCommit(store, "e", "{" + id + "}")).ShouldBeTrue();
        (await ClaimAndCommit(store, "e", Guid.Empty.ToString())).ShouldBeTrue();
    }

    [Fact]
    public async Task InMemoryStore_ManyKeysPastItsCapacity_WithRollbacksAndEndpoints_RemembersExactlyTheNewestCommitted()
    {
        // Thousands of keys move the store's table through its growth and its removals (every forgotten or rolled-back
        // key moves the keys after it in the table): every lookup must still find exactly what is remembered.
        const int capacity = 1_000;
        var store = new InMemoryDeduplicationStore(TimeSpan.FromHours(1), TimeProvider.System, capacity);
        var committed = new List<(string Endpoint, string Key)>();
        for (var i = 0; i < 5_000; i++)
        {
            var endpoint = i % 3 == 0 ? "a" : "b";
            var key = i % 2 == 0 ? Guid.CreateVersion7().ToString() : $"key-{i}";
            var unitOfWork = new InMemoryUnitOfWork(NoServices);
            (await store.TryClaimAsync(endpoint, key, unitOfWork, default)).ShouldBeTrue($"{endpoint}/{key} was never committed");
            if (i % 7 == 0)
            {
                await unitOfWork.RollbackAsync(default);
                continue;
            }

            await unitOfWork.CommitAsync(default);
            committed.Add((endpoint, key));
        }

        store.Count.ShouldBe(capacity);
        foreach (var (endpoint, key) in committed[^capacity..])
        {
            (await ClaimAndCommit(store, endpoint, key)).ShouldBeFalse($"{endpoint}/{key} is among the newest {capacity} committed");
            (await ClaimAndCommit(store, endpoint == "a" ? "b" : "a", key)).ShouldBeTrue($"{key} was committed for {endpoint} only");
        }
    }

    [Fact]
    public async Task FailedHandling_NotMarked_SoTheRetryRuns()
    {
        var ledger = new Ledger();
        var fail = true;
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<FailsOnce>().AddInMemoryChannel("payments", o => o.FinalFailureStrategy = FinalFailureStrategy.Release).Configure(o => o.DeadLetterEnabled = false),
            s => s.AddSingleton(ledger).AddSingleton<Func<bool>>(() => fail));
        await flow.SendAsync(new Pay("p-1", 10));
        await flow.RunAsync("payments", expectFailures: true);
        ledger.Entries.ShouldBeEmpty();

        fail = false;
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("payments");

        ledger.Entries.ShouldBe(["p-1"]);
    }

    public sealed class FailsOnce(Ledger ledger, Func<bool> fail)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "pay")]
        public void Handle(Pay pay)
        {
            if (fail())
            {
                throw new InvalidOperationException("down");
            }

            ledger.Entries.Add(pay.PaymentId);
        }
    }
}
