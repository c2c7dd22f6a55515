using System.Text;
using Conveyor.Outbox;
using Conveyor.UnitOfWork;

namespace Conveyor.Compliance.Outbox;

/// <summary>
/// What every <see cref="IOutboxStore"/> must do. Derive a test class and supply an empty store, units of work of its
/// database, and a way to corrupt a row.
/// </summary>
public abstract class OutboxStoreCompliance
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract Task<IOutboxStore> CreateStoreAsync();

    /// <summary>Begins a unit of work of the store's database.</summary>
    /// <returns>The unit of work, which the test commits or rolls back.</returns>
    protected abstract Task<IUnitOfWork> BeginAsync();

    /// <summary>Overwrites the stored headers of the row <paramref name="id"/> with bytes that cannot be read back.</summary>
    /// <param name="id">The row's id.</param>
    /// <returns>A task that completes once written.</returns>
    protected abstract Task CorruptHeadersAsync(long id);

    [Fact]
    public async Task Append_Committed_ClaimedInAppendOrderPerLane_WithEveryField()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 1, "a1"), ("orders", 2, "b1"), ("payments", 1, "a2"), ("orders", 2, "b2"), ("orders", 1, "a3"));

        var rows = await store.ClaimAsync(new OutboxClaim("relay-1", LongLease, 10, 10), default);

        rows.Where(r => r.Lane == 1).Select(Body).ShouldBe(["a1", "a2", "a3"]);
        rows.Where(r => r.Lane == 2).Select(Body).ShouldBe(["b1", "b2"]);
        rows.Where(r => r.Lane == 1).Select(r => r.Channel).ShouldBe(["orders", "payments", "orders"]);
        rows.ShouldAllBe(r => r.Error == null);
        var first = rows.Single(r => Body(r) == "a1");
        first.Message.MessageId.ShouldBe("id-a1");
        first.Message.Headers.Get("tenant").ShouldBe("t-\u00e9");
        foreach (var lane in rows.GroupBy(r => r.Lane))
        {
            lane.Select(r => r.Id).ShouldBeInOrder(SortDirection.Ascending);
        }

        (await store.CountAsync(default)).ShouldBe(5);
    }

    [Fact]
    public async Task Append_RolledBack_NothingToClaim()
    {
        var store = await CreateStoreAsync();
        var unitOfWork = await BeginAsync();
        store.CanAppendIn(unitOfWork).ShouldBeTrue();
        await store.AppendAsync(unitOfWork, Message("orders", 1, "lost"), default);
        await unitOfWork.RollbackAsync(default);

        (await store.ClaimAsync(new OutboxClaim("relay-1", LongLease, 10, 10), default)).ShouldBeEmpty();
        (await store.CountAsync(default)).ShouldBe(0);
    }

    [Fact]
    public async Task CanAppendIn_AnotherKindOfUnitOfWork_False()
    {
        var store = await CreateStoreAsync();

        store.CanAppendIn(new InMemoryUnitOfWork(new EmptyServices())).ShouldBeFalse();
    }

    [Fact]
    public async Task Claim_BatchSize_FirstMessagesOfTheLane_ThenTheNextAfterComplete()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 3, "1"), ("orders", 3, "2"), ("orders", 3, "3"), ("orders", 3, "4"), ("orders", 3, "5"));
        var claim = new OutboxClaim("relay-1", LongLease, 10, 2);

        var first = await store.ClaimAsync(claim, default);
        first.Select(Body).ShouldBe(["1", "2"]);
        (await store.ClaimAsync(claim, default)).Select(Body).ShouldBe(["1", "2"], "nothing completed: claimed again");

        (await store.CompleteAsync("relay-1", [.. first.Select(r => r.Id)], default)).ShouldBe(2);

        (await store.ClaimAsync(claim, default)).Select(Body).ShouldBe(["3", "4"]);
        (await store.CountAsync(default)).ShouldBe(3);
    }

    [Fact]
    public async Task Claim_TwoRelays_NeverHoldTheSameLane_AndTogetherHoldAll()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, [.. Enumerable.Range(0, 8).Select(lane => ("orders", lane, $"m{lane}"))]);

        var a = await store.ClaimAsync(new OutboxClaim("relay-a", LongLease, 3, 10), default);
        var b = await store.ClaimAsync(new OutboxClaim("relay-b", LongLease, 10, 10), default);
        var aAgain = await store.ClaimAsync(new OutboxClaim("relay-a", LongLease, 3, 10), default);

        var lanesA = a.Select(r => r.Lane).ToHashSet();
        lanesA.Count.ShouldBe(3, "relay-a holds at most MaxLanes");
        var lanesB = b.Select(r => r.Lane).ToHashSet();
        lanesA.Overlaps(lanesB).ShouldBeFalse();
        lanesA.Union(lanesB).Count().ShouldBe(8);
        aAgain.Select(r => r.Lane).ToHashSet().SetEquals(lanesA).ShouldBeTrue("a renewal keeps the same lanes");
    }

    [Fact]
    public async Task Claim_ConcurrentRelays_NeverHoldTheSameLane()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, [.. Enumerable.Range(0, 16).Select(lane => ("orders", lane, $"m{lane}"))]);

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            await store.ClaimAsync(new OutboxClaim($"relay-{i}", LongLease, 16, 10), default))));

        var lanes = claims.SelectMany(rows => rows.Select(r => r.Lane).Distinct()).ToList();
        lanes.Count.ShouldBe(16);
        lanes.Distinct().Count().ShouldBe(16, "no lane is held by two relays");
    }

    [Fact]
    public async Task Lease_RunsOut_AnotherRelayTakesTheLane_AndTheFirstCannotComplete()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 5, "m"));
        var held = await store.ClaimAsync(new OutboxClaim("relay-a", TimeSpan.FromMilliseconds(300), 10, 10), default);
        held.Count.ShouldBe(1);
        (await store.ClaimAsync(new OutboxClaim("relay-b", LongLease, 10, 10), default)).ShouldBeEmpty("relay-a's lease runs");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        IReadOnlyList<OutboxRow> taken;
        do
        {
            taken = await store.ClaimAsync(new OutboxClaim("relay-b", LongLease, 10, 10), default);
        }
        while (taken.Count == 0 && DateTime.UtcNow < deadline);

        taken.Select(Body).ShouldBe(["m"]);
        (await store.CompleteAsync("relay-a", [held[0].Id], default)).ShouldBe(0, "relay-a lost the lane");
        (await store.CompleteAsync("relay-b", [taken[0].Id], default)).ShouldBe(1);
    }

    [Fact]
    public async Task Complete_RemovesTheRows_AndTheEmptyLaneIsFreeForAnotherRelay()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 7, "1"), ("orders", 7, "2"));
        var claim = new OutboxClaim("relay-a", LongLease, 10, 10);
        var rows = await store.ClaimAsync(claim, default);

        (await store.CompleteAsync("relay-a", [.. rows.Select(r => r.Id)], default)).ShouldBe(2);
        (await store.CountAsync(default)).ShouldBe(0);
        (await store.ClaimAsync(claim, default)).ShouldBeEmpty("and the empty lane is handed back");

        await AppendAsync(store, ("orders", 7, "3"));
        (await store.ClaimAsync(new OutboxClaim("relay-b", LongLease, 10, 10), default)).Select(Body).ShouldBe(["3"]);
    }

    [Fact]
    public async Task Release_HandsBackTheLanes()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 1, "m"));
        (await store.ClaimAsync(new OutboxClaim("relay-a", LongLease, 10, 10), default)).Count.ShouldBe(1);

        await store.ReleaseAsync("relay-a", default);

        (await store.ClaimAsync(new OutboxClaim("relay-b", LongLease, 10, 10), default)).Select(Body).ShouldBe(["m"]);
    }

    [Fact]
    public async Task CorruptRow_ClaimedWithTheReason_AndTheRestOfTheLaneFlows()
    {
        var store = await CreateStoreAsync();
        await AppendAsync(store, ("orders", 4, "before"), ("orders", 4, "corrupt"), ("orders", 4, "after"));
        var claim = new OutboxClaim("relay-a", LongLease, 10, 10);
        var corrupt = (await store.ClaimAsync(claim, default)).Single(r => Body(r) == "corrupt");
        await CorruptHeadersAsync(corrupt.Id);

        var rows = await store.ClaimAsync(claim, default);

        rows.Select(Body).ShouldBe(["before", "corrupt", "after"]);
        var bad = rows[1];
        bad.Error.ShouldNotBeNullOrWhiteSpace();
        bad.Channel.ShouldBe("orders");
        rows[0].Error.ShouldBeNull();
        rows[2].Error.ShouldBeNull();
    }

    private async Task AppendAsync(IOutboxStore store, params (string Channel, int Lane, string Body)[] messages)
    {
        var unitOfWork = await BeginAsync();
        foreach (var (channel, lane, body) in messages)
        {
            await store.AppendAsync(unitOfWork, Message(channel, lane, body), default);
        }

        await unitOfWork.CommitAsync(default);
    }

    private static OutboxMessage Message(string channel, int lane, string body)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, $"id-{body}");
        headers.Set("tenant", "t-\u00e9");
        return new OutboxMessage(channel, lane, new TransportMessage(headers, Encoding.UTF8.GetBytes(body)));
    }

    private static string Body(OutboxRow row) => Encoding.UTF8.GetString(row.Message.Body.Span);

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
