using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class DeadLetterTests
{
    public sealed record Invoice(string Number);

    public sealed class Switch
    {
        public bool Broken { get; set; } = true;

        public List<string> Handled { get; } = [];
    }

    public sealed class Billing(Switch state)
    {
        [Asynchronous("billing")]
        [CommandHandler(EndpointId = "billing.invoice")]
        public void Handle(Invoice invoice, [Header("tenant")] string tenant)
        {
            if (state.Broken)
            {
                throw new InvalidOperationException("ledger locked");
            }

            state.Handled.Add($"{tenant}:{invoice.Number}");
        }
    }

    // These tests fail the handler on purpose to get dead letters.
    private static ConveyorFlow Flow(Switch state) =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<Billing>().AddInMemoryChannel("billing"), s => s.AddSingleton(state), new ConveyorFlowOptions { AllowFailures = true });

    [Fact]
    public async Task DeadLetter_KeepsOriginalMessageAndFailureDetails()
    {
        await using var flow = Flow(new Switch());
        await flow.SendAsync(new Invoice("F-1"), new Dictionary<string, string> { ["tenant"] = "acme" });

        await flow.RunAsync("billing");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ChannelName.ShouldBe("billing");
        deadLetter.EndpointId.ShouldBe("billing.invoice");
        deadLetter.Message.Headers.Get("tenant").ShouldBe("acme");
        System.Text.Encoding.UTF8.GetString(deadLetter.Message.Body.Span).ShouldContain("F-1");
        (await flow.DeadLetters.GetAsync(deadLetter.Id)).ShouldNotBeNull();
        flow.Channel("billing").Count.ShouldBe(0, "the dead-lettered message is acknowledged");
    }

    [Fact]
    public async Task ReplayAsync_AfterTheFix_HandlesTheMessageWithItsHeadersAndRemovesTheDeadLetter()
    {
        var state = new Switch();
        await using var flow = Flow(state);
        await flow.SendAsync(new Invoice("F-2"), new Dictionary<string, string> { ["tenant"] = "acme" });
        await flow.RunAsync("billing");
        var id = (await flow.DeadLetters.ListAsync()).Items.Single().Id;

        state.Broken = false;
        await flow.DeadLetters.ReplayAsync(id);
        await flow.RunAsync("billing");

        state.Handled.ShouldBe(["acme:F-2"]);
        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheDeadLetter()
    {
        await using var flow = Flow(new Switch());
        await flow.SendAsync(new Invoice("F-3"), new Dictionary<string, string> { ["tenant"] = "acme" });
        await flow.RunAsync("billing");
        var id = (await flow.DeadLetters.ListAsync()).Items.Single().Id;

        (await flow.DeadLetters.DeleteAsync(id)).ShouldBeTrue();

        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
        (await flow.DeadLetters.DeleteAsync(id)).ShouldBeFalse();
        await Should.ThrowAsync<KeyNotFoundException>(async () => await flow.DeadLetters.ReplayAsync(id));
    }

    [Fact]
    public async Task MessagesWithoutId_EachItsOwnDeadLetter_IdentifiedByItsPosition()
    {
        await using var flow = Flow(new Switch());
        foreach (var number in new[] { "F-4", "F-5" })
        {
            var headers = new MessageHeaders([new(MessageHeaderNames.TargetEndpoint, "billing.invoice"), new(MessageHeaderNames.ContentType, "application/json"), new("tenant", "acme")]);
            await flow.Channel("billing").SendAsync(new TransportMessage(headers, System.Text.Encoding.UTF8.GetBytes($$"""{"number":"{{number}}"}""")), CancellationToken.None);
        }

        await flow.RunAsync("billing");

        var deadLetters = (await flow.DeadLetters.ListAsync()).Items;
        deadLetters.Count.ShouldBe(2, "two messages without an id are two dead letters, not one replacing the other");
        deadLetters.ShouldAllBe(d => d.MessageId == d.Position);
        deadLetters.Select(d => d.Position).Distinct().Count().ShouldBe(2);
    }
}
