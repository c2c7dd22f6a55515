using Confluent.Kafka;
using Conveyor.Kafka.Embedded;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>The cluster's own contract: start-up, topics, argument checks and the errors of failed mock calls.</summary>
public sealed class EmbeddedKafkaClusterTests
{
    [Fact]
    public void Start_Defaults_ThreeBrokersReachableThroughBootstrapServers()
    {
        using var cluster = EmbeddedKafkaCluster.Start();

        cluster.BrokerCount.ShouldBe(3);
        cluster.BootstrapServers.Split(',').Length.ShouldBe(3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => b.BrokerId).Order().ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void CreateTopic_PartitionsAndReplicas_AreWhatMetadataReports()
    {
        using var cluster = EmbeddedKafkaCluster.Start();

        cluster.CreateTopic("orders", partitions: 6, replicationFactor: 2);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var topic = admin.GetMetadata("orders", TimeSpan.FromSeconds(10)).Topics.ShouldHaveSingleItem();
        topic.Error.Code.ShouldBe(ErrorCode.NoError);
        topic.Partitions.Count.ShouldBe(6);
        topic.Partitions.ShouldAllBe(p => p.Replicas.Length == 2);
    }

    [Fact]
    public void CreateTopic_ExistingName_ThrowsNamingTheCallTheTopicAndTheError()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 1 });
        cluster.CreateTopic("twice", 1);

        var error = Should.Throw<EmbeddedKafkaException>(() => cluster.CreateTopic("twice", 1));

        error.Error.Code.ShouldBe(ErrorCode.TopicAlreadyExists);
        error.NativeFunction.ShouldBe("rd_kafka_mock_topic_create");
        error.Message.ShouldContain("'twice'");
        error.Message.ShouldContain("rd_kafka_mock_topic_create");
        error.Message.ShouldContain("TopicAlreadyExists");
    }

    [Fact]
    public void FaultInjection_UnknownBrokerOrPartition_ThrowsNamingIt()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("small", 2);

        Should.Throw<EmbeddedKafkaException>(() => cluster.SetBrokerDown(42)).Message.ShouldContain("broker 42");
        Should.Throw<EmbeddedKafkaException>(() => cluster.SetBrokerRoundTripTime(42, TimeSpan.FromMilliseconds(5))).Message.ShouldContain("broker 42");
        Should.Throw<EmbeddedKafkaException>(() => cluster.PushBrokerRequestErrors(42, KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition))
            .Message.ShouldContain("broker 42");
        var partition = Should.Throw<EmbeddedKafkaException>(() => cluster.SetPartitionLeader("small", 5, 1));
        partition.Error.Code.ShouldBe(ErrorCode.UnknownTopicOrPart);
        partition.Message.ShouldContain("partition 5 of topic 'small'");
        Should.Throw<EmbeddedKafkaException>(() => cluster.DeleteTopic("missing")).Error.Code.ShouldBe(ErrorCode.UnknownTopicOrPart);
    }

    [Fact]
    public void BadArguments_AreRefusedBeforeReachingLibrdkafka()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 0 }))
            .ParamName.ShouldBe(nameof(EmbeddedKafkaOptions.BrokerCount));
        Should.Throw<ArgumentOutOfRangeException>(
            () => EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { GroupInitialRebalanceDelay = TimeSpan.FromSeconds(-1) }));

        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 2 });
        Should.Throw<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 0)).ParamName.ShouldBe("partitions");
        Should.Throw<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 1, replicationFactor: 3)).Message.ShouldContain("broker count (2)");
        Should.Throw<ArgumentException>(() => cluster.CreateTopic(" ", 1));
        Should.Throw<ArgumentOutOfRangeException>(() => cluster.SetBrokerRoundTripTime(1, TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public void PushBrokerRequestErrors_AreQueuedPerBrokerAndApi_AndClusterClearLeavesThem()
    {
        using var cluster = EmbeddedKafkaCluster.Start();

        cluster.PushBrokerRequestErrors(2, KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable);
        cluster.PushBrokerRequestErrors(2, KafkaApiKey.Fetch, TimeSpan.FromMilliseconds(10), ErrorCode.NoError);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);

        cluster.GetPendingBrokerRequestErrors(2, KafkaApiKey.Produce).ShouldBe(2);
        cluster.GetPendingBrokerRequestErrors(2, KafkaApiKey.Fetch).ShouldBe(1);
        cluster.GetPendingBrokerRequestErrors(1, KafkaApiKey.Produce).ShouldBe(0);
    }

    [Fact]
    public void PushRequestErrors_AfterABrokerHadItsOwnForTheSameApi_ThrowsInsteadOfMissingSilently()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.PushBrokerRequestErrors(2, KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition);

        Should.Throw<InvalidOperationException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord))
            .Message.ShouldContain("broker(s) 2");
        cluster.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition);
    }

    [Fact]
    public void SetTopicError_IsReportedInMetadata_UntilReset()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("guarded", 1);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        cluster.SetTopicError("guarded", ErrorCode.TopicAuthorizationFailed);
        admin.GetMetadata("guarded", TimeSpan.FromSeconds(10)).Topics.Single().Error.Code.ShouldBe(ErrorCode.TopicAuthorizationFailed);

        cluster.SetTopicError("guarded", ErrorCode.NoError);
        admin.GetMetadata("guarded", TimeSpan.FromSeconds(10)).Topics.Single().Error.Code.ShouldBe(ErrorCode.NoError);
    }

    [Fact]
    public async Task SetGroupCoordinator_PinsTheGroupsRequestsToThatBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("coordinated", 2);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            await producer.ProduceAsync("coordinated", new Message<Null, string> { Value = "one" });
        }

        cluster.SetGroupCoordinator("pinned", 1); // hashing alone picks broker 3 for "pinned"
        cluster.StartRequestTracking();
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "pinned",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe("coordinated");
        Infrastructure.Eventually.Consume(consumer, 1);

        var groupRequests = cluster.GetTrackedRequests().Where(r => r.ApiKey is KafkaApiKey.JoinGroup or KafkaApiKey.SyncGroup).ToList();
        groupRequests.ShouldNotBeEmpty();
        groupRequests.ShouldAllBe(r => r.BrokerId == 1);
        consumer.Close();
    }

    [Fact]
    public void Dispose_Twice_IsHarmless_AndLaterCallsThrowObjectDisposed()
    {
        var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 1 });

        cluster.Dispose();
        cluster.Dispose();

        Should.Throw<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Should.Throw<ObjectDisposedException>(() => cluster.GetTrackedRequests());
    }
}
