using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>Turns transport messages into Kafka records: the key, the value and UTF-8 headers.</summary>
internal static class KafkaRecords
{
    /// <summary>The original Kafka key of a consumed record, kept in its headers: UTF-8 text, or base64 (see <see cref="KeyEncodingHeader"/>).</summary>
    public const string KeyHeader = "kafka_key";

    /// <summary>Set to <c>base64</c> when the consumed key was not UTF-8 text and <see cref="KeyHeader"/> holds it in base64.</summary>
    public const string KeyEncodingHeader = "kafka_key_encoding";

    /// <summary>
    /// Prefix of the marker <c>kafka_header_encoding.&lt;name&gt;</c> = <c>base64</c>, set when the consumed header
    /// <c>&lt;name&gt;</c> was not UTF-8 text and is kept in base64 under its own name. <see cref="From"/> writes such a
    /// header back as the original bytes, so dead letters, retries and replays carry it unchanged.
    /// </summary>
    public const string HeaderEncodingPrefix = "kafka_header_encoding.";

    /// <summary>The value of <see cref="KeyEncodingHeader"/> and of the header encoding markers: the value is base64.</summary>
    public const string Base64 = "base64";

    /// <summary>The content type a channel record without a <c>contentType</c> header is in: JSON, the default converter's.</summary>
    public const string ImpliedContentType = Serialization.JsonMessageConverter.MediaType;

    // How old a message may be for the record's timestamp to carry its creation time (see From).
    private const long RecentMilliseconds = 60_000;

    // How long a creation time found recent is taken as recent without reading the clock again (see IsRecent).
    private const long RecheckMilliseconds = 1_000;

    // The last creation time this thread found recent: its header's string, its milliseconds, and when it was checked
    // (Environment.TickCount64). Messages made in the same millisecond on a thread share the string
    // (MessageHeadersFactory), so it is parsed and checked against the clock once, not per record.
    [ThreadStatic]
    private static string? t_recentCreated;

    [ThreadStatic]
    private static long t_recentMilliseconds;

    [ThreadStatic]
    private static long t_recentCheckedAt;

    // Marks a record of the distributed bus, which reads the message kind on receipt (Conveyor.Distributed.DistributedHeaders.Map).
    private const string DistributedMapHeader = "conveyor.distributed.map";

    /// <summary>
    /// The record for <paramref name="message"/>. <paramref name="implied"/> leaves out headers whose value follows
    /// from the record, from other headers or from the channel's routing, for records only Conveyor reads (its
    /// channels' topics): <see cref="RestoreImplied"/> puts them back on receipt. Records for other consumers (named
    /// publishers, dead-letter topics) carry every header.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="implied">The headers the channel's records may leave off; null for records for other consumers.</param>
    /// <param name="reuse">Record objects to fill instead of making new ones (<see cref="ReusableRecord"/>), or null.</param>
    public static Message<byte[]?, byte[]?> From(TransportMessage message, ImpliedHeaders? implied = null, ReusableRecord? reuse = null)
    {
        var omitImpliedHeaders = implied is not null;
        var headers = reuse?.EmptyHeaders() ?? new RecordHeaders(new Headers(), null);
        var scan = HeaderScan.Of(message.Headers);
        var timestamp = Timestamp.Default;
        if (omitImpliedHeaders && scan.Created is { } created && IsRecent(created, out var createdMs))
        {
            // The record's own timestamp carries the creation time. Only for a message created moments ago (nearly
            // all): an older one (a retry, a replay, a message that waited in an outbox) keeps its header and gets the
            // time it is written, so that the broker's time-based retention and timestamp limits see a current time.
            timestamp = new Timestamp(createdMs, TimestampType.CreateTime);
        }

        // The id is written twice when it is also the key (nearly always): one array serves both, as Confluent.Kafka
        // copies both into the record when it is produced.
        byte[]? idBytes = null;
        foreach (var (name, value) in message.Headers)
        {
            if (!name.StartsWith("kafka_", StringComparison.Ordinal)
                && !(omitImpliedHeaders && IsImplied(name, value, scan, timestamp.Type != TimestampType.NotAvailable, implied!)))
            {
                if (scan.AnyEncoded && message.Headers.Get(HeaderEncodingPrefix + name) == Base64)
                {
                    headers.Add(new Header(name, Convert.FromBase64String(value)));
                }
                else if (name == MessageHeaderNames.MessageId)
                {
                    headers.AddMessageId(idBytes ??= Encoding.UTF8.GetBytes(value));
                }
                else
                {
                    headers.Add(HeaderValues.Utf8(name, value));
                }
            }
        }

        var record = reuse?.Record ?? new Message<byte[]?, byte[]?>();
        record.Key = KeyBytes(scan, idBytes);
        record.Value = AsArray(message.Body);
        record.Headers = headers.Headers;
        record.Timestamp = timestamp;
        return record;
    }

