using Conveyor.Consumers;

namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class LagAndStatusCommandTests
{
    [Fact]
    public async Task Lag_QueuedMessages_ShowsEachChannelsPartitionsAndTotal()
    {
        var app = new CliApp();
        await app.SendAsync(new ShipOrder("o-1"), new ShipOrder("o-2"), new ChargeCard("o-1", 5m));

        var result = await app.InvokeAsync("lag");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("CHANNEL").ShouldMatch(@"^CHANNEL\s+SOURCE\s+PARTITION\s+COMMITTED\s+END\s+LAG$");
        result.Output.ShouldMatch(@"(?m)^orders\s+orders\s+-\s+-\s+-\s+2\s*$");
        result.Output.ShouldMatch(@"(?m)^orders\s+\(total\)\s+-\s+-\s+-\s+2\s*$");
        result.Output.ShouldMatch(@"(?m)^payments\s+\(total\)\s+-\s+-\s+-\s+1\s*$");
    }

    [Fact]
    public async Task Lag_OneChannel_ShowsOnlyIt()
    {
        var app = new CliApp();
        await app.SendAsync(new ShipOrder("o-1"));

        var result = await app.InvokeAsync("lag", "orders");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldMatch(@"(?m)^orders\s+\(total\)\s+-\s+-\s+-\s+1\s*$");
        result.Output.ShouldNotContain("payments");
    }

    [Fact]
    public async Task Lag_UnknownChannel_SaysWhichChannelsReportLagAndFails()
    {
        var result = await new CliApp().InvokeAsync("lag", "ordres");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("'ordres' is not a channel that reports lag. Channels that do: orders, payments.");
    }

    [Fact]
    public async Task Status_FromTheCommandLine_ListsEveryConsumerAsNotRunningHere()
    {
        var result = await new CliApp().InvokeAsync("status");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("CONSUMER").ShouldMatch(@"^CONSUMER\s+KIND\s+STATE\s+PARTITIONS\s+LAST MESSAGE \(UTC\)\s+LAST ERROR\s+FAILED DLQ WRITES\s+ENDPOINTS$");
        result.Row("orders").ShouldMatch(@"^orders\s+in-memory\s+NotRunningHere\s+-\s+-\s+-\s+-\s+shipping\.ship_order$");
        result.Row("payments").ShouldMatch(@"^payments\s+in-memory\s+NotRunningHere\s+-\s+-\s+-\s+-\s+billing\.charge_card$");
        result.Output.ShouldContain("No consumer runs in this process");
    }

    [Fact]
    public async Task Status_ConsumersKnownInThisProcess_ShowsStateAndFailsWhenOneIsDown()
    {
        var app = new CliApp();
        var host = app.BuildHost();
        var registry = host.Services.GetRequiredService<ConsumerStatusRegistry>();
        registry.Running("orders");
        registry.PartitionsAssigned("orders", ["orders[0]", "orders[2]"]);
        registry.Failed("payments", new InvalidOperationException("bad config"));

        var result = await CliApp.InvokeAsync(host, "status");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Row("orders").ShouldMatch(@"^orders\s+in-memory\s+Running\s+orders\[0\],orders\[2\]\s+-\s+-\s+0\s+shipping\.ship_order$");
        result.Row("payments").ShouldMatch(@"^payments\s+in-memory\s+Failed\s+-\s+-\s+\d\d:\d\d:\d\d InvalidOperationException: bad config\s+0\s+billing\.charge_card$");
        result.Output.ShouldNotContain("No consumer runs in this process");
    }
}
