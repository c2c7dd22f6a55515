using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.EmbeddedHost;

// conveyor-kafka: runs the embedded cluster in a process of its own, for local development (a cluster that outlives the
// services and commands using it) and for tests that SIGKILL their Kafka clients without killing the cluster.
// Contract: exactly one line "bootstrap.servers=..." on stdout once the topics exist; everything else goes to stderr.

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

var bootstrapServers = cluster.BootstrapServers;
var forwarders = new List<BrokerPortForwarder>();
if (arguments.Port is { } firstPort)
{
    // librdkafka's mock brokers listen on random ports only: each gets a forwarder on a fixed port, and advertises it.
    var listeners = cluster.BootstrapServers.Split(',');
    try
    {
        for (var i = 0; i < listeners.Length; i++)
        {
            var brokerPort = int.Parse(listeners[i][(listeners[i].LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            forwarders.Add(BrokerPortForwarder.Start(firstPort + i, new IPEndPoint(IPAddress.Loopback, brokerPort)));
            cluster.SetBrokerAdvertisedAddress(i + 1, "127.0.0.1", firstPort + i);
        }
    }
    catch (SocketException e)
    {
        Console.Error.WriteLine(
            $"Cannot listen on 127.0.0.1:{firstPort + forwarders.Count}: {e.Message}. Choose another --port, or leave it out for random ports.");
        forwarders.ForEach(f => f.Dispose());
        return 1;
    }

    bootstrapServers = string.Join(',', Enumerable.Range(firstPort, listeners.Length).Select(p => $"127.0.0.1:{p}"));
}

Console.Out.WriteLine($"bootstrap.servers={bootstrapServers}");
Console.Out.Flush();
Console.Error.WriteLine(
    $"Embedded Kafka: {cluster.BrokerCount} brokers at {bootstrapServers}; topics: "
    + (arguments.Topics.Count == 0 ? "none (auto-created with 4 partitions)" : string.Join(", ", arguments.Topics.Select(t => $"{t.Name} ({t.Partitions})")))
    + (arguments.WatchStdin ? ". Close stdin, send SIGTERM or press Ctrl+C to stop." : ". Send SIGTERM or press Ctrl+C to stop."));

if (arguments.WatchStdin)
{
    new Thread(WaitForEndOfInput) { IsBackground = true, Name = "stdin watch" }.Start();
}

stop.Token.WaitHandle.WaitOne();
forwarders.ForEach(f => f.Dispose());
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
