using Conveyor.EventSourcing;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Compliance.EventStore;

/// <summary>What every <see cref="IEventStore"/> must do. Derive a test class and create an empty store in <see cref="CreateStoreAsync"/>.</summary>
public abstract class EventStoreCompliance
{
    /// <summary>The clock stores are created on.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Creates an empty store stamping events with <paramref name="time"/>.</summary>
    /// <param name="time">The clock.</param>
    /// <returns>The store.</returns>
    protected abstract ValueTask<IEventStore> CreateStoreAsync(TimeProvider time);

    private static EventData[] Events(params string[] data) => [.. data.Select(d => new EventData("Happened", $$"""{"n":"{{d}}"}""", $$"""{"id":"{{d}}"}"""))];

    [Fact]
    public async Task Append_NewStream_VersionsFromOne_ReadBackInOrder()
    {
        var store = await CreateStoreAsync(Time);

        (await store.AppendAsync("s-1", 0, Events("a", "b", "c"), default)).ShouldBe(3);

        var read = await store.ReadStreamAsync("s-1", 1, default);
        read.Select(e => e.Version).ShouldBe([1L, 2L, 3L]);
        read.Select(e => e.Data).ShouldBe(["""{"n":"a"}""", """{"n":"b"}""", """{"n":"c"}"""]);
        read.ShouldAllBe(e => e.StreamId == "s-1" && e.EventType == "Happened" && e.RecordedAt == Time.GetUtcNow());
        read[1].Metadata.ShouldBe("""{"id":"b"}""");
    }

    [Fact]
    public async Task Append_AtTheExpectedVersion_Continues()
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a"), default);

        (await store.AppendAsync("s-1", 1, Events("b", "c"), default)).ShouldBe(3);

        (await store.ReadStreamAsync("s-1", 1, default)).Count.ShouldBe(3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Append_NotAtTheExpectedVersion_ConflictsAndAppendsNothing(long expected)
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a", "b"), default);

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(async () => await store.AppendAsync("s-1", expected, Events("x"), default));

        conflict.Message.ShouldContain("s-1");
        (await store.ReadStreamAsync("s-1", 1, default)).Select(e => e.Data).ShouldNotContain("""{"n":"x"}""");
    }

    [Fact]
    public async Task Append_ToAStreamThatDoesNotExist_WithAVersion_Conflicts()
    {
        var store = await CreateStoreAsync(Time);

        await Should.ThrowAsync<ConcurrencyConflictException>(async () => await store.AppendAsync("s-1", 2, Events("a"), default));

        (await store.ReadStreamAsync("s-1", 1, default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Append_ConcurrentlyAtTheSameVersion_ExactlyOneWins()
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a"), default);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync("s-1", 1, Events($"w{i}"), default);
                return true;
            }
            catch (ConcurrencyConflictException)
            {
                return false;
            }
        })));

        attempts.Count(won => won).ShouldBe(1);
        (await store.ReadStreamAsync("s-1", 1, default)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task ReadStream_FromAVersion_SkipsTheEarlierOnes()
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a", "b", "c", "d"), default);

        (await store.ReadStreamAsync("s-1", 3, default)).Select(e => e.Version).ShouldBe([3L, 4L]);
        (await store.ReadStreamAsync("s-1", 5, default)).ShouldBeEmpty();
        (await store.ReadStreamAsync("nothing", 1, default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Streams_AreIndependent()
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a"), default);

        (await store.AppendAsync("s-2", 0, Events("b"), default)).ShouldBe(1);

        (await store.ReadStreamAsync("s-2", 1, default)).ShouldHaveSingleItem().Data.ShouldBe("""{"n":"b"}""");
    }

    [Fact]
    public async Task ReadAll_InGlobalOrder_AcrossStreams_PagedByPosition()
    {
        var store = await CreateStoreAsync(Time);
        await store.AppendAsync("s-1", 0, Events("a", "b"), default);
        await store.AppendAsync("s-2", 0, Events("c"), default);
        await store.AppendAsync("s-1", 2, Events("d"), default);

        var first = await store.ReadAllAsync(0, 3, default);
        var rest = await store.ReadAllAsync(first[^1].Position, 10, default);

        first.Concat(rest).Select(e => e.Data).ShouldBe(["""{"n":"a"}""", """{"n":"b"}""", """{"n":"c"}""", """{"n":"d"}"""]);
        first.Concat(rest).Select(e => e.Position).ShouldBeInOrder(SortDirection.Ascending);
        first.Concat(rest).Select(e => e.Position).Distinct().Count().ShouldBe(4);
        (await store.ReadAllAsync(rest[^1].Position, 10, default)).ShouldBeEmpty();
    }
}
