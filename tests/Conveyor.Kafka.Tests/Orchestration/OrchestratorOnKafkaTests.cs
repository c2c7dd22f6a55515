using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Orchestration;

/// <summary>A flow whose asynchronous steps hop through Kafka topics: the slip and the flow's headers travel in the records.</summary>
public sealed class OrchestratorOnKafkaTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Lead(string OrderId);

    public sealed record Matched(string OrderId, string ProviderId);

    public sealed class Visits
    {
        public ConcurrentQueue<string> Steps { get; } = new();

        public TaskCompletionSource<(Matched Matched, string? Region)> Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class LeadFlow(Visits visits)
    {
        [Orchestrator("lead.start")]
        public static string[] Plan() => ["lead.validate", "lead.match", "lead.notify", "lead.record"];

        [InternalHandler("lead.validate")]
        public StepResult Validate(Lead lead)
        {
            visits.Steps.Enqueue("lead.validate");
            return new StepResult(lead, new Dictionary<string, string> { ["region"] = "eu" });
        }

        [InternalHandler("lead.match", EndpointId = "lead.match")]
        public Matched Match(Lead lead, [Header(MessageHeaderNames.RoutingSlip)] string slip)
        {
            visits.Steps.Enqueue($"lead.match then {slip}");
            return new Matched(lead.OrderId, "p-7");
        }

        [InternalHandler("lead.notify", EndpointId = "lead.notify")]
        public Matched Notify(Matched matched)
        {
            visits.Steps.Enqueue("lead.notify");
            return matched;
        }

        [InternalHandler("lead.record")]
        public Matched Record(Matched matched, [Header("region")] string? region)
        {
            visits.Steps.Enqueue("lead.record");
            visits.Recorded.TrySetResult((matched, region));
            return matched;
        }
    }

    [Fact]
    public async Task AsynchronousSteps_OnKafkaChannels_FlowRunsEveryStepInOrderWithItsHeaders()
    {
        var visits = new Visits();
        var match = await cluster.CreateTopicAsync(1);
        var notify = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<LeadFlow>().AddKafkaChannel("lead.match", match, $"g-{match}").AddKafkaChannel("lead.notify", notify, $"g-{notify}"),
            s => s.AddSingleton(visits));

        (await services.GetRequiredService<IOrchestrator>().StartAsync("lead.start", new Lead("o-1"))).ShouldBeNull("the flow continues on Kafka");
        visits.Steps.ShouldBe(["lead.validate"]);

        await services.RunUntil("lead.match", () => visits.Steps.Count == 2, "the match step ran");
        await services.RunUntil("lead.notify", () => visits.Recorded.Task.IsCompleted, "the flow reached its last step");

        visits.Steps.ShouldBe(["lead.validate", """lead.match then ["lead.notify","lead.record"]""", "lead.notify", "lead.record"]);
        var (matched, region) = await visits.Recorded.Task;
        matched.ShouldBe(new Matched("o-1", "p-7"));
        region.ShouldBe("eu", "the header the first step set crossed two topics");
    }
}
