using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Publishing;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.DeadLetters;

/// <summary>
/// A channel's dead letters in a Kafka topic (<c>&lt;topic&gt;.dead-letter</c> by default). A record keeps the original
/// key, value and headers, and adds where it came from (<c>conveyor.original.*</c>: topic, partition, offset,
/// timestamp), which endpoint and group failed, why (<c>conveyor.exception.*</c>), how often and when. Kafka cannot
/// delete a record, so replaying or deleting one writes a marker record (<c>conveyor.dlq.resolved</c>) that hides it.
/// </summary>
internal sealed class KafkaDeadLetterTopic(KafkaChannelSettings settings, IProducer<byte[]?, byte[]?> producer, ILogger logger) : IDeadLetterStore
{
    public const string IdHeader = "conveyor.dlq.id";
    public const string ResolvedHeader = "conveyor.dlq.resolved";
    public const string GroupHeader = "conveyor.failed.group";
    public const string FailedAtHeader = "conveyor.failed.at";
    public const string OriginalTopic = "conveyor.original.topic";
    public const string OriginalPartition = "conveyor.original.partition";
    public const string OriginalOffset = "conveyor.original.offset";
    public const string OriginalTimestamp = "conveyor.original.timestamp";
    public const string PositionHeader = "conveyor.original.position";

    /// <summary>Set, to the body's original size in bytes, on a dead letter whose body was cut to <see cref="ExcerptBytes"/>.</summary>
    public const string TruncatedHeader = "conveyor.dlq.truncated";

