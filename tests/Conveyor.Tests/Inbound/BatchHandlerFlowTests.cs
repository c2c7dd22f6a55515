using System.Collections.Concurrent;
using Conveyor.Testing;

namespace Conveyor.Tests.Inbound;

/// <summary>
/// Batch handlers on the in-memory channel, as a flow test runs them (every channel swapped to in-memory): the queued
/// messages come as one list, in order; when the batch fails, each message is handled alone and only the failing one
/// ends in the dead letter; a message handled alone (no batch) comes as a list of one.
/// </summary>
public sealed class BatchHandlerFlowTests
{
    [Message("stock.counted")]
    public sealed record StockCounted(string Sku, int Quantity);

    public sealed class Counts
    {
        public ConcurrentQueue<string[]> Calls { get; } = new();
    }

    public sealed class Inventory(Counts counts)
    {
        [Asynchronous("stock")]
        [EventHandler(EndpointId = "inventory.counted")]
        public void On(IReadOnlyList<Received<StockCounted>> counted)
        {
            counts.Calls.Enqueue([.. counted.Select(c => c.Message.Sku)]);
            if (counted.FirstOrDefault(c => c.Message.Quantity < 0) is { } bad)
            {
                throw new InvalidOperationException($"{bad.Message.Sku} has a negative count ({bad.Headers.MessageId is not null}).");
            }
        }
    }

    private static ConveyorFlow Flow(Counts counts) =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<Inventory>().AddInMemoryChannel("stock"), s => s.AddSingleton(counts));

    [Fact]
    public async Task QueuedMessages_ComeAsOneList_InOrder()
    {
        var counts = new Counts();
        await using var flow = Flow(counts);
        foreach (var sku in new[] { "a", "b", "c" })
        {
            await flow.PublishAsync(new StockCounted(sku, 1));
        }

        await flow.RunAsync("stock");

        counts.Calls.Select(c => string.Join(",", c)).ShouldBe(["a,b,c"]);
    }

    [Fact]
    public async Task FailingBatch_IsHandledMessageByMessage_OnlyTheBadOneIsDeadLettered()
    {
        var counts = new Counts();
        await using var flow = Flow(counts);
        await flow.PublishAsync(new StockCounted("a", 1));
        await flow.PublishAsync(new StockCounted("b", -1));
        await flow.PublishAsync(new StockCounted("c", 1));

        await flow.RunAsync("stock", expectFailures: true);

        counts.Calls.Select(c => string.Join(",", c)).ShouldBe(["a,b,c", "a", "b", "c"]);
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionMessage.ShouldBe("b has a negative count (True).");
        flow.Failures.ShouldHaveSingleItem().Endpoint.ShouldBe("inventory.counted");
    }
}
