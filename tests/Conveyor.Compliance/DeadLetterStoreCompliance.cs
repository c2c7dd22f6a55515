using System.Text;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Compliance;

/// <summary>
/// What every <see cref="IDeadLetterStore"/> must do. Derive a test class and create an empty store in
/// <see cref="CreateStoreAsync"/>. Times are whole milliseconds: a store may keep <see cref="DeadLetter.FailedAt"/> to
/// the millisecond only.
/// </summary>
public abstract class DeadLetterStoreCompliance
{
    /// <summary>A time the tests' dead letters fail at (or a few seconds after).</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract Task<IDeadLetterStore> CreateStoreAsync();

    [Fact]
    public async Task Add_ThenGet_ReturnsEveryField_AndDelete_RemovesIt()
    {
        var store = await CreateStoreAsync();
        var added = Letter("m-1", "billing.charge_card", T0.AddSeconds(1), channel: "payments", exceptionType: "System.TimeoutException", attempts: 3);
        await store.AddAsync(added, default);

        var found = (await store.GetAsync(added.Id, default)).ShouldNotBeNull();
        found.Id.ShouldBe(added.Id);
        found.MessageId.ShouldBe("m-1");
        found.EndpointId.ShouldBe("billing.charge_card");
        found.ChannelName.ShouldBe("payments");
        found.Position.ShouldBe(added.Position);
        found.ExceptionType.ShouldBe("System.TimeoutException");
        found.ExceptionMessage.ShouldBe(added.ExceptionMessage);
        found.Attempts.ShouldBe(3);
        found.FailedAt.ShouldBe(added.FailedAt);
        (await store.GetAsync("m-1/another.endpoint", default)).ShouldBeNull();

        (await store.DeleteAsync(added.Id, default)).ShouldBeTrue();

        (await store.GetAsync(added.Id, default)).ShouldBeNull();
        (await ListAllAsync(store)).ShouldBeEmpty();
        (await store.DeleteAsync(added.Id, default)).ShouldBeFalse("it is gone");
    }

    [Fact]
    public async Task Add_OneMessageFailedAtTwoEndpoints_TwoDeadLetters()
    {
        var store = await CreateStoreAsync();
        var carrier = Letter("m-1", "carrier.notify", T0);
        var customer = Letter("m-1", "customer.notify", T0);
        await store.AddAsync(carrier, default);
        await store.AddAsync(customer, default);

        (await ListAllAsync(store)).Select(d => d.EndpointId).ShouldBe(["carrier.notify", "customer.notify"]);
        (await store.GetAsync(carrier.Id, default)).ShouldNotBeNull().EndpointId.ShouldBe("carrier.notify");
        (await store.GetAsync(customer.Id, default)).ShouldNotBeNull().EndpointId.ShouldBe("customer.notify");

        (await store.DeleteAsync(carrier.Id, default)).ShouldBeTrue();

        (await ListAllAsync(store)).Select(d => d.EndpointId).ShouldBe(["customer.notify"]);
    }

