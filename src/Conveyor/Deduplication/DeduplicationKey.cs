using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace Conveyor.Deduplication;

/// <summary>Computes an endpoint's deduplication key from a message: its id, a header, or a payload property path.</summary>
internal sealed class DeduplicationKey
{
    private readonly string? _header;
    private readonly Func<object, object?>? _read;

    private DeduplicationKey(string? header, Func<object, object?>? read, string description)
    {
        _header = header;
        _read = read;
        Description = description;
    }

    public string Description { get; }

    public bool NeedsPayload => _read is not null;

    public static DeduplicationKey ByMessageId { get; } = new(MessageHeaderNames.MessageId, null, "message id");

    /// <summary>Parses <paramref name="expression"/>; adds a configuration error naming the endpoint when it cannot work.</summary>
    public static DeduplicationKey? Parse(string? expression, EndpointInfo endpoint, ICollection<string> errors)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return ByMessageId;
        }

        if (!expression.StartsWith("payload.", StringComparison.Ordinal))
        {
            var header = expression.StartsWith("header.", StringComparison.Ordinal) ? expression["header.".Length..] : expression;
            return new DeduplicationKey(header, null, $"header '{header}'");
        }

        var type = endpoint.PayloadType;
        var path = new List<PropertyInfo>();
        foreach (var name in expression["payload.".Length..].Split('.'))
        {
            var property = type?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                errors.Add($"{endpoint.EndpointId}: [Deduplicated(\"{expression}\")] names '{name}', which {type?.Name ?? "the payload"} has no public property called. Use 'payload.<Property>' or a header name.");
                return null;
            }

            path.Add(property);
            type = property.PropertyType;
        }

        return new DeduplicationKey(null, CompileReader(endpoint.PayloadType!, path), $"payload property '{expression["payload.".Length..]}'");
    }

    /// <summary>The key for a message, or null when the message has none (then it is not deduplicated).</summary>
    public string? KeyOf(MessageHeaders headers, object? payload)
    {
        if (_header is not null)
        {
            return headers.Get(_header);
        }

        var value = payload is null ? null : _read!(payload);
        return value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
    }

    private static Func<object, object?> CompileReader(Type payloadType, List<PropertyInfo> path)
    {
        var payload = Expression.Parameter(typeof(object), "payload");
        return Expression.Lambda<Func<object, object?>>(Access(Expression.Convert(payload, payloadType), path, 0), payload).Compile();

        static Expression Access(Expression instance, List<PropertyInfo> path, int index)
        {
            if (index == path.Count)
            {
                return Expression.Convert(instance, typeof(object));
            }

            var value = Expression.Property(instance, path[index]);
            var rest = Access(value, path, index + 1);
            return value.Type.IsValueType && Nullable.GetUnderlyingType(value.Type) is null
                ? rest
                : Expression.Condition(Expression.Equal(value, Expression.Constant(null, value.Type)), Expression.Constant(null, typeof(object)), rest);
        }
    }
}
