using Conveyor.Testing;

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

    [Fact]
    public async Task InMemoryStore_ExpiredKeys_Forgotten_AndAKeyMarkedAgainKept()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var store = new Conveyor.Deduplication.InMemoryDeduplicationStore(TimeSpan.FromMinutes(10), clock);
        await store.MarkHandledAsync("e", "a", default);
        await store.MarkHandledAsync("e", "b", default);
        clock.Advance(TimeSpan.FromMinutes(6));
        await store.MarkHandledAsync("e", "a", default);

        clock.Advance(TimeSpan.FromMinutes(5));
        await store.MarkHandledAsync("e", "c", default);

        store.Count.ShouldBe(2, "'b' expired and was forgotten; 'a' was marked again and is kept");
        (await store.IsHandledAsync("e", "a", default)).ShouldBeTrue();
        (await store.IsHandledAsync("e", "b", default)).ShouldBeFalse();
    }

    [Fact]
    public async Task InMemoryStore_UuidKeys_RememberedPerEndpoint_AndNotConfusedWithTheirUpperCaseOrOtherText()
    {
        var store = new Conveyor.Deduplication.InMemoryDeduplicationStore(TimeSpan.FromMinutes(10), TimeProvider.System);
        var id = Guid.CreateVersion7().ToString();
        await store.MarkHandledAsync("e", id, default);
        await store.MarkHandledAsync("e", "not-a-uuid", default);

        (await store.IsHandledAsync("e", id, default)).ShouldBeTrue();
        (await store.IsHandledAsync("other", id, default)).ShouldBeFalse();
        (await store.IsHandledAsync("e", id.ToUpperInvariant(), default)).ShouldBeFalse();
        (await store.IsHandledAsync("e", "{" + id + "}", default)).ShouldBeFalse();
        (await store.IsHandledAsync("e", Guid.Empty.ToString(), default)).ShouldBeFalse();
        (await store.IsHandledAsync("e", "not-a-uuid", default)).ShouldBeTrue();
        store.Count.ShouldBe(2);
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
        await flow.RunAsync("payments");
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
