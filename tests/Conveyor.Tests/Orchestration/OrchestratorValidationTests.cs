using Conveyor.Testing;

namespace Conveyor.Tests.Orchestration;

public sealed class OrchestratorValidationTests
{
    public sealed record Lead(string OrderId);

    public sealed class Step
    {
        [InternalHandler("lead.match")]
        public Lead Match(Lead lead) => lead;
    }

    public sealed class FixedSlipWithTypo
    {
        [Orchestrator("lead.start")]
        public string[] Plan() => ["lead.match", "lead.mach"];
    }

    public sealed class FixedSlipFromAService(IReadOnlyList<string> planned)
    {
        [Orchestrator("lead.start")]
        public Task<IEnumerable<string>> Plan() => Task.FromResult<IEnumerable<string>>(planned);
    }

    public sealed class NotASlip
    {
        [Orchestrator("lead.start")]
        public int Plan(Lead lead) => 1;
    }

    public sealed class WithOutputChannel
    {
        [Orchestrator("lead.start", OutputChannel = "lead.match")]
        public string[] Plan(Lead lead) => ["lead.match"];
    }

    public sealed class QueuedWithoutPayload
    {
        [Orchestrator("lead.queue")]
        public string[] Plan() => ["lead.match"];
    }

    public sealed class SlipNamingAnOrchestrator
    {
        [Orchestrator("lead.start")]
        public string[] Plan(Lead lead) => ["lead.other"];

        [Orchestrator("lead.other")]
        public string[] Other(Lead lead) => ["lead.match"];
    }

    [Fact]
    public void FixedSlip_UnknownStep_FailsAtStartUpWithTheNameAndASuggestion()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<FixedSlipWithTypo>()));

        error.Message.ShouldContain("'lead.mach'");
        error.Message.ShouldContain("Did you mean 'lead.match'");
    }

    [Fact]
    public void FixedSlip_FromAnAsynchronousMethodOnAService_IsCheckedToo()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(
            c => c.AddHandler<Step>().AddHandler<FixedSlipFromAService>(),
            s => s.AddSingleton<IReadOnlyList<string>>(["lead.match", "lead.unknown"])));

        error.Message.ShouldContain("'lead.unknown'");
    }

    [Fact]
    public async Task FixedSlip_EveryStepExists_Starts()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<FixedSlipFromAService>(), s => s.AddSingleton<IReadOnlyList<string>>(["lead.match"]));

        (await flow.RunOrchestratorAsync("lead.start", new Lead("o-1"))).OutputAs<Lead>().ShouldBe(new Lead("o-1"));
    }

    [Fact]
    public void Orchestrator_NotReturningASlip_FailsAtStartUp()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<NotASlip>()));

        error.Message.ShouldContain("returns the routing slip");
        error.Message.ShouldContain("not Int32");
    }

    [Fact]
    public void Orchestrator_WithOutputChannel_FailsAtStartUpSayingWhereToPutIt()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<WithOutputChannel>()));

        error.Message.ShouldContain("last step's [InternalHandler]");
    }

    [Fact]
    public void Orchestrator_OnARegisteredChannelWithoutPayload_FailsAtStartUp()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<QueuedWithoutPayload>().AddInMemoryChannel("lead.queue")));

        error.Message.ShouldContain("give the method the payload parameter");
    }

    [Fact]
    public async Task Slip_NamingAnOrchestratorAsAStep_FailsTheFlowSayingSo()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Step>().AddHandler<SlipNamingAnOrchestrator>());

        var error = await Should.ThrowAsync<UnknownStepException>(async () => await flow.Orchestrator.StartAsync("lead.start", new Lead("o-1")));

        error.Message.ShouldContain("'lead.other', which is an orchestrator, not a step");
    }
}
