using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Conveyor.Channels;
using Conveyor.Kafka.Publishing;

namespace Conveyor.Kafka.Channels;

/// <summary>A consumed Kafka record as Conveyor sees it: its headers decoded, and <c>kafka_*</c> metadata added.</summary>
internal sealed class KafkaInboundMessage : InboundMessage
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly KafkaChannel _channel;
    private readonly ConsumeResult<byte[]?, byte[]?> _record;
    private readonly string? _readError;
    private readonly CancellationToken _revoked;

    private KafkaInboundMessage(TransportMessage message, KafkaChannel channel, ConsumeResult<byte[]?, byte[]?> record, string? readError, CancellationToken revoked)
        : base(message, channel.Name)
    {
        _channel = channel;
        _record = record;
        _readError = readError;
        _revoked = revoked;
    }

    public override string Position => $"{_record.Topic}[{_record.Partition.Value}]@{_record.Offset.Value}";

    public override string? ReadError => _readError;

    public override MessageOrigin Origin => new(_record.Topic, PartitionText(_record.Partition.Value), _record.Offset.Value);

    public override CancellationToken Revoked => _revoked;

    /// <summary>Under exactly-once, a unit of work that rolls back after its attempt sent into the transaction dooms it.</summary>
    public override ValueTask AcknowledgeInAsync(UnitOfWork.IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ConsumerEngine.Transactions.TransactionLease.Current?.WatchCommit(unitOfWork);
        return ValueTask.CompletedTask;
    }

    public static KafkaInboundMessage From(ConsumeResult<byte[]?, byte[]?> record, KafkaChannel channel, CancellationToken revoked, InboundBatch? batch = null, int batchIndex = 0)
    {
        var (message, error) = Decode(record);
        return new KafkaInboundMessage(message, channel, record, error, revoked) { Batch = batch, BatchIndex = batchIndex };
    }

    /// <summary>
    /// Decodes a record's headers as UTF-8 and adds <c>kafka_*</c> metadata (on demand: its strings are made only when read,
    /// see <see cref="RecordMetadataHeaders"/>); reports what could not be read.
    /// </summary>
    public static (TransportMessage Message, string? ReadError) Decode(ConsumeResult<byte[]?, byte[]?> record)
    {
        // The record's headers and the four implied ones: sized once, no rehash while filling.
        var recordHeaders = record.Message.Headers;
        var late = new RecordMetadataHeaders(record);
        var headers = new MessageHeaders((recordHeaders?.Count ?? 0) + 4, late);
        string? error = null;
        var anyEncoded = false;
        var traceParentAsText = false;
        for (var i = 0; i < (recordHeaders?.Count ?? 0); i++)
        {
            var header = recordHeaders![i];
            var bytes = header.GetValueBytes() ?? [];
            if (header.Key == RecordMetadataHeaders.TraceParent)
            {
                // Kept as bytes, made a string only when read: tracing parses the bytes. The last one counts, as below.
                late.TraceParentBytes = null;
                if (Ascii.IsValid(bytes))
                {
                    if (traceParentAsText)
                    {
                        headers.Set(header.Key, null);
                        traceParentAsText = false;
                    }

                    late.TraceParentBytes = bytes;
                    continue;
                }

                traceParentAsText = true;
            }

            if (header.Key.StartsWith(KafkaRecords.HeaderEncodingPrefix, StringComparison.Ordinal) || late.Provides(header.Key))
            {
                continue; // only markers this decoding sets, and the record's own metadata, never a header that claims to be them
            }

            try
            {
                headers.Set(header.Key, RepeatedValues.Repeats(header.Key) ? RepeatedValues.Decode(bytes) : StrictUtf8.GetString(bytes));
                if (anyEncoded)
                {
                    headers.Set(KafkaRecords.HeaderEncodingPrefix + header.Key, null); // a later header of the same name was text
                }
            }
            catch (DecoderFallbackException)
            {
                // Kept, as base64 with a marker, so that the dead letter (and its replay) writes the very bytes back.
                error ??= $"Header '{header.Key}' of {record.TopicPartitionOffset} is not valid UTF-8 text.";
                headers.Set(header.Key, Convert.ToBase64String(bytes));
                headers.Set(KafkaRecords.HeaderEncodingPrefix + header.Key, KafkaRecords.Base64);
                anyEncoded = true;
            }
        }

        // The creation time a channel record leaves to the record's timestamp is made on demand too.
        late.RestoresTimestamp = KafkaRecords.RestoreImplied(headers);
        if (record.Message.Value is null)
        {
            error ??= $"Record {record.TopicPartitionOffset} has a null value (a tombstone); there is no payload to handle.";
        }

        return (new TransportMessage(headers, record.Message.Value ?? []), error);
    }

    /// <summary>
    /// The values of the headers that repeat from record to record — the message name, content type, kind and target
    /// endpoint — decoded once: a record whose value has the bytes of one decoded before gets the same string. A
    /// direct-mapped cache of a few slots, each an immutable entry replaced as a whole, so that readers on several
    /// threads need no lock; a value that misses (first seen, or its slot taken by another) is decoded as before.
    /// </summary>
    private static class RepeatedValues
    {
        private static readonly Entry?[] Slots = new Entry?[64];

        public static bool Repeats(string name) =>
            name is MessageHeaderNames.MessageName or MessageHeaderNames.ContentType or MessageHeaderNames.MessageKind or MessageHeaderNames.TargetEndpoint;

        /// <summary>The value as text; throws <see cref="DecoderFallbackException"/> when it is not UTF-8.</summary>
        public static string Decode(byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            var slot = hash.ToHashCode() & (Slots.Length - 1);
            if (Volatile.Read(ref Slots[slot]) is { } known && known.Bytes.AsSpan().SequenceEqual(bytes))
            {
                return known.Text;
            }

            // The record's own array: Confluent.Kafka makes one per header value and never changes it.
            var text = StrictUtf8.GetString(bytes);
            Volatile.Write(ref Slots[slot], new Entry(bytes, text));
            return text;
        }

        private sealed record Entry(byte[] Bytes, string Text);
    }

    // Partition numbers as text, made once: one string fewer per record.
    private static readonly string[] PartitionTexts = [.. Enumerable.Range(0, 256).Select(p => p.ToString(CultureInfo.InvariantCulture))];

    private static string PartitionText(int partition) =>
        (uint)partition < (uint)PartitionTexts.Length ? PartitionTexts[partition] : partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>kafka_*</c> headers of a consumed record — topic, partition, offset, timestamp and key (in base64 with
    /// <c>kafka_key_encoding</c> when it is not UTF-8 text) — the <c>timestamp</c> header a channel record leaves
    /// to the record's own timestamp, and its <c>traceparent</c> (which tracing reads as bytes, see
    /// <see cref="TryGetUtf8"/>): made into strings only when a header of the message is read by name among them,
    /// or the headers are enumerated or copied (a dead letter, a resend), not for every record. They replace headers of
    /// the same names the record carried: only the record's own key, never a header that claims to be it.
    /// </summary>
    private sealed class RecordMetadataHeaders(ConsumeResult<byte[]?, byte[]?> record) : OnDemandHeaders
    {
        public const string TraceParent = "traceparent";

        /// <summary>Whether the <c>timestamp</c> header is the record's timestamp (the record carried none).</summary>
        public bool RestoresTimestamp { get; set; }

        /// <summary>The record's <c>traceparent</c> header (ASCII), or null.</summary>
        public byte[]? TraceParentBytes { get; set; }

        public override int Count => 8;

        public override bool Provides(string name) => name switch
        {
            "kafka_topic" or "kafka_partition" or "kafka_offset" or "kafka_timestamp" or KafkaRecords.KeyHeader or KafkaRecords.KeyEncodingHeader => true,
            MessageHeaderNames.Timestamp => RestoresTimestamp,
            TraceParent => TraceParentBytes is not null,
            _ => false,
        };

        public override bool TryGetUtf8(string name, out ReadOnlySpan<byte> value)
        {
            value = name == TraceParent ? TraceParentBytes : null;
            return name == TraceParent && TraceParentBytes is not null;
        }

        public override void AddTo(MessageHeaders headers)
        {
            if (TraceParentBytes is { } traceParent)
            {
                headers.Set(TraceParent, Encoding.ASCII.GetString(traceParent));
            }

            var timestamp = record.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture);
            if (RestoresTimestamp)
            {
                headers.Set(MessageHeaderNames.Timestamp, timestamp);
            }

            headers.Set("kafka_topic", record.Topic);
            headers.Set("kafka_partition", PartitionText(record.Partition.Value));
            headers.Set("kafka_offset", record.Offset.Value.ToString(CultureInfo.InvariantCulture));
            headers.Set("kafka_timestamp", timestamp);
            if (record.Message.Key is { } key)
            {
                try
                {
                    headers.Set(KafkaRecords.KeyHeader, StrictUtf8.GetString(key));
                }
                catch (DecoderFallbackException)
                {
                    headers.Set(KafkaRecords.KeyHeader, Convert.ToBase64String(key));
                    headers.Set(KafkaRecords.KeyEncodingHeader, KafkaRecords.Base64);
                }
            }
        }
    }

    public override async ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        message.Headers.Set(MessageHeaderNames.DeliverAt, null);
        var destination = _channel.OwnsTopic(_record.Topic)
            ? _record.TopicPartition
            : new TopicPartition(_channel.Settings.RetryTopic, Partition.Any);
        await _channel.AppendAsync(destination, message, cancellationToken).ConfigureAwait(false);
    }
}
