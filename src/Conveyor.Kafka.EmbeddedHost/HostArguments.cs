using System.Globalization;

namespace Conveyor.Kafka.EmbeddedHost;

/// <summary>A topic to create at start-up, from <c>--topic name:partitions[:replication]</c>.</summary>
internal sealed record TopicArgument(string Name, int Partitions, int ReplicationFactor);

/// <summary>The command line of the embedded Kafka host.</summary>
internal sealed record HostArguments(int Brokers, IReadOnlyList<TopicArgument> Topics, TimeSpan? GroupInitialRebalanceDelay, bool WatchStdin, int? Port = null)
{
    internal const string Usage = """
        Usage: conveyor-kafka [--brokers N] [--port P] [--topic name:partitions[:replication]]...
                              [--rebalance-delay-ms N] [--ignore-stdin]

        Starts an embedded Kafka-protocol cluster (librdkafka's mock cluster), creates the topics,
        prints one line "bootstrap.servers=<host:port,...>" to stdout and runs until stdin is closed,
        SIGTERM or Ctrl+C.

          --brokers N             number of brokers (default 3)
          --port P                serve broker 1 on 127.0.0.1:P, broker 2 on P+1, ... (default: random ports)
          --topic name:P[:R]      create a topic with P partitions and replication factor R (default 1)
          --rebalance-delay-ms N  group.initial.rebalance.delay.ms (default 0)
          --ignore-stdin          run until SIGTERM or Ctrl+C only (for `&` in a script, where stdin is empty)
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="FormatException">An argument is unknown or malformed; the message says which.</exception>
    internal static HostArguments Parse(IReadOnlyList<string> args)
    {
        var brokers = 3;
        var topics = new List<TopicArgument>();
        TimeSpan? rebalanceDelay = null;
        var watchStdin = true;
        int? port = null;

        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--brokers":
                    brokers = ParseInt(args, ++i, "--brokers", minimum: 1);
                    break;
                case "--topic":
                    topics.Add(ParseTopic(Value(args, ++i, "--topic")));
                    break;
                case "--rebalance-delay-ms":
                    rebalanceDelay = TimeSpan.FromMilliseconds(ParseInt(args, ++i, "--rebalance-delay-ms", minimum: 0));
                    break;
                case "--port":
                    port = ParseInt(args, ++i, "--port", minimum: 1);
                    break;
                case "--ignore-stdin":
                    watchStdin = false;
                    break;
                default:
                    throw new FormatException($"Unknown argument '{args[i]}'.");
            }
        }

        if (port + brokers - 1 > 65535)
        {
            throw new FormatException($"--port {port} with {brokers} brokers needs ports up to {port + brokers - 1}; the highest is 65535.");
        }

        return new HostArguments(brokers, topics, rebalanceDelay, watchStdin, port);
    }

    private static TopicArgument ParseTopic(string value)
    {
        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0
            || !TryParseInt(parts[1], minimum: 1, out var partitions))
        {
            throw new FormatException($"--topic expects name:partitions[:replication] with at least one partition, not '{value}'.");
        }

        var replication = 1;
        if (parts.Length == 3 && !TryParseInt(parts[2], minimum: 1, out replication))
        {
            throw new FormatException($"--topic '{value}': the replication factor must be a positive integer.");
        }

        return new TopicArgument(parts[0], partitions, replication);
    }

    private static int ParseInt(IReadOnlyList<string> args, int index, string name, int minimum)
    {
        var value = Value(args, index, name);
        return TryParseInt(value, minimum, out var result)
            ? result
            : throw new FormatException($"{name} expects an integer of at least {minimum}, not '{value}'.");
    }

    private static bool TryParseInt(string value, int minimum, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= minimum;

    private static string Value(IReadOnlyList<string> args, int index, string name) =>
        index < args.Count ? args[index] : throw new FormatException($"{name} expects a value.");
}
