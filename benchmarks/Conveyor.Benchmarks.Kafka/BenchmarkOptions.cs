using System.Globalization;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>The command line: <c>[--messages N] [--partitions P] [--rounds R] [--scenario throughput|keyparallel|outbox|all]</c> and the key-parallel knobs.</summary>
internal sealed record BenchmarkOptions
{
    public int Messages { get; init; } = 100_000;

    public int Partitions { get; init; } = 24;

    public int Rounds { get; init; } = 3;

    public string Scenario { get; init; } = "all";

    /// <summary>Which side of the throughput scenario runs: both (the comparison), or one alone, e.g. to profile it.</summary>
    public string Sides { get; init; } = "both";

    /// <summary>Messages of each key-parallel run; a partition-sequential run with 1 ms handlers takes about this / (partitions × 900) seconds.</summary>
    public int KeyParallelMessages { get; init; } = 16_000;

    /// <summary>Commands (and so events) of each outbox run.</summary>
    public int OutboxMessages { get; init; } = 5_000;

    public int KeyParallelPartitions { get; init; } = 2;

    public int KeyParallelKeys { get; init; } = 1_000;

    public int KeyParallelDegree { get; init; } = 64;

    /// <summary>Sends in flight at once on the producing side (both the raw loop's queue and Conveyor's outstanding PublishAsync calls are bounded by the client's own queue).</summary>
    public int SendWindow { get; init; } = 10_000;

    /// <summary>
    /// The raw loop writes the six headers a Conveyor channel record carries (same names, same value sizes), to tell
    /// what carrying them costs Confluent.Kafka from what Conveyor's own code costs. Reported in a file of its own.
    /// </summary>
    public bool RawHeaders { get; init; }

    /// <summary>Where the markdown reports go; <c>benchmarks/results</c> of the repository by default.</summary>
    public string? Output { get; init; }

    public bool RunThroughput => Scenario is "all" or "throughput";

    public bool RunKeyParallel => Scenario is "all" or "keyparallel";

    public bool RunOutbox => Scenario is "all" or "outbox";

    public static string Usage =>
        """
        Usage: dotnet run -c Release --project benchmarks/Conveyor.Benchmarks.Kafka -- [options]
          --messages N         messages per throughput run (default 100000)
          --partitions P       partitions of each throughput topic (default 24)
          --rounds R           measured rounds per scenario, after one warm-up (default 3)
          --scenario S         throughput | keyparallel | outbox | all (default all)
          --outbox-messages N  commands (each publishing one event) per outbox run (default 5000)
          --kp-messages N      messages per key-parallel run (default 16000)
          --kp-partitions P    partitions of each key-parallel topic (default 2)
          --kp-keys K          distinct keys in the key-parallel runs (default 1000)
          --kp-degree D        MaxDegreeOfParallelism of the key-parallel run (default 64)
          --sides S            both | raw | conveyor: one side alone, e.g. under a profiler (default both)
          --window W           sends in flight on the producing side (default 10000)
          --raw-headers        the raw loop writes the six headers of a Conveyor record too (report: kafka-end-to-end-raw-with-headers.md)
          --output DIR         where to write the markdown reports (default benchmarks/results)
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new ArgumentException(Usage);
            }

            if (name == "--raw-headers")
            {
                options = options with { RawHeaders = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.{Environment.NewLine}{Usage}");
            }

            var value = args[++i];
            options = name switch
            {
                "--messages" => options with { Messages = Positive(name, value) },
                "--partitions" => options with { Partitions = Positive(name, value) },
                "--rounds" => options with { Rounds = Positive(name, value) },
                "--scenario" => options with { Scenario = ScenarioName(value) },
                "--outbox-messages" => options with { OutboxMessages = Positive(name, value) },
                "--kp-messages" => options with { KeyParallelMessages = Positive(name, value) },
                "--kp-partitions" => options with { KeyParallelPartitions = Positive(name, value) },
                "--kp-keys" => options with { KeyParallelKeys = Positive(name, value) },
                "--kp-degree" => options with { KeyParallelDegree = Positive(name, value) },
                "--sides" => options with { Sides = value is "both" or "raw" or "conveyor" ? value : throw new ArgumentException($"--sides takes both, raw or conveyor, not '{value}'.") },
                "--window" => options with { SendWindow = Positive(name, value) },
                "--output" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {name}.{Environment.NewLine}{Usage}"),
            };
        }

        return options;
    }

    /// <summary>The arguments as they would be typed to reproduce this run.</summary>
    public string CommandLine(string[] args) =>
        "dotnet run -c Release --project benchmarks/Conveyor.Benchmarks.Kafka" + (args.Length == 0 ? "" : " -- " + string.Join(' ', args));

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive whole number, not '{value}'.");

    private static string ScenarioName(string value) =>
        value is "throughput" or "keyparallel" or "outbox" or "all"
            ? value
            : throw new ArgumentException($"--scenario takes throughput, keyparallel, outbox or all, not '{value}'.");
}
