using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Conveyor;

/// <summary>
/// The headers of a message: Conveyor's own (<see cref="MessageHeaderNames"/>) and user metadata.
/// Keys are case-sensitive.
/// </summary>
public sealed class MessageHeaders : IReadOnlyDictionary<string, string>
{
    // Up to this many headers (nearly every message has 2 to 10) live in a small array searched in order: names
    // compare by reference first, and nearly all are the same literals, so a read costs less than hashing the name,
    // and the array far less to build than a dictionary. Beyond it, a dictionary.
    private const int ListLimit = 16;

    // Filled from the start; the first entry with a null key ends them. Replaced, never shrunk in place, by a merge of
    // on-demand headers, so that a reader on another thread always sees a complete array.
    private KeyValuePair<string, string>[] _items;
    private Dictionary<string, string>? _map;
    private int _count;

    // Headers a transport adds only when read (e.g. Kafka's kafka_offset): merged on the first read of one of them, an
    // enumeration, a copy, or a change of one of them. Null once merged, or when there are none.
    private volatile Channels.OnDemandHeaders? _onDemand;

    /// <summary>Creates empty headers.</summary>
    public MessageHeaders() => _items = new KeyValuePair<string, string>[4];

    /// <summary>Creates empty headers with room for <paramref name="capacity"/> entries, for transports that know how many they will add.</summary>
    /// <param name="capacity">The expected number of headers.</param>
    public MessageHeaders(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > ListLimit)
        {
            _items = [];
            _map = new Dictionary<string, string>(capacity, StringComparer.Ordinal);
        }
        else
        {
            _items = new KeyValuePair<string, string>[Math.Max(capacity, 1)];
        }
    }

    /// <summary>Creates headers holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The initial values.</param>
    /// <exception cref="ArgumentException">A name is given twice.</exception>
    public MessageHeaders(IEnumerable<KeyValuePair<string, string>> values)
        : this((values ?? throw new ArgumentNullException(nameof(values))).TryGetNonEnumeratedCount(out var count) ? count : 4)
    {
        foreach (var (name, value) in values)
        {
            if (value is null)
            {
                continue; // as absent: Get answers null for both
            }

            if (IndexOf(name) >= 0 || _map?.ContainsKey(name) == true)
            {
                throw new ArgumentException($"The header '{name}' is given twice.", nameof(values));
            }

            Add(name, value);
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
    public string this[string key] => Get(key) ?? throw new KeyNotFoundException($"There is no header '{key}'.");

    /// <inheritdoc />
    public IEnumerable<string> Keys => this.Select(h => h.Key);

    /// <inheritdoc />
    public IEnumerable<string> Values => this.Select(h => h.Value);

    /// <inheritdoc />
    public int Count
    {
        get
        {
            MergeOnDemand();
            return _map?.Count ?? _count;
        }
    }

    /// <summary>Returns the value of <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_onDemand is { } onDemand && onDemand.Provides(name))
        {
            Merge(onDemand);
        }

        if (_map is { } map)
        {
            return map.GetValueOrDefault(name);
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            var key = items[i].Key;
            if (key is null)
            {
                break;
            }

            if (string.Equals(key, name))
            {
                return items[i].Value;
            }
        }

        return null;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, or removes it when the value is null.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    public void Set(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_onDemand is { } onDemand && onDemand.Provides(name))
        {
            Merge(onDemand);
        }

        if (_map is { } map)
        {
            if (value is null)
            {
                map.Remove(name);
            }
            else
            {
                map[name] = value;
            }

            return;
        }

        var index = IndexOf(name);
        if (value is null)
        {
            if (index >= 0)
            {
                Array.Copy(_items, index + 1, _items, index, _count - index - 1);
                _items[--_count] = default;
            }
        }
        else if (index >= 0)
        {
            _items[index] = new KeyValuePair<string, string>(name, value);
        }
        else
        {
            Add(name, value);
        }
    }

    /// <summary>Returns a copy that can be changed without changing these headers.</summary>
    /// <returns>The copy.</returns>
    public MessageHeaders Clone()
    {
        MergeOnDemand();
        var copy = new MessageHeaders(Count);
        foreach (var (name, value) in this)
        {
            copy.Add(name, value);
        }

        return copy;
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => Get(key) is not null;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        value = Get(key);
        return value is not null;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        MergeOnDemand();
        return _map is { } map ? map.GetEnumerator() : Enumerate(_items);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static IEnumerator<KeyValuePair<string, string>> Enumerate(KeyValuePair<string, string>[] items)
    {
        for (var i = 0; i < items.Length && items[i].Key is not null; i++)
        {
            yield return items[i];
        }
    }

    // Writers only (one at a time, as ever): the position of name in the array, or -1.
    private int IndexOf(string name)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_items[i].Key, name))
            {
                return i;
            }
        }

        return -1;
    }

    // A header not present yet.
    private void Add(string name, string value)
    {
        if (_map is { } map)
        {
            map.Add(name, value);
            return;
        }

        if (_count == ListLimit)
        {
            map = new Dictionary<string, string>(ListLimit * 2, StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
            {
                map.Add(_items[i].Key, _items[i].Value);
            }

            map.Add(name, value);
            _map = map;
            return;
        }

        if (_count == _items.Length)
        {
            var grown = new KeyValuePair<string, string>[Math.Min(Math.Max(_items.Length * 2, 4), ListLimit)];
            Array.Copy(_items, grown, _count);
            _items = grown;
        }

        _items[_count++] = new KeyValuePair<string, string>(name, value);
    }

    private void MergeOnDemand()
    {
        if (_onDemand is { } onDemand)
        {
            Merge(onDemand);
        }
    }

    // Into new storage, published once complete: a reader of other headers on another thread keeps reading the previous
    // array, which is never changed, as it could read these headers concurrently before (changes never could).
    private void Merge(Channels.OnDemandHeaders onDemand)
    {
        lock (onDemand)
        {
            if (_onDemand is null)
            {
                return;
            }

            var merged = new MessageHeaders((_map?.Count ?? _count) + onDemand.Count);
            foreach (var (name, value) in _map ?? (IEnumerable<KeyValuePair<string, string>>)new ArraySegment<KeyValuePair<string, string>>(_items, 0, _count))
            {
                merged.Add(name, value);
            }

            onDemand.AddTo(merged);
            _items = merged._items;
            _count = merged._count;
            _map = merged._map;
            _onDemand = null;
        }
    }
}
