using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Configuration;

/// <summary>
/// Checks <see cref="KafkaOptions"/> and every channel, consumer and publisher section in it when the host starts,
/// before a client exists; each error names the configuration key and the fix.
/// </summary>
internal sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    private const string Section = KafkaOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        // A missing BootstrapServers is reported when the first client's configuration is built (KafkaClientConfigs).
        var errors = new List<string>();
        Typed<SecurityProtocol>(options.SecurityProtocol, "SecurityProtocol", "security.protocol", errors);
        Typed<SaslMechanism>(options.SaslMechanism, "SaslMechanism", "sasl.mechanism", errors);
        if (options.DefaultPartitions is < 1 and not -1)
        {
            errors.Add($"{Section}:DefaultPartitions: {options.DefaultPartitions} is not valid. Use 1 or more (-1: the broker's default).");
        }

        if (options.DefaultReplicationFactor is < 1 and not -1)
        {
            errors.Add($"{Section}:DefaultReplicationFactor: {options.DefaultReplicationFactor} is not valid. Use 1 or more (-1: the broker's default).");
        }

        LibrdkafkaValues.Check(options.Properties, $"{Section}:Properties", errors);
        LibrdkafkaValues.Check(options.Producer, $"{Section}:Producer", errors);
        LibrdkafkaValues.Check(options.Consumer, $"{Section}:Consumer", errors);
        Consuming(options.Consuming, $"{Section}:Consuming", errors);
        foreach (var (group, sections) in new[] { ("Channels", options.Channels), ("Consumers", options.Consumers) })
        {
            foreach (var (key, channel) in sections)
            {
                Channel(channel, $"{Section}:{group}:{key}", errors);
            }
        }

        foreach (var (key, publisher) in options.Publishers)
        {
            LibrdkafkaValues.Check(publisher.Producer, $"{Section}:Publishers:{key}:Producer", errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Checks one channel's or <c>[KafkaConsumer]</c>'s options; also used for the ones given in code.</summary>
    public static void Channel(KafkaChannelOptions channel, string path, List<string> errors)
    {
        LibrdkafkaValues.Check(channel.Properties, $"{path}:Properties", errors);
        LibrdkafkaValues.Check(channel.Producer, $"{path}:Producer", errors);
        LibrdkafkaValues.Check(channel.Consumer, $"{path}:Consumer", errors);
        if (channel.Consuming is { } consuming)
        {
            Consuming(consuming, $"{path}:Consuming", errors);
        }

        if (channel.RetryMode is { } mode && !Enum.IsDefined(mode))
        {
            errors.Add($"{path}:RetryMode: {(int)mode} is not valid. Use one of: {string.Join(", ", Enum.GetNames<KafkaRetryMode>())}.");
        }

        if (channel.FinalFailureStrategy is { } strategy && !Enum.IsDefined(strategy))
        {
            errors.Add($"{path}:FinalFailureStrategy: {(int)strategy} is not valid. Use one of: {string.Join(", ", Enum.GetNames<FinalFailureStrategy>())}.");
        }
    }

    private static void Consuming(KafkaConsumerOptions consuming, string path, List<string> errors) =>
        errors.AddRange(consuming.Problems().Select(p => $"{path}:{p.Setting}: {p.Problem}"));

    // The typed settings take the .NET enum's names (SaslSsl) as well as librdkafka's spelling (sasl_ssl).
    private static void Typed<TEnum>(string? value, string setting, string property, List<string> errors)
        where TEnum : struct, Enum
    {
        if (value is null || Enum.TryParse<TEnum>(value, ignoreCase: true, out _) || LibrdkafkaValues.Problem(property, value) is null)
        {
            return;
        }

        errors.Add($"{Section}:{setting}: '{value}' is not valid. Use one of: {string.Join(", ", Enum.GetNames<TEnum>())} (or librdkafka's spelling, {LibrdkafkaValues.Problem(property, value)}).");
    }
}
