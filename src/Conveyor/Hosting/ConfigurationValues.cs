using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Conveyor.Hosting;

/// <summary>
/// Finds the configuration values an options type cannot take, before the configuration binder sees them. The binder
/// throws on the first one without saying what would do, and inside a dictionary (e.g. one channel of
/// <c>Conveyor:Kafka:Channels</c>) it silently drops the whole entry, so the defaults run instead of what was configured.
/// </summary>
internal static class ConfigurationValues
{
    /// <summary>Adds an error naming the key, the value and what to write instead for each value under <paramref name="section"/> that does not convert to its property of <paramref name="type"/>.</summary>
    public static void Check(IConfiguration section, Type type, List<string> errors)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && section.GetSection(property.Name) is var child && child.Exists())
            {
                CheckValue(child, property.PropertyType, errors);
            }
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(object))
        {
            return;
        }

        if (IsScalar(type))
        {
            if (section.Value is { } value && Problem(value, type) is { } problem)
            {
                errors.Add($"{section.Path}: '{value}' is {problem}.");
            }

            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
        {
            foreach (var entry in section.GetChildren())
            {
                CheckValue(entry, type.GetGenericArguments()[1], errors);
            }

            return;
        }

        if (type.IsClass && !typeof(IEnumerable).IsAssignableFrom(type))
        {
            Check(section, type, errors);
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(Uri) || type == typeof(DateTimeOffset);

    private static string? Problem(string value, Type type)
    {
        if (type.IsEnum)
        {
            // A number parses to any value of the enum's underlying type, named or not: accept names only.
            var isName = !char.IsAsciiDigit(value.TrimStart(' ', '-', '+').FirstOrDefault('0'));
            return isName && Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed)
                ? null
                : $"not valid. Use one of: {string.Join(", ", Enum.GetNames(type))}";
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException || e.InnerException is FormatException or OverflowException)
        {
            return type == typeof(TimeSpan) ? "not a valid duration. Write [d.]hh:mm:ss[.fff], e.g. \"00:00:30\" for 30 seconds"
                : type == typeof(bool) ? "not valid. Use true or false"
                : $"not a valid {Friendly(type)}";
        }
    }

    private static string Friendly(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) ? "whole number"
            : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "number"
            : type.Name;
}
