using System.Collections;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Conveyor;

/// <summary>
/// The headers of a message: Conveyor's own (<see cref="MessageHeaderNames"/>) and user metadata.
/// Keys are case-sensitive. Enumerated in the order they were first set.
/// </summary>
/// <remarks>
/// Kept as one array of name-value pairs searched in order, not a hash table: a message carries a handful of headers,
/// so a search compares a few strings (the framework's names are interned constants, equal by reference), and every
/// message sent or received allocates one small array instead of a dictionary's three objects (~150 B against ~450 B
/// for the eight headers a new message has).
/// </remarks>
public sealed class MessageHeaders : IReadOnlyDictionary<string, string>
{
    private KeyValuePair<string, string>[] _entries;
    private int _count;
    private int _version;

    // Headers a transport adds only when read (e.g. Kafka's kafka_offset): added on the first read of one of them, an
    // enumeration, a count, a copy, or a change of one of them. Null once added, or when there are none.
    private volatile Channels.OnDemandHeaders? _onDemand;

    /// <summary>Creates empty headers.</summary>
    public MessageHeaders() => _entries = [];

    /// <summary>Creates empty headers with room for <paramref name="capacity"/> entries, for transports that know how many they will add.</summary>
    /// <param name="capacity">The expected number of headers.</param>
    public MessageHeaders(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _entries = capacity == 0 ? [] : new KeyValuePair<string, string>[capacity];
    }

    /// <summary>Creates headers holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The initial values.</param>
    /// <exception cref="ArgumentException">A name occurs twice.</exception>
    public MessageHeaders(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _entries = values.TryGetNonEnumeratedCount(out var count) && count > 0 ? new KeyValuePair<string, string>[count] : [];
        foreach (var (name, value) in values)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(values));
            if (IndexOf(name) >= 0)
            {
                throw new ArgumentException($"The header '{name}' occurs twice.", nameof(values));
            }

