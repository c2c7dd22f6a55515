using System.Globalization;
using Conveyor;
using Conveyor.Kafka;
using Conveyor.Kafka.ExactlyOnceApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// An exactly-once consumer as a user writes it: [KafkaConsumer(ExactlyOnce = true)] on foreign JSON records, whose
// handler publishes one event per record to a Kafka channel — one record per call, or a batch of them per call (an
// eighth argument "batch"). The kill test runs it with commits an hour apart (every write stays in the open
// transaction) and SIGKILLs it, then runs it again to the end of the input.
if (args.Length is not (7 or 8))
{
    Console.Error.WriteLine("usage: Conveyor.Kafka.ExactlyOnceApp <bootstrap servers> <input topic> <output topic> <group> <transactional id> <commit interval ms> <stop when empty: true|false> [batch]");
    return 2;
}

var (bootstrap, input, output, group, transactionalId) = (args[0], args[1], args[2], args[3], args[4]);
var commitInterval = TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture));
var stopWhenEmpty = bool.Parse(args[6]);
var batches = args is [.., "batch"];

var services = new ServiceCollection();
services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
services.AddConveyor(c => (batches ? c.AddHandler<BatchWorkHandler>() : c.AddHandler<WorkHandler>())
    .AddHandler<DoneSink>()
    .UseKafka(kafka =>
    {
        kafka.BootstrapServers = bootstrap;
        kafka.CreateMissingTopics = true;
        kafka.Consumer["session.timeout.ms"] = "2000";
        kafka.Consumer["heartbeat.interval.ms"] = "500";
        kafka.Consumers[ExactlyOnceContract.Endpoint] = new KafkaChannelOptions
        {
            Topic = input,
            GroupId = group,
            TransactionalId = transactionalId,
            Consuming = new KafkaConsumerOptions { CommitInterval = commitInterval, CommitBatchSize = 1_000_000, MaxBatchSize = 10 },
        };
    })
    .AddKafkaChannel(ExactlyOnceContract.Output, output, $"{group}.done"));

await using var provider = services.BuildServiceProvider();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var run = provider.GetRequiredService<IConsumerRunner>().RunAsync(ExactlyOnceContract.Endpoint, new ConsumerRunOptions { StopWhenEmpty = stopWhenEmpty }, stop.Token);
Console.Out.WriteLine(ExactlyOnceContract.Ready);
Console.Out.Flush();
var result = await run;
Console.Out.WriteLine($"stopped finished={result.Finished} failed={result.Failed} reason={result.StopReason}");
return result.Failed == 0 ? 0 : 1;

/// <summary>Consume, process, produce: one <see cref="Done"/> per <see cref="Work"/>, in the consumer's transaction.</summary>
internal sealed class WorkHandler(IEventBus events)
{
    [KafkaConsumer(ExactlyOnceContract.Endpoint, "configured", ExactlyOnce = true)]
    public async Task Handle(Work work)
    {
        await events.PublishAsync(new Done(work.Number, Environment.ProcessId));
        Console.Out.WriteLine(ExactlyOnceContract.Handled + work.Number.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }
}

/// <summary>The same as a batch handler: one <see cref="Done"/> per <see cref="Work"/> of the batch, in the consumer's transaction.</summary>
internal sealed class BatchWorkHandler(IEventBus events)
{
    [KafkaConsumer(ExactlyOnceContract.Endpoint, "configured", ExactlyOnce = true)]
    public async Task Handle(IReadOnlyList<Work> batch)
    {
        foreach (var work in batch)
        {
            await events.PublishAsync(new Done(work.Number, Environment.ProcessId));
        }

        foreach (var work in batch)
        {
            Console.Out.WriteLine(ExactlyOnceContract.Handled + work.Number.ToString(CultureInfo.InvariantCulture));
        }

        Console.Out.Flush();
    }
}

/// <summary>Declares where <see cref="Done"/> goes; the test reads the output topic itself.</summary>
internal sealed class DoneSink
{
    [Asynchronous(ExactlyOnceContract.Output)]
    [EventHandler(EndpointId = "eos.done.sink")]
    public void Handle(Done done)
    {
    }
}
