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
    private readonly Dictionary<string, string> _values;

    /// <summary>Creates empty headers.</summary>
    public MessageHeaders() => _values = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Creates empty headers with room for <paramref name="capacity"/> entries, for transports that know how many they will add.</summary>
    /// <param name="capacity">The expected number of headers.</param>
    public MessageHeaders(int capacity) => _values = new Dictionary<string, string>(capacity, StringComparer.Ordinal);

    /// <summary>Creates headers holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The initial values.</param>
    public MessageHeaders(IEnumerable<KeyValuePair<string, string>> values)
        => _values = new Dictionary<string, string>(values, StringComparer.Ordinal);

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
    public string this[string key] => _values[key];

    /// <inheritdoc />
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc />
    public IEnumerable<string> Values => _values.Values;

    /// <inheritdoc />
    public int Count => _values.Count;

    /// <summary>Returns the value of <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? Get(string name) => _values.GetValueOrDefault(name);

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, or removes it when the value is null.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    public void Set(string name, string? value)
    {
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
    public MessageHeaders Clone() => new(_values);

    /// <inheritdoc />
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _values.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
