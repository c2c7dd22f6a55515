using Conveyor.Benchmarks.Kafka;
using Conveyor.Kafka.Embedded;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var repository = FindRepository();
var output = options.Output ?? (repository is null ? "results" : Path.Combine(repository, "benchmarks", "results"));
var machine = Machine.Describe(repository);
var command = options.CommandLine(args);
Console.WriteLine($"{command}");
Console.WriteLine($"{machine.Processors} processors, {machine.Cpu}; {machine.Runtime}; librdkafka {machine.LibRdKafka}");

using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 3 });
Console.WriteLine($"Embedded cluster at {cluster.BootstrapServers}");
Directory.CreateDirectory(output);

if (options.RunThroughput)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    Console.WriteLine();
    Console.WriteLine($"== Throughput: {string.Join(", ", options.Sides)}; {options.Messages:N0} messages, {options.Partitions} partitions ==");
    var runs = await new ThroughputScenario(cluster, options).RunAsync();
    if (options.TracedSides)
    {
        var traced = Report.Traced(runs, options);
        await WriteReportAsync("kafka-end-to-end-traced.md", "Kafka end to end with OpenTelemetry instrumentation on and no exporter: Conveyor and the raw loop, each traced and untraced", date, load, traced);
        return 0;
    }

    if (!options.AllSides)
    {
        return 0;
    }

    var body = Report.Throughput(runs, options);
    var (file, title) = options.RawHeaders
        ? ("kafka-end-to-end-raw-with-headers.md", "Kafka end to end: Conveyor and WolverineFx.Kafka against a hand-written Confluent.Kafka loop that writes Conveyor's headers")
        : ("kafka-end-to-end.md", "Kafka end to end: Conveyor and WolverineFx.Kafka against a hand-written Confluent.Kafka loop");
    await WriteReportAsync(file, title, date, load, body);
}

if (options.RunProduce)
{
    Console.WriteLine();
    Console.WriteLine($"== Produce only: {string.Join(", ", options.Sides)}; {options.Messages:N0} messages, {options.Partitions} partitions ==");
    await new ProduceScenario(cluster, options).RunAsync();
}

if (options.RunKeyParallel)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    Console.WriteLine();
    Console.WriteLine($"== Key-level parallelism: {options.KeyParallelMessages:N0} messages, {options.KeyParallelPartitions} partitions, 1 ms handler ==");
    using var delay = new PreciseDelay();
    var probes = await KeyParallelScenario.ProbeWaitsAsync(delay);
    var runs = await new KeyParallelScenario(cluster, options).RunAsync(delay);
    var body = Report.KeyParallel(runs, probes, options);
    await WriteReportAsync("kafka-key-parallel.md", "Kafka key-level parallelism: KeyParallel against PartitionSequential and WolverineFx.Kafka ProcessConcurrentlyByKey", date, load, body);
}

if (options.RunOutbox)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    var (store, file) = options.OutboxStore == "postgresql" ? ("PostgreSQL", "outbox-postgresql.md") : ("SQLite", "outbox.md");
    Console.WriteLine();
    Console.WriteLine($"== Outbox: {options.OutboxMessages:N0} commands, each publishing one event, through the {store} outbox vs straight to Kafka ==");
    var runs = await new OutboxScenario(cluster, options).RunAsync();
    var body = Report.Outbox(runs, options);
    await WriteReportAsync(file, $"Transactional outbox: events relayed through the {store} outbox against events published straight to Kafka", date, load, body);
}

if (options.RunDatabaseChannel)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    Console.WriteLine();
    Console.WriteLine($"== Database channel on PostgreSQL: {options.ChannelMessages:N0} messages sent and handled by {options.ChannelConsumers} competing consumers ==");
    var (runs, profile) = await new DatabaseChannelScenario(options).RunAsync();
    var body = Report.DatabaseChannel(runs, profile, options);
    await WriteReportAsync(options.ChannelSendBatch == 1 ? "database-channel-postgresql.md" : "database-channel-postgresql-send-batches.md", "PostgreSQL database channel: end to end with competing consumers, against WolverineFx.Postgresql", date, load, body);
}

if (options.RunExactlyOnce)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    Console.WriteLine();
    Console.WriteLine($"== Exactly once: consume-process-produce, {options.Messages:N0} messages, {options.Partitions} partitions, at least once vs exactly once ==");
    var runs = await new ExactlyOnceScenario(cluster, options).RunAsync();
    var body = ExactlyOnceScenario.Report(runs, options);
    await WriteReportAsync("kafka-exactly-once.md", "Kafka exactly-once consume-process-produce against at-least-once", date, load, body);
}

if (options.RunBatch)
{
    var date = DateTimeOffset.UtcNow;
    var load = Machine.LoadAverage();
    Console.WriteLine();
    Console.WriteLine($"== Batch handler against one by one: {options.BatchMessages:N0} messages, {options.Partitions} partitions ==");
    using var delay = new PreciseDelay();
    var runs = await new BatchHandlerScenario(cluster, options).RunAsync(delay);
    var body = BatchHandlerScenario.Report(runs, options);
    await WriteReportAsync("kafka-batch-handler.md", "Kafka batch handler: IReadOnlyList<T> against one message per call", date, load, body);
}

if (options.RunConsume)
{
    Console.WriteLine();
    Console.WriteLine($"== Consume only: {string.Join(", ", options.Sides)}; {options.Messages:N0} records written beforehand, {options.Partitions} partitions; load {Machine.LoadAverage()} ==");
    _ = await new ConsumeScenario(cluster, options).RunAsync();
    Console.WriteLine($"Load {Machine.LoadAverage()}");
}

return 0;

// Prints a scenario's report and writes it, under its header (command, machine, date, load before and after), to results/FILE.
async Task WriteReportAsync(string file, string title, DateTimeOffset date, string load, string body)
{
    Console.WriteLine();
    Console.WriteLine(body);
    var path = Path.Combine(output, file);
    await File.WriteAllTextAsync(path, Report.Header(title, command, machine, date, load, Machine.LoadAverage()) + body);
    Console.WriteLine($"Written to {path}");
}

static string? FindRepository()
{
    for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Conveyor.slnx")))
        {
            return directory.FullName;
        }
    }

    return null;
}
