using Conveyor.Testing;

namespace Conveyor.Tests.Orchestration;

public sealed class AsynchronousStepTests
{
    public sealed record Lead(string OrderId);

    public sealed record Matched(string OrderId, string ProviderId);

    public sealed record Offered(string OrderId, string ProviderId, string? Region);

    public sealed class Visits
    {
        public List<string> Steps { get; } = [];
    }

    public sealed class Leads(Visits visits)
    {
        [Orchestrator("lead.start")]
        public static string[] Plan() => ["lead.validate", "lead.match", "lead.offer"];

        [InternalHandler("lead.validate")]
        public StepResult Validate(Lead lead)
        {
            visits.Steps.Add("lead.validate");
            return new StepResult(lead, new Dictionary<string, string> { ["region"] = "eu" });
        }

        // On the registered channel "matching": the flow hops through it.
        [InternalHandler("lead.match", EndpointId = "lead.match")]
        public Matched Match(Lead lead)
        {
            visits.Steps.Add("lead.match");
            return new Matched(lead.OrderId, "p-7");
        }

        [InternalHandler("lead.offer")]
        public Offered Offer(Matched matched, [Header("region")] string? region)
        {
            visits.Steps.Add("lead.offer");
            return new Offered(matched.OrderId, matched.ProviderId, region);
        }
    }

    /// <summary>The orchestrator itself is on a registered channel: the flow starts when its message is received.</summary>
    public sealed class QueuedLeads(Visits visits)
    {
        [Orchestrator("lead.queued")]
        public string[] Plan(Lead lead) => ["lead.offer.queued"];

        [InternalHandler("lead.offer.queued")]
        public Offered Offer(Lead lead)
        {
            visits.Steps.Add("lead.offer.queued");
            return new Offered(lead.OrderId, "p-1", null);
        }
    }

    /// <summary>The in-process step after an asynchronous one fails once: the received message is retried from its step.</summary>
    public sealed class FlakyOffer(Visits visits)
    {
        [Orchestrator("lead.flaky")]
        public static string[] Plan() => ["lead.validate.flaky", "lead.match.flaky", "lead.offer.flaky"];

        [InternalHandler("lead.validate.flaky")]
        public Lead Validate(Lead lead)
        {
            visits.Steps.Add("validate");
            return lead;
        }

        [InternalHandler("lead.match.flaky", EndpointId = "lead.match.flaky")]
        [DelayedRetry(1, InitialDelayMs = 1000)]
        public Matched Match(Lead lead)
        {
            visits.Steps.Add("match");
            return new Matched(lead.OrderId, "p-1");
        }

        [InternalHandler("lead.offer.flaky")]
        public Offered Offer(Matched matched)
        {
            visits.Steps.Add("offer");
            return visits.Steps.Count(s => s == "offer") == 1
                ? throw new TimeoutException("The provider API timed out.")
                : new Offered(matched.OrderId, matched.ProviderId, null);
        }
    }

