using System.ComponentModel;
using System.Linq.Expressions;
using System.Reflection;

namespace Conveyor.Aggregates;

/// <summary>
/// Where one aggregate command handler reads the identifier of the instance a command is addressed to: for each
/// <see cref="IdentifierAttribute"/> property, an <see cref="IdentifierMappingAttribute"/>, else the command's property
/// of the same name. Compiled once; a value of another type than the identifier's is converted (invariant culture),
/// so that <c>"42"</c> and <c>42</c> address the same instance.
/// </summary>
internal sealed class IdentifierSource
{
    private readonly Part[] _parts;
    private readonly string _where;

    private IdentifierSource(Part[] parts, string where)
    {
        _parts = parts;
        _where = where;
    }

    /// <summary>The source for a handler taking <paramref name="payloadType"/>, or null with what to fix in <paramref name="errors"/> (when given).</summary>
    public static IdentifierSource? Describe(AggregateModel model, MethodInfo method, Type? payloadType, string where, ICollection<string>? errors)
    {
        var mappings = method.GetCustomAttributes<IdentifierMappingAttribute>().ToList();
        var parts = new List<Part>();
        var ok = true;
        foreach (var mapping in mappings.Where(m => !model.Identifiers.Any(p => p.Name.Equals(m.Identifier, StringComparison.OrdinalIgnoreCase))))
        {
            errors?.Add($"{where}: [IdentifierMapping(\"{mapping.Identifier}\", …)] names no [Identifier] property of {model.Type.Name}; its identifiers are {string.Join(", ", model.Identifiers.Select(p => p.Name))}.");
            ok = false;
        }

        foreach (var identifier in model.Identifiers)
        {
            var mapping = mappings.FirstOrDefault(m => m.Identifier.Equals(identifier.Name, StringComparison.OrdinalIgnoreCase));
            var read = mapping is null ? FromPayload(payloadType, identifier.Name) : FromSource(payloadType, mapping.Source);
            if (read is null)
            {
                errors?.Add(mapping is null
                    ? $"{where}: the command {payloadType?.Name ?? "(none)"} has no property '{identifier.Name}' to find the {model.Type.Name} by. Add one, or map the identifier: [IdentifierMapping(\"{identifier.Name}\", \"payload.OtherProperty\")] or [IdentifierMapping(\"{identifier.Name}\", \"header.some-header\")]."
                    : $"{where}: [IdentifierMapping(\"{identifier.Name}\", \"{mapping.Source}\")] reads nothing: use \"payload.<property of {payloadType?.Name ?? "the command"}>\" or \"header.<name>\".");
                ok = false;
                continue;
            }

            parts.Add(new Part(identifier.Name, identifier.PropertyType, read.Value.Read, read.Value.Description, TypeDescriptor.GetConverter(identifier.PropertyType)));
        }

        return ok ? new IdentifierSource([.. parts], where) : null;
    }

    /// <summary>The identifier the command is addressed to.</summary>
    /// <exception cref="AggregateIdentifierException">A value is missing or is not of the identifier's type.</exception>
    public string Resolve(object? payload, Func<string, string?> header) =>
        TryResolve(payload, header, out var id, out var error) ? id : throw new AggregateIdentifierException(error);

    /// <summary>The identifier, or false with why not.</summary>
    public bool TryResolve(object? payload, Func<string, string?> header, out string id, out string error)
    {
        var values = new string[_parts.Length];
        for (var i = 0; i < _parts.Length; i++)
        {
            var part = _parts[i];
            var raw = part.Read(payload, header);
            var value = AggregateIdentity.Format(raw);
            try
            {
                if (value is not null && raw!.GetType() != part.Type)
                {
                    value = AggregateIdentity.Format(part.Converter.ConvertFromInvariantString(value));
                }
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException || e.InnerException is FormatException or OverflowException)
            {
                (id, error) = ("", $"{_where}: the identifier {part.Identifier} from {part.Description} is '{raw}', which is not a valid {part.Type.Name}.");
                return false;
            }

            if (value is null)
            {
                (id, error) = ("", $"{_where}: the identifier {part.Identifier} from {part.Description} is missing or empty: the command cannot be routed to an instance.");
                return false;
            }

            values[i] = value;
        }

        (id, error) = (AggregateIdentity.Join(values), "");
        return true;
    }

    private static (Func<object?, Func<string, string?>, object?> Read, string Description)? FromSource(Type? payloadType, string source) =>
        source.StartsWith("header.", StringComparison.Ordinal) && source.Length > "header.".Length
            ? ((_, header) => header(source["header.".Length..]), $"header '{source["header.".Length..]}'")
            : source.StartsWith("payload.", StringComparison.Ordinal) ? FromPayload(payloadType, source["payload.".Length..]) : null;

    private static (Func<object?, Func<string, string?>, object?> Read, string Description)? FromPayload(Type? payloadType, string name)
    {
        var property = payloadType?.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.GetMethod is not null);
        if (property is null)
        {
            return null;
        }

        var instance = Expression.Parameter(typeof(object), "payload");
        var getter = Expression.Lambda<Func<object, object?>>(
            Expression.Convert(Expression.Property(Expression.Convert(instance, payloadType!), property), typeof(object)), instance).Compile();
        // A payload not yet converted (a send by routing key with a serialized body) has no property to read.
        var type = payloadType!;
        return ((payload, _) => type.IsInstanceOfType(payload) ? getter(payload!) : null, $"{type.Name}.{property.Name}");
    }

    private sealed record Part(string Identifier, Type Type, Func<object?, Func<string, string?>, object?> Read, string Description, TypeConverter Converter);
}
