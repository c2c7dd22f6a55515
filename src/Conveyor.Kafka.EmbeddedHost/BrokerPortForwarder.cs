using System.Net;
using System.Net.Sockets;

namespace Conveyor.Kafka.EmbeddedHost;

/// <summary>
/// Listens on a fixed port of 127.0.0.1 and forwards every connection to one broker's listener. librdkafka's mock cluster
/// binds its brokers to random ports only; with one forwarder per broker, and each broker advertising its forwarder's
/// address (<c>EmbeddedKafkaCluster.SetBrokerAdvertisedAddress</c>), clients see a cluster on fixed ports.
/// </summary>
internal sealed class BrokerPortForwarder : IDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint broker;
    private readonly CancellationTokenSource stop = new();

    private BrokerPortForwarder(TcpListener listener, IPEndPoint broker)
    {
        this.listener = listener;
        this.broker = broker;
    }

    /// <summary>Starts listening on <paramref name="port"/> at once, so that a busy port fails here.</summary>
    /// <exception cref="SocketException">The port cannot be bound (e.g. it is in use).</exception>
    public static BrokerPortForwarder Start(int port, IPEndPoint broker)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var forwarder = new BrokerPortForwarder(listener, broker);
        _ = forwarder.AcceptAsync();
        return forwarder;
    }

    public void Dispose()
    {
        // The source is not disposed: connections still being forwarded read its token.
        stop.Cancel();
        listener.Stop();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                // Kafka requests are small and latency-bound: no Nagle delay on either leg.
                client.NoDelay = true;
                upstream.NoDelay = true;
                await upstream.ConnectAsync(broker, stop.Token).ConfigureAwait(false);
                var fromClient = client.GetStream().CopyToAsync(upstream.GetStream(), stop.Token);
                var fromBroker = upstream.GetStream().CopyToAsync(client.GetStream(), stop.Token);

                // When either side closes (a client leaving, a broker set down), both connections close, as a direct
                // connection would.
                await Task.WhenAny(fromClient, fromBroker).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The broker is down or the connection broke: closing the client's connection is what it would see.
            }
        }
    }
}
