using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Failures;

public sealed class KafkaFailureHandlingTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Reserve(string Sku, int Sequence);

    public sealed class Script
    {
        public ConcurrentQueue<(string Sku, int Sequence, DateTimeOffset At, int Attempt)> Calls { get; } = new();

        public ConcurrentDictionary<string, int> FailuresLeft { get; } = new();

        public void Fail(string sku, int times) => FailuresLeft[sku] = times;
    }

    public sealed class Retrying(Script script)
    {
        [Asynchronous("stock")]
        [CommandHandler(EndpointId = "stock.reserve")]
        [DelayedRetry(2, InitialDelayMs = 1500, Multiplier = 1)]
        public void Handle(Reserve command, MessageHeaders headers) => Record(script, command, headers);
    }

    public sealed class Plain(Script script)
    {
        [Asynchronous("stock")]
        [CommandHandler(EndpointId = "stock.reserve")]
        public void Handle(Reserve command, MessageHeaders headers) => Record(script, command, headers);
    }

    private static void Record(Script script, Reserve command, MessageHeaders headers)
    {
        script.Calls.Enqueue((command.Sku, command.Sequence, DateTimeOffset.UtcNow, headers.DeliveryAttempt));
        if (script.FailuresLeft.TryGetValue(command.Sku, out var left) && left > 0)
        {
            script.FailuresLeft[command.Sku] = left - 1;
            throw new InvalidOperationException($"warehouse refused {command.Sku}");
        }
    }

    private async Task<(ServiceProvider Services, string Topic)> Start<THandler>(Script script, Action<KafkaChannelOptions>? channel = null, Action<ConveyorOptions>? conveyor = null)
    {
        var topic = await cluster.CreateTopicAsync(1);
        var services = ConveyorOnKafka.Build(
            cluster,
            c =>
            {
                c.AddHandler<THandler>().AddKafkaChannel("stock", topic, $"g-{topic}", channel);
                if (conveyor is not null)
                {
                    c.Configure(conveyor);
                }
            },
            s => s.AddSingleton(script));
        return (services, topic);
    }

    private static async Task Send(IServiceProvider services, params Reserve[] commands)
    {
        foreach (var command in commands)
        {
            await services.GetRequiredService<ICommandBus>().SendAsync(command, new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = command.Sku });
        }
    }

    [Fact]
    public async Task DelayedRetry_OnKafka_WaitsInTheRetryTopicWhileLaterMessagesGoOn()
    {
        var script = new Script();
        script.Fail("a", 1);
        var (services, topic) = await Start<Retrying>(script);
        await using var _ = services;
        await Send(services, new Reserve("a", 1), new Reserve("b", 2));

        var clock = Stopwatch.StartNew();
        await services.RunUntilEmpty("stock");

        var calls = script.Calls.ToList();
        calls.Select(c => (c.Sku, c.Attempt)).ShouldBe([("a", 0), ("b", 0), ("a", 1)], "b is not blocked by a's retry");
        (calls[2].At - calls[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1450), "the retry really waited its delay");
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1450));
        (await services.GetRequiredService<IDeadLetters>().ListAsync()).Items.ShouldBeEmpty();
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("stock");
        lag.Sum(p => p.Lag).ShouldBe(0, "the original and the retry record are both committed");
        lag.Single(p => p.Topic == $"{topic}.g-{topic}.retry").HighWatermark.ShouldBe(1);
    }

    [Fact]
    public async Task DelayedRetry_Blocking_KeepsOrderInThePartition()
    {
        var script = new Script();
        script.Fail("a", 1);
        var (services, _) = await Start<Retrying>(script, o => o.RetryMode = KafkaRetryMode.Blocking);
        await using var __ = services;
        await Send(services, new Reserve("a", 1), new Reserve("b", 2));

        await services.RunUntilEmpty("stock");

        var calls = script.Calls.ToList();
        calls.Select(c => (c.Sku, c.Sequence)).ShouldBe([("a", 1), ("a", 1), ("b", 2)]);
        (calls[1].At - calls[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1450));
    }

    [Fact]
    public async Task RetriesExhausted_DeadLetterTopicKeepsKeyValueHeadersAndTheReason()
    {
        var script = new Script();
        script.Fail("bad", int.MaxValue);
        var (services, topic) = await Start<Plain>(script);
        await using var _ = services;
        await services.GetRequiredService<ICommandBus>().SendAsync(new Reserve("bad", 7), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = "bad", ["tenant"] = "acme" });

        await services.RunUntilEmpty("stock");

        using var consumer = new ConsumerBuilder<string, string>(cluster.ConsumerConfig($"reader-{topic}")).Build();
        consumer.Subscribe($"{topic}.dead-letter");
        var record = Eventually.Consume(consumer, 1).Single();
        string Header(string name) => System.Text.Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes(name));
        record.Message.Key.ShouldBe("bad");
        record.Message.Value.ShouldContain("\"sequence\":7");
        Header("tenant").ShouldBe("acme");
        Header("conveyor.original.topic").ShouldBe(topic);
        Header("conveyor.original.partition").ShouldBe("0");
        Header("conveyor.original.offset").ShouldBe("0");
        Header(MessageHeaderNames.FailedEndpoint).ShouldBe("stock.reserve");
        Header(MessageHeaderNames.ExceptionType).ShouldBe(typeof(InvalidOperationException).FullName);
        Header(MessageHeaderNames.ExceptionMessage).ShouldBe("warehouse refused bad");
        Header(MessageHeaderNames.DeliveryAttempt).ShouldBe("1");
        Header("conveyor.failed.at").ShouldNotBeNullOrEmpty();

        var deadLetter = (await services.GetRequiredService<IDeadLetters>().ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.EndpointId.ShouldBe("stock.reserve");
        deadLetter.Position.ShouldBe($"{topic}[0]@0");
        deadLetter.ExceptionMessage.ShouldBe("warehouse refused bad");
    }

    [Fact]
    public async Task Replay_FromTheDeadLetterTopic_HandledAgainAndHidden()
    {
        var script = new Script();
        script.Fail("bad", 1);
        var (services, _) = await Start<Plain>(script);
        await using var __ = services;
        await Send(services, new Reserve("bad", 1));
        await services.RunUntilEmpty("stock");
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        var id = (await deadLetters.ListAsync()).Items.Single().Id;

        await deadLetters.ReplayAsync(id);
        await services.RunUntilEmpty("stock");

        script.Calls.Select(c => c.Sku).ShouldBe(["bad", "bad"]);
        (await deadLetters.ListAsync()).Items.ShouldBeEmpty();
        (await deadLetters.GetAsync(id)).ShouldBeNull();
    }

    [Fact]
    public async Task DeleteAsync_DeadLetterTopicEntry_Hidden()
    {
        var script = new Script();
        script.Fail("bad", 1);
        var (services, _) = await Start<Plain>(script);
        await using var __ = services;
        await Send(services, new Reserve("bad", 1));
        await services.RunUntilEmpty("stock");
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        var id = (await deadLetters.ListAsync()).Items.Single().Id;

        (await deadLetters.DeleteAsync(id)).ShouldBeTrue();

        (await deadLetters.ListAsync()).Items.ShouldBeEmpty();
        script.Calls.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(FinalFailureStrategy.Resend)]
    [InlineData(FinalFailureStrategy.Ignore)]
    [InlineData(FinalFailureStrategy.Release)]
    [InlineData(FinalFailureStrategy.Stop)]
    public async Task FinalFailureStrategy_WithoutDeadLetter_BehavesAsDocumented(FinalFailureStrategy strategy)
    {
        var script = new Script();
        script.Fail("bad", 1);
        var (services, topic) = await Start<Plain>(script, o => o.FinalFailureStrategy = strategy, o => o.DeadLetterEnabled = false);
        await using var _ = services;
        await Send(services, new Reserve("bad", 1), new Reserve("good", 2));

        var runner = services.GetRequiredService<IConsumerRunner>();
        var first = await runner.RunAsync("stock", new ConsumerRunOptions { StopWhenEmpty = true }).WaitAsync(TimeSpan.FromSeconds(60));
        var lag = (await services.GetRequiredService<IKafkaLag>().GetLagAsync("stock")).Single(p => p.Topic == topic);
        var calls = script.Calls.Select(c => (c.Sku, c.Sequence)).ToList();

        switch (strategy)
        {
            case FinalFailureStrategy.Resend:
                calls.ShouldBe([("bad", 1), ("good", 2), ("bad", 1)], "re-appended after 'good' and handled again");
                lag.HighWatermark.ShouldBe(3);
                lag.Committed.ShouldBe(3);
                break;
            case FinalFailureStrategy.Ignore:
                calls.ShouldBe([("bad", 1), ("good", 2)]);
                lag.Committed.ShouldBe(2);
                break;
            case FinalFailureStrategy.Release:
                calls.ShouldBe([("bad", 1), ("bad", 1), ("good", 2)], "redelivered in place before 'good'");
                lag.Committed.ShouldBe(2);
                break;
            case FinalFailureStrategy.Stop:
                calls.ShouldBe([("bad", 1)]);
                first.StopReason.ShouldContain("stopped on message");
                (lag.Committed ?? 0).ShouldBe(0, "the failed record is not committed");
                await runner.RunAsync("stock", new ConsumerRunOptions { StopWhenEmpty = true }).WaitAsync(TimeSpan.FromSeconds(60));
                script.Calls.Select(c => (c.Sku, c.Sequence)).ShouldBe([("bad", 1), ("bad", 1), ("good", 2)], "a restarted consumer starts at the stopped record");
                break;
        }
    }
}
