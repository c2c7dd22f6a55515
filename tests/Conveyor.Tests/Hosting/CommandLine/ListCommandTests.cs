using Conveyor.Consumers;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class ListCommandTests
{
    public sealed class MisconfiguredHandler
    {
        [Asynchronous("nowhere")]
        [CommandHandler(EndpointId = "misconfigured.handle")]
        public void Handle(ShipOrder command)
        {
        }
    }

    public sealed class Leads
    {
        [Orchestrator("lead.start")]
        public static string[] Plan() => ["lead.match", "lead.notify"];

        [Orchestrator("lead.route", EndpointId = "leads.route")]
        public static string[] Route(ShipOrder order) => ["lead.notify"];

        [InternalHandler("lead.match")]
        public static ShipOrder Match(ShipOrder order) => order;

        [InternalHandler("lead.notify")]
        public static ShipOrder Notify(ShipOrder order) => order;
    }

    [Fact]
    public async Task List_Orchestrators_ShowsEachWithItsRoutingSlip()
    {
        var result = await CliApp.InvokeAsync(new CliApp().BuildHost(c => c.AddHandler<Leads>()), "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("Leads.Plan").ShouldMatch(@"^Leads\.Plan\s+orchestrator\s+Leads\.Plan\s+lead\.start\s+sync\s+-$");
        result.Output.ShouldContain("Orchestrators (2)");
        result.Row("lead.start").ShouldMatch(@"^lead\.start\s+Leads\.Plan\s+sync\s+lead\.match -> lead\.notify$");
        result.Row("lead.route").ShouldMatch(@"^lead\.route\s+leads\.route\s+sync\s+\(per message\)$");
    }

    [Fact]
    public async Task List_ConfiguredApp_PrintsEveryEndpointAndChannelAligned()
    {
        var result = await new CliApp().InvokeAsync("list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("shipping.ship_order").ShouldMatch(@"^shipping\.ship_order\s+command\s+ShippingHandler\.Ship\s+orders\s+async\s+ShipOrder$");
        result.Row("billing.charge_card").ShouldMatch(@"^billing\.charge_card\s+command\s+PaymentHandler\.Charge\s+payments\s+async\s+ChargeCard$");
        result.Row("audit.billing").ShouldMatch(@"^audit\.billing\s+event\s+AuditHandler\.Record\s+-\s+sync\s+billing\.\*$");
        result.Row("orders").ShouldMatch(@"^orders\s+in-memory\s+-\s+0\s+shipping\.ship_order$");
        result.Row("payments").ShouldMatch(@"^payments\s+in-memory\s+-\s+0\s+billing\.charge_card$");

        var header = result.Row("ENDPOINT");
        result.Row("shipping.ship_order").IndexOf("ShippingHandler", StringComparison.Ordinal).ShouldBe(header.IndexOf("HANDLER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_QueuedMessages_ShowsEachChannelsLag()
    {
        var app = new CliApp();
        await app.SendAsync(new ShipOrder("o-1"), new ShipOrder("o-2"), new ChargeCard("o-1", 5m));

        var result = await app.InvokeAsync("list");

        result.Row("orders").ShouldMatch(@"^orders\s+in-memory\s+-\s+2\s+");
        result.Row("payments").ShouldMatch(@"^payments\s+in-memory\s+-\s+1\s+");
    }

    [Fact]
    public async Task List_InvalidConfiguration_PrintsWhatToFixAndFails()
    {
        var result = await CliApp.InvokeAsync(new CliApp().BuildHost(c => c.AddHandler<MisconfiguredHandler>()), "list");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("Conveyor's configuration is invalid");
        result.Error.ShouldContain("misconfigured.handle: [Asynchronous(\"nowhere\")] names a channel that is not registered");
        result.Error.ShouldNotContain("   at ");
        result.Output.ShouldNotContain("ENDPOINT");
    }

    [Fact]
    public async Task List_ConsumersKnownInThisProcess_ShowsStatePartitionsAndLastError()
    {
        var app = new CliApp();
        var host = app.BuildHost();
        var registry = host.Services.GetRequiredService<ConsumerStatusRegistry>();
        registry.Running("orders");
        registry.PartitionsAssigned("orders", ["orders[0]", "orders[2]"]);
        registry.BackingOff("payments", new TimeoutException("no broker"));

        var result = await CliApp.InvokeAsync(host, "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("CHANNEL").ShouldMatch(@"^CHANNEL\s+KIND\s+ADDRESS\s+LAG\s+STATE\s+PARTITIONS\s+LAST MESSAGE \(UTC\)\s+LAST ERROR\s+CONSUMED BY$");
        result.Row("orders").ShouldMatch(@"^orders\s+in-memory\s+-\s+0\s+Running\s+orders\[0\],orders\[2\]\s+-\s+-\s+shipping\.ship_order$");
        result.Row("payments").ShouldMatch(@"^payments\s+in-memory\s+-\s+0\s+BackingOff\s+-\s+-\s+\d\d:\d\d:\d\d TimeoutException: no broker\s+billing\.charge_card$");
        result.Output.ShouldNotContain("Consumer state: not known");
    }

    [Fact]
    public async Task List_FromTheCommandLine_SaysConsumerStateIsNotKnownHere()
    {
        var result = await new CliApp().InvokeAsync("list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Line("Consumer state:").ShouldContain("no consumer runs in this process");
        result.Row("CHANNEL").ShouldMatch(@"^CHANNEL\s+KIND\s+ADDRESS\s+LAG\s+CONSUMED BY$");
    }

    [Fact]
    public async Task UnknownCommand_FailsWithUsageError()
    {
        var result = await new CliApp().InvokeAsync("lsit");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("Unrecognized command or argument 'lsit'");
    }

    [Fact]
    public async Task RunWithConveyorAsync_NoConveyorArgs_RunsTheHostAndItsHostedServices()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new CliApp().BuildHost(c => c.Services.AddHostedService(_ => new StartProbe(started)));
        using var stop = new CancellationTokenSource();

        var run = host.RunWithConveyorAsync(["--some", "setting"], stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();

        (await run.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(0);
    }

    [Fact]
    public async Task RunWithConveyorAsync_ConveyorArgs_DoesNotStartHostedServices()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new CliApp().BuildHost(c => c.Services.AddHostedService(_ => new StartProbe(started)));

        var result = await CliApp.InvokeAsync(host, "list");

        result.ExitCode.ShouldBe(0);
        started.Task.IsCompleted.ShouldBeFalse();
    }

    private sealed class StartProbe(TaskCompletionSource started) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            started.TrySetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
