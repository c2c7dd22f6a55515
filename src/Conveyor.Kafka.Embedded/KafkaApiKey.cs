namespace Conveyor.Kafka.Embedded;

/// <summary>
/// Kafka protocol request types (API keys), to aim injected errors at one kind of request.
/// Any other key of the Kafka protocol can be cast from its number.
/// </summary>
#pragma warning disable CA1028 // the protocol defines API keys as 16-bit integers
public enum KafkaApiKey : short
#pragma warning restore CA1028
{
    /// <summary>Produce (0): appending records to a partition.</summary>
    Produce = 0,

    /// <summary>Fetch (1): reading records from a partition.</summary>
    Fetch = 1,

    /// <summary>ListOffsets (2): looking up offsets by time, earliest or latest.</summary>
    ListOffsets = 2,

    /// <summary>Metadata (3): brokers, topics, partitions and leaders.</summary>
    Metadata = 3,

    /// <summary>OffsetCommit (8): a consumer group committing offsets.</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetch (9): a consumer group reading its committed offsets.</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinator (10): locating a group or transaction coordinator.</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroup (11): a member joining a consumer group.</summary>
    JoinGroup = 11,

    /// <summary>Heartbeat (12): a member keeping its group session alive.</summary>
    Heartbeat = 12,

    /// <summary>LeaveGroup (13): a member leaving a consumer group.</summary>
    LeaveGroup = 13,

    /// <summary>SyncGroup (14): distributing a group's partition assignment.</summary>
    SyncGroup = 14,

    /// <summary>DescribeGroups (15).</summary>
    DescribeGroups = 15,

    /// <summary>ListGroups (16).</summary>
    ListGroups = 16,

    /// <summary>ApiVersions (18): the first request on every connection.</summary>
    ApiVersions = 18,

    /// <summary>CreateTopics (19).</summary>
    CreateTopics = 19,

    /// <summary>DeleteTopics (20).</summary>
    DeleteTopics = 20,

    /// <summary>DeleteRecords (21).</summary>
    DeleteRecords = 21,

    /// <summary>InitProducerId (22): an idempotent or transactional producer obtaining its id and epoch.</summary>
    InitProducerId = 22,

    /// <summary>OffsetForLeaderEpoch (23): a consumer validating its position after a leader change.</summary>
    OffsetForLeaderEpoch = 23,

    /// <summary>AddPartitionsToTxn (24).</summary>
    AddPartitionsToTxn = 24,

    /// <summary>AddOffsetsToTxn (25).</summary>
    AddOffsetsToTxn = 25,

    /// <summary>EndTxn (26): committing or aborting a transaction.</summary>
    EndTxn = 26,

    /// <summary>TxnOffsetCommit (28): committing consumer offsets inside a transaction.</summary>
    TxnOffsetCommit = 28,

    /// <summary>DescribeConfigs (32).</summary>
    DescribeConfigs = 32,

    /// <summary>CreatePartitions (37).</summary>
    CreatePartitions = 37,

    /// <summary>DeleteGroups (42).</summary>
    DeleteGroups = 42,

    /// <summary>ConsumerGroupHeartbeat (68): the KIP-848 consumer group protocol.</summary>
    ConsumerGroupHeartbeat = 68,
}
