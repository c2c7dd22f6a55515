using System.Globalization;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>The command line: <c>[--messages N] [--partitions P] [--rounds R] [--scenario throughput|keyparallel|outbox|dbchannel|exactlyonce|batch|produce|all]</c> and the key-parallel knobs.</summary>
internal sealed record BenchmarkOptions
{
    public int Messages { get; init; } = 100_000;

    public int Partitions { get; init; } = 24;

    public int Rounds { get; init; } = 3;

    public string Scenario { get; init; } = "all";

    /// <summary>Which sides of the throughput scenario run: all (the comparison), or some alone, e.g. one under a profiler.</summary>
    public IReadOnlyList<string> Sides { get; init; } = Kafka.Sides.All;

    /// <summary>
    /// Messages of each side's warm-up run (not reported); 100,000 unless set. Shorter ones left round 1 an outlier:
    /// with 20,000 the JIT's tiered compilation and the clients' buffers were still settling, and a 100,000 warm-up
    /// sped round 1 up 1.45x for the raw loop and 1.7x for Conveyor (issue 11).
    /// </summary>
    public int? WarmUp { get; init; }

    public int WarmUpMessages => WarmUp ?? DefaultWarmUp;

    private const int DefaultWarmUp = 100_000;

    /// <summary>Whether exactly the sides of the comparison run (the report is written only then).</summary>
    public bool AllSides => Sides.Count == Kafka.Sides.All.Length && Kafka.Sides.All.All(Sides.Contains);

    /// <summary>Whether exactly the sides of the traced comparison run (its report is written then).</summary>
    public bool TracedSides => Sides.Count == Kafka.Sides.Traced.Length && Kafka.Sides.Traced.All(Sides.Contains);

    public bool RunsSide(string side) => Sides.Contains(side);

    /// <summary>Messages of each key-parallel run; a partition-sequential run with 1 ms handlers takes about this / (partitions × 900) seconds.</summary>
    public int KeyParallelMessages { get; init; } = 16_000;

    /// <summary>Commands (and so events) of each outbox run.</summary>
    public int OutboxMessages { get; init; } = 5_000;

    /// <summary>The database the outbox scenario keeps its outbox in: sqlite (a fresh file per run) or postgresql (a fresh schema per run).</summary>
    public string OutboxStore { get; init; } = "sqlite";

    /// <summary>The PostgreSQL server of the postgresql outbox and the database channel scenarios; <c>CONVEYOR_POSTGRES</c> by default.</summary>
    public string? PostgreSql { get; init; } = Environment.GetEnvironmentVariable("CONVEYOR_POSTGRES");

    /// <summary>Messages of each database channel run.</summary>
    public int ChannelMessages { get; init; } = 20_000;

    /// <summary>Competing consumers of the database channel scenario.</summary>
    public int ChannelConsumers { get; init; } = 4;

    /// <summary>
    /// Messages each sender of the database channel scenario hands over at once: 1 awaits every send (each its own
    /// committed insert); more sends that many through <c>SendManyAsync</c> on Conveyor's side, and starts that many
    /// <c>SendAsync</c> calls before awaiting them on Wolverine's (it has no batch send).
    /// </summary>
    public int ChannelSendBatch { get; init; } = 1;

    public int KeyParallelPartitions { get; init; } = 2;

    /// <summary>Messages of each run of the batch-handler scenario.</summary>
    public int BatchMessages { get; init; } = 20_000;

    /// <summary>MaxBatchSize of the batch-handler scenario's batch side.</summary>
    public int BatchSize { get; init; } = 100;

    public int KeyParallelKeys { get; init; } = 1_000;

    public int KeyParallelDegree { get; init; } = 64;

    /// <summary>Sends in flight at once on the producing side (both the raw loop's queue and Conveyor's outstanding PublishAsync calls are bounded by the client's own queue).</summary>
    public int SendWindow { get; init; } = 10_000;

    /// <summary>
    /// The raw loop writes the headers a Conveyor channel record carries (same names, same value sizes), to tell
    /// what carrying them costs Confluent.Kafka from what Conveyor's own code costs. Reported in a file of its own.
    /// </summary>
    public bool RawHeaders { get; init; }

    /// <summary>The produce and consume scenarios rank the types each measured run allocates (sampled allocation ticks).</summary>
    public bool AllocationTypes { get; init; }

    /// <summary>Where the markdown reports go; <c>benchmarks/results</c> of the repository by default.</summary>
    public string? Output { get; init; }

    public bool RunThroughput => Scenario is "all" or "throughput";

    public bool RunKeyParallel => Scenario is "all" or "keyparallel";

    public bool RunOutbox => Scenario is "all" or "outbox";

    public bool RunDatabaseChannel => Scenario is "dbchannel";

    public bool RunExactlyOnce => Scenario is "exactlyonce";

    public bool RunBatch => Scenario is "batch";

    /// <summary>The consuming side alone (raw and Conveyor), records written beforehand: for the consumer's CPU bar and profiling.</summary>
    public bool RunConsume => Scenario is "consume";

    public bool RunProduce => Scenario is "produce";

    /// <summary>The PostgreSQL connection string, or a message saying how to give one.</summary>
    public string RequirePostgreSql() => !string.IsNullOrWhiteSpace(PostgreSql)
        ? PostgreSql
        : throw new ArgumentException("This scenario runs on PostgreSQL: pass --postgres \"Host=…;Username=…;Password=…;Database=…\" or set CONVEYOR_POSTGRES (tests/postgres.sh start prints one).");

