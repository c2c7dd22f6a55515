using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Publishing;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>
/// How a send's acknowledgement completes it (<see cref="KafkaSender"/>, <see cref="KafkaDelivery"/>): a send that
/// nothing awaits yet is completed where its acknowledgement arrives and is found done by a later await; a send that is
/// awaited — before, during or after its acknowledgement — has its continuation run on the thread pool, never on the
/// producer's delivery-report thread (a continuation that blocked there would stop every other acknowledgement).
/// </summary>
public sealed class KafkaDeliveryTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task SendsHandedOverBeforeAnyIsAwaited_CompleteOnTheirAcknowledgements_AndAreFoundDoneWhenAwaited()
    {
        var topic = await cluster.CreateTopicAsync(4);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();
        var destination = new TopicPartition(topic, Partition.Any);

        var sends = Enumerable.Range(0, 500)
            .Select(i => KafkaSender.SendAsync(producer, destination, Message(i), CancellationToken.None))
            .ToList();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sends.Any(s => !s.IsCompleted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        sends.ShouldAllBe(s => s.IsCompletedSuccessfully, "every send completed on its acknowledgement, none of them awaited yet");
        var results = new List<KafkaDeliveryResult>();
        foreach (var send in sends)
        {
            results.Add(await send);
        }

        results.ShouldAllBe(r => r.Topic == topic && r.Offset >= 0);
        results.Select(r => (r.Partition, r.Offset)).ShouldBeUnique();
        (await Kcat.ConsumeAllAsync(cluster, topic)).Count.ShouldBe(500);
    }

    [Fact]
    public async Task ContinuationsOfSendsAwaitedBeforeDuringOrAfterTheirAcknowledgement_RunOnThePool_NeverOnTheDeliveryThread()
    {
        var topic = await cluster.CreateTopicAsync(4);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();
        var destination = new TopicPartition(topic, Partition.Any);
        var offPool = new ConcurrentQueue<string>();

        // Awaited at once, after a short spin (racing the acknowledgement) or after a yield to the pool: continuations
        // registered before, around and after the moment the delivery thread completes the send.
        var waits = Enumerable.Range(0, 2_000).Select(i => Task.Run(() => AwaitAsync(i))).ToList();
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(60));

        offPool.Count.ShouldBe(0, $"every continuation runs on a pool thread; the first others: {string.Join("; ", offPool.Take(5))}");
        (await Kcat.ConsumeAllAsync(cluster, topic)).Count.ShouldBe(2_000);

        async Task AwaitAsync(int i)
        {
            var send = KafkaSender.SendWithoutResultAsync(producer, destination, Message(i), CancellationToken.None);
            switch (i % 3)
            {
                case 1:
                    Thread.SpinWait(Random.Shared.Next(1, 50_000));
                    break;
                case 2:
                    await Task.Yield();
                    break;
            }

            var before = Environment.CurrentManagedThreadId;
            await send.ConfigureAwait(false);

            // On another thread than the one that awaited: a continuation (not a send found done by the await).
            if (Environment.CurrentManagedThreadId != before && !Thread.CurrentThread.IsThreadPoolThread)
            {
                offPool.Enqueue($"send {i} continued on thread '{Thread.CurrentThread.Name}' (awaited on {before})");
            }
        }
    }

    private static TransportMessage Message(int i)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, $"delivery-{i}-{Guid.NewGuid():N}");
        return new TransportMessage(headers, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));
    }
}
