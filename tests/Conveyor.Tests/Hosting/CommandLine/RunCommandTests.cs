using Conveyor.Failures.DeadLetters;

namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_StopWhenEmpty_HandlesQueuedMessagesAndStops()
    {
        var app = new CliApp();
        await app.SendAsync(new ShipOrder("o-1"), new ShipOrder("o-2"), new ShipOrder("o-3"));

        var result = await app.InvokeAsync("run", "orders", "--stop-when-empty");

        result.ExitCode.ShouldBe(0, result.ToString());
        app.Warehouse.Shipped.ShouldBe(["o-1", "o-2", "o-3"]);
        app.Orders.Count.ShouldBe(0);
        result.Output.ShouldContain("Consuming in-memory channel 'orders' (until it is empty)");
        result.Output.ShouldContain("Stopped: channel empty.");
        result.Line("finished:").ShouldEndWith("3");
    }

    [Fact]
    public async Task Run_ByEndpointIdWithMaxMessages_StopsAfterTheLimit()
    {
        var app = new CliApp();
        await app.SendAsync(new ShipOrder("o-1"), new ShipOrder("o-2"), new ShipOrder("o-3"));

        var result = await app.InvokeAsync("run", "shipping.ship_order", "--max-messages", "2");

        result.ExitCode.ShouldBe(0, result.ToString());
        app.Warehouse.Shipped.ShouldBe(["o-1", "o-2"]);
        app.Orders.Count.ShouldBe(1);
        result.Output.ShouldContain("Stopped: handled 2 message(s).");
    }

    [Fact]
    public async Task Run_MaxDuration_StopsWhenTheTimeIsUp()
    {
        var result = await new CliApp().InvokeAsync("run", "orders", "--max-duration", "200ms");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("(at most 00:00:00.2000000)");
        result.Output.ShouldContain("Stopped: time limit reached.");
    }

    [Fact]
    public async Task Run_StopOnFailure_DeadLettersTheMessageAndExitsWithTwo()
    {
        var app = new CliApp();
        app.Gateway.Declining = true;
        await app.SendAsync(new ChargeCard("o-1", 10m), new ChargeCard("o-2", 20m));

        var result = await app.InvokeAsync("run", "payments", "--stop-on-failure");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Line("failed:").ShouldEndWith("1");
        app.Payments.Count.ShouldBe(1);
        (await app.DeadLetterStore.ListAsync(new DeadLetterQuery { Limit = 10 }, default)).Items.Single().EndpointId.ShouldBe("billing.charge_card");
    }

    [Fact]
    public async Task Run_UnknownName_FailsListingTheConsumers()
    {
        var result = await new CliApp().InvokeAsync("run", "shiping");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("There is no consumer named 'shiping'. Run one of: orders, payments");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bug_Run_MisspelledEndpointId_SuggestsTheClosestName()
    {
        var result = await new CliApp().InvokeAsync("run", "shiping.ship_order");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("There is no consumer named 'shiping.ship_order'. Did you mean 'shipping.ship_order'? Run one of: orders, payments");
        result.Output.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("--max-duration", "soon", "--max-duration 'soon' is not a positive duration")]
    [InlineData("--max-duration", "-5", "--max-duration '-5' is not a positive duration")]
    [InlineData("--max-messages", "0", "--max-messages must be a positive number")]
    public async Task Run_InvalidLimit_FailsNamingTheOption(string option, string value, string error)
    {
        var result = await new CliApp().InvokeAsync("run", "orders", option, value);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(error);
    }
}
