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
    private Dictionary<string, string> _values;

    // Headers a transport adds only when read (e.g. Kafka's kafka_offset): merged into _values on the first read of one
    // of them, or of the whole set, or on a change of one of them. Null once merged, or when there are none.
    private volatile Channels.OnDemandHeaders? _onDemand;

    /// <summary>Creates empty headers.</summary>
    public MessageHeaders() => _values = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Creates empty headers with room for <paramref name="capacity"/> entries, for transports that know how many they will add.</summary>
    /// <param name="capacity">The expected number of headers.</param>
    public MessageHeaders(int capacity) => _values = new Dictionary<string, string>(capacity, StringComparer.Ordinal);

    /// <summary>Creates headers holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The initial values.</param>
    public MessageHeaders(IEnumerable<KeyValuePair<string, string>> values)
        => _values = new Dictionary<string, string>(values, StringComparer.Ordinal);

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
    public string this[string key] => ValuesFor(key)[key];

    /// <inheritdoc />
    public IEnumerable<string> Keys => AllValues.Keys;

    /// <inheritdoc />
    public IEnumerable<string> Values => AllValues.Values;

    /// <inheritdoc />
    public int Count => AllValues.Count;

    /// <summary>Returns the value of <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? Get(string name) => ValuesFor(name).GetValueOrDefault(name);

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, or removes it when the value is null.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    public void Set(string name, string? value)
    {
        _ = ValuesFor(name);
        if (value is null)
        {
            _values.Remove(name);
        }
        else
        {
            _values[name] = value;
        }
    }

    /// <summary>Returns a copy that can be changed without changing these headers.</summary>
    /// <returns>The copy.</returns>
    public MessageHeaders Clone() => new(AllValues);

    /// <inheritdoc />
    public bool ContainsKey(string key) => ValuesFor(key).ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => ValuesFor(key).TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => AllValues.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The values, with the on-demand headers added when <paramref name="name"/> is one of them.</summary>
    private Dictionary<string, string> ValuesFor(string name) =>
        _onDemand is { } onDemand && onDemand.Provides(name) ? Merge(onDemand) : _values;

    private Dictionary<string, string> AllValues => _onDemand is { } onDemand ? Merge(onDemand) : _values;

    // Into a new dictionary, published once complete: a reader of other headers on another thread keeps reading the
    // previous one, which is never changed, as it could read these headers concurrently before (changes never could).
    private Dictionary<string, string> Merge(Channels.OnDemandHeaders onDemand)
    {
        lock (onDemand)
        {
            if (_onDemand is null)
            {
                return _values;
            }

            var merged = new Dictionary<string, string>(_values.Count + onDemand.Count, StringComparer.Ordinal);
            foreach (var (name, value) in _values)
            {
                merged[name] = value;
            }

            onDemand.AddTo(merged);
            _values = merged;
            _onDemand = null;
            return merged;
        }
    }
}
