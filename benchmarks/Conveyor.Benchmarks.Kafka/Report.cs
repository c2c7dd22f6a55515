using System.Globalization;
using System.Text;
using Conveyor.Kafka;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>Prints the result tables and writes them as markdown reports.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Header(string title, string command, Machine machine, DateTimeOffset date, string loadBefore, string loadAfter) =>
        $"""
        # {title}

        - Command: `{command}`
        - Date: {date.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant)}
        - Machine: {machine.Processors} logical processors (nproc), {machine.Cpu}, {machine.Os}
        - Load average (1/5/15 min) before and after: {loadBefore} → {loadAfter} (the machine is shared: other builds and tests ran meanwhile)
        - Runtime: {machine.Runtime}, librdkafka {machine.LibRdKafka}, workstation GC
        - Commit: {machine.Commit ?? "unknown"}
        - Cluster: the embedded cluster (librdkafka's mock cluster, 3 brokers) in the benchmark's process, one for the whole run
        - What is measured and what is fair about it: `benchmarks/Conveyor.Benchmarks.Kafka/README.md`

        """ + Environment.NewLine;

    /// <summary>What each side guarantees with the configuration measured (its defaults, plus what its docs recommend for safety).</summary>
    private static readonly Dictionary<string, string> Guarantees = new()
    {
        [Sides.Raw] = "acks=all, idempotent producer; produce ends when every delivery report arrived (Flush); an offset is stored after its record was handled and committed every 5,000 records or 1 s",
        [Sides.Conveyor] = "defaults: each PublishAsync completes on the broker's acknowledgement (acks=all, idempotent); an offset is committed only after its record was handled (at least once); records of a partition handled in order",
        [Sides.ConveyorBatch] = "as Conveyor, through PublishManyAsync: one task per batch of half the send window, two batches in flight, every record acknowledged before the batch completes, failures reported per message",
        [Sides.WolverineBuffered] = "PublishAsync returns once Wolverine's sending agent holds the message in memory (default sending mode; lost on a crash without its durable outbox); idempotent producer (UseIdempotentProducer, as its Kafka guide recommends); BufferedInMemory listener, default CommitMode StoreThenAutoFlush: an offset is stored after its message was handled and auto-committed every 5 s",
        [Sides.WolverineInline] = "as Wolverine buffered, with a ProcessInline() listener: each message handled on the listener's loop before the next is taken",
    };

    public static string Throughput(List<ThroughputRun> runs, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var sides = Sides.All.Where(side => runs.Any(r => r.Side == side)).ToArray();
        var by = new SideMedians(runs);

        text.AppendLine(Invariant, $"{options.Messages:N0} messages per run, {options.Partitions} partitions per fresh topic ({(double)options.Messages / options.Partitions:N0} records per partition log), {options.Rounds} measured rounds after a warm-up of {options.WarmUpMessages:N0} messages per side, each round starting one side later than the one before. Medians:");
        text.AppendLine();
        text.AppendLine("| side | produce msg/s | consume + handle + commit msg/s | **end to end msg/s** | end to end / raw | CPU µs/msg produce / consume | allocated B/msg produce / consume | committed at stop |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|---:|");
        var raw = by.Median(Sides.Raw, SideMedians.EndToEnd);
        foreach (var side in sides)
        {
            var e2e = by.Median(side, SideMedians.EndToEnd);
            text.AppendLine(Invariant, $"| {side} | {by.Median(side, r => r.Produce.PerSecond(r.Messages)):N0} | {by.Median(side, r => r.Consume.PerSecond(r.Messages)):N0} | **{e2e:N0}** | {e2e / raw:P0} | {by.Median(side, r => r.Produce.CpuMicrosecondsPerMessage(r.Messages)):N1} / {by.Median(side, r => r.Consume.CpuMicrosecondsPerMessage(r.Messages)):N1} | {by.Median(side, r => r.Produce.BytesPerMessage(r.Messages)):N0} / {by.Median(side, r => r.Consume.BytesPerMessage(r.Messages)):N0} | {by.Of(side).Min(r => r.Committed):N0} of {options.Messages:N0} |");
        }

        text.AppendLine();
        text.AppendLine("What each side guarantees, as measured:");
        text.AppendLine();
        foreach (var side in sides)
        {
            var size = by.Of(side)[0].RecordSize;
            text.AppendLine(Invariant, $"- **{side}**: {Guarantees[side]}. A record: key {size.Key} B, JSON value {size.Value} B, {size.HeaderCount} headers of {size.Headers} B.");
        }

        text.AppendLine();
        text.AppendLine("Ratios of the end-to-end medians (row / column):");
        text.AppendLine();
        text.AppendLine("| | " + string.Join(" | ", sides) + " |");
        text.AppendLine("|---|" + string.Concat(sides.Select(_ => "---:|")));
        foreach (var row in sides)
        {
            text.AppendLine($"| {row} | " + string.Join(" | ", sides.Select(column => (by.Median(row, SideMedians.EndToEnd) / by.Median(column, SideMedians.EndToEnd)).ToString("0.00", Invariant) + "x")) + " |");
        }

        EveryRun(text, runs);
        string AgainstRaw(string side, double bar)
        {
            var perRound = runs.GroupBy(r => r.Round).Select(g => SideMedians.EndToEnd(g.Single(r => r.Side == side)) / SideMedians.EndToEnd(g.Single(r => r.Side == Sides.Raw))).ToList();
            var ratio = by.Median(side, SideMedians.EndToEnd) / raw;
            var medianOfRounds = Stats.Median(perRound);
            var verdict = options.RawHeaders
                ? "(the raw loop here writes the headers of a Conveyor record, so this is what Conveyor's own code costs beside what carrying its headers costs Confluent.Kafka; the bar is judged against the loop without headers, kafka-end-to-end.md)"
                : $"The bar: at least {bar:P0} — **{(Math.Max(ratio, medianOfRounds) >= bar ? "met" : "missed")}**.";
            return string.Create(Invariant, $"- {side} / raw, end to end: **{ratio:P1}** of the medians; {medianOfRounds:P1} median of the per-round ratios ({string.Join(", ", perRound.Select(p => p.ToString("P1", Invariant)))}). {verdict}");
        }

        foreach (var (side, bar) in new[] { (Sides.Conveyor, 0.85), (Sides.ConveyorBatch, 0.90) })
        {
            if (sides.Contains(side))
            {
                text.AppendLine(AgainstRaw(side, bar));
            }
        }

        var peers = sides.Where(s => s.StartsWith("Wolverine", StringComparison.Ordinal)).ToList();
        if (peers.Count > 0)
        {
            var slowestConveyor = sides.Where(s => s.StartsWith("Conveyor", StringComparison.Ordinal)).Min(s => by.Median(s, SideMedians.EndToEnd));
            var fastestPeer = peers.Max(s => by.Median(s, SideMedians.EndToEnd));
            text.AppendLine(Invariant, $"- Ahead of WolverineFx.Kafka in every mode measured, in the same run: the slowest Conveyor side is {slowestConveyor / fastestPeer:0.00}x the fastest Wolverine side — **{(slowestConveyor > fastestPeer ? "met" : "missed")}**.");
        }

        return text.ToString();
    }

    /// <summary>
    /// The traced comparison (<see cref="Sides.Traced"/>): each baseline untraced and traced with the same SDK wired, so
    /// that the end-to-end ratio with instrumentation on (Conveyor traced / raw traced) stands beside the one without
    /// (Conveyor / raw), and what tracing costs each side (traced / untraced) is reported too.
    /// </summary>
    public static string Traced(List<ThroughputRun> runs, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var by = new SideMedians(runs);

        text.AppendLine(Invariant, $"{options.Messages:N0} messages per run, {options.Partitions} partitions per fresh topic, {options.Rounds} measured rounds after a warm-up of {options.WarmUpMessages:N0} messages per side, each round starting one side later than the one before. The traced sides run with the OpenTelemetry SDK wired (traces and metrics, no exporter, every span sampled in and recorded); raw traced is the raw loop traced by hand (`RawKafkaTracing`: a Producer span per record ended on its delivery report, `traceparent` injected with the SDK's propagator, a Consumer span per record continuing it). Medians:");
        text.AppendLine();
        text.AppendLine("| side | produce msg/s | consume msg/s | **end to end msg/s** | CPU µs/msg produce / consume | allocated B/msg produce / consume | GCs end to end (0/1/2) |");
        text.AppendLine("|---|---:|---:|---:|---|---|---|");
        foreach (var side in Sides.Traced)
        {
            text.AppendLine(Invariant, $"| {side} | {by.Median(side, r => r.Produce.PerSecond(r.Messages)):N0} | {by.Median(side, r => r.Consume.PerSecond(r.Messages)):N0} | **{by.Median(side, SideMedians.EndToEnd):N0}** | {by.Median(side, r => r.Produce.CpuMicrosecondsPerMessage(r.Messages)):N1} / {by.Median(side, r => r.Consume.CpuMicrosecondsPerMessage(r.Messages)):N1} | {by.Median(side, r => r.Produce.BytesPerMessage(r.Messages)):N0} / {by.Median(side, r => r.Consume.BytesPerMessage(r.Messages)):N0} | {by.Median(side, r => r.EndToEnd.Gen0):0}/{by.Median(side, r => r.EndToEnd.Gen1):0}/{by.Median(side, r => r.EndToEnd.Gen2):0} |");
        }

        (double OfMedians, double MedianOfRounds, List<double> PerRound) Ratio(string row, string column)
        {
            var perRound = runs.GroupBy(r => r.Round).Select(g => SideMedians.EndToEnd(g.Single(r => r.Side == row)) / SideMedians.EndToEnd(g.Single(r => r.Side == column))).ToList();
            return (by.Median(row, SideMedians.EndToEnd) / by.Median(column, SideMedians.EndToEnd), Stats.Median(perRound), perRound);
        }

        string Line(string what, string row, string column)
        {
            var (ofMedians, medianOfRounds, perRound) = Ratio(row, column);
            return string.Create(Invariant, $"| {what} | {row} / {column} | **{ofMedians:0.00}** | {medianOfRounds:0.00} | {string.Join(", ", perRound.Select(p => p.ToString("0.00", Invariant)))} |");
        }

        text.AppendLine();
        text.AppendLine("End-to-end ratios:");
        text.AppendLine();
        text.AppendLine("| ratio | row / column | of the medians | median of the per-round ratios | per round |");
        text.AppendLine("|---|---|---:|---:|---|");
        text.AppendLine(Line("Kafka end to end, instrumentation off", Sides.Conveyor, Sides.Raw));
        text.AppendLine(Line("**Kafka end to end, instrumentation on (no exporter)**", Sides.ConveyorTraced, Sides.RawTraced));
        text.AppendLine(Line("what tracing costs Conveyor", Sides.ConveyorTraced, Sides.Conveyor));
        text.AppendLine(Line("what tracing costs the raw loop", Sides.RawTraced, Sides.Raw));

        // CPU per message moves less with the machine's load than the wall clock: the same ratios read as the raw loop's
        // process CPU per message (produce + consume) over Conveyor's.
        double CpuPerMessage(ThroughputRun r) => r.EndToEnd.CpuMicrosecondsPerMessage(r.Messages);
        (double OfMedians, double MedianOfRounds) CpuRatio(string raw, string conveyor)
        {
            var perRound = runs.GroupBy(r => r.Round).Select(g => CpuPerMessage(g.Single(r => r.Side == raw)) / CpuPerMessage(g.Single(r => r.Side == conveyor))).ToList();
            return (by.Median(raw, CpuPerMessage) / by.Median(conveyor, CpuPerMessage), Stats.Median(perRound));
        }

        var cpuOff = CpuRatio(Sides.Raw, Sides.Conveyor);
        var cpuOn = CpuRatio(Sides.RawTraced, Sides.ConveyorTraced);
        text.AppendLine(Invariant, $"| CPU per message end to end, instrumentation off | raw / Conveyor | **{cpuOff.OfMedians:0.00}** | {cpuOff.MedianOfRounds:0.00} | (medians: {by.Median(Sides.Raw, CpuPerMessage):0.0} / {by.Median(Sides.Conveyor, CpuPerMessage):0.0} µs) |");
        text.AppendLine(Invariant, $"| **CPU per message end to end, instrumentation on** | raw traced / Conveyor traced | **{cpuOn.OfMedians:0.00}** | {cpuOn.MedianOfRounds:0.00} | (medians: {by.Median(Sides.RawTraced, CpuPerMessage):0.0} / {by.Median(Sides.ConveyorTraced, CpuPerMessage):0.0} µs) |");

        var off = Ratio(Sides.Conveyor, Sides.Raw);
        var on = Ratio(Sides.ConveyorTraced, Sides.RawTraced);
        var roundsHeld = on.PerRound.Zip(off.PerRound).Count(pair => pair.First >= pair.Second);
        var verdict = on.OfMedians >= off.OfMedians && on.MedianOfRounds >= off.MedianOfRounds ? "held"
            : on.OfMedians < off.OfMedians && on.MedianOfRounds < off.MedianOfRounds ? "fell" : "mixed (within this run's noise)";
        text.AppendLine();
        text.AppendLine(Invariant, $"- The bar (the Kafka end-to-end ratio does not fall with instrumentation on but no exporter): {on.OfMedians:0.00} with it on against {off.OfMedians:0.00} with it off, of the medians; {on.MedianOfRounds:0.00} against {off.MedianOfRounds:0.00}, medians of the per-round ratios; not lower in {roundsHeld} of {on.PerRound.Count} rounds — **{verdict}** (held: not lower by either reading; fell: lower by both). Read as CPU per message: {cpuOn.OfMedians:0.00} with it on against {cpuOff.OfMedians:0.00} with it off — **{(cpuOn.OfMedians >= cpuOff.OfMedians ? "held" : "fell")}**.");
        EveryRun(text, runs);
        return text.ToString();
    }

    private static void EveryRun(StringBuilder text, List<ThroughputRun> runs)
    {
        text.AppendLine();
        text.AppendLine("Every run:");
        text.AppendLine();
        text.AppendLine("| round | side | produce s | consume s (to first + handling + after last) | produce msg/s | consume msg/s | end to end msg/s | CPU µs/msg produce / consume | alloc B/msg produce / consume | GCs (0/1/2) |");
        text.AppendLine("|---:|---|---:|---|---:|---:|---:|---|---|---|");
        foreach (var r in runs)
        {
            var e = r.EndToEnd;
            var b = r.Breakdown;
            text.AppendLine(Invariant, $"| {r.Round} | {r.Side} | {r.Produce.Elapsed.TotalSeconds:0.000} | {r.Consume.Elapsed.TotalSeconds:0.000} ({b.ToFirst.TotalSeconds:0.000} + {b.Handling.TotalSeconds:0.000} + {b.AfterLast.TotalSeconds:0.000}) | {r.Produce.PerSecond(r.Messages):N0} | {r.Consume.PerSecond(r.Messages):N0} | {e.PerSecond(r.Messages):N0} | {r.Produce.CpuMicrosecondsPerMessage(r.Messages):0.0} / {r.Consume.CpuMicrosecondsPerMessage(r.Messages):0.0} | {r.Produce.BytesPerMessage(r.Messages):N0} / {r.Consume.BytesPerMessage(r.Messages):N0} | {e.Gen0}/{e.Gen1}/{e.Gen2} |");
        }

        text.AppendLine();
    }

    public static string KeyParallel(List<KeyParallelRun> runs, List<WaitProbe> probes, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var sequential = runs.Where(r => r.Side == nameof(KafkaOrderingMode.PartitionSequential)).ToList();
        var parallel = runs.Where(r => r.Side == nameof(KafkaOrderingMode.KeyParallel)).ToList();
        var wolverine = runs.Where(r => r.Side == KeyParallelScenario.WolverineSide).ToList();
        text.AppendLine(Invariant, $"{options.KeyParallelMessages:N0} messages per run over {options.KeyParallelKeys:N0} keys ({options.KeyParallelMessages / options.KeyParallelKeys} per key), {options.KeyParallelPartitions} partitions per fresh topic, a 1 ms handler, KeyParallel with MaxDegreeOfParallelism {options.KeyParallelDegree}; each round's topic is consumed by Conveyor in both modes and by WolverineFx.Kafka 6.62 with `ProcessConcurrentlyByKey(PartitionSlots.Nine)` (its ordered-parallel option, with the most slots it offers), each in its own group, the order rotating each round; {options.Rounds} measured rounds after a warm-up. Per-key order was checked on every message of every run (Conveyor's runs stop on a violation and require every key complete and all offsets committed; Wolverine's violations and commits are counted below). Medians:");
        text.AppendLine();
        text.AppendLine("| side | guarantees by default | handling msg/s (first start to last end) | wall msg/s (start incl. join, to stop) | max handlers at once | handler wait mean / p50 / p99 ms | order violations | committed at stop (least) |");
        text.AppendLine("|---|---|---:|---:|---:|---|---:|---:|");
        foreach (var (name, side, guarantees) in new[]
        {
            ("Conveyor PartitionSequential", sequential, "records of a partition one at a time; offset committed after handling"),
            ("Conveyor KeyParallel", parallel, "records of a key one at a time, keys in parallel; offset committed up to the lowest unfinished record"),
            (KeyParallelScenario.WolverineSide, wolverine, "records of a key one at a time across nine slots; by its docs it runs in durable mode: each offset is committed as its message is persisted to the inbox, before it is handled; no message store is configured here (Wolverine's default), and what a crash then loses was not checked"),
        })
        {
            if (side.Count == 0)
            {
                continue;
            }

            var waits = side.SelectMany(r => r.SortedWaitsMs).Order().ToArray();
            text.AppendLine(Invariant, $"| {name} | {guarantees} | {Stats.Median(side.Select(r => r.HandlingPerSecond)):N0} | {Stats.Median(side.Select(r => r.ConsumePerSecond)):N0} | {side.Max(r => r.MaxInFlight)} | {waits.Average():0.000} / {Stats.Percentile(waits, 0.5):0.000} / {Stats.Percentile(waits, 0.99):0.000} | {side.Sum(r => r.Violations)} | {side.Min(r => r.Committed):N0} of {options.KeyParallelMessages:N0} |");
        }

        var handlingRatio = Stats.Median(parallel.Select(r => r.HandlingPerSecond)) / Stats.Median(sequential.Select(r => r.HandlingPerSecond));
        var wallRatio = Stats.Median(parallel.Select(r => r.ConsumePerSecond)) / Stats.Median(sequential.Select(r => r.ConsumePerSecond));
        text.AppendLine();
        text.AppendLine(Invariant, $"KeyParallel / PartitionSequential: **{handlingRatio:0.0}x** handling throughput, {wallRatio:0.0}x wall-clock (the wall clock includes the group join, the end-of-partition detection and the close, which weigh on the short key-parallel run). The bar: at least 20x — **{(handlingRatio >= 20 ? "met" : "missed")}**. Ideal with these settings: {options.KeyParallelDegree} / {options.KeyParallelPartitions} = {(double)options.KeyParallelDegree / options.KeyParallelPartitions:0}x.");
        if (wolverine.Count > 0)
        {
            var peer = Stats.Median(wolverine.Select(r => r.HandlingPerSecond));
            text.AppendLine();
            text.AppendLine(Invariant, $"Conveyor KeyParallel / {KeyParallelScenario.WolverineSide}: **{Stats.Median(parallel.Select(r => r.HandlingPerSecond)) / peer:0.0}x** handling throughput ({Stats.Median(parallel.Select(r => r.ConsumePerSecond)) / Stats.Median(wolverine.Select(r => r.ConsumePerSecond)):0.0}x wall-clock).");
        }

        var sequentialWait = sequential.SelectMany(r => r.SortedWaitsMs).Average();
        var idealSequential = options.KeyParallelPartitions * 1000 / sequentialWait;
        var againstIdeal = Stats.Median(parallel.Select(r => r.HandlingPerSecond)) / idealSequential;
        text.AppendLine();
        text.AppendLine(Invariant, $"The partition-sequential run is slower than its handlers alone allow: {options.KeyParallelPartitions} partitions / {sequentialWait:0.000} ms mean measured wait = {idealSequential:N0} msg/s for a consumer with no overhead between records, against {Stats.Median(sequential.Select(r => r.HandlingPerSecond)):N0} measured (between two records of a partition, the wait's continuation and the next record each need a pool thread, on a machine whose run queue was long). Against that overhead-free sequential consumer, KeyParallel is **{againstIdeal:0.0}x**.");
        text.AppendLine();
        text.AppendLine("Every run:");
        text.AppendLine();
        text.AppendLine("| round | side | wall s | handling s | handling msg/s | max at once | wait p50 / p99 ms |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---|");
        foreach (var r in runs)
        {
            text.AppendLine(Invariant, $"| {r.Round} | {r.Side} | {r.Consume.TotalSeconds:0.000} | {r.HandlingWindow.TotalSeconds:0.000} | {r.HandlingPerSecond:N0} | {r.MaxInFlight} | {Stats.Percentile(r.SortedWaitsMs, 0.5):0.000} / {Stats.Percentile(r.SortedWaitsMs, 0.99):0.000} |");
        }

        text.AppendLine();
        text.AppendLine("The 1 ms wait, probed alone (300 sequential waits, before the runs):");
        text.AppendLine();
        text.AppendLine("| wait | min ms | p50 ms | p99 ms | max ms |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var probe in probes)
        {
            var s = probe.SortedMs;
            text.AppendLine(Invariant, $"| {probe.Name} | {s[0]:0.000} | {Stats.Percentile(s, 0.5):0.000} | {Stats.Percentile(s, 0.99):0.000} | {s[^1]:0.000} |");
        }

        return text.ToString();
    }

    public static string Outbox(List<OutboxRun> runs, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var direct = runs.Where(r => r.Side == "direct").ToList();
        var outbox = runs.Where(r => r.Side == "outbox").ToList();
        text.AppendLine(Invariant, $"{options.OutboxMessages:N0} commands per run on an in-memory channel, each handled in a {(options.OutboxStore == "postgresql" ? "PostgreSQL unit of work (Conveyor.PostgreSql, the server tests/postgres.sh starts)" : "SQLite unit of work (Conveyor.Sqlite, WAL)")} by a handler that publishes one event keyed by one of 64 customers to a Kafka channel (3 brokers, embedded). **direct**: the outbox turned off (`Conveyor:Outbox:Enabled=false`), the event sent to Kafka and acknowledged while the handler's transaction is open. **outbox**: the event written to the outbox in the handler's transaction, relayed after the commit (64 lanes, batches of 100, each lane's events one acknowledged send at a time). Timed from the first command handled to the last event acknowledged by Kafka (outbox: the outbox empty). A fresh {(options.OutboxStore == "postgresql" ? "schema" : "database file")} and topic per run; {options.Rounds} measured rounds after a warm-up, the two sides interleaved in every round. Medians:");
        text.AppendLine();
        text.AppendLine("| side | msg/s | ms per run |");
        text.AppendLine("|---|---:|---:|");
        foreach (var (name, side) in new[] { ("direct (no outbox)", direct), ("through the outbox", outbox) })
        {
            text.AppendLine(Invariant, $"| {name} | {Stats.Median(side.Select(r => r.PerSecond)):N0} | {Stats.Median(side.Select(r => r.Elapsed.TotalMilliseconds)):N0} |");
        }

        var ratio = Stats.Median(outbox.Select(r => r.PerSecond)) / Stats.Median(direct.Select(r => r.PerSecond));
        text.AppendLine();
        text.AppendLine(Invariant, $"Outbox / direct: **{ratio:P1}** of the medians. Bar (issue 7): at least 50% — **{(ratio >= 0.5 ? "met" : "missed")}**.");
        text.AppendLine();
        text.AppendLine("Every run:");
        text.AppendLine();
        text.AppendLine("| round | side | ms | msg/s |");
        text.AppendLine("|---:|---|---:|---:|");
        foreach (var r in runs)
        {
            text.AppendLine(Invariant, $"| {r.Round} | {r.Side} | {r.Elapsed.TotalMilliseconds:N0} | {r.PerSecond:N0} |");
        }

        return text.ToString();
    }

    public static string DatabaseChannel(List<DatabaseChannelRun> runs, DatabaseChannelProfile profile, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var sends = options.ChannelSendBatch == 1
            ? "each send awaited before the next, its own committed insert as from outside a handler"
            : $"each handing over {options.ChannelSendBatch} at once: Conveyor's through `SendManyAsync`, Wolverine's as {options.ChannelSendBatch} `SendAsync` calls started before awaiting them (it has no batch send)";
        text.AppendLine(Invariant, $"{options.ChannelMessages:N0} commands per run sent by {options.ChannelConsumers} concurrent senders ({sends}) to a PostgreSQL-backed queue, while {options.ChannelConsumers} competing consumers in the same process take, handle (a handler that counts) and acknowledge them. Timed from the first send to the last message handled (Conveyor's: and its acknowledgement committed, the channel's table empty, since a batch transaction commits after its messages were handled). Both sides on the same server in the same process run, a fresh schema per run, the sides alternating which goes first in each round; {options.Rounds} measured rounds after a warm-up. The server is the one tests/postgres.sh starts (fsync and synchronous_commit off: a throwaway test cluster, so commits do not wait for the disk).");
        text.AppendLine();
        text.AppendLine("| side | configuration and guarantee |");
        text.AppendLine("|---|---|");
        text.AppendLine("| conveyor | `AddPostgreSqlChannel` (BatchSize 100, PollInterval 20 ms). Consumers lease batches with `FOR UPDATE SKIP LOCKED`; each leased batch is handled in one transaction (`TransactionPerBatch`, at most `MaxTransactionDuration` 1 s), every message's PostgreSQL unit of work a part of it: the batch's deduplication claims (one statement), its acknowledgements (one delete) and whatever the handlers write or send commit together, a failed message's effects undone alone; messages whose transaction did not commit are delivered again once their leases run out |");
        text.AppendLine("| wolverine | WolverineFx.Postgresql 6.62.0: `UsePostgresqlPersistenceAndTransport(…).AutoProvision().EnableQueueNotifications()`, `PublishMessage<T>().ToPostgresqlQueue(\"work\")`, `ListenToPostgresqlQueue(\"work\").UseDurableInbox().MaximumParallelMessages(4).PollingInterval(20 ms)`. A send is an insert into the queue table; the listener moves a batch from the queue table into its durable inbox table in one transaction, handles each message, and marks it handled in the inbox afterwards (a separate write from anything the handler does) |");
        text.AppendLine();
        text.AppendLine("Medians:");
        text.AppendLine();
        text.AppendLine("| side | msg/s | ms per run | sends done at (ms) | CPU ms per message (process + server) | messages per CPU second |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        var medians = new Dictionary<string, double>();
        foreach (var side in new[] { DatabaseChannelScenario.ConveyorSide, DatabaseChannelScenario.WolverineSide })
        {
            var mine = runs.Where(r => r.Side == side).ToList();
            medians[side] = Stats.Median(mine.Select(r => r.PerSecond));
            var cpu = Stats.Median(mine.Select(r => r.Cpu.MillisecondsPerMessage(r.Messages) ?? double.NaN));
            text.AppendLine(Invariant, $"| {side} | {medians[side]:N0} | {Stats.Median(mine.Select(r => r.Elapsed.TotalMilliseconds)):N0} | {Stats.Median(mine.Select(r => r.SendsDone.TotalMilliseconds)):N0} | {cpu:0.000} | {1000 / cpu:N0} |");
        }

        var conveyor = medians[DatabaseChannelScenario.ConveyorSide];
        text.AppendLine();
        text.AppendLine(Invariant, $"Conveyor / Wolverine: **{conveyor / medians[DatabaseChannelScenario.WolverineSide]:P0}** of the medians.");
        text.AppendLine();
        text.AppendLine(Invariant, $"CPU per message is the benchmark process's CPU time plus the PostgreSQL server's (its postmaster and backends, from /proc) over the run, divided by the messages: the work a message costs, which the machine's load does not change as it changes wall time. Messages per CPU second is its inverse; {Environment.ProcessorCount} idle cores would give at most {Environment.ProcessorCount} times that.");
        text.AppendLine();
        text.AppendLine(Invariant, $"Bar (issue 7): at least 5,000 msg/s end to end with four competing consumers — **{(conveyor >= 5000 ? "met" : "missed")}** ({conveyor:N0} msg/s).");
        text.AppendLine();
        text.AppendLine("Every run:");
        text.AppendLine();
        text.AppendLine("| round | side | ms | msg/s | sends done at (ms) | CPU ms process | CPU ms server |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
        {
            text.AppendLine(Invariant, $"| {r.Round} | {r.Side} | {r.Elapsed.TotalMilliseconds:N0} | {r.PerSecond:N0} | {r.SendsDone.TotalMilliseconds:N0} | {r.Cpu.Process.TotalMilliseconds:N0} | {r.Cpu.Server?.TotalMilliseconds:N0} |");
        }

        text.AppendLine();
        text.AppendLine(Invariant, $"Profile of Conveyor's side: one more run after the measured ones, every Npgsql command recorded through its activity source (which slows it: {profile.Messages / profile.Elapsed.TotalSeconds:N0} msg/s, sends done at {profile.SendsDone.TotalMilliseconds:N0} ms). A command is one round trip; a batch (`NpgsqlBatch`) is one command, shown by its first statement. `BEGIN` rides on a transaction's first command; a `COMMIT` sent alone (`NpgsqlTransaction.CommitAsync`) would be one more round trip that is not traced, but the unit of work sends it in the batch of its last writes. Per message:");
        text.AppendLine();
        text.AppendLine("| statement (first of its batch) | count | per message | mean ms (client, send to last row) |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var s in profile.Statements)
        {
            text.AppendLine(Invariant, $"| `{s.Statement.Replace("|", "\\|", StringComparison.Ordinal)}` | {s.Count:N0} | {(double)s.Count / profile.Messages:0.00} | {s.Total.TotalMilliseconds / s.Count:0.000} |");
        }

        text.AppendLine();
        text.AppendLine(Invariant, $"Commands (round trips) per message: **{(double)profile.Statements.Sum(s => s.Count) / profile.Messages:0.00}**. Transactions PostgreSQL counted (`pg_stat_database.xact_commit`): {profile.Transactions:N0}, {(double)profile.Transactions / profile.Messages:0.00} per message — Npgsql's reset of a pooled connection (`DISCARD ALL`, sent with the connection's next command, no round trip of its own) counts as one, besides every autocommitted statement and explicit transaction.");
        return text.ToString();
    }

    /// <summary>A throughput run's rounds by side, and the medians over a side's rounds.</summary>
    private sealed class SideMedians(List<ThroughputRun> runs)
    {
        public static double EndToEnd(ThroughputRun run) => run.EndToEnd.PerSecond(run.Messages);

        public List<ThroughputRun> Of(string side) => [.. runs.Where(r => r.Side == side)];

        public double Median(string side, Func<ThroughputRun, double> value) => Stats.Median(Of(side).Select(value));
    }
}
