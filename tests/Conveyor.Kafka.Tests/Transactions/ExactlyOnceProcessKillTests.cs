using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Kafka.ExactlyOnceApp;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// An exactly-once consumer SIGKILLed mid-transaction (<c>Conveyor.Kafka.ExactlyOnceApp</c>), handling one record per
/// call or a batch of them (batches of 10: the kill falls after several batches, with one in flight), then restarted with the
/// same transactional id. On a broker, a read_committed reader then sees each output once: the killed transaction is
/// aborted by the restart's InitTransactions. The embedded cluster does not isolate transactions
/// (docs/embedded-kafka.md), so the test proves what it can show: the killed instance committed no offset, the
/// restarted one handled every record from the last committed offsets and wrote each output once, and the only
/// duplicates a reader sees are the killed transaction's records.
/// </summary>
public sealed class ExactlyOnceProcessKillTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const int Records = 200;
    private const int Partitions = 4;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [EmbeddedKafkaFact]
    public Task SigkillMidTransaction_NothingOfItCommits_TheRestartedInstanceWritesEveryOutputOnce() => KillAndRestartAsync(batches: false);

    [EmbeddedKafkaFact]
    public Task SigkillMidBatch_NothingOfTheTransactionCommits_TheRestartedInstanceWritesEveryOutputOnce() => KillAndRestartAsync(batches: true);

    private async Task KillAndRestartAsync(bool batches)
    {
        var input = await cluster.CreateTopicAsync(Partitions, purpose: "work");
        var output = await cluster.CreateTopicAsync(Partitions, purpose: "done");
        var group = "eos-kill-" + Guid.NewGuid().ToString("N");
        var transactionalId = "eos-kill-" + Guid.NewGuid().ToString("N");
        ProduceWork(input);

        // The consumer's retry and dead-letter topics: the embedded cluster in this process cannot create topics on request.
        var embedded = cluster.RequireEmbedded();
        embedded.CreateTopic($"{ExactlyOnceContract.Endpoint}.{group}.retry", Partitions);
        embedded.CreateTopic($"{input}.dead-letter", Partitions);

        // The victim commits once an hour: everything it writes stays in its open transaction until it is killed.
        var victim = StartApp(input, output, group, transactionalId, commitIntervalMs: 3_600_000, stopWhenEmpty: false, batches);
        var victimPid = victim.Id;
        try
        {
            await WaitForHandledAsync(victim, Records / 4);
        }
        finally
        {
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync();
        }

        if (OperatingSystem.IsLinux())
        {
            victim.ExitCode.ShouldBe(137, "SIGKILL");
        }
        using (var committed = KafkaTestData.CommittedOffsets(cluster, group, input, Partitions))
        {
            committed.All().ShouldAllBe(offset => offset == -1, "the killed instance committed no offset: its transaction never committed");
        }

        var killedWrites = ReadCommitted(output).Where(d => d.Instance == victimPid).ToList();
        killedWrites.ShouldNotBeEmpty("the victim wrote into its open transaction before it was killed");

        // The successor: the same transactional id (fences the victim's producer, aborts its transaction on a broker).
        var successor = StartApp(input, output, group, transactionalId, commitIntervalMs: 200, stopWhenEmpty: true, batches);
        var errors = successor.StandardError.ReadToEndAsync();
        var lines = await successor.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(2));
        await successor.WaitForExitAsync();
        successor.ExitCode.ShouldBe(0, $"the successor drains the input and stops: {lines} {await errors}");

        var done = ReadCommitted(output);
        var bySuccessor = done.Where(d => d.Instance == successor.Id).Select(d => d.Number).ToList();
        bySuccessor.Order().ShouldBe(Enumerable.Range(0, Records), "the successor handled every record from the last committed offsets and wrote each output once");
        done.Where(d => d.Instance != successor.Id).ShouldAllBe(d => d.Instance == victimPid, "the only other records are the killed transaction's");
        done.Count.ShouldBe(Records + killedWrites.Count, "the embedded cluster shows the aborted transaction's records to read_committed readers; a broker hides them");
        using (var committed = KafkaTestData.CommittedOffsets(cluster, group, input, Partitions))
        {
            committed.All().Sum().ShouldBe(Records, "every input offset committed");
        }
    }

    private void ProduceWork(string topic)
    {
        using var producer = new ProducerBuilder<string, string>(cluster.ProducerConfig()).Build();
        for (var i = 0; i < Records; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = $"key-{i % 20}", Value = JsonSerializer.Serialize(new Work(i), Json) });
        }

        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0, "every work record written");
    }

    private Process StartApp(string input, string output, string group, string transactionalId, int commitIntervalMs, bool stopWhenEmpty, bool batches)
    {
        var path = typeof(ExactlyOnceProcessKillTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ExactlyOnceAppPath").Value!;
        string[] arguments = [cluster.BootstrapServers, input, output, group, transactionalId, commitIntervalMs.ToString(CultureInfo.InvariantCulture), stopWhenEmpty ? "true" : "false", .. batches ? ["batch"] : Array.Empty<string>()];
        return DotnetApp.Start(path, arguments, redirectStandardInput: false);
    }

    private static async Task WaitForHandledAsync(Process process, int count)
    {
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var handled = 0;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(ExactlyOnceContract.Handled, StringComparison.Ordinal) && ++handled >= count)
            {
                return;
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        throw new ShouldAssertException($"The exactly-once app exited ({process.ExitCode}) after handling {handled} records: {await errors}");
    }

    private List<Done> ReadCommitted(string topic)
    {
        var config = cluster.ConsumerConfig("reader-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<Ignore, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var done = new List<Done>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (ended.Count < Partitions && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } record)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                ended.Add(record.Partition.Value);
                continue;
            }

            done.Add(JsonSerializer.Deserialize<Done>(Encoding.UTF8.GetBytes(record.Message.Value), Json)!);
        }

        ended.Count.ShouldBe(Partitions, $"{topic} read to its end");
        return done;
    }
}
