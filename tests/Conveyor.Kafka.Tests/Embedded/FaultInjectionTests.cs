using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>
/// Brokers going down, leaders moving, injected request errors and latency, seen through plain
/// Confluent.Kafka clients with Conveyor's producer defaults (acks=all, idempotent). Each test
/// undoes its faults, since the class shares one cluster.
/// </summary>
public sealed class FaultInjectionTests(KafkaTestCluster kafka) : IClassFixture<KafkaTestCluster>
{
    [EmbeddedKafkaFact]
    public async Task SetBrokerDown_LeaderDownWhileIdempotentProducerProduces_EveryRecordArrivesOnceInOrder()
    {
        var cluster = kafka.RequireEmbedded();
        var topic = await kafka.CreateTopicAsync(partitions: 1, replicationFactor: 3);
        var leader = kafka.GetPartitionLeader(topic, 0);
        var disconnects = new ConcurrentQueue<string>();
        var config = kafka.ProducerConfig();
        config.ReconnectBackoffMaxMs = 500;
        using var producer = new ProducerBuilder<Null, string>(config)
            .SetLogHandler((_, log) =>
            {
                if (log.Facility == "FAIL")
                {
                    disconnects.Enqueue(log.Message);
                }
            })
            .Build();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        Produce(producer, topic, 0, 100, reports);
        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);
        cluster.SetBrokerDown(leader);
        try
        {
            Produce(producer, topic, 100, 200, reports);
            await Eventually.Until(
                () => disconnects.Any(message => message.Contains($"/{leader}: ", StringComparison.Ordinal)),
                $"the producer has lost its connection to broker {leader}");
            reports.Count.ShouldBe(100, "nothing can be acknowledged while the partition's only leader is down");
        }
        finally
        {
            cluster.SetBrokerUp(leader);
        }

