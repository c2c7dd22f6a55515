using Conveyor.Testing;

namespace Conveyor.Tests.Orchestration;

public sealed class OrchestratorTests
{
    public sealed record StartLeadMatching(string OrderId, int Items);

    public sealed record MatchedCandidates(string OrderId, string[] ProviderIds);

    public sealed record Notified(string OrderId, int Notifications, string? Tier);

    /// <summary>What each step saw, in order, to tell which ran and with what.</summary>
    public sealed class Visits
    {
        public List<string> Steps { get; } = [];

        public List<string?> Tiers { get; } = [];
    }

    public sealed class LeadDistribution(Visits visits)
    {
        [Orchestrator("lead.start")]
        public string[] Plan(StartLeadMatching command) =>
            command.Items == 0 ? ["lead.match"] : ["lead.match", "lead.notify"];

        [InternalHandler("lead.match")]
        public MatchedCandidates? Match(StartLeadMatching command)
        {
            visits.Steps.Add("lead.match");
            return command.OrderId == "no-providers" ? null : new MatchedCandidates(command.OrderId, ["p-1", "p-2"]);
        }

        [InternalHandler("lead.notify")]
        public Notified Notify(MatchedCandidates candidates, [Header("tier")] string? tier)
        {
            visits.Steps.Add("lead.notify");
            visits.Tiers.Add(tier);
            return new Notified(candidates.OrderId, candidates.ProviderIds.Length, tier);
        }

        [InternalHandler("lead.tier")]
        public StepResult Tier(MatchedCandidates candidates)
        {
            visits.Steps.Add("lead.tier");
            return new StepResult(candidates, new Dictionary<string, string> { ["tier"] = "gold" });
        }
    }

    [Fact]
    public async Task StartAsync_SynchronousSteps_EachStepGetsThePreviousOutputAndTheFlowReturnsTheLast()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var output = await flow.Orchestrator.StartAsync("lead.start", new StartLeadMatching("o-1", 2));

        output.ShouldBe(new Notified("o-1", 2, null));
        visits.Steps.ShouldBe(["lead.match", "lead.notify"]);
    }

    [Fact]
    public async Task StartAsync_SlipDependsOnThePayload_RunsOnlyThePlannedSteps()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var run = await flow.RunOrchestratorAsync("lead.start", new StartLeadMatching("o-1", 0));

        run.State.ShouldBe(OrchestrationState.Completed);
        run.Steps.ShouldBe(["lead.match"]);
        run.OutputAs<MatchedCandidates>().OrderId.ShouldBe("o-1");
    }

    [Fact]
    public async Task StepReturnsNull_StopsTheFlow_LaterStepsDoNotRun()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var run = await flow.RunOrchestratorAsync("lead.start", new StartLeadMatching("no-providers", 3));

        run.State.ShouldBe(OrchestrationState.Stopped);
        run.Steps.ShouldBe(["lead.match"]);
        run.Output.ShouldBeNull();
        visits.Steps.ShouldBe(["lead.match"]);
    }

    [Fact]
    public async Task StepReturnsStepResult_LaterStepsSeeTheHeaderItSet()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var run = await flow.RunRoutingSlipAsync(new StartLeadMatching("o-1", 2), ["lead.match", "lead.tier", "lead.notify"]);

        run.Steps.ShouldBe(["lead.match", "lead.tier", "lead.notify"]);
        run.OutputAs<Notified>().ShouldBe(new Notified("o-1", 2, "gold"));
    }

    [Fact]
    public async Task RunTimeSlip_RunsTheGivenStepsInTheGivenOrder()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var run = await flow.RunRoutingSlipAsync(new MatchedCandidates("o-9", ["p-1"]), ["lead.notify"], new Dictionary<string, string> { ["tier"] = "silver" });

        run.Orchestrator.ShouldBe("(run-time slip)");
        run.Steps.ShouldBe(["lead.notify"]);
        run.OutputAs<Notified>().ShouldBe(new Notified("o-9", 1, "silver"));
    }

    [Fact]
    public async Task RunTimeSlip_UnknownStep_ThrowsWithTheNameBeforeAnyStepRuns()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(visits));

        var error = await Should.ThrowAsync<UnknownStepException>(async () => await flow.Orchestrator.SendAsync(new StartLeadMatching("o-1", 1), ["lead.match", "lead.notfy"]));

        error.Step.ShouldBe("lead.notfy");
        error.Message.ShouldContain("Did you mean 'lead.notify'");
        visits.Steps.ShouldBeEmpty();
    }

    [Fact]
    public async Task StartAsync_UnknownOrchestrator_SaysWhichExist()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<LeadDistribution>(), s => s.AddSingleton(new Visits()));

        var error = await Should.ThrowAsync<ArgumentException>(async () => await flow.Orchestrator.StartAsync("lead.strat", new StartLeadMatching("o-1", 1)));

        error.Message.ShouldContain("'lead.strat'");
        error.Message.ShouldContain("lead.start");
    }
}
