using Conveyor.Aggregates;

namespace Conveyor.Compliance.Aggregates;

/// <summary>What every <see cref="IAggregateStateStore"/> must do. Derive a test class and create an empty store in <see cref="CreateStoreAsync"/>.</summary>
public abstract class AggregateStateStoreCompliance
{
    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract ValueTask<IAggregateStateStore> CreateStoreAsync();

    [Fact]
    public async Task Load_Unknown_Null()
    {
        var store = await CreateStoreAsync();

        (await store.LoadAsync("Ticket", "1", default)).ShouldBeNull();
    }

    [Fact]
    public async Task Save_New_ThenLoad_ReturnsStateAndVersion()
    {
        var store = await CreateStoreAsync();

        await store.SaveAsync("Ticket", "1", """{"open":true}""", 0, 1, default);

        (await store.LoadAsync("Ticket", "1", default)).ShouldBe(new AggregateStateRecord("""{"open":true}""", 1));
        (await store.LoadAsync("Order", "1", default)).ShouldBeNull("the aggregate type is part of the key");
    }

    [Fact]
    public async Task Save_AtTheLoadedVersion_Replaces()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync("Ticket", "1", "{}", 0, 1, default);

        await store.SaveAsync("Ticket", "1", """{"open":false}""", 1, 2, default);

        (await store.LoadAsync("Ticket", "1", default)).ShouldBe(new AggregateStateRecord("""{"open":false}""", 2));
    }

    [Fact]
    public async Task Save_NewTwice_Conflicts()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync("Ticket", "1", "{}", 0, 1, default);

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(async () => await store.SaveAsync("Ticket", "1", """{"x":1}""", 0, 1, default));

        conflict.Message.ShouldContain("Ticket '1'");
        (await store.LoadAsync("Ticket", "1", default))!.State.ShouldBe("{}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Save_AtAStaleVersion_ConflictsAndKeepsTheStoredState(long expected)
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync("Ticket", "1", "{}", 0, 1, default);
        await store.SaveAsync("Ticket", "1", """{"v":2}""", 1, 2, default);

        await Should.ThrowAsync<ConcurrencyConflictException>(async () => await store.SaveAsync("Ticket", "1", """{"v":"stale"}""", expected, expected + 1, default));

        (await store.LoadAsync("Ticket", "1", default)).ShouldBe(new AggregateStateRecord("""{"v":2}""", 2));
    }

    [Fact]
    public async Task Save_ExistingWithAVersion_OfOneThatDoesNotExist_Conflicts()
    {
        var store = await CreateStoreAsync();

        await Should.ThrowAsync<ConcurrencyConflictException>(async () => await store.SaveAsync("Ticket", "1", "{}", 1, 2, default));

        (await store.LoadAsync("Ticket", "1", default)).ShouldBeNull();
    }

    [Fact]
    public async Task Save_SkippingVersions_StoresTheGivenVersion()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync("Ticket.snapshot", "1", "{}", 0, 100, default);

        await store.SaveAsync("Ticket.snapshot", "1", """{"n":200}""", 100, 200, default);

        (await store.LoadAsync("Ticket.snapshot", "1", default))!.Version.ShouldBe(200);
    }

    [Fact]
    public async Task Save_ConcurrentlyAtTheSameVersion_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync("Ticket", "1", "{}", 0, 1, default);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.SaveAsync("Ticket", "1", $$"""{"w":{{i}}}""", 1, 2, default);
                return true;
            }
            catch (ConcurrencyConflictException)
            {
                return false;
            }
        })));

        attempts.Count(won => won).ShouldBe(1);
        (await store.LoadAsync("Ticket", "1", default))!.Version.ShouldBe(2);
    }
}
