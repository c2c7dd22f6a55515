namespace Conveyor.Kafka.ConsumerApp;

/// <summary>The consumer app's settings, from the command line, else the environment.</summary>
internal sealed record AppArguments(
    string BootstrapServers,
    string Topic,
    string GroupId,
    string DatabasePath,
    IReadOnlyDictionary<string, string> ConsumerProperties,
    bool StopWhenEmpty,
    bool StopOnEndOfInput)
{
    internal const string Usage = """
        Usage: Conveyor.Kafka.ConsumerApp --bootstrap-servers host:port[,...] --topic T --group G --db PATH
                                          [--consumer-property key=value]... [--stop-when-empty] [--stop-on-stdin-eof]

        Consumes Conveyor channel 'work' (topic T, group G) and applies each DoWork to the SQLite database at PATH,
        once. Prints "ready pid=<pid>" when consuming starts and "stopped ..." when it ends; logs go to stderr.
        Stops on SIGTERM or Ctrl+C (gracefully: in-flight messages finish and offsets are committed), when the
        channel is drained (--stop-when-empty) or when stdin closes (--stop-on-stdin-eof).

        Environment fallbacks: KAFKA_BOOTSTRAP_SERVERS, WORK_TOPIC, WORK_GROUP, WORK_DB.
        """;

    /// <exception cref="FormatException">An argument is unknown, malformed or missing; the message says which.</exception>
    internal static AppArguments Parse(IReadOnlyList<string> args)
    {
        string? bootstrap = null, topic = null, group = null, db = null;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        bool stopWhenEmpty = false, stopOnEof = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--bootstrap-servers": bootstrap = Value(args, ++i); break;
                case "--topic": topic = Value(args, ++i); break;
                case "--group": group = Value(args, ++i); break;
                case "--db": db = Value(args, ++i); break;
                case "--consumer-property":
                    var pair = Value(args, ++i);
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        throw new FormatException($"--consumer-property expects key=value, not '{pair}'.");
                    }

                    properties[pair[..equals]] = pair[(equals + 1)..];
                    break;
                case "--stop-when-empty": stopWhenEmpty = true; break;
                case "--stop-on-stdin-eof": stopOnEof = true; break;
                default: throw new FormatException($"Unknown argument '{args[i]}'.");
            }
        }

        return new AppArguments(
            Required(bootstrap, "KAFKA_BOOTSTRAP_SERVERS", "--bootstrap-servers"),
            Required(topic, "WORK_TOPIC", "--topic"),
            Required(group, "WORK_GROUP", "--group"),
            Required(db, "WORK_DB", "--db"),
            properties,
            stopWhenEmpty,
            stopOnEof);
    }

    private static string Required(string? value, string variable, string argument) =>
        value ?? (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : throw new FormatException($"{argument} (or {variable}) is required."));

    private static string Value(IReadOnlyList<string> args, int index) =>
        index < args.Count ? args[index] : throw new FormatException($"{args[index - 1]} expects a value.");
}
