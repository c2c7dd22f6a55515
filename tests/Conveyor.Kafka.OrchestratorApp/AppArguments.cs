namespace Conveyor.Kafka.OrchestratorApp;

/// <summary>The app's settings, from the command line.</summary>
public sealed record AppArguments(string BootstrapServers, string MatchTopic, string NotifyTopic, string GroupId, string JournalPath, string? Start, string? HangAt, IReadOnlyDictionary<string, string> ConsumerProperties)
{
    internal const string Usage = """
        Usage: Conveyor.Kafka.OrchestratorApp --bootstrap-servers host:port --match-topic T --notify-topic T --group G
                                              --journal PATH [--start ORDER-ID] [--hang-at STEP] [--consumer-property key=value]...

        Runs the consumers of the lead flow's asynchronous steps (channels lead.match and lead.notify). With --start,
        first starts a flow for ORDER-ID. With --hang-at lead.notify, that step writes its start to the journal and
        never returns. Prints "ready pid=<pid>" when consuming starts. Stops on SIGTERM or when stdin closes.
        """;

    /// <exception cref="FormatException">An argument is unknown, malformed or missing.</exception>
    internal static AppArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new FormatException($"{args[i]} expects a value.");
            switch (args[i])
            {
                case "--consumer-property":
                    var equals = value.IndexOf('=', StringComparison.Ordinal);
                    properties[equals > 0 ? value[..equals] : throw new FormatException($"--consumer-property expects key=value, not '{value}'.")] = value[(equals + 1)..];
                    break;
                case "--bootstrap-servers" or "--match-topic" or "--notify-topic" or "--group" or "--journal" or "--start" or "--hang-at":
                    values[args[i]] = value;
                    break;
                default:
                    throw new FormatException($"Unknown argument '{args[i]}'.");
            }
        }

        return new AppArguments(
            Required("--bootstrap-servers"), Required("--match-topic"), Required("--notify-topic"), Required("--group"), Required("--journal"),
            values.GetValueOrDefault("--start"), values.GetValueOrDefault("--hang-at"), properties);

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new FormatException($"{name} is required.");
    }
}