            Append(name, value);
        }
    }

    /// <summary>
    /// Creates empty headers with room for <paramref name="capacity"/> entries, for a transport that adds
    /// <paramref name="onDemand"/> headers only when they are read.
    /// </summary>
    /// <param name="capacity">The expected number of headers, the on-demand ones not counted.</param>
    /// <param name="onDemand">Headers made when first read.</param>
    public MessageHeaders(int capacity, Channels.OnDemandHeaders onDemand)
        : this(capacity) => _onDemand = onDemand ?? throw new ArgumentNullException(nameof(onDemand));

    private MessageHeaders(KeyValuePair<string, string>[] entries, int count)
    {
        _entries = entries;
        _count = count;
    }

    /// <summary>The message id.</summary>
    public string? MessageId => Get(MessageHeaderNames.MessageId);

    /// <summary>The correlation id.</summary>
    public string? CorrelationId => Get(MessageHeaderNames.CorrelationId);

    /// <summary>The causation id.</summary>
    public string? CausationId => Get(MessageHeaderNames.CausationId);

    /// <summary>The logical message name.</summary>
    public string? MessageName => Get(MessageHeaderNames.MessageName);

    /// <summary>The routing key.</summary>
    public string? RoutingKey => Get(MessageHeaderNames.RoutingKey);

    /// <summary>The content type of the payload.</summary>
    public string? ContentType => Get(MessageHeaderNames.ContentType);

    /// <summary>The endpoint the message is addressed to.</summary>
    public string? TargetEndpoint => Get(MessageHeaderNames.TargetEndpoint);

    /// <summary>How many deliveries were attempted before this one.</summary>
    public int DeliveryAttempt =>
        int.TryParse(Get(MessageHeaderNames.DeliveryAttempt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <inheritdoc />
    public string this[string key] =>
        IndexOf(key) is var index and >= 0 ? _entries[index].Value : throw new KeyNotFoundException($"The message has no header '{key}'.");

    /// <inheritdoc />
    public IEnumerable<string> Keys
    {
        get
        {
            foreach (var (name, _) in this)
            {
                yield return name;
            }
        }
    }

    /// <inheritdoc />
    public IEnumerable<string> Values
    {
        get
        {
            foreach (var (_, value) in this)
            {
                yield return value;
            }
        }
    }

    /// <inheritdoc />
    public int Count
    {
        get
        {
            AddOnDemand();
            return _count;
        }
    }

    /// <summary>Returns the value of <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? Get(string name) => IndexOf(name) is var index and >= 0 ? _entries[index].Value : null;

    /// <summary>
    /// The UTF-8 bytes of <paramref name="name"/> while it is still one of the transport's on-demand headers holding
    /// them (<see cref="Channels.OnDemandHeaders.TryGetUtf8"/>), without making any header a string; false otherwise
    /// (read it with <see cref="Get"/> then).
    /// </summary>
    internal bool TryGetUtf8(string name, out ReadOnlySpan<byte> value)
    {
        if (_onDemand is { } onDemand)
        {
            return onDemand.TryGetUtf8(name, out value);
        }

        value = default;
        return false;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, or removes it when the value is null.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    public void Set(string name, string? value)
    {
        var index = IndexOf(name);
        if (value is null)
        {
            if (index >= 0)
            {
                _count--;
                Array.Copy(_entries, index + 1, _entries, index, _count - index);
                _entries[_count] = default;
                _version++;
            }
        }
        else if (index >= 0)
        {
            _entries[index] = new KeyValuePair<string, string>(name, value);
        }
        else
        {
            Append(name, value);
        }
    }

    /// <summary>Returns a copy that can be changed without changing these headers.</summary>
    /// <returns>The copy.</returns>
    public MessageHeaders Clone()
    {
        AddOnDemand();
        // Room for a few more: a copy is usually made to add headers (a retry's attempt, a dead letter's reason).
        var entries = new KeyValuePair<string, string>[_count + 4];
        Array.Copy(_entries, entries, _count);
        return new MessageHeaders(entries, _count);
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        if (IndexOf(key) is var index and >= 0)
        {
            value = _entries[index].Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Enumerates the headers without allocating.</summary>
    /// <returns>The enumerator.</returns>
    public Enumerator GetEnumerator()
    {
        AddOnDemand();
        return new(this);
    }

    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_onDemand is { } onDemand && onDemand.Provides(name))
        {
            Add(onDemand);
        }

        // Bounded by the array read: adding on-demand headers replaces the array, and another thread may read meanwhile.
        var entries = _entries;
        var count = Math.Min(_count, entries.Length);
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(entries[i].Key, name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Adds a header known to be absent (a builder filling new headers), without searching for it first.</summary>
    internal void AddNew(string name, string value)
    {
        Debug.Assert(IndexOf(name) < 0, $"The header '{name}' is already set.");
        Append(name, value);
    }

    private void Append(string name, string value)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(4, _count * 2));
        }

        _entries[_count++] = new KeyValuePair<string, string>(name, value);
        _version++;
    }

    private void AddOnDemand()
    {
        if (_onDemand is { } onDemand)
        {
            Add(onDemand);
        }
    }

    // Into a copy, published once complete: a reader of other headers on another thread keeps reading the previous
    // array, which is never changed, as it could read these headers concurrently before (changes never could).
    private void Add(Channels.OnDemandHeaders onDemand)
    {
        lock (onDemand)
        {
            if (_onDemand is null)
            {
                return;
            }

            var entries = new KeyValuePair<string, string>[_count + onDemand.Count];
            Array.Copy(_entries, entries, _count);
            var merged = new MessageHeaders(entries, _count);
            onDemand.AddTo(merged);
            _entries = merged._entries;
            _count = merged._count;
            _version++;
            _onDemand = null;
        }
    }

    /// <summary>Enumerates <see cref="MessageHeaders"/> in the order the headers were first set.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<string, string>>
    {
        private readonly MessageHeaders _headers;
        private readonly int _version;
        private int _index;

        internal Enumerator(MessageHeaders headers)
        {
            _headers = headers;
            _version = headers._version;
            _index = -1;
        }

        /// <inheritdoc />
        public readonly KeyValuePair<string, string> Current => _headers._entries[_index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext()
        {
            if (_version != _headers._version)
            {
                throw new InvalidOperationException("The headers were changed while they were enumerated: a header was added or removed.");
            }

            return ++_index < _headers._count;
        }

        /// <inheritdoc />
        public void Reset() => _index = -1;

        /// <inheritdoc />
        public readonly void Dispose()
        {
        }
    }
}
