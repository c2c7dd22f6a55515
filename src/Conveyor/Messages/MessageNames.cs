using System.Collections.Concurrent;
using System.Reflection;

namespace Conveyor;

/// <summary>Resolves the logical name of a message type: <see cref="MessageAttribute"/> or the class's simple name.</summary>
public static class MessageNames
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    /// <summary>Returns the name <paramref name="type"/> carries on the wire.</summary>
    /// <param name="type">The message type.</param>
    /// <returns>The message name.</returns>
    public static string Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Cache.GetOrAdd(type, static t => t.GetCustomAttribute<MessageAttribute>(inherit: false)?.Name ?? SimpleName(t));
    }

    private static string SimpleName(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(",", type.GetGenericArguments().Select(Of))}>";
    }
}