        Produce(producer, topic, 200, 300, reports);
        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);

        reports.ShouldAllBe(report => report.Error.Code == ErrorCode.NoError);
        reports.OrderBy(report => report.Offset.Value).Select(report => Number(report.Message.Value))
            .ShouldBe(Enumerable.Range(0, 300), "offset i holds record i: once each, in order");
        ReadFromStart(kafka, topic, 300).ShouldBe(Enumerable.Range(0, 300));
    }

    [EmbeddedKafkaFact]
    public async Task SetPartitionLeader_MovedBetweenBatches_ProducerAndGroupConsumerFollowTheNewLeader()
    {
        var cluster = kafka.RequireEmbedded();
        var topic = await kafka.CreateTopicAsync(partitions: 1, replicationFactor: 3);
        var oldLeader = kafka.GetPartitionLeader(topic, 0);
        var newLeader = (oldLeader % cluster.BrokerCount) + 1;
        using var producer = new ProducerBuilder<Null, string>(kafka.ProducerConfig()).Build();
        using var consumer = new ConsumerBuilder<Null, string>(kafka.ConsumerConfig("group-" + Guid.NewGuid().ToString("N"))).Build();
        consumer.Subscribe(topic);
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        Produce(producer, topic, 0, 50, reports);
        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);
        Eventually.Consume(consumer, 50).Select(r => Number(r.Message.Value)).ShouldBe(Enumerable.Range(0, 50));

        cluster.StartRequestTracking();
        try
        {
            cluster.SetPartitionLeader(topic, 0, newLeader);
            Produce(producer, topic, 50, 100, reports);
            producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);
            reports.ShouldAllBe(report => report.Error.Code == ErrorCode.NoError);
            Eventually.Consume(consumer, 50).Select(r => Number(r.Message.Value)).ShouldBe(Enumerable.Range(50, 50));

            kafka.GetPartitionLeader(topic, 0).ShouldBe(newLeader);
            var requests = cluster.GetTrackedRequests();
            requests.ShouldContain(r => r.ApiKey == KafkaApiKey.Produce && r.BrokerId == newLeader, "produced to the new leader");
            requests.ShouldContain(r => r.ApiKey == KafkaApiKey.Fetch && r.BrokerId == newLeader, "fetched from the new leader");
        }
        finally
        {
            cluster.StopRequestTracking();
        }

        consumer.Close();
    }

    [EmbeddedKafkaFact]
    public async Task PushRequestErrors_RetriableProduceErrors_ProducerRetriesThroughThem()
    {
        var cluster = kafka.RequireEmbedded();
        var topic = await kafka.CreateTopicAsync(partitions: 1, replicationFactor: 3);
        using var producer = new ProducerBuilder<Null, string>(kafka.ProducerConfig()).Build();
        (await producer.ProduceAsync(topic, new Message<Null, string> { Value = "-1" })).Offset.Value.ShouldBe(0);
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        cluster.StartRequestTracking();
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable, ErrorCode.NotEnoughReplicas);
        try
        {
            Produce(producer, topic, 0, 20, reports);
            producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);

            cluster.GetTrackedRequests().Count(r => r.ApiKey == KafkaApiKey.Produce)
                .ShouldBeGreaterThanOrEqualTo(4, "three rejected attempts, then the accepted one");
        }
        finally
        {
            cluster.ClearRequestErrors(KafkaApiKey.Produce);
            cluster.StopRequestTracking();
        }

        reports.ShouldAllBe(report => report.Error.Code == ErrorCode.NoError);
        reports.OrderBy(report => report.Offset.Value).Select(report => (report.Offset.Value, Number(report.Message.Value)))
            .ShouldBe(Enumerable.Range(0, 20).Select(i => ((long)i + 1, i)));
    }

    [EmbeddedKafkaFact]
    public async Task PushBrokerRequestErrors_SlowErrorsOnTheLeader_AreAllUsed_AndRecordsArriveOnceInOrder()
    {
        using var isolated = KafkaTestCluster.StartPrivateEmbedded(); // the broker's error list outlives the test
        var cluster = isolated.RequireEmbedded();
        var topic = await isolated.CreateTopicAsync(partitions: 1, replicationFactor: 3);
        var leader = isolated.GetPartitionLeader(topic, 0);
        using var producer = new ProducerBuilder<Null, string>(isolated.ProducerConfig()).Build();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        cluster.PushBrokerRequestErrors(
            leader, KafkaApiKey.Produce, TimeSpan.FromMilliseconds(50), ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut);
        Produce(producer, topic, 0, 30, reports);
        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);

        cluster.GetPendingBrokerRequestErrors(leader, KafkaApiKey.Produce).ShouldBe(0);
        reports.ShouldAllBe(report => report.Error.Code == ErrorCode.NoError);
        ReadFromStart(isolated, topic, 30).ShouldBe(Enumerable.Range(0, 30));
    }

    [EmbeddedKafkaFact]
    public async Task PushRequestErrors_NonRetriableProduceError_SurfacesAsDeliveryErrorToTheCaller()
    {
        var cluster = kafka.RequireEmbedded();
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(kafka.ProducerConfig()).Build();
        (await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" })).Offset.Value.ShouldBe(0);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord);
        ProduceException<Null, string> failure;
        try
        {
            failure = await Should.ThrowAsync<ProduceException<Null, string>>(
                () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "rejected" }));
        }
        finally
        {
            cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }

        failure.Error.Code.ShouldBe(ErrorCode.InvalidRecord);
        failure.DeliveryResult.Status.ShouldBe(PersistenceStatus.NotPersisted);
        (await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after" })).Offset.Value.ShouldBe(1);
    }

    [EmbeddedKafkaFact]
    public async Task SetBrokerRoundTripTime_LongerThanMessageTimeout_DeliveryTimesOut_UntilCleared()
    {
        var cluster = kafka.RequireEmbedded();
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var leader = kafka.GetPartitionLeader(topic, 0);
        var config = kafka.ProducerConfig();
        config.EnableIdempotence = false; // an idempotent producer treats a timed-out in-flight batch as possibly written
        config.MessageTimeoutMs = 500;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "connected" });

        cluster.SetBrokerRoundTripTime(leader, TimeSpan.FromSeconds(10));
        try
        {
            var failure = await Should.ThrowAsync<ProduceException<Null, string>>(
                () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "slow" }));
            failure.Error.Code.ShouldBe(ErrorCode.Local_MsgTimedOut);
        }
        finally
        {
            cluster.SetBrokerRoundTripTime(leader, TimeSpan.Zero);
        }

        (await producer.ProduceAsync(topic, new Message<Null, string> { Value = "fast again" })).Status.ShouldBe(PersistenceStatus.Persisted);
    }

    private static void Produce(
        IProducer<Null, string> producer, string topic, int from, int to, ConcurrentQueue<DeliveryReport<Null, string>>? reports = null)
    {
        for (var i = from; i < to; i++)
        {
            producer.Produce(topic, new Message<Null, string> { Value = i.ToString(CultureInfo.InvariantCulture) }, reports is null ? null : reports.Enqueue);
        }
    }

    private static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>Reads partition 0 from its start and checks nothing follows the expected records.</summary>
    private static List<int> ReadFromStart(KafkaTestCluster kafka, string topic, int count)
    {
        using var consumer = new ConsumerBuilder<Null, string>(kafka.ConsumerConfig("reader-" + Guid.NewGuid().ToString("N"))).Build();
        var partition = new TopicPartition(topic, 0);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var values = Eventually.Consume(consumer, count).Select(r => Number(r.Message.Value)).ToList();
        consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value.ShouldBe(count, "no duplicate after the last expected record");
        return values;
    }
}