    [Fact]
    public async Task Add_SameMessageAndEndpointAgain_ReplacesTheEntry()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Letter("m-1", "e", T0, attempts: 1), default);
        await store.AddAsync(Letter("m-2", "e", T0.AddSeconds(1)), default);

        await store.AddAsync(Letter("m-1", "e", T0.AddSeconds(2), attempts: 4), default);

        var all = await ListAllAsync(store);
        all.Select(d => d.Id).ShouldBe(["m-2/e", "m-1/e"], "one entry per message and endpoint, listed at its latest failure");
        all[1].Attempts.ShouldBe(4);
        (await store.GetAsync("m-1/e", default)).ShouldNotBeNull().FailedAt.ShouldBe(T0.AddSeconds(2));
    }

    [Fact]
    public async Task Add_AfterItsDeadLetterWasDeleted_ListedAgain()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Letter("m-1", "e", T0, attempts: 1), default);
        await store.DeleteAsync("m-1/e", default);

        // Replayed, and failed again.
        await store.AddAsync(Letter("m-1", "e", T0.AddSeconds(1), attempts: 2), default);

        (await ListAllAsync(store)).ShouldHaveSingleItem().Attempts.ShouldBe(2);
        (await store.GetAsync("m-1/e", default)).ShouldNotBeNull().Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task List_OldestFirst_SameTimeOrderedById()
    {
        var store = await CreateStoreAsync();
        foreach (var letter in Shuffled())
        {
            await store.AddAsync(letter, default);
        }

        var page = await store.ListAsync(new DeadLetterQuery(), default);

        page.Items.Select(d => d.Id).ShouldBe(OrderedIds);
        page.Next.ShouldBeNull("nothing follows");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]
    public async Task List_PageByPage_CoversEveryEntryOnceInOrder_NextNullOnlyOnTheLastPage(int limit)
    {
        var store = await CreateStoreAsync();
        foreach (var letter in Shuffled())
        {
            await store.AddAsync(letter, default);
        }

        var pages = await ListPagesAsync(store, new DeadLetterQuery { Limit = limit });

        pages.SelectMany(p => p.Items).Select(d => d.Id).ShouldBe(OrderedIds);
        pages.Count.ShouldBe((OrderedIds.Length + limit - 1) / limit);
        pages.SkipLast(1).ShouldAllBe(p => p.Items.Count == limit && p.Next != null);
        pages[^1].Next.ShouldBeNull();
    }

    [Fact]
    public async Task List_NextPage_ContinuesAfterTheLastEntrySeen_WhateverWasAddedOrDeletedMeanwhile()
    {
        var store = await CreateStoreAsync();
        foreach (var letter in Shuffled())
        {
            await store.AddAsync(letter, default);
        }

        var first = await store.ListAsync(new DeadLetterQuery { Limit = 3 }, default);
        await store.DeleteAsync(OrderedIds[0], default);
        await store.DeleteAsync(OrderedIds[2], default);
        await store.DeleteAsync(OrderedIds[4], default);
        await store.AddAsync(Letter("m-early", "e", T0), default);
        await store.AddAsync(Letter("m-late", "e", T0.AddMinutes(5)), default);
        var rest = await ListPagesAsync(store, new DeadLetterQuery { Limit = 3, After = first.Next });

        first.Items.Select(d => d.Id).ShouldBe(OrderedIds[..3]);
        rest.SelectMany(p => p.Items).Select(d => d.Id).ShouldBe([OrderedIds[3], .. OrderedIds[5..], "m-late/e"]);
    }

    [Fact]
    public async Task List_ByEndpoint_OnlyThatEndpoint()
    {
        var store = await FilterFixtureAsync();

        var ids = await IdsAsync(store, new DeadLetterQuery { EndpointId = "billing.charge_card" });

        ids.ShouldBe(["m-1/billing.charge_card", "m-3/billing.charge_card"]);
    }

    [Fact]
    public async Task List_ByChannel_OnlyThatChannel()
    {
        var store = await FilterFixtureAsync();

        var ids = await IdsAsync(store, new DeadLetterQuery { ChannelName = "orders" });

        ids.ShouldBe(["m-2/shipping.ship_order", "m-4/shipping.ship_order"]);
    }

    [Theory]
    [InlineData("System.TimeoutException", new[] { "m-1/billing.charge_card", "m-2/shipping.ship_order" })]
    [InlineData("TimeoutException", new[] { "m-1/billing.charge_card", "m-2/shipping.ship_order" })]
    [InlineData("Acme.Gateway+DeclinedException", new[] { "m-3/billing.charge_card" })]
    [InlineData("Gateway+DeclinedException", new[] { "m-3/billing.charge_card" })]
    [InlineData("DeclinedException", new[] { "m-3/billing.charge_card" })]
    [InlineData("Exception", new string[0])]
    [InlineData("Timeout", new string[0])]
    [InlineData("meoutException", new string[0])]
    [InlineData("timeoutexception", new string[0])]
    public async Task List_ByExceptionType_FullNameOrItsEndAfterADotOrPlus(string exceptionType, string[] expected)
    {
        var store = await FilterFixtureAsync();

        var ids = await IdsAsync(store, new DeadLetterQuery { ExceptionType = exceptionType });

        ids.ShouldBe(expected);
    }

    [Fact]
    public async Task List_ByFailedFromAndTo_FromInclusiveToExclusive()
    {
        var store = await FilterFixtureAsync();

        var from = await IdsAsync(store, new DeadLetterQuery { FailedFrom = T0.AddSeconds(2) });
        var to = await IdsAsync(store, new DeadLetterQuery { FailedTo = T0.AddSeconds(2) });
        var between = await IdsAsync(store, new DeadLetterQuery { FailedFrom = T0.AddSeconds(2), FailedTo = T0.AddSeconds(4) });

        from.ShouldBe(["m-2/shipping.ship_order", "m-3/billing.charge_card", "m-4/shipping.ship_order"]);
        to.ShouldBe(["m-1/billing.charge_card"]);
        between.ShouldBe(["m-2/shipping.ship_order", "m-3/billing.charge_card"]);
    }

    [Fact]
    public async Task List_FiltersCombined_AndPagedThroughOnlyTheMatches()
    {
        var store = await FilterFixtureAsync();

        var pages = await ListPagesAsync(store, new DeadLetterQuery { Limit = 1, ChannelName = "payments", ExceptionType = "DeclinedException" });
        var allPayments = await ListPagesAsync(store, new DeadLetterQuery { Limit = 1, ChannelName = "payments" });

        pages.SelectMany(p => p.Items).Select(d => d.Id).ShouldBe(["m-3/billing.charge_card"]);
        pages.Single().Next.ShouldBeNull("no other dead letter matches");
        allPayments.SelectMany(p => p.Items).Select(d => d.Id).ShouldBe(["m-1/billing.charge_card", "m-3/billing.charge_card"]);
    }

    [Fact]
    public async Task AddThenGetAndList_KeepHeadersAndBodyByteForByte()
    {
        var store = await CreateStoreAsync();
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Encoding.UTF8.GetBytes("ünïcødé ✓ 😀")).ToArray();
        var headers = new MessageHeaders([
            new(MessageHeaderNames.MessageId, "m-1"),
            new(MessageHeaderNames.ContentType, "application/octet-stream"),
            new("tenant", "acme"),
            new("note", "  spaces kept, ünïcødé ✓ 😀,\tand a tab  "),
            new("json", """{"a":[1,2],"b":"c"}"""),
        ]);
        var added = Letter("m-1", "e", T0) with { Message = new TransportMessage(headers, body) };
        await store.AddAsync(added, default);

        var found = (await store.GetAsync(added.Id, default)).ShouldNotBeNull();
        var listed = (await ListAllAsync(store)).ShouldHaveSingleItem();

        foreach (var deadLetter in new[] { found, listed })
        {
            deadLetter.Message.Body.ToArray().ShouldBe(body);
            foreach (var (name, value) in headers)
            {
                deadLetter.Message.Headers.Get(name).ShouldBe(value, $"header '{name}'");
            }
        }
    }

    /// <summary>A dead letter of <paramref name="messageId"/> at <paramref name="endpointId"/>.</summary>
    protected static DeadLetter Letter(
        string messageId,
        string endpointId,
        DateTimeOffset failedAt,
        string channel = "orders",
        string exceptionType = "System.InvalidOperationException",
        int attempts = 1)
    {
        var headers = new MessageHeaders([new(MessageHeaderNames.MessageId, messageId), new(MessageHeaderNames.ContentType, "application/json")]);
        return new DeadLetter(
            messageId,
            endpointId,
            new TransportMessage(headers, Encoding.UTF8.GetBytes($$"""{"message":"{{messageId}}"}""")),
            channel,
            $"{channel}#{messageId}",
            exceptionType,
            $"{endpointId} failed on {messageId}",
            attempts,
            failedAt);
    }

    // Seven dead letters, three failing at one time, in the order a listing must return them: by time, then by id.
    private static readonly string[] OrderedIds = ["m-5/e", "m-1/e", "m-2/a", "m-2/b", "m-3/e", "m-0/e", "m-4/e"];

    private static IEnumerable<DeadLetter> Shuffled() =>
    [
        Letter("m-3", "e", T0.AddSeconds(3)),
        Letter("m-2", "b", T0.AddSeconds(2)),
        Letter("m-4", "e", T0.AddSeconds(5)),
        Letter("m-1", "e", T0.AddSeconds(2)),
        Letter("m-5", "e", T0.AddSeconds(1)),
        Letter("m-0", "e", T0.AddSeconds(4)),
        Letter("m-2", "a", T0.AddSeconds(2)),
    ];

    private async Task<IDeadLetterStore> FilterFixtureAsync()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Letter("m-3", "billing.charge_card", T0.AddSeconds(3), "payments", "Acme.Gateway+DeclinedException"), default);
        await store.AddAsync(Letter("m-1", "billing.charge_card", T0.AddSeconds(1), "payments", "System.TimeoutException"), default);
        await store.AddAsync(Letter("m-4", "shipping.ship_order", T0.AddSeconds(4), "orders", "System.InvalidOperationException"), default);
        await store.AddAsync(Letter("m-2", "shipping.ship_order", T0.AddSeconds(2), "orders", "System.TimeoutException"), default);
        return store;
    }

    private static async Task<List<DeadLetter>> ListAllAsync(IDeadLetterStore store) =>
        [.. (await ListPagesAsync(store, new DeadLetterQuery())).SelectMany(p => p.Items)];

    private static async Task<string[]> IdsAsync(IDeadLetterStore store, DeadLetterQuery query) =>
        [.. (await ListPagesAsync(store, query)).SelectMany(p => p.Items).Select(d => d.Id)];

    /// <summary>Every page of <paramref name="query"/>, following <see cref="DeadLetterPage.Next"/>; fails on a page loop.</summary>
    private static async Task<List<DeadLetterPage>> ListPagesAsync(IDeadLetterStore store, DeadLetterQuery query)
    {
        var pages = new List<DeadLetterPage>();
        while (true)
        {
            var page = await store.ListAsync(query, default);
            pages.Add(page);
            if (page.Next is null)
            {
                return pages;
            }

            pages.Count.ShouldBeLessThan(100, "the pages never end");
            query = query with { After = page.Next };
        }
    }
}
