namespace Conveyor.Kafka;

/// <summary>
/// How a Kafka consumer processes, orders and commits records. Every default is chosen to be safe; the
/// reasons are written down in <c>docs/kafka-consuming.md</c>.
/// </summary>
public sealed class KafkaConsumerOptions
{
    /// <summary>How records are ordered. Default: <see cref="KafkaOrderingMode.PartitionSequential"/>.</summary>
    public KafkaOrderingMode Ordering { get; set; } = KafkaOrderingMode.PartitionSequential;

    /// <summary>
    /// With <see cref="KafkaOrderingMode.KeyParallel"/>, the most records this consumer processes at the same
    /// time, over all its partitions. Ignored in partition-sequential mode. Default: 32.
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; } = 32;

    /// <summary>
    /// The most records read from Kafka and not yet finished (queued or being processed). When reached, the
    /// consumer stops reading and waits for half of them to finish, the rest staying in the client's fetch queue;
    /// if they take longer than a second, it pauses its partitions, keeps polling so it stays in the group, and
    /// resumes once half of them are finished. Default: 1000.
    /// </summary>
    public int MaxBufferedRecords { get; set; } = 1000;

    /// <summary>The longest time finished offsets wait before they are committed. Default: 1 second.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Commit sooner than <see cref="CommitInterval"/> once this many records finished since the last commit.
    /// Default: 5000.
    /// </summary>
    public int CommitBatchSize { get; set; } = 5000;

    /// <summary>
    /// When partitions are revoked in a rebalance, how long records already being processed may take to
    /// finish before their cancellation token is cancelled. Zero cancels at once. The rebalance waits for
    /// this, so keep it well below <c>max.poll.interval.ms</c>. Default: 5 seconds.
    /// </summary>
    public TimeSpan RevokeGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On shutdown, how long records already being processed may take to finish before their cancellation
    /// token is cancelled. Not an option of its own: channels set it from <see cref="ConveyorOptions.ShutdownTimeout"/>,
    /// so one setting governs every consumer's stop.
    /// </summary>
    internal TimeSpan ShutdownGracePeriod { get; set; } = new ConveyorOptions().ShutdownTimeout;

    /// <summary>The wait before a released record is processed again the first time. Default: 100 ms.</summary>
    public TimeSpan ReleaseBackoffInitial { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest wait between two deliveries of a released record; the wait doubles from
    /// <see cref="ReleaseBackoffInitial"/> up to this (a <see cref="Backoff"/> without jitter). Default: 5 seconds.
    /// </summary>
    public TimeSpan ReleaseBackoffMax { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For a batch handler (one taking <c>IReadOnlyList&lt;T&gt;</c>), the most records in one batch. A partition's
    /// batch starts once this many records are queued, or <see cref="MaxBatchWait"/> after its first one was. Default:
    /// 100; a <c>[KafkaConsumer]</c>'s own <c>MaxBatchSize</c> comes before the global setting, and its
    /// <c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;:Consuming</c> section before both. Ignored by handlers that take one message.
    /// </summary>
    public int? MaxBatchSize { get; set; }

    /// <summary>
    /// For a batch handler, the longest a partition's batch waits to fill up to <see cref="MaxBatchSize"/> before it
    /// starts with what it has. Zero: start at once with what was read. Default: 100 ms, with the same precedence as
    /// <see cref="MaxBatchSize"/>.
    /// </summary>
    public TimeSpan? MaxBatchWait { get; set; }

    internal const int DefaultMaxBatchSize = 100;

    internal static readonly TimeSpan DefaultMaxBatchWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Problems().FirstOrDefault() is ({ } setting, { } problem))
        {
            throw new ArgumentOutOfRangeException(setting, problem);
        }
    }

    /// <summary>Each invalid setting, by property name, with what is wrong and how to fix it.</summary>
    internal IEnumerable<(string Setting, string Problem)> Problems()
    {
        if (!Enum.IsDefined(Ordering))
        {
            yield return (nameof(Ordering), $"{(int)Ordering} is not valid. Use one of: {string.Join(", ", Enum.GetNames<KafkaOrderingMode>())}.");
        }

        if (MaxDegreeOfParallelism < 1)
        {
            yield return (nameof(MaxDegreeOfParallelism), $"{MaxDegreeOfParallelism} is below 1. Set how many records may run at once, e.g. 32.");
        }

        if (MaxBufferedRecords < 1)
        {
            yield return (nameof(MaxBufferedRecords), $"{MaxBufferedRecords} is below 1. Set how many records may be read ahead, e.g. 1000.");
        }

        if (CommitInterval <= TimeSpan.Zero)
        {
            yield return (nameof(CommitInterval), $"{CommitInterval:c} is not positive. Set how often offsets are committed, e.g. \"00:00:01\".");
        }

        if (CommitBatchSize < 1)
        {
            yield return (nameof(CommitBatchSize), $"{CommitBatchSize} is below 1. Set after how many records offsets are committed early, e.g. 5000.");
        }

        if (RevokeGracePeriod < TimeSpan.Zero)
        {
            yield return (nameof(RevokeGracePeriod), $"{RevokeGracePeriod:c} is negative. Use zero or more, e.g. \"00:00:05\".");
        }

        if (ReleaseBackoffInitial <= TimeSpan.Zero)
        {
            yield return (nameof(ReleaseBackoffInitial), $"{ReleaseBackoffInitial:c} is not positive. Use e.g. \"00:00:00.100\".");
        }

        if (MaxBatchSize is < 1)
        {
            yield return (nameof(MaxBatchSize), $"{MaxBatchSize} is below 1. Set how many records a batch handler gets at most, e.g. 100.");
        }
        else if (MaxBatchSize > MaxBufferedRecords)
        {
            yield return (nameof(MaxBatchSize), $"{MaxBatchSize} is above MaxBufferedRecords ({MaxBufferedRecords}): a batch could never fill. Lower it, or raise MaxBufferedRecords.");
        }

        if (MaxBatchWait is { } wait && (wait < TimeSpan.Zero || wait > TimeSpan.FromMinutes(5)))
        {
            yield return (nameof(MaxBatchWait), $"{wait:c} is not between zero and 5 minutes. Set how long a batch waits to fill, e.g. \"00:00:00.100\".");
        }

        if (ReleaseBackoffMax < ReleaseBackoffInitial)
        {
            yield return (nameof(ReleaseBackoffMax), $"{ReleaseBackoffMax:c} is below ReleaseBackoffInitial ({ReleaseBackoffInitial:c}). Raise it, e.g. \"00:00:05\".");
        }
    }

    internal KafkaConsumerOptions Clone() => (KafkaConsumerOptions)MemberwiseClone();

    /// <summary>The waits between deliveries of a released record: doubling, no jitter, so a partition's order is kept predictably.</summary>
    internal Backoff ReleaseBackoff() => new(ReleaseBackoffInitial, 2, ReleaseBackoffMax);
}