    /// <summary>
    /// Headers a channel record leaves out because <see cref="RestoreImplied"/> can put them back on receipt: a
    /// correlation id equal to the message id (a message that starts a flow), a routing key equal to the message name,
    /// the timestamp of a message created in the last minute (the record's timestamp carries it), the default content type (<c>application/json</c>), and
    /// the message kind, which only the distributed bus reads on receipt, and the target endpoint when it is the only
    /// one on the channel that takes the message's name (a distributed bus's records keep both).
    /// </summary>
    private static bool IsImplied(string name, string value, in HeaderScan scan, bool timestampInRecord, ImpliedHeaders implied) => name switch
    {
        MessageHeaderNames.CorrelationId => value == scan.Id,
        MessageHeaderNames.RoutingKey => value == scan.Name,
        MessageHeaderNames.Timestamp => timestampInRecord,
        MessageHeaderNames.ContentType => value == ImpliedContentType,
        MessageHeaderNames.MessageKind => !scan.Distributed,
        MessageHeaderNames.TargetEndpoint => !scan.Distributed && implied.TargetEndpoint(value, scan.RoutingKey ?? scan.Name),
        _ => false,
    };

    /// <summary>
    /// Restores the headers <see cref="From"/> left out because their value was implied, on a record written by
    /// Conveyor (one with an <c>id</c> header). Returns whether its <c>timestamp</c> header is the record's timestamp,
    /// which the caller adds (the record's metadata headers are made when read).
    /// </summary>
    public static bool RestoreImplied(MessageHeaders headers)
    {
        if (headers.MessageId is not { } id)
        {
            return false;
        }

        var timestampInRecord = headers.Get(MessageHeaderNames.Timestamp) is null;
        if (headers.ContentType is null)
        {
            headers.Set(MessageHeaderNames.ContentType, ImpliedContentType);
        }

        if (headers.MessageName is not { } name)
        {
            return timestampInRecord;
        }

        if (headers.CorrelationId is null)
        {
            headers.Set(MessageHeaderNames.CorrelationId, id);
        }

        if (headers.RoutingKey is null)
        {
            headers.Set(MessageHeaderNames.RoutingKey, name);
        }

        return timestampInRecord;
    }

    /// <summary>
    /// The partition key: an explicit <see cref="MessageHeaderNames.PartitionKey"/> header; else the key the message
    /// had when it was consumed (so re-appends and retries stay on their key); else the message id.
    /// Aggregate-aware senders set the partition key header to the aggregate id.
    /// </summary>
    /// <param name="scan">What the message's headers hold.</param>
    /// <param name="idBytes">The message id in UTF-8 when it was already encoded (for its header), else null.</param>
    private static byte[] KeyBytes(in HeaderScan scan, byte[]? idBytes) =>
        scan.PartitionKey is { } partitionKey ? Encoding.UTF8.GetBytes(partitionKey)
        : scan.ConsumedKey is { } consumedKey ? ConsumedKey(consumedKey, scan.KeyEncoding)
        : idBytes ?? Encoding.UTF8.GetBytes(scan.Id ?? MessageIds.New());

    /// <summary>
    /// Whether <paramref name="created"/> (a <c>timestamp</c> header) is a time of the last minute written canonically, so
    /// that the record's timestamp can carry it. A string found so with a second to spare is taken as recent again for a
    /// second without parsing it or reading the clock.
    /// </summary>
    private static bool IsRecent(string created, out long createdMs)
    {
        var tick = Environment.TickCount64;
        if (ReferenceEquals(created, t_recentCreated) && tick - t_recentCheckedAt < RecheckMilliseconds)
        {
            createdMs = t_recentMilliseconds;
            return true;
        }

        if (!long.TryParse(created, NumberStyles.None, CultureInfo.InvariantCulture, out createdMs) || !IsCanonical(createdMs, created))
        {
            return false;
        }

        var age = Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - createdMs);
        if (age <= RecentMilliseconds - RecheckMilliseconds)
        {
            t_recentCreated = created;
            t_recentMilliseconds = createdMs;
            t_recentCheckedAt = tick;
        }

