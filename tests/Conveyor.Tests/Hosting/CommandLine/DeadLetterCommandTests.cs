using Conveyor.Failures.DeadLetters;

namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class DeadLetterCommandTests
{
    /// <summary>Charges cards while the gateway declines them and consumes the payments, so each ends in the dead letter.</summary>
    private static async Task<(CliApp App, IReadOnlyList<DeadLetter> DeadLetters)> FailedPaymentsAsync(params string[] orderIds)
    {
        var app = new CliApp();
        app.Gateway.Declining = true;
        await app.SendAsync([.. orderIds.Select(id => new ChargeCard(id, 42m))]);
        var run = await app.InvokeAsync("run", "payments", "--stop-when-empty");
        run.ExitCode.ShouldBe(0, run.ToString());
        app.Gateway.Declining = false;
        return (app, (await app.DeadLetterStore.ListAsync(new DeadLetterQuery(), default)).Items);
    }

    [Fact]
    public async Task List_AfterFailures_ShowsEachDeadLetterWithItsReason()
    {
        var (app, deadLetters) = await FailedPaymentsAsync("o-1", "o-2");

        var result = await app.InvokeAsync("dlq", "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        deadLetters.Count.ShouldBe(2);
        result.Line(deadLetters[0].Id).ShouldMatch(@"billing\.charge_card\s+payments\s+1\s+InvalidOperationException: The card for o-1 was declined\.$");
        result.Line(deadLetters[1].Id).ShouldContain("The card for o-2 was declined.");
        result.Output.ShouldContain("2 dead letter(s).");
    }

    [Fact]
    public async Task List_WithLimit_ShowsTheOldestAndTheTokenOfTheNextPage_WhichListsTheRest()
    {
        var (app, deadLetters) = await FailedPaymentsAsync("o-1", "o-2", "o-3");

        var first = await app.InvokeAsync("dlq", "list", "--limit", "2");
        var token = first.Line("Next page:").Split(' ')[^1];
        var second = await app.InvokeAsync("dlq", "list", "--limit", "2", "--after", token);

        first.Output.ShouldContain(deadLetters[0].Id);
        first.Output.ShouldContain(deadLetters[1].Id);
        first.Output.ShouldNotContain(deadLetters[2].Id);
        first.Output.ShouldContain("2 dead letter(s).");
        first.Line("Next page:").ShouldBe($"Next page: --after {token}");
        second.ExitCode.ShouldBe(0, second.ToString());
        second.Output.ShouldContain(deadLetters[2].Id);
        second.Output.ShouldNotContain(deadLetters[0].Id);
        second.Output.ShouldNotContain(deadLetters[1].Id);
        second.Output.ShouldContain("1 dead letter(s).");
        second.Output.ShouldNotContain("Next page:", Case.Sensitive, "nothing follows the last page");
    }

    [Fact]
    public async Task List_Filters_ShowOnlyTheMatchingDeadLetters()
    {
        var app = new CliApp();
        var message = new TransportMessage(new MessageHeaders([new("contentType", "text/plain")]), "x"u8.ToArray());
        await app.DeadLetterStore.AddAsync(new DeadLetter("m-1", "billing.charge_card", message, "payments", "payments#m-1", "System.TimeoutException", "slow", 1, DateTimeOffset.UnixEpoch), default);
        await app.DeadLetterStore.AddAsync(new DeadLetter("m-1", "audit.billing", message, "payments", "payments#m-1", "System.InvalidOperationException", "no", 1, DateTimeOffset.UnixEpoch), default);
        await app.DeadLetterStore.AddAsync(new DeadLetter("m-2", "shipping.ship_order", message, "orders", "orders#m-2", "System.TimeoutException", "slow", 1, DateTimeOffset.UnixEpoch), default);

        var byEndpoint = await app.InvokeAsync("dlq", "list", "--endpoint", "audit.billing");
        var byChannel = await app.InvokeAsync("dlq", "list", "--channel", "payments");
        var byException = await app.InvokeAsync("dlq", "list", "--exception", "TimeoutException");
        var combined = await app.InvokeAsync("dlq", "list", "--exception", "System.TimeoutException", "--channel", "orders");

        Ids(byEndpoint).ShouldBe(["m-1/audit.billing"]);
        Ids(byChannel).ShouldBe(["m-1/audit.billing", "m-1/billing.charge_card"]);
        Ids(byException).ShouldBe(["m-1/billing.charge_card", "m-2/shipping.ship_order"]);
        Ids(combined).ShouldBe(["m-2/shipping.ship_order"]);

        static string[] Ids(CliResult result) => [.. result.Output.Split('\n').Where(l => l.StartsWith("m-", StringComparison.Ordinal)).Select(l => l.Split(' ')[0])];
    }

    [Theory]
    [InlineData("--limit", "0", "--limit must be between 1 and 1000.")]
    [InlineData("--limit", "1001", "--limit must be between 1 and 1000.")]
    [InlineData("--after", "not a token", "is not a dead-letter page token")]
    public async Task List_InvalidLimitOrToken_IsUsageError(string option, string value, string error)
    {
        var result = await new CliApp().InvokeAsync("dlq", "list", option, value);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(error);
    }

    [Fact]
    public async Task List_NoDeadLetters_SaysSo()
    {
        var result = await new CliApp().InvokeAsync("dlq", "list");

        result.ExitCode.ShouldBe(0);
        result.Output.Trim().ShouldBe("No dead letters.");
    }

    [Fact]
    public async Task Show_DeadLetter_PrintsWhereWhyHeadersAndBody()
    {
        var (app, deadLetters) = await FailedPaymentsAsync("o-1");
        var id = deadLetters.Single().Id;

        var result = await app.InvokeAsync("dlq", "show", id);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldStartWith($"Dead letter {id}");
        result.Line("Endpoint:").ShouldEndWith("billing.charge_card");
        result.Line("Channel:").ShouldEndWith("payments");
        result.Line("Position:").ShouldEndWith($"payments#{deadLetters.Single().MessageId}");
        result.Line("Attempts:").ShouldEndWith("1");
        result.Line("Exception:").ShouldEndWith("System.InvalidOperationException");
        result.Line("Message:").ShouldEndWith("The card for o-1 was declined.");
        result.Line("Failed at:").ShouldMatch(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$");
        result.Line("conveyor.endpoint").ShouldMatch(@"^\s+conveyor\.endpoint:\s+billing\.charge_card$");
        result.Output.ShouldContain("Body (application/json, ");
        result.Output.ShouldContain("""{"orderId":"o-1","amount":42}""");
    }

    [Fact]
    public async Task Show_BinaryBody_PrintsBase64()
    {
        var app = new CliApp();
        var message = new TransportMessage(new MessageHeaders([new("contentType", "application/octet-stream")]), new byte[] { 0, 1, 2, 255 });
        await app.DeadLetterStore.AddAsync(new DeadLetter("d-1", "e", message, "c", "c#1", "X", "boom", 1, DateTimeOffset.UnixEpoch), default);

        var result = await app.InvokeAsync("dlq", "show", "d-1/e");

        result.Output.ShouldContain("Body (application/octet-stream, 4 bytes)");
        result.Output.ShouldContain("(binary, base64) AAEC/w==");
    }

    [Fact]
    public async Task Show_UnknownId_FailsPointingToList()
    {
        var result = await new CliApp().InvokeAsync("dlq", "show", "nope");

        result.ExitCode.ShouldBe(1);
        result.Error.Trim().ShouldBe("There is no dead letter 'nope'. 'conveyor dlq list' shows the ids.");
    }

    [Fact]
    public async Task Replay_DeadLetter_SendsItBackToItsEndpointWhichHandlesIt()
    {
        var (app, deadLetters) = await FailedPaymentsAsync("o-1", "o-2");

        var replay = await app.InvokeAsync("dlq", "replay", deadLetters[1].Id);
        var run = await app.InvokeAsync("run", "payments", "--stop-when-empty");

        replay.ExitCode.ShouldBe(0, replay.ToString());
        replay.Output.ShouldContain($"Replayed {deadLetters[1].Id} to endpoint 'billing.charge_card'.");
        run.Line("finished:").ShouldEndWith("1");
        app.Gateway.Charged.ShouldBe(["o-2"]);
        (await app.DeadLetterStore.ListAsync(new DeadLetterQuery(), default)).Items.Select(d => d.Id).ShouldBe([deadLetters[0].Id]);
    }

    [Fact]
    public async Task ReplayAll_DeadLetters_SendsEveryOneBack()
    {
        var (app, _) = await FailedPaymentsAsync("o-1", "o-2");

        var replay = await app.InvokeAsync("dlq", "replay", "--all");
        await app.InvokeAsync("run", "payments", "--stop-when-empty");

        replay.ExitCode.ShouldBe(0, replay.ToString());
        replay.Output.ShouldContain("Replayed 2 of 2 dead letter(s).");
        app.Gateway.Charged.ShouldBe(["o-1", "o-2"]);
        (await app.DeadLetterStore.ListAsync(new DeadLetterQuery(), default)).Items.ShouldBeEmpty();
    }

    [Theory]
    [InlineData]
    [InlineData("some-id", "--all")]
    public async Task Replay_NeitherOrBothOfIdAndAll_IsUsageError(params string[] args)
    {
        var result = await new CliApp().InvokeAsync(["dlq", "replay", .. args]);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("Give either a dead letter id or --all.");
    }

    [Fact]
    public async Task Replay_UnknownId_Fails()
    {
        var result = await new CliApp().InvokeAsync("dlq", "replay", "nope");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("There is no dead letter 'nope'.");
    }

    [Fact]
    public async Task Delete_DeadLetter_RemovesItAndASecondDeleteFails()
    {
        var (app, deadLetters) = await FailedPaymentsAsync("o-1");
        var id = deadLetters.Single().Id;

        var delete = await app.InvokeAsync("dlq", "delete", id);
        var again = await app.InvokeAsync("dlq", "delete", id);

        delete.ExitCode.ShouldBe(0, delete.ToString());
        delete.Output.Trim().ShouldBe($"Deleted dead letter {id}.");
        (await app.DeadLetterStore.ListAsync(new DeadLetterQuery(), default)).Items.ShouldBeEmpty();
        app.Gateway.Charged.ShouldBeEmpty();
        again.ExitCode.ShouldBe(1);
        again.Error.ShouldContain($"There is no dead letter '{id}'.");
    }
}
