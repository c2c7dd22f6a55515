using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// The baseline: what a competent hand-written Confluent.Kafka service does. Produce: serialize the record to JSON,
/// a producer made ready (one record to a topic of its own) before it is timed, as a service's long-lived one is;
/// non-blocking <c>Produce</c> with a delivery handler (polling when the client's queue is full), then <c>Flush</c>;
/// acks=all, idempotent, the same partitioner and linger as Conveyor's defaults. Consume: one consumer in a fresh
/// group, deserialize each record, store its offset after "handling" it, commit stored offsets every 5000 records or
/// every second (Conveyor's defaults), commit at the end and close.
/// </summary>
internal static class RawKafka
{
    /// <summary>A topic of its own that a raw producer writes one record to before it is timed (the embedded cluster creates it).</summary>
    private const string ReadyTopic = "raw-producer-ready";

    public static ProducerConfig ProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        MaxInFlight = 5,
        LingerMs = 5,
        Partitioner = Partitioner.Murmur2Random,

        // As Conveyor's default: the loop reads only the error and persistence status of a delivery report.
        DeliveryReportFields = "status",
    };

    public static ConsumerConfig ConsumerConfig(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,

        // As UseEmbeddedKafka sets them for Conveyor: the embedded coordinator holds rebalances for the session timeout.
        SessionTimeoutMs = 2000,
        HeartbeatIntervalMs = 500,
    };

    /// <param name="withTraceParent">Each record also carries a <c>traceparent</c> of its own, as a traced Conveyor producer writes.</param>
    /// <param name="traced">Each record is sent in a Producer span of its own, its context in the record's headers (<see cref="RawKafkaTracing"/>).</param>
    public static Phase Produce(string bootstrapServers, string topic, int messages, bool withConveyorHeaders, bool withTraceParent = false, bool traced = false)
    {
        var tracing = traced ? new RawKafkaTracing(topic) : null;
        using var producer = new ProducerBuilder<byte[], byte[]>(ProducerConfig(bootstrapServers)).Build();
        long delivered = 0;
        Error? failure = null;
        void OnDelivery(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                failure ??= report.Error;
            }
            else
            {
                Interlocked.Increment(ref delivered);
            }
        }

        // Ready before the clock, as Conveyor's producer is (created when its application is built) and as a service's
        // long-lived producer is: connected, with its idempotent producer id. Left to the timed phase, that start cost
        // 0.4-0.9 s in about one round in three and nothing in the others.
        producer.ProduceAsync(ReadyTopic, new Message<byte[], byte[]> { Value = [1] }).GetAwaiter().GetResult();

        var clock = PhaseClock.Start();
        for (var i = 0; i < messages; i++)
        {
            var order = OrderPlaced.Create(i);
            var record = new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(order.OrderId),
                Value = JsonSerializer.SerializeToUtf8Bytes(order, Json.Options),
                Headers = withConveyorHeaders ? ConveyorLikeHeaders(order, withTraceParent && tracing is null) : null,
            };
            Action<DeliveryReport<byte[], byte[]>> onDelivery = OnDelivery;
            if (tracing is not null)
            {
                var span = tracing.StartSend(record.Headers ??= []);
                onDelivery = report =>
                {
                    RawKafkaTracing.Delivered(span, report);
                    OnDelivery(report);
                };
            }

            while (true)
            {
                try
                {
                    producer.Produce(topic, record, onDelivery);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }

        while (producer.Flush(TimeSpan.FromSeconds(30)) > 0)
        {
        }

        var phase = clock.Stop();
        if (failure is { } error || Interlocked.Read(ref delivered) != messages)
        {
            throw new InvalidOperationException($"Raw produce: {Interlocked.Read(ref delivered)} of {messages} delivered; first error: {failure?.Reason ?? "none"}.");
        }

        EnsureEveryRecordKept(bootstrapServers, topic, messages);
        return phase;
    }

    /// <summary>
    /// The headers the benchmark's Conveyor channel record carries, with values of the same sizes (see FirstRecordSize in
    /// the report): its id and message name; the timestamp, kind, target endpoint and JSON content type are implied.
    /// </summary>
    private static Headers ConveyorLikeHeaders(OrderPlaced order, bool withTraceParent)
    {
        var headers = new Headers
        {
            { MessageHeaderNames.MessageId, Encoding.UTF8.GetBytes(order.OrderId) },
            { MessageHeaderNames.MessageName, "bench.order-placed"u8.ToArray() },
        };
        if (withTraceParent)
        {
            headers.Add("traceparent", Encoding.UTF8.GetBytes($"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01"));
        }

        return headers;
    }

    /// <param name="traced">Each record is handled in a Consumer span continuing the context of its headers (<see cref="RawKafkaTracing"/>).</param>
    public static Phase Consume(string bootstrapServers, string topic, string groupId, int messages, Action<OrderPlaced> handle, bool traced = false)
    {
        var tracing = traced ? new RawKafkaTracing(topic) : null;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, groupId)).Build();
        var commitInterval = TimeSpan.FromSeconds(1);
        const int CommitBatch = 5000;

        var clock = PhaseClock.Start();
        consumer.Subscribe(topic);
        var consumed = 0;
        var sinceCommit = 0;
        var lastCommit = Stopwatch.GetTimestamp();
        while (consumed < messages)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is not null && !result.IsPartitionEOF)
            {
                using (tracing?.StartProcess(result))
                {
                    handle(JsonSerializer.Deserialize<OrderPlaced>(result.Message.Value, Json.Options)!);
                    consumer.StoreOffset(result);
                }

                consumed++;
                sinceCommit++;
            }

            if (sinceCommit >= CommitBatch || (sinceCommit > 0 && Stopwatch.GetElapsedTime(lastCommit) >= commitInterval))
            {
                consumer.Commit();
                sinceCommit = 0;
                lastCommit = Stopwatch.GetTimestamp();
            }
        }

        if (sinceCommit > 0)
        {
            consumer.Commit();
        }

        consumer.Close();
        return clock.Stop();
    }

    /// <summary>The size of the first record of partition 0: key, value, and header names and values (what each side puts on the wire).</summary>
    public static (int Key, int Value, int Headers, int HeaderCount) FirstRecordSize(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, $"{topic}-size-probe")).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var record = consumer.Consume(TimeSpan.FromSeconds(10));
        if (record?.Message is not { } message)
        {
            return default;
        }

        var headers = message.Headers ?? [];
        return (message.Key?.Length ?? 0, message.Value?.Length ?? 0, headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + (h.GetValueBytes()?.Length ?? 0)), headers.Count);
    }

    /// <summary>The sum of the offsets <paramref name="groupId"/> committed on <paramref name="topic"/>: the number of records it finished.</summary>
    public static long Committed(string bootstrapServers, string topic, string groupId, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, groupId)).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Sum(c => Math.Max(0, c.Offset.Value));
    }

    /// <summary>
    /// Throws when the cluster has already deleted records of the fresh <paramref name="topic"/> (a log start offset above
    /// zero): the embedded cluster keeps at most <see cref="EmbeddedKafkaCluster.MaxPartitionLogBytes"/> per partition and
    /// silently deletes the oldest records beyond it, and a consumer waiting for all <paramref name="messages"/> would wait
    /// forever.
    /// </summary>
    private static void EnsureEveryRecordKept(string bootstrapServers, string topic, int messages)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, $"{topic}-log-start")).Build();
        var deleted = Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).Low.Value);
        if (deleted > 0)
        {
            var kept = Math.Max(1, messages - deleted);
            var needed = (int)Math.Ceiling(1.1 * messages * partitions / kept);
            throw new InvalidOperationException(
                $"The cluster kept {messages - deleted:N0} of the {messages:N0} records written to {topic}: the embedded cluster (librdkafka's mock) "
                + $"keeps at most {EmbeddedKafkaCluster.MaxPartitionLogBytes / (1024 * 1024)} MiB per partition and deleted the oldest {deleted:N0}, so no "
                + $"consumer could read them all. Run fewer --messages, or at least --partitions {needed} (this run has {partitions}); see "
                + "docs/embedded-kafka.md, Known limits.");
        }
    }

    /// <summary>Waits until <paramref name="topic"/>'s partitions hold <paramref name="messages"/> records (high watermarks), polling.</summary>
    public static async Task WaitForRecordsAsync(string bootstrapServers, string topic, int partitions, int messages, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, $"{topic}-watermarks")).Build();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long written = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            written = Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
            if (written >= messages)
            {
                EnsureEveryRecordKept(bootstrapServers, topic, messages);
                return;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        throw new TimeoutException($"{topic} holds {written} of {messages} records after {timeout.TotalSeconds:0} s.");
    }
}