    private static ConveyorFlow Flow(Visits visits) =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<Leads>().AddInMemoryChannel("lead.match"), s => s.AddSingleton(visits));

    [Fact]
    public async Task AsynchronousStep_MessageCarriesTheRestOfTheSlip_FlowContinuesWhenItIsReceived()
    {
        var visits = new Visits();
        await using var flow = Flow(visits);

        var output = await flow.Orchestrator.StartAsync("lead.start", new Lead("o-1"));

        output.ShouldBeNull("the flow continues on the channel");
        visits.Steps.ShouldBe(["lead.validate"]);
        var message = flow.RecordedMessages("lead.match").ShouldHaveSingleItem();
        message.Headers.TargetEndpoint.ShouldBe("lead.match");
        message.Headers.Get(MessageHeaderNames.RoutingSlip).ShouldBe("""["lead.offer"]""");
        message.Headers.Get(MessageHeaderNames.Orchestrator).ShouldBe("lead.start");
        message.Headers.Get("region").ShouldBe("eu", "a header a step set travels with the flow");

        await flow.RunAsync("lead.match");

        visits.Steps.ShouldBe(["lead.validate", "lead.match", "lead.offer"]);
        var run = flow.Orchestrations.ShouldHaveSingleItem();
        run.State.ShouldBe(OrchestrationState.Completed);
        run.OutputAs<Offered>().ShouldBe(new Offered("o-1", "p-7", "eu"));
    }

    [Fact]
    public async Task RunOrchestratorAsync_AsynchronousStep_RunsTheStepsConsumerAndReportsEveryStep()
    {
        var visits = new Visits();
        await using var flow = Flow(visits);

        var run = await flow.RunOrchestratorAsync("lead.start", new Lead("o-2"));

        run.Slip.ShouldBe(["lead.validate", "lead.match", "lead.offer"]);
        run.Steps.ShouldBe(["lead.validate", "lead.match", "lead.offer"]);
        run.OutputAs<Offered>().ShouldBe(new Offered("o-2", "p-7", "eu"));
    }

    [Fact]
    public async Task AsynchronousOrchestrator_FlowStartsWhenItsMessageIsReceived()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<QueuedLeads>().AddInMemoryChannel("lead.queued"), s => s.AddSingleton(visits));

        (await flow.Orchestrator.StartAsync("lead.queued", new Lead("o-3"))).ShouldBeNull();
        visits.Steps.ShouldBeEmpty();
        flow.Orchestrations.ShouldBeEmpty();

        await flow.RunAsync("lead.queued");

        var first = flow.Orchestrations.ShouldHaveSingleItem();
        first.Steps.ShouldBe(["lead.offer.queued"]);
        first.OutputAs<Offered>().OrderId.ShouldBe("o-3");

        var second = await flow.RunOrchestratorAsync("lead.queued", new Lead("o-4"));
        second.State.ShouldBe(OrchestrationState.Completed);
        second.OutputAs<Offered>().OrderId.ShouldBe("o-4");
    }

    [Fact]
    public async Task ReceivedStep_ItsSlipNamesAStepThatNoLongerExists_DeadLetteredWithTheName()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Leads>().AddInMemoryChannel("lead.match"), s => s.AddSingleton(visits), new ConveyorFlowOptions { AllowFailures = true });
        var serializer = flow.Services.GetRequiredService<Conveyor.Serialization.MessageSerializer>();

        // As a message sent by an older version whose slip had a step this version removed.
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, MessageIds.New());
        headers.Set(MessageHeaderNames.TargetEndpoint, "lead.match");
        headers.Set(MessageHeaderNames.RoutingSlip, """["lead.score"]""");
        headers.Set(MessageHeaderNames.Orchestrator, "lead.start");
        var (body, contentType) = serializer.Serialize(new Lead("o-5"));
        headers.Set(MessageHeaderNames.ContentType, contentType);
        await flow.Channel("lead.match").SendAsync(new TransportMessage(headers, body), CancellationToken.None);

        await flow.RunAsync("lead.match");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionType.ShouldBe(typeof(UnknownStepException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("'lead.score'");
        deadLetter.Attempts.ShouldBe(1, "an unknown step is not retried");
        flow.Orchestrations.ShouldHaveSingleItem().State.ShouldBe(OrchestrationState.Running, "the flow did not end");
    }

    [Fact]
    public async Task ReceivedStep_MalformedSlipHeader_DeadLetteredSayingSo()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Leads>().AddInMemoryChannel("lead.match"), s => s.AddSingleton(new Visits()), new ConveyorFlowOptions { AllowFailures = true });
        var serializer = flow.Services.GetRequiredService<Conveyor.Serialization.MessageSerializer>();
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, MessageIds.New());
        headers.Set(MessageHeaderNames.TargetEndpoint, "lead.match");
        headers.Set(MessageHeaderNames.RoutingSlip, "lead.offer");
        var (body, contentType) = serializer.Serialize(new Lead("o-7"));
        headers.Set(MessageHeaderNames.ContentType, contentType);
        await flow.Channel("lead.match").SendAsync(new TransportMessage(headers, body), CancellationToken.None);

        await flow.RunAsync("lead.match");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionType.ShouldBe(typeof(MessageRoutingException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("'conveyor.routingSlip' = 'lead.offer' is not a JSON array of step names");
    }

    [Fact]
    public async Task StepAfterAnAsynchronousOneFails_TheReceivedStepRunsAgainWithIt_EarlierStepsDoNot()
    {
        var visits = new Visits();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<FlakyOffer>().AddInMemoryChannel("lead.match.flaky"), s => s.AddSingleton(visits));
        await flow.Orchestrator.StartAsync("lead.flaky", new Lead("o-6"));

        await flow.RunAsync("lead.match.flaky", expectFailures: true);
        visits.Steps.ShouldBe(["validate", "match", "offer"]);
        flow.Failures.ShouldHaveSingleItem().Exception.ShouldBeOfType<TimeoutException>();

        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("lead.match.flaky");

        visits.Steps.ShouldBe(["validate", "match", "offer", "match", "offer"], "the asynchronous step's message is redelivered; the step before it is behind the flow");
        var run = flow.Orchestrations.ShouldHaveSingleItem();
        run.State.ShouldBe(OrchestrationState.Completed);
        run.OutputAs<Offered>().ShouldBe(new Offered("o-6", "p-1", null));
    }
}
