using System.Runtime.InteropServices;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.EmbeddedHost;

// Runs the embedded cluster in a process of its own, so that tests can SIGKILL their Kafka clients
// without killing the cluster. Contract: exactly one line "bootstrap.servers=..." on stdout once the
// topics exist; everything else goes to stderr.

if (args is ["--help"] or ["-h"])
{
    Console.Out.WriteLine(HostArguments.Usage);
    return 0;
}

HostArguments arguments;
try
{
    arguments = HostArguments.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(HostArguments.Usage);
    return 2;
}

// Not disposed: the stdin thread may still cancel it while the process exits.
var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

var options = new EmbeddedKafkaOptions { BrokerCount = arguments.Brokers };
if (arguments.GroupInitialRebalanceDelay is { } delay)
{
    options.GroupInitialRebalanceDelay = delay;
}

using var cluster = EmbeddedKafkaCluster.Start(options);
try
{
    foreach (var topic in arguments.Topics)
    {
        cluster.CreateTopic(topic.Name, topic.Partitions, topic.ReplicationFactor);
    }
}
catch (Exception e) when (e is EmbeddedKafkaException or ArgumentException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

Console.Out.WriteLine($"bootstrap.servers={cluster.BootstrapServers}");
Console.Out.Flush();
Console.Error.WriteLine(
    $"Embedded Kafka: {cluster.BrokerCount} brokers at {cluster.BootstrapServers}; topics: "
    + (arguments.Topics.Count == 0 ? "none (auto-created with 4 partitions)" : string.Join(", ", arguments.Topics.Select(t => $"{t.Name} ({t.Partitions})")))
    + (arguments.WatchStdin ? ". Close stdin, send SIGTERM or press Ctrl+C to stop." : ". Send SIGTERM or press Ctrl+C to stop."));

if (arguments.WatchStdin)
{
    new Thread(WaitForEndOfInput) { IsBackground = true, Name = "stdin watch" }.Start();
}

stop.Token.WaitHandle.WaitOne();
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

void WaitForEndOfInput()
{
    using var input = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (input.Read(buffer) > 0)
    {
    }

    stop.Cancel();
}
