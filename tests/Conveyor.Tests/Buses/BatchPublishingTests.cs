using Conveyor.Testing;

namespace Conveyor.Tests.Buses;

/// <summary>
/// <see cref="IEventBus.PublishManyAsync"/> and <see cref="ICommandBus.SendManyAsync"/> with in-process and in-memory
/// handlers: each message is handled or sent as its single publish would be, per-message headers apply, and a failure
/// is reported by its index without stopping the rest of the batch. (Kafka's side: Conveyor.Kafka.Tests.)
/// </summary>
public sealed class BatchPublishingTests
{
    public sealed record StockCounted(string Sku, int Quantity);

    public sealed record Reorder(string Sku);

    public sealed class Seen
    {
        public List<string> Projected { get; } = [];
    }

    public sealed class Stock(Seen seen)
    {
        [EventHandler(EndpointId = "stock.project")]
        public void Project(StockCounted counted)
        {
            if (counted.Quantity < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(counted), "a count cannot be negative");
            }

            seen.Projected.Add(counted.Sku);
        }

        [Asynchronous("stock")]
        [EventHandler(EndpointId = "stock.audit")]
        public void Audit(StockCounted counted)
        {
        }

        [Asynchronous("stock")]
        [CommandHandler(EndpointId = "stock.reorder")]
        public void Handle(Reorder command)
        {
        }
    }

    [Fact]
    public async Task PublishManyAsync_RunsSynchronousHandlersAndSendsEachCopy_AFailureIsReportedByIndex_AndTheRestGoesOn()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Stock>().AddInMemoryChannel("stock"), s => s.AddSingleton(seen));
        StockCounted[] batch = [new("a", 1), new("b", -1), new("c", 3)];

        var error = await Should.ThrowAsync<MessageBatchException>(() =>
            flow.EventBus.PublishManyAsync(batch, e => new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = e.Sku }).AsTask());

        error.Count.ShouldBe(3);
        var failure = error.Failures.ShouldHaveSingleItem();
        failure.Index.ShouldBe(1);
        failure.Message.ShouldBeSameAs(batch[1]);
        failure.Exception.ShouldBeOfType<ArgumentOutOfRangeException>();
        seen.Projected.ShouldBe(["a", "c"]);

        // As PublishAsync: a copy for an asynchronous subscriber is sent only when the synchronous handlers succeeded.
        var sent = flow.RecordedMessages("stock");
        sent.Select(m => m.Headers.Get(MessageHeaderNames.PartitionKey)).ShouldBe(["a", "c"]);
    }

    [Fact]
    public async Task SendManyAsync_SendsEveryCommandInOrder_AndACommandWithoutAHandlerFailsTheCallBeforeAnyIsSent()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Stock>().AddInMemoryChannel("stock"), s => s.AddSingleton(new Seen()));

        await Should.ThrowAsync<MessageRoutingException>(() => flow.CommandBus.SendManyAsync<object>([new Reorder("a"), new StockCounted("b", 1)]).AsTask());
        flow.RecordedMessages("stock").ShouldBeEmpty();

        await flow.CommandBus.SendManyAsync(Enumerable.Range(0, 50).Select(i => new Reorder($"sku-{i}")));
        flow.RecordedPayloads<Reorder>("stock").Select(r => r.Sku).ShouldBe(Enumerable.Range(0, 50).Select(i => $"sku-{i}"));
    }
}