    /// <summary>
    /// How much of the body a dead letter too large for its topic keeps: enough to tell what the message was, small
    /// enough to fit under any sensible <c>message.max.bytes</c> beside the headers.
    /// </summary>
    public const int ExcerptBytes = 16 * 1024;

    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var message = deadLetter.Message.Copy();
        var headers = message.Headers;
        headers.Set(OriginalTopic, headers.Get("kafka_topic"));
        headers.Set(OriginalPartition, headers.Get("kafka_partition"));
        headers.Set(OriginalOffset, headers.Get("kafka_offset"));
        headers.Set(OriginalTimestamp, headers.Get("kafka_timestamp"));
        headers.Set(PositionHeader, deadLetter.Position);
        headers.Set(IdHeader, deadLetter.Id);
        headers.Set(GroupHeader, settings.GroupId);
        headers.Set(FailedAtHeader, deadLetter.FailedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        headers.Set(MessageHeaderNames.FailedEndpoint, deadLetter.EndpointId);
        headers.Set(MessageHeaderNames.FailedChannel, deadLetter.ChannelName);
        headers.Set(MessageHeaderNames.ExceptionType, deadLetter.ExceptionType);
        headers.Set(MessageHeaderNames.ExceptionMessage, deadLetter.ExceptionMessage);
        headers.Set(MessageHeaderNames.DeliveryAttempt, deadLetter.Attempts.ToString(CultureInfo.InvariantCulture));
        var destination = new TopicPartition(settings.DeadLetterTopic, Partition.Any);
        try
        {
            try
            {
                await KafkaSender.SendAsync(producer, destination, message, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaPublishException e) when (KafkaSender.IsTooLarge(e) && message.Body.Length > ExcerptBytes)
            {
                // A dead letter must always be writable: a record that a producer allowed more bytes wrote, or that
                // grew by the failure headers, would otherwise be released and re-delivered for ever. Its coordinates,
                // headers and reason are kept, and its start; the whole record stays at its original position.
                Log.DeadLetterTruncated(logger, deadLetter.Id, deadLetter.Position, settings.DeadLetterTopic, message.Body.Length, ExcerptBytes);
                headers.Set(TruncatedHeader, message.Body.Length.ToString(CultureInfo.InvariantCulture));
                await KafkaSender.SendAsync(producer, destination, message with { Body = message.Body[..ExcerptBytes] }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (KafkaPublishException e)
        {
            Log.DeadLetterWriteFailed(logger, e, deadLetter.Id, deadLetter.Position, settings.DeadLetterTopic);
            throw;
        }
    }

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Apply((await ReadAsync(cancellationToken).ConfigureAwait(false)).Values.Select(s => s.DeadLetter));
    }

    public async ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id)?.DeadLetter;

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        if ((await ReadAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id) is not { } stored)
        {
            return false;
        }

        // Kafka orders records within a partition only: a marker resolves the records of its id in its own partition
        // that come before it, so it is written to each partition holding one.
        foreach (var partition in stored.Partitions)
        {
            var marker = new Headers { { ResolvedHeader, Encoding.UTF8.GetBytes(id) }, { GroupHeader, Encoding.UTF8.GetBytes(settings.GroupId) } };
            await producer.ProduceAsync(
                new TopicPartition(settings.DeadLetterTopic, partition),
                new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(id), Value = null, Headers = marker },
                cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Reads the topic from the beginning to its current end and returns this group's unresolved dead letters by id.
    /// Of several unresolved records of one id (it failed again), the latest to fail is the dead letter, as
    /// <see cref="AddAsync"/> promises.
    /// </summary>
    private Task<Dictionary<string, StoredDeadLetter>> ReadAsync(CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            var config = new ConsumerConfig(settings.Consumer.ToDictionary(e => e.Key, e => e.Value))
            {
                GroupId = $"{settings.GroupId}.dead-letter-reader",
                EnableAutoCommit = false,
                EnablePartitionEof = true,
            };
            using var admin = new AdminClientBuilder(settings.Admin).LogTo(logger).Build();
            var partitions = admin.GetMetadata(settings.DeadLetterTopic, TimeSpan.FromSeconds(10)).Topics
                .Where(t => t.Error.Code == ErrorCode.NoError)
                .SelectMany(t => t.Partitions)
                .Select(p => new TopicPartitionOffset(settings.DeadLetterTopic, p.PartitionId, Offset.Beginning))
                .ToList();
            var records = new Dictionary<string, List<(int Partition, long Offset, DeadLetter DeadLetter)>>(StringComparer.Ordinal);
            var markers = new Dictionary<(string Id, int Partition), long>();

            // Records written before ids named the endpoint carry the message id alone; so may the markers resolving them.
            var formerIds = new Dictionary<string, string>(StringComparer.Ordinal);
            if (partitions.Count > 0)
            {
                using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).LogTo(logger).Build();
                consumer.Assign(partitions);
                var open = partitions.Select(p => p.Partition.Value).ToHashSet();
                while (open.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var record = consumer.Consume(TimeSpan.FromSeconds(10))
                        ?? throw new TimeoutException($"Reading dead-letter topic '{settings.DeadLetterTopic}' stalled.");
                    if (record.IsPartitionEOF)
                    {
                        open.Remove(record.Partition.Value);
                        continue;
                    }

                    var (message, _) = KafkaInboundMessage.Decode(record);
                    var headers = message.Headers;
                    if (headers.Get(GroupHeader) != settings.GroupId)
                    {
                        continue;
                    }

                    if (headers.Get(ResolvedHeader) is { } resolved)
                    {
                        markers[(formerIds.GetValueOrDefault(resolved, resolved), record.Partition.Value)] = record.Offset.Value;
                    }
                    else if (headers.Get(IdHeader) is { } id)
                    {
                        var deadLetter = ToDeadLetter(id, message);
                        if (!records.TryGetValue(deadLetter.Id, out var ofId))
                        {
                            records[deadLetter.Id] = ofId = [];
                        }

                        ofId.Add((record.Partition.Value, record.Offset.Value, deadLetter));
                        if (deadLetter.Id != id)
                        {
                            formerIds[id] = deadLetter.Id;
                        }
                    }
                }

                consumer.Close();
            }

            var letters = new Dictionary<string, StoredDeadLetter>(StringComparer.Ordinal);
            foreach (var (id, ofId) in records)
            {
                var unresolved = ofId.Where(r => !(markers.TryGetValue((id, r.Partition), out var marker) && marker > r.Offset)).ToList();
                if (unresolved.Count > 0)
                {
                    var latest = unresolved.MaxBy(r => (r.DeadLetter.FailedAt, r.Offset));
                    letters[id] = new StoredDeadLetter(latest.DeadLetter, [.. unresolved.Select(r => r.Partition).Distinct()]);
                }
            }

            return letters;
        },
        cancellationToken);

    private static bool IsDeadLetterRecordMetadata(string name) =>
        name.StartsWith("kafka_", StringComparison.Ordinal)
        && name is not KafkaRecords.KeyHeader and not KafkaRecords.KeyEncodingHeader
        && !name.StartsWith(KafkaRecords.HeaderEncodingPrefix, StringComparison.Ordinal);

    private static DeadLetter ToDeadLetter(string id, TransportMessage stored)
    {
        // The dead-letter record's own metadata goes; what describes the original record stays: its key (the
        // dead-letter record's key is the original one) and the encoding of headers that were not text.
        var headers = stored.Headers.Clone();
        foreach (var name in headers.Keys.Where(IsDeadLetterRecordMetadata).ToList())
        {
            headers.Set(name, null);
        }
        var failedAt = long.TryParse(headers.Get(FailedAtHeader), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.MinValue;

        // The id header is DeadLetter.Id, from which the message id and endpoint id are read back: no header of their
        // own is needed. An id that does not parse is a record written when the id was the message id alone.
        var failedEndpoint = headers.Get(MessageHeaderNames.FailedEndpoint) ?? "(unknown)";
        if (!DeadLetterId.TryParse(id, out var messageId, out var endpointId) || endpointId != failedEndpoint)
        {
            (messageId, endpointId) = (id, failedEndpoint);
        }

        return new DeadLetter(
            messageId,
            endpointId,
            new TransportMessage(headers, stored.Body),
            headers.Get(MessageHeaderNames.FailedChannel) ?? "(unknown)",
            headers.Get(PositionHeader) ?? "(unknown)",
            headers.Get(MessageHeaderNames.ExceptionType) ?? "(unknown)",
            headers.Get(MessageHeaderNames.ExceptionMessage) ?? "(unknown)",
            headers.DeliveryAttempt,
            failedAt);
    }

    /// <summary>A dead letter and the partitions holding an unresolved record of its id.</summary>
    private sealed record StoredDeadLetter(DeadLetter DeadLetter, IReadOnlyList<int> Partitions);
}
