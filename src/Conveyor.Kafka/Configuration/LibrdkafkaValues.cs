using System.Globalization;

namespace Conveyor.Kafka.Configuration;

/// <summary>
/// The allowed values of the enumerated librdkafka properties Conveyor relies on. librdkafka refuses a wrong one only
/// when a client is created, long after start-up, and without saying which configuration key held it.
/// </summary>
internal static class LibrdkafkaValues
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["auto.offset.reset"] = ["smallest", "earliest", "beginning", "largest", "latest", "end", "error"],
        ["enable.idempotence"] = ["true", "false"],
        ["isolation.level"] = ["read_uncommitted", "read_committed"],
        ["security.protocol"] = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"],
        ["sasl.mechanism"] = ["GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"],
        ["sasl.mechanisms"] = ["GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"],
    };

    private static readonly string[] AssignmentStrategies = ["range", "roundrobin", "cooperative-sticky"];

    /// <summary>Adds an error naming <c>path:key</c>, the value and the allowed values for each invalid enumerated property.</summary>
    public static void Check(IReadOnlyDictionary<string, string>? properties, string path, List<string> errors)
    {
        foreach (var (key, value) in properties ?? new Dictionary<string, string>())
        {
            if (Problem(key, value) is { } allowed)
            {
                errors.Add($"{path}:{key}: '{value}' is not valid. Use {allowed}.");
            }
        }
    }

    /// <summary>What <paramref name="key"/> allows, when <paramref name="value"/> is not among it; null when it is, or when Conveyor does not check the key.</summary>
    public static string? Problem(string key, string value)
    {
        var trimmed = value.Trim();
        switch (key)
        {
            case "acks" or "request.required.acks":
                // librdkafka takes "all", -1, or how many brokers must acknowledge (up to 1000).
                return trimmed.Equals("all", StringComparison.OrdinalIgnoreCase)
                    || (int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var acks) && acks is >= -1 and <= 1000)
                    ? null
                    : "one of: all, -1, 0, 1 (or how many brokers must acknowledge, up to 1000)";
            case "enable.idempotence" when trimmed is "1" or "0" or "t" or "f" or "T" or "F":
                return null;
            case "partition.assignment.strategy":
                return trimmed.Split(',', StringSplitOptions.TrimEntries).All(s => AssignmentStrategies.Contains(s, StringComparer.OrdinalIgnoreCase))
                    ? null
                    : $"a comma-separated list of: {string.Join(", ", AssignmentStrategies)}";
            default:
                return Allowed.TryGetValue(key, out var allowed) && !allowed.Contains(trimmed, StringComparer.OrdinalIgnoreCase)
                    ? $"one of: {string.Join(", ", allowed)}"
                    : null;
        }
    }
}
