using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded.Native;

namespace Conveyor.Kafka.Embedded;

/// <summary>
/// A Kafka-protocol cluster inside this process, built on librdkafka's mock cluster: for tests,
/// demos and local development, not a production broker. Any Kafka client (Confluent.Kafka, kcat,
/// another process) connects to <see cref="BootstrapServers"/>; the fault-injection methods make
/// brokers fail, slow down, move leaders and answer requests with errors.
/// </summary>
/// <remarks>
/// Logs live in memory and vanish on <see cref="Dispose"/>. Replication is simulated: a broker that
/// goes down keeps its partitions' leadership until <see cref="SetPartitionLeader"/> moves it. The
/// Topic Admin API (CreateTopics) is not served; use <see cref="CreateTopic"/>. Every method is
/// thread-safe: librdkafka hands each command to the cluster's own thread.
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable, IKafkaTopicCreator
{
    /// <summary>Pass as a broker id to apply a broker setting to every broker.</summary>
    public const int AllBrokers = -1;

    /// <summary>Pass to <see cref="SetPartitionLeader"/> to leave a partition without a leader.</summary>
    public const int NoLeader = -1;

    /// <summary>
    /// The most bytes of record batches each partition keeps: 5 MiB. Appending beyond it deletes the oldest batches at
    /// once, read or not, and moves the partition's log start offset (librdkafka's mock cluster hard-codes it; no
    /// setting raises it). A consumer that starts behind the log start reads from it and never sees the deleted records.
    /// </summary>
    /// <remarks>
    /// Size what is written ahead of its readers to fit: N records of about B bytes each in the log (key, value, headers,
    /// ~10-20 bytes of record framing and a 61-byte header per batch) need more than N * B / <see cref="MaxPartitionLogBytes"/>
    /// partitions. The mock's other limit, 100,000 batches a partition, is never reached first: a batch takes more than
    /// the 52 bytes that 5 MiB over 100,000 leaves it.
    /// </remarks>
    public const int MaxPartitionLogBytes = 5 * 1024 * 1024;

    private readonly MockClusterHandle cluster;

    // Brokers that have had their own error list for an API key; see PushRequestErrors.
    private readonly ConcurrentDictionary<(int BrokerId, KafkaApiKey ApiKey), bool> brokerErrorLists = new();

    private EmbeddedKafkaCluster(MockClusterHandle cluster, int brokerCount)
    {
        this.cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(LibRdKafka.MockClusterBootstraps(cluster))
            ?? throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned no address.");
    }

    /// <summary>The <c>bootstrap.servers</c> value that reaches every broker, e.g. <c>127.0.0.1:41235,127.0.0.1:36751</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids run from 1 to this number.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster whose brokers listen on free ports of 127.0.0.1.</summary>
    /// <param name="options">Broker count and group settings; defaults when <see langword="null"/>.</param>
    /// <returns>The running cluster; dispose it to stop the brokers and free the logs.</returns>
    public static EmbeddedKafkaCluster Start(EmbeddedKafkaOptions? options = null)
    {
        options ??= new EmbeddedKafkaOptions();
        options.Validate();

        var handle = MockClusterHandle.Create(options.BrokerCount);
        try
        {
            var started = new EmbeddedKafkaCluster(handle, options.BrokerCount);
            started.SetGroupInitialRebalanceDelay(options.GroupInitialRebalanceDelay);
            return started;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a topic. Topics a client asks for before they exist are created automatically with
    /// librdkafka's fixed defaults (4 partitions, replication factor min(3, brokers)); create them here
    /// to choose.
    /// </summary>
    /// <param name="name">The topic name.</param>
    /// <param name="partitions">Number of partitions, at least 1.</param>
    /// <param name="replicationFactor">Replicas per partition, 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="EmbeddedKafkaException">The topic exists already, or librdkafka refused it.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (replicationFactor < 1 || replicationFactor > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(replicationFactor), replicationFactor, $"The replication factor must be between 1 and the broker count ({BrokerCount}).");
        }

        Check(
            LibRdKafka.MockTopicCreate(cluster, name, partitions, replicationFactor),
            "rd_kafka_mock_topic_create",
            $"create topic '{name}' with {partitions} partitions and replication factor {replicationFactor}");
    }

    /// <summary>Deletes a topic and its records.</summary>
    /// <param name="name">The topic name.</param>
    /// <exception cref="EmbeddedKafkaException">The topic does not exist.</exception>
    public void DeleteTopic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Check(LibRdKafka.MockTopicDelete(cluster, name), "rd_kafka_mock_topic_delete", $"delete topic '{name}'");
    }

    /// <summary>
    /// Makes the cluster report <paramref name="error"/> for a topic in Metadata and
    /// AddPartitionsToTxn responses until set back to <see cref="ErrorCode.NoError"/>.
    /// </summary>
    /// <param name="name">The topic name.</param>
    /// <param name="error">The error to report, or <see cref="ErrorCode.NoError"/> to stop.</param>
    public void SetTopicError(string name, ErrorCode error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        LibRdKafka.MockTopicSetError(cluster, name, error);
    }

    /// <summary>
    /// Moves a partition's leadership to another broker, as a controller would after a failure or a
    /// reassignment. Clients learn it from the NOT_LEADER errors the old leader then returns.
    /// </summary>
    /// <param name="topic">The topic; librdkafka creates it with the defaults if it does not exist.</param>
    /// <param name="partition">The partition number.</param>
    /// <param name="brokerId">The new leader, or <see cref="NoLeader"/> to leave the partition leaderless.</param>
    /// <exception cref="EmbeddedKafkaException">The partition or broker does not exist.</exception>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        Check(
            LibRdKafka.MockPartitionSetLeader(cluster, topic, partition, brokerId),
            "rd_kafka_mock_partition_set_leader",
            $"make broker {brokerId} the leader of partition {partition} of topic '{topic}'");
    }

    /// <summary>
    /// Takes a broker down: its connections are closed and new ones refused. Leadership does not
    /// move; call <see cref="SetPartitionLeader"/> to simulate a failover.
    /// </summary>
    /// <param name="brokerId">The broker, or <see cref="AllBrokers"/>.</param>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    public void SetBrokerDown(int brokerId) =>
        Check(LibRdKafka.MockBrokerSetDown(cluster, brokerId), "rd_kafka_mock_broker_set_down", $"take broker {brokerId} down");

    /// <summary>Brings a broker back: it accepts connections again.</summary>
    /// <param name="brokerId">The broker, or <see cref="AllBrokers"/>.</param>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    public void SetBrokerUp(int brokerId) =>
        Check(LibRdKafka.MockBrokerSetUp(cluster, brokerId), "rd_kafka_mock_broker_set_up", $"bring broker {brokerId} up");

    /// <summary>
    /// Changes the address Metadata responses advertise for a broker, e.g. a port forwarder's on a fixed port (what the
    /// <c>conveyor-kafka</c> tool does for <c>--port</c>): librdkafka's mock cluster always listens on random ports of
    /// 127.0.0.1, and this does not move the listener. Clients that learned the old address keep using it until their next
    /// Metadata response; call it before clients connect. <see cref="BootstrapServers"/> still names the listeners.
    /// </summary>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <param name="host">The host to advertise.</param>
    /// <param name="port">The port to advertise.</param>
    public void SetBrokerAdvertisedAddress(int brokerId, string host, int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerId, BrokerCount);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        LibRdKafka.MockBrokerSetHostPort(cluster, brokerId, host, port);
    }

    /// <summary>Delays every response of a broker by <paramref name="roundTripTime"/>; zero removes the delay.</summary>
    /// <param name="brokerId">The broker, or <see cref="AllBrokers"/>.</param>
    /// <param name="roundTripTime">The added delay, whole milliseconds.</param>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    public void SetBrokerRoundTripTime(int brokerId, TimeSpan roundTripTime)
    {
        var milliseconds = ToMilliseconds(roundTripTime, nameof(roundTripTime));
        Check(
            LibRdKafka.MockBrokerSetRtt(cluster, brokerId, milliseconds),
            "rd_kafka_mock_broker_set_rtt",
            $"set the round-trip time of broker {brokerId} to {milliseconds} ms");
    }

    /// <summary>
    /// Makes the next requests of type <paramref name="apiKey"/>, on any broker, fail with
    /// <paramref name="errors"/>, one error per request in order. Errors add to those already queued.
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    /// <remarks>
    /// librdkafka's mock never consults the cluster-wide list for a broker that has had its own list
    /// for the same request type (<see cref="PushBrokerRequestErrors(int, KafkaApiKey, ReadOnlySpan{ErrorCode})"/>),
    /// even once that list is used up. Rather than let such errors silently miss, this method throws;
    /// use per-broker errors on that cluster, or a fresh cluster.
    /// </remarks>
    /// <param name="apiKey">The request type to fail.</param>
    /// <param name="errors">The errors, first one first.</param>
    /// <exception cref="InvalidOperationException">A broker already had its own errors for <paramref name="apiKey"/>.</exception>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, params ReadOnlySpan<ErrorCode> errors)
    {
        var shadowing = brokerErrorLists.Keys.Where(key => key.ApiKey == apiKey).Select(key => key.BrokerId).Order().ToList();
        if (shadowing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Cluster-wide {apiKey} errors would never reach broker(s) {string.Join(", ", shadowing)}: once a broker has had its own "
                + $"{apiKey} errors (PushBrokerRequestErrors), librdkafka's mock cluster ignores the cluster-wide ones for it. "
                + "Push per-broker errors instead, or use a fresh cluster.");
        }

        if (errors.IsEmpty)
        {
            return;
        }

        fixed (ErrorCode* first = errors)
        {
            LibRdKafka.MockPushRequestErrorsArray(cluster, (short)apiKey, (nuint)errors.Length, first);
        }
    }

    /// <summary>
    /// Makes the next requests of type <paramref name="apiKey"/> that reach one broker fail with
    /// <paramref name="errors"/>, one per request in order.
    /// </summary>
    /// <remarks>
    /// From then on that broker answers <paramref name="apiKey"/> requests from its own list only:
    /// cluster-wide errors (<see cref="PushRequestErrors"/>) for that request type no longer reach it,
    /// even after its own list is used up. That is how librdkafka's mock behaves.
    /// </remarks>
    /// <param name="brokerId">The broker.</param>
    /// <param name="apiKey">The request type to fail.</param>
    /// <param name="errors">The errors, first one first.</param>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    public void PushBrokerRequestErrors(int brokerId, KafkaApiKey apiKey, params ReadOnlySpan<ErrorCode> errors) =>
        PushBrokerRequestErrors(brokerId, apiKey, TimeSpan.Zero, errors);

    /// <summary>
    /// Like <see cref="PushBrokerRequestErrors(int, KafkaApiKey, ReadOnlySpan{ErrorCode})"/>, and each of
    /// these responses is also held back by <paramref name="delay"/>. Pushing
    /// <see cref="ErrorCode.NoError"/> gives slow successful responses.
    /// </summary>
    /// <param name="brokerId">The broker.</param>
    /// <param name="apiKey">The request type.</param>
    /// <param name="delay">How long each of these responses is held back, whole milliseconds.</param>
    /// <param name="errors">The errors (or <see cref="ErrorCode.NoError"/>), first one first.</param>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    /// <exception cref="PlatformNotSupportedException">On Apple arm64, where the variadic native call cannot be bound.</exception>
    public void PushBrokerRequestErrors(int brokerId, KafkaApiKey apiKey, TimeSpan delay, params ReadOnlySpan<ErrorCode> errors)
    {
        var milliseconds = ToMilliseconds(delay, nameof(delay));
        if (OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            throw new PlatformNotSupportedException(
                "rd_kafka_mock_broker_push_request_error_rtts is variadic, and Apple arm64 passes variadic arguments differently; use PushRequestErrors.");
        }

        // One call per error: the native list is appended in order, and the one-pair binding stays
        // within the argument registers (see LibRdKafka.MockBrokerPushRequestErrorRtt).
        foreach (var error in errors)
        {
            Check(
                LibRdKafka.MockBrokerPushRequestErrorRtt(cluster, brokerId, (short)apiKey, 1, error, milliseconds),
                "rd_kafka_mock_broker_push_request_error_rtts",
                $"push a {apiKey} error {error} onto broker {brokerId}");
            brokerErrorLists.TryAdd((brokerId, apiKey), true);
        }
    }

    /// <summary>How many errors pushed onto a broker for a request type have not been used yet.</summary>
    /// <param name="brokerId">The broker.</param>
    /// <param name="apiKey">The request type.</param>
    /// <returns>The number of queued errors.</returns>
    /// <exception cref="EmbeddedKafkaException">The broker does not exist.</exception>
    public int GetPendingBrokerRequestErrors(int brokerId, KafkaApiKey apiKey)
    {
        Check(
            LibRdKafka.MockBrokerErrorStackCount(cluster, brokerId, (short)apiKey, out var count),
            "rd_kafka_mock_broker_error_stack_cnt",
            $"count the {apiKey} errors queued on broker {brokerId}");
        return checked((int)count);
    }

    /// <summary>Drops the unused cluster-wide errors queued by <see cref="PushRequestErrors"/> for a request type.</summary>
    /// <param name="apiKey">The request type.</param>
    public void ClearRequestErrors(KafkaApiKey apiKey) => LibRdKafka.MockClearRequestErrors(cluster, (short)apiKey);

    /// <summary>Sets the broker setting <c>group.initial.rebalance.delay.ms</c> for groups created from now on.</summary>
    /// <param name="delay">The delay, whole milliseconds; see <see cref="EmbeddedKafkaOptions.GroupInitialRebalanceDelay"/>.</param>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay) =>
        LibRdKafka.MockGroupInitialRebalanceDelayMs(cluster, ToMilliseconds(delay, nameof(delay)));

    /// <summary>
    /// Makes a broker the coordinator of a consumer group (instead of the one picked by hashing), e.g.
    /// to take the coordinator down while the group consumes.
    /// </summary>
    /// <param name="groupId">The consumer group id.</param>
    /// <param name="brokerId">The coordinating broker; an id of no broker leaves the group without a reachable coordinator.</param>
    public void SetGroupCoordinator(string groupId, int brokerId) => SetCoordinator("group", groupId, brokerId);

    /// <summary>Makes a broker the transaction coordinator for a <c>transactional.id</c>.</summary>
    /// <param name="transactionalId">The producer's transactional id.</param>
    /// <param name="brokerId">The coordinating broker; an id of no broker leaves the producer without a reachable coordinator.</param>
    public void SetTransactionCoordinator(string transactionalId, int brokerId) => SetCoordinator("transaction", transactionalId, brokerId);

    /// <summary>Starts recording every request the brokers receive, dropping earlier records.</summary>
    public void StartRequestTracking() => LibRdKafka.MockStartRequestTracking(cluster);

    /// <summary>Stops recording requests and drops the records.</summary>
    public void StopRequestTracking() => LibRdKafka.MockStopRequestTracking(cluster);

    /// <summary>Drops the requests recorded so far; recording goes on.</summary>
    public void ClearTrackedRequests() => LibRdKafka.MockClearRequests(cluster);

    /// <summary>The requests recorded since <see cref="StartRequestTracking"/> (or the last clear), oldest first.</summary>
    /// <returns>A snapshot of the recorded requests.</returns>
    public unsafe IReadOnlyList<EmbeddedKafkaRequest> GetTrackedRequests()
    {
        var requests = LibRdKafka.MockGetRequests(cluster, out var count);
        try
        {
            var result = new EmbeddedKafkaRequest[checked((int)count)];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = new EmbeddedKafkaRequest(
                    LibRdKafka.MockRequestBrokerId(requests[i]),
                    (KafkaApiKey)LibRdKafka.MockRequestApiKey(requests[i]),
                    LibRdKafka.MockRequestTimestamp(requests[i]));
            }

            return result;
        }
        finally
        {
            LibRdKafka.MockRequestDestroyArray(requests, count);
        }
    }

    /// <summary>
    /// Stops the brokers and frees every log. Connected clients see the brokers disappear. Waits for
    /// fault-injection calls running on other threads to return.
    /// </summary>
    public void Dispose() => cluster.Dispose();

    internal static int ToMilliseconds(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(name, value, "Expected a non-negative duration of at most int.MaxValue milliseconds.");
        }

        return (int)value.TotalMilliseconds;
    }

    private void SetCoordinator(string keyType, string key, int brokerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Check(
            LibRdKafka.MockCoordinatorSet(cluster, keyType, key, brokerId),
            "rd_kafka_mock_coordinator_set",
            $"make broker {brokerId} the {keyType} coordinator of '{key}'");
    }

    private static void Check(ErrorCode error, string nativeFunction, string operation)
    {
        if (error != ErrorCode.NoError)
        {
            throw new EmbeddedKafkaException(nativeFunction, operation, error);
        }
    }
}
