using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LeadDistribution.Tests;

public sealed class LeadDistributionTests
{
    internal static ConveyorFlow Flow(LeadBoard board) =>
        ConveyorFlow.Bootstrap(
            c => c.ScanAssemblyOf<Program>()
                .AddInMemoryChannel(LeadDistributionOrchestrator.NotifyChannel)
                .AddInMemoryChannel(PartnerApps.Channel)
                .AddInMemoryChannel(PartnerAcceptance.TimeoutChannel),
            s => s.AddSingleton<ProviderDirectory>().AddSingleton(board));

    [Fact]
    public async Task Demo_ThreeLeads_TwoOpenForAcceptanceAndOneStoppedUnmatched()
    {
        var host = Program.CreateHost([]);
        var board = host.Services.GetRequiredService<LeadBoard>();
        var output = new StringWriter();

        var exitCode = await LeadDistributionDemo.RunAsync(host, output);

        exitCode.ShouldBe(0, output.ToString());
        board.Open.Keys.Order().ShouldBe(["ord-2001", "ord-2002"]);
        board.Unmatched.Keys.ShouldBe(["ord-2003"]);
        board.Notifications.Count.ShouldBe(5, "three plumbers, and the two best electricians for the urgent lead");
        output.ToString().ShouldContain("ord-2002: open for acceptance (urgent), notified prov-dara, prov-eli");
        output.ToString().ShouldContain("ord-2001: assigned to prov-ben on offer 2", Case.Sensitive, "prov-anna let the offer pass: the real timeout re-offered the lead");
        output.ToString().ShouldContain("ord-2002: assigned to prov-dara on offer 1");
        board.Offers.Select(o => (o.OrderId, o.ProviderId)).Order().ShouldBe([("ord-2001", "prov-anna"), ("ord-2001", "prov-ben"), ("ord-2002", "prov-dara")]);
    }

    [Fact]
    public async Task UrgentLead_RunsEveryStepIncludingPrioritize_AndTheLastStepSeesItsHeader()
    {
        var board = new LeadBoard();
        await using var flow = Flow(board);

        var run = await flow.RunOrchestratorAsync("lead.start", new StartLeadMatching("ord-1", "electrical", Urgent: true));

        run.State.ShouldBe(OrchestrationState.Completed);
        run.Steps.ShouldBe(["lead.match", "lead.prioritize", "lead.notify_candidates", "lead.await_acceptance"]);
        run.OutputAs<LeadOpened>().ShouldBe(board.Open["ord-1"]);
        run.OutputAs<LeadOpened>().Priority.ShouldBe("urgent");
        run.OutputAs<LeadOpened>().ProviderIds.ShouldBe(["prov-dara", "prov-eli"]);
        flow.RecordedMessages(LeadDistributionOrchestrator.NotifyChannel).ShouldHaveSingleItem()
            .Headers.Get(Conveyor.MessageHeaderNames.RoutingSlip).ShouldBe("""["lead.await_acceptance"]""");
    }

    [Fact]
    public async Task NormalLead_SkipsPrioritize_NotifiesEveryProvider()
    {
        var board = new LeadBoard();
        await using var flow = Flow(board);

        var run = await flow.RunOrchestratorAsync("lead.start", new StartLeadMatching("ord-2", "plumbing", Urgent: false));

        run.Steps.ShouldBe(["lead.match", "lead.notify_candidates", "lead.await_acceptance"]);
        run.OutputAs<LeadOpened>().Priority.ShouldBe("normal");
        board.Notifications.Select(n => n.ProviderId).ShouldBe(["prov-anna", "prov-ben", "prov-chen"]);
    }

    [Fact]
    public async Task LeadWithoutProviders_StopsAfterMatching_NothingNotified()
    {
        var board = new LeadBoard();
        await using var flow = Flow(board);

        var run = await flow.RunOrchestratorAsync("lead.start", new StartLeadMatching("ord-3", "roofing", Urgent: true));

        run.State.ShouldBe(OrchestrationState.Stopped);
        run.Steps.ShouldBe(["lead.match"]);
        board.Unmatched["ord-3"].ShouldBe("roofing");
        board.Notifications.ShouldBeEmpty();
        flow.RecordedMessages(LeadDistributionOrchestrator.NotifyChannel).ShouldBeEmpty();
    }
}