        return age <= RecentMilliseconds;
    }

    /// <summary>Whether <paramref name="text"/> is how <paramref name="value"/> is written (no sign, no leading zeros), without formatting a string.</summary>
    private static bool IsCanonical(long value, string text)
    {
        Span<char> formatted = stackalloc char[20];
        return value.TryFormat(formatted, out var written, default, CultureInfo.InvariantCulture) && formatted[..written].SequenceEqual(text);
    }

    /// <summary>The exact bytes of a consumed record's key, also when it was not text (a Java long or Avro key).</summary>
    private static byte[] ConsumedKey(string value, string? encoding) =>
        encoding == Base64 ? Convert.FromBase64String(value) : Encoding.UTF8.GetBytes(value);

    private static byte[] AsArray(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : body.ToArray();

    /// <summary>
    /// The headers that decide how a message's record is written, found in one pass over them instead of a search per
    /// header asked for (a message has some eight headers, and most of these are absent).
    /// </summary>
    private struct HeaderScan
    {
        public string? Id;
        public string? Name;
        public string? RoutingKey;
        public string? Created;
        public string? PartitionKey;
        public string? ConsumedKey;
        public string? KeyEncoding;

        /// <summary>Whether a header is kept in base64 (then each header looks up its marker).</summary>
        public bool AnyEncoded;

        /// <summary>Whether it is a record of the distributed bus, which keeps its kind and target endpoint.</summary>
        public bool Distributed;

        public static HeaderScan Of(MessageHeaders headers)
        {
            var scan = default(HeaderScan);
            foreach (var (name, value) in headers)
            {
                switch (name)
                {
                    case MessageHeaderNames.MessageId:
                        scan.Id = value;
                        break;
                    case MessageHeaderNames.MessageName:
                        scan.Name = value;
                        break;
                    case MessageHeaderNames.RoutingKey:
                        scan.RoutingKey = value;
                        break;
                    case MessageHeaderNames.Timestamp:
                        scan.Created = value;
                        break;
                    case MessageHeaderNames.PartitionKey:
                        scan.PartitionKey = value;
                        break;
                    case KeyHeader:
                        scan.ConsumedKey = value;
                        break;
                    case KeyEncodingHeader:
                        scan.KeyEncoding = value;
                        break;
                    case DistributedMapHeader:
                        scan.Distributed = true;
                        break;
                    default:
                        scan.AnyEncoded |= name.StartsWith(HeaderEncodingPrefix, StringComparison.Ordinal);
                        break;
                }
            }

            return scan;
        }
    }

    /// <summary>The headers of one record as they are filled: Confluent.Kafka's <see cref="Confluent.Kafka.Headers"/>, added to through its backing list when it is reused.</summary>
    internal readonly struct RecordHeaders(Headers headers, ReusableRecord? reuse)
    {
        public Headers Headers => headers;

        public void Add(Header header)
        {
            if (reuse is null)
            {
                headers.Add(header);
            }
            else
            {
                reuse.Add(header);
            }
        }

        public void AddMessageId(byte[] id)
        {
            if (reuse is null)
            {
                headers.Add(new Header(MessageHeaderNames.MessageId, id));
            }
            else
            {
                reuse.AddMessageId(id);
            }
        }
    }

    /// <summary>
    /// The objects of a record that one thread fills anew for every record it produces — the record, its header list
    /// and its message id header — instead of making them per record: Confluent.Kafka's <c>Produce</c> copies the key,
    /// the value, the headers and the timestamp into librdkafka before it returns, and its delivery report (with
    /// <c>delivery.report.fields</c> leaving out the headers, Conveyor's default) refers to none of them. A record whose
    /// <c>Produce</c> threw is not reused: the exception refers to it.
    /// </summary>
    internal sealed class ReusableRecord
    {
        private readonly Headers _headers = new();

        // The list behind Confluent.Kafka's Headers, which has no Clear; a Headers that is not backed by a List (another
        // version of the client) is made anew for each record instead.
        private readonly List<IHeader>? _list;
        private readonly MessageIdHeader _id = new();

        public ReusableRecord() => _list = _headers.BackingList as List<IHeader>;

        /// <summary>The record, its key, value and headers set by <see cref="From"/>.</summary>
        public Message<byte[]?, byte[]?> Record { get; } = new();

        /// <summary>Forgets the last record's key, value and headers (after it was produced), so that they are not kept alive.</summary>
        public void Clear()
        {
            Record.Key = null;
            Record.Value = null;
            Record.Headers = null;
            _list?.Clear();
            _id.Value = [];
        }

        internal RecordHeaders EmptyHeaders()
        {
            if (_list is null)
            {
                return new RecordHeaders(new Headers(), null);
            }

            _list.Clear();
            return new RecordHeaders(_headers, this);
        }

        internal void Add(IHeader header) => _list!.Add(header);

        internal void AddMessageId(byte[] id)
        {
            _id.Value = id;
            _list!.Add(_id);
        }

        /// <summary>The record's message id header, its value set per record.</summary>
        private sealed class MessageIdHeader : IHeader
        {
            public byte[] Value { get; set; } = [];

            public string Key => MessageHeaderNames.MessageId;

            public byte[] GetValueBytes() => Value;
        }
    }
}
