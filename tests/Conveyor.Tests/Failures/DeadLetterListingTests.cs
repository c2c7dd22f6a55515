using System.Text;
using Conveyor.Channels;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Tests.Failures;

/// <summary>The query, its page token and the listing over the application's store and the channels' own stores.</summary>
public sealed class DeadLetterListingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A receiving channel that keeps its own dead letters, as a Kafka channel does in its topic.</summary>
    private sealed class ChannelWithOwnDeadLetters(string name) : IReceivingChannel
    {
        public string Name => name;

        public InMemoryDeadLetterStore Store { get; } = new();

        public IDeadLetterStore DeadLetters => Store;

        public ChannelCapabilities Capabilities { get; } = new() { CanReceive = true };

        public FinalFailureStrategy? FinalFailureStrategy => null;

        public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);

        public Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Nothing consumes it in these tests.");

        public ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Nothing consumes it in these tests.");
    }

    private static DeadLetter Letter(string messageId, string endpointId, DateTimeOffset failedAt, string channel) =>
        new(messageId, endpointId, new TransportMessage(new MessageHeaders(), Encoding.UTF8.GetBytes("{}")), channel, $"{channel}#{messageId}", "System.InvalidOperationException", "failed", 1, failedAt);

    [Fact]
    public async Task ListAsync_OverTheApplicationStoreAndTheChannelsStores_OneOrderPagedWithOneToken()
    {
        var application = new InMemoryDeadLetterStore();
        var (orders, payments) = (new ChannelWithOwnDeadLetters("orders"), new ChannelWithOwnDeadLetters("payments"));
        await application.AddAsync(Letter("m-1", "e", T0.AddSeconds(1), "other"), default);
        await application.AddAsync(Letter("m-6", "e", T0.AddSeconds(6), "other"), default);
        await orders.Store.AddAsync(Letter("m-2", "e", T0.AddSeconds(2), "orders"), default);
        await orders.Store.AddAsync(Letter("m-5", "e", T0.AddSeconds(5), "orders"), default);
        await payments.Store.AddAsync(Letter("m-3", "b", T0.AddSeconds(3), "payments"), default);
        await payments.Store.AddAsync(Letter("m-3", "a", T0.AddSeconds(3), "payments"), default);
        await payments.Store.AddAsync(Letter("m-4", "e", T0.AddSeconds(4), "payments"), default);
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IDeadLetterStore>(application)
            .AddConveyor(c => c.AddChannel("orders", _ => orders, "test").AddChannel("payments", _ => payments, "test"))
            .BuildServiceProvider();
        var deadLetters = services.GetRequiredService<IDeadLetters>();

        var pages = new List<DeadLetterPage>();
        var query = new DeadLetterQuery { Limit = 2 };
        while (true)
        {
            var page = await deadLetters.ListAsync(query);
            pages.Add(page);
            if (page.Next is null || pages.Count > 10)
            {
                break;
            }

            query = query with { After = page.Next };
        }

        pages.Select(p => p.Items.Select(d => d.Id).ToArray()).ShouldBe([["m-1/e", "m-2/e"], ["m-3/a", "m-3/b"], ["m-4/e", "m-5/e"], ["m-6/e"]]);
        (await deadLetters.ListAsync(new DeadLetterQuery { ChannelName = "payments", Limit = 3 })).ShouldSatisfyAllConditions(
            p => p.Items.Select(d => d.Id).ShouldBe(["m-3/a", "m-3/b", "m-4/e"]),
            p => p.Next.ShouldBeNull("only the payments channel's store has payments dead letters, and it has no more"));
        (await deadLetters.ListAsync(new DeadLetterQuery { ChannelName = "payments", Limit = 2 })).Next.ShouldNotBeNull("the payments channel's store has a third");
        (await deadLetters.ListAsync(new DeadLetterQuery { Limit = 6 })).Next.ShouldNotBeNull("the application's store has a seventh");
        (await deadLetters.GetAsync("m-5/e")).ShouldNotBeNull().ChannelName.ShouldBe("orders");
        (await deadLetters.DeleteAsync("m-3/a")).ShouldBeTrue();
        (await payments.Store.GetAsync("m-3/a", default)).ShouldBeNull("deleted from the store that held it");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Query_LimitOutside1To1000_Rejected(int limit) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new DeadLetterQuery { Limit = limit });

    [Theory]
    [InlineData("not a token")]
    [InlineData("bm8tY29sb24")]
    [InlineData("LTE6bS0xL2U")]
    public void Query_AfterThatIsNoToken_Rejected(string token) =>
        Should.Throw<FormatException>(() => new DeadLetterQuery { After = token }).Message.ShouldContain("is not a dead-letter page token");

    [Fact]
    public void Token_RoundTripsThePosition_AndIsSafeInAShell()
    {
        var position = new DeadLetterPosition(T0.AddTicks(1234567), "m 1/ü ber:$x");

        var token = position.ToToken();

        DeadLetterPosition.Parse(token).ShouldBe(position);
        token.ShouldMatch("^[A-Za-z0-9_-]+$");
    }

    [Theory]
    [InlineData("m-1", "billing.charge_card", "m-1/billing.charge_card")]
    [InlineData("a/b", "c", "a%2Fb/c")]
    [InlineData("a", "b/c", "a/b%2Fc")]
    [InlineData("50%", "e", "50%25/e")]
    [InlineData("%2F", "e", "%252F/e")]
    public void Id_MessageIdSlashEndpointId_EscapedSoTwoPairsNeverShareOne(string messageId, string endpointId, string id)
    {
        var deadLetter = Letter(messageId, endpointId, T0, "c");

        deadLetter.Id.ShouldBe(id);
        DeadLetterId.TryParse(id, out var parsedMessageId, out var parsedEndpointId).ShouldBeTrue();
        (parsedMessageId, parsedEndpointId).ShouldBe((messageId, endpointId));
    }
}
