using Conveyor.Testing;

namespace Conveyor.Tests.Hosting;

public sealed class ConsumerLimitsTests
{
    public sealed record Job(int N);

    public sealed class Done
    {
        public List<int> Jobs { get; } = [];
    }

    public sealed class Worker(Done done)
    {
        [Asynchronous("jobs")]
        [CommandHandler(EndpointId = "jobs.worker")]
        public void Handle(Job job)
        {
            if (job.N < 0)
            {
                throw new InvalidOperationException("negative");
            }

            done.Jobs.Add(job.N);
        }
    }

    private static async Task<(ConveyorFlow, Done)> Queue(params int[] jobs)
    {
        var done = new Done();
        var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Worker>().AddInMemoryChannel("jobs"), s => s.AddSingleton(done));
        foreach (var n in jobs)
        {
            await flow.SendAsync(new Job(n));
        }

        return (flow, done);
    }

    [Fact]
    public async Task MaxMessages_StopsAfterThatMany()
    {
        var (flow, done) = await Queue(1, 2, 3, 4);
        await using var _ = flow;

        var result = await flow.RunAsync("jobs", new ConsumerRunOptions { MaxMessages = 2 });

        done.Jobs.ShouldBe([1, 2]);
        result.Finished.ShouldBe(2);
        result.StopReason.ShouldBe("handled 2 message(s)");
    }

    [Fact]
    public async Task StopOnFailure_StopsAfterTheFailedMessageIsDeadLettered()
    {
        var (flow, done) = await Queue(1, -1, 3);
        await using var _ = flow;

        var result = await flow.RunAsync("jobs", new ConsumerRunOptions { StopOnFailure = true, StopWhenEmpty = true }, expectFailures: true);

        done.Jobs.ShouldBe([1]);
        result.Failed.ShouldBe(1);
        result.StopReason.ShouldContain("stopped on failure");
        (await flow.DeadLetters.ListAsync()).Items.Count.ShouldBe(1);
    }

    [Fact]
    public async Task RunByEndpointId_ConsumesTheEndpointsChannel()
    {
        var (flow, done) = await Queue(5);
        await using var _ = flow;

        var result = await flow.RunAsync("jobs.worker");

        result.Name.ShouldBe("jobs");
        done.Jobs.ShouldBe([5]);
    }

    [Fact]
    public async Task UnknownName_FailsListingTheConsumers()
    {
        var (flow, _) = await Queue();
        await using var __ = flow;

        (await Should.ThrowAsync<ConveyorConfigurationException>(() => flow.RunAsync("nope"))).Message.ShouldContain("Run one of: jobs");
    }

    [Fact]
    public async Task MaxDuration_StopsAWaitingConsumer()
    {
        var (flow, _) = await Queue();
        await using var __ = flow;

        var run = flow.RunAsync("jobs", new ConsumerRunOptions { MaxDuration = TimeSpan.FromSeconds(30) });
        run.IsCompleted.ShouldBeFalse();
        flow.AdvanceTime(TimeSpan.FromSeconds(30));

        (await run.WaitAsync(TimeSpan.FromSeconds(10))).StopReason.ShouldBe("time limit reached");
    }
}
