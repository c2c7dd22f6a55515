using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Conveyor.Kafka.Embedded.Native;

/// <summary>
/// The librdkafka functions the embedded cluster calls: client-handle plumbing and the mock cluster
/// API of <c>rdkafka_mock.h</c> (experimental in librdkafka, outside its ABI guarantees, so every
/// signature here is checked against the version Confluent.Kafka ships).
/// </summary>
/// <remarks>
/// <see cref="LibraryName"/> never reaches the default probing: <see cref="LoadedLibRdKafka"/>
/// resolves it to the very library Confluent.Kafka loaded. Functions returning <c>const char*</c>
/// owned by librdkafka return <see cref="nint"/>: a marshalled string return would free it.
/// </remarks>
internal static unsafe partial class LibRdKafka
{
    internal const string LibraryName = "librdkafka";

    /// <summary><c>RD_KAFKA_PRODUCER</c> in <c>rd_kafka_type_t</c>.</summary>
    internal const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c> in <c>rd_kafka_conf_res_t</c>.</summary>
    internal const int ConfOk = 0;

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_version")]
    internal static partial int Version();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    internal static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(nint conf);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    /// <summary>Takes ownership of <paramref name="conf"/> on success only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    internal static partial nint New(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    internal static partial void Destroy(nint rk);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(nint cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial nint MockClusterBootstraps(MockClusterHandle cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode MockTopicCreate(MockClusterHandle cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_delete", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode MockTopicDelete(MockClusterHandle cluster, string topic);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_set_error", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void MockTopicSetError(MockClusterHandle cluster, string topic, ErrorCode error);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode MockPartitionSetLeader(MockClusterHandle cluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial ErrorCode MockBrokerSetDown(MockClusterHandle cluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial ErrorCode MockBrokerSetUp(MockClusterHandle cluster, int brokerId);

    /// <summary>Changes what Metadata responses advertise for a broker; the broker keeps listening where it listens.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_host_port", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void MockBrokerSetHostPort(MockClusterHandle cluster, int brokerId, string host, int port);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial ErrorCode MockBrokerSetRtt(MockClusterHandle cluster, int brokerId, int rttMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void MockPushRequestErrorsArray(MockClusterHandle cluster, short apiKey, nuint count, ErrorCode* errors);

    /// <summary>
    /// The C function is variadic (<c>cnt</c> pairs of <c>rd_kafka_resp_err_t, int</c>). It is bound
    /// here for exactly one pair: on x86-64 (System V and Windows) and on Linux/Windows arm64 integer
    /// variadic arguments travel exactly like fixed ones; Apple arm64 passes them on the stack, so
    /// callers must not use this binding there.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_push_request_error_rtts")]
    internal static partial ErrorCode MockBrokerPushRequestErrorRtt(MockClusterHandle cluster, int brokerId, short apiKey, nuint count, ErrorCode error, int rttMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_error_stack_cnt")]
    internal static partial ErrorCode MockBrokerErrorStackCount(MockClusterHandle cluster, int brokerId, short apiKey, out nuint count);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void MockClearRequestErrors(MockClusterHandle cluster, short apiKey);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(MockClusterHandle cluster, int delayMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode MockCoordinatorSet(MockClusterHandle cluster, string keyType, string key, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_start_request_tracking")]
    internal static partial void MockStartRequestTracking(MockClusterHandle cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_stop_request_tracking")]
    internal static partial void MockStopRequestTracking(MockClusterHandle cluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_requests")]
    internal static partial void MockClearRequests(MockClusterHandle cluster);

    /// <summary>Returns a malloc'ed array of request copies; free it with <see cref="MockRequestDestroyArray"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_get_requests")]
    internal static partial nint* MockGetRequests(MockClusterHandle cluster, out nuint count);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_destroy_array")]
    internal static partial void MockRequestDestroyArray(nint* requests, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_id")]
    internal static partial int MockRequestBrokerId(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_api_key")]
    internal static partial short MockRequestApiKey(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_timestamp")]
    internal static partial long MockRequestTimestamp(nint request);
}