    public static string Usage =>
        """
        Usage: dotnet run -c Release --project benchmarks/Conveyor.Benchmarks.Kafka -- [options]
          --messages N         messages per throughput run (default 100000)
          --partitions P       partitions of each throughput topic (default 24)
          --rounds R           measured rounds per scenario, after one warm-up (default 3)
          --scenario S         throughput | keyparallel | outbox | dbchannel | exactlyonce | batch | produce | consume | all
                               (default all; all runs no dbchannel, exactlyonce, batch, produce or consume); produce: the
                               producing side alone (raw, raw-traced, conveyor, conveyor-batch, conveyor-traced), nothing consumed
                               and no report written, e.g. under a profiler; consume: records written beforehand, the
                               raw loop and Conveyor consuming them, with context switches, for --sides raw,conveyor
                               (and conveyor-traced, raw-traced: the SDK wired, each record carrying a traceparent)
          --batch-messages N   messages per batch-handler run (scenario batch; default 20000)
          --batch-size B       MaxBatchSize of the batch-handler side (default 100)
          --outbox-messages N  commands (each publishing one event) per outbox run (default 5000)
          --outbox-store S     sqlite | postgresql: where the outbox scenario keeps its outbox (default sqlite)
          --postgres CS        the PostgreSQL connection string (default: CONVEYOR_POSTGRES)
          --channel-messages N messages per database channel run (scenario dbchannel, PostgreSQL; default 20000)
          --channel-consumers C competing consumers of the database channel scenario (default 4)
          --channel-send-batch B messages each sender hands over at once in the database channel scenario (default 1: every send awaited)
          --kp-messages N      messages per key-parallel run (default 16000)
          --kp-partitions P    partitions of each key-parallel topic (default 2)
          --kp-keys K          distinct keys in the key-parallel runs (default 1000)
          --kp-degree D        MaxDegreeOfParallelism of the key-parallel run (default 64)
          --sides S            all, or a comma-separated list of raw, conveyor, conveyor-batch, wolverine-buffered,
                               wolverine-inline, conveyor-traced, raw-traced: some sides alone, e.g. one under a
                               profiler (default all); conveyor-traced is Conveyor with the OpenTelemetry SDK wired
                               (traces and metrics, no exporter) for its runs, raw-traced the raw loop traced by hand
                               with the same SDK wired: raw,raw-traced,conveyor,conveyor-traced is the traced
                               comparison (report: kafka-end-to-end-traced.md)
          --warmup N           messages of each side's warm-up run (default 100,000)
          --window W           sends in flight on the producing side (default 10000)
          --raw-headers        the raw loop writes the headers of a Conveyor record too (report: kafka-end-to-end-raw-with-headers.md)
          --alloc-types        the produce and consume scenarios rank the types each measured run allocates (sampled, ~100 KB a sample)
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

            if (name == "--alloc-types")
            {
                options = options with { AllocationTypes = true };
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
                "--outbox-store" => options with { OutboxStore = value is "sqlite" or "postgresql" ? value : throw new ArgumentException($"--outbox-store takes sqlite or postgresql, not '{value}'.") },
                "--postgres" => options with { PostgreSql = value },
                "--channel-messages" => options with { ChannelMessages = Positive(name, value) },
                "--channel-consumers" => options with { ChannelConsumers = Positive(name, value) },
                "--channel-send-batch" => options with { ChannelSendBatch = Positive(name, value) },
                "--kp-messages" => options with { KeyParallelMessages = Positive(name, value) },
                "--batch-messages" => options with { BatchMessages = Positive(name, value) },
                "--batch-size" => options with { BatchSize = Positive(name, value) },
                "--kp-partitions" => options with { KeyParallelPartitions = Positive(name, value) },
                "--kp-keys" => options with { KeyParallelKeys = Positive(name, value) },
                "--kp-degree" => options with { KeyParallelDegree = Positive(name, value) },
                "--sides" => options with { Sides = SideNames(value) },
                "--warmup" => options with { WarmUp = Positive(name, value) },
                "--window" => options with { SendWindow = Positive(name, value) },
                "--output" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {name}.{Environment.NewLine}{Usage}"),
            };
        }

        return options;
    }

    /// <summary>The arguments as they would be typed to reproduce this run.</summary>
    public string CommandLine(string[] args) =>
        "dotnet run -c Release --project benchmarks/Conveyor.Benchmarks.Kafka"
        + (args.Length == 0 ? "" : " -- " + string.Join(' ', args.Select((a, i) => i > 0 && args[i - 1] == "--postgres" ? "\"<connection string>\"" : a)));

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive whole number, not '{value}'.");

    private static string[] SideNames(string value)
    {
        if (value == "all")
        {
            return Kafka.Sides.All;
        }

        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sides = Kafka.Sides.Known.Where(s => names.Contains(Kafka.Sides.Option(s))).ToArray();
        var unknown = names.Where(n => !Kafka.Sides.Known.Any(s => Kafka.Sides.Option(s) == n)).ToList();
        return unknown.Count == 0 && sides.Length > 0
            ? sides
            : throw new ArgumentException($"--sides takes all, or some of {string.Join(", ", Kafka.Sides.Known.Select(Kafka.Sides.Option))}; not '{string.Join(",", unknown)}'.");
    }

    private static string ScenarioName(string value) =>
        value is "throughput" or "keyparallel" or "outbox" or "dbchannel" or "exactlyonce" or "batch" or "produce" or "consume" or "all"
            ? value
            : throw new ArgumentException($"--scenario takes throughput, keyparallel, outbox, dbchannel, exactlyonce, batch, produce, consume or all, not '{value}'.");
}
