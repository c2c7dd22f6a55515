using Conveyor;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using DistributedTicketing.Contracts;
using DistributedTicketing.Orders;
using DistributedTicketing.Tickets;
using DistributedTicketing.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistributedTicketing;

/// <summary>
/// The three services, each a host of its own as it would be deployed, here in one process on one Kafka cluster: the
/// one <paramref name="bootstrapServers"/> names, else an embedded cluster started for them.
/// </summary>
public sealed class TicketingSystem : IAsyncDisposable
{
    private readonly EmbeddedKafkaCluster? _embedded;

    private TicketingSystem(string? bootstrapServers, Timeline timeline)
    {
        Timeline = timeline;
        if (string.IsNullOrWhiteSpace(bootstrapServers))
        {
            _embedded = EmbeddedKafkaCluster.Start();
            bootstrapServers = _embedded.BootstrapServers;
        }

        User = CreateHost(TicketingMap.User, bootstrapServers, typeof(UserService));
        Ticket = CreateHost(TicketingMap.Ticket, bootstrapServers, typeof(TicketService), s => s.AddSingleton<TicketDesk>());
        Order = CreateHost(TicketingMap.Order, bootstrapServers, typeof(OrderService), s => s.AddSingleton<Accounts>());
    }

    public Timeline Timeline { get; }

    public IHost User { get; }

    public IHost Ticket { get; }

    public IHost Order { get; }

    /// <summary>Starts the three services; each consumes its own topic.</summary>
    public static async Task<TicketingSystem> StartAsync(string? bootstrapServers = null)
    {
        var system = new TicketingSystem(bootstrapServers, new Timeline());
        foreach (var host in system.Hosts)
        {
            await host.StartAsync();
        }

        return system;
    }

    private IEnumerable<IHost> Hosts => [User, Ticket, Order];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        _embedded?.Dispose();
    }

    private IHost CreateHost(string service, string bootstrapServers, Type handlers, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        // The demo prints its own timeline, dead letter included; Conveyor's log would repeat it with a stack trace.
        builder.Logging.AddFilter("Conveyor", LogLevel.Critical).AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddSingleton(Timeline);
        services?.Invoke(builder.Services);
        if (_embedded is not null)
        {
            builder.Services.AddSingleton<IKafkaTopicCreator>(_embedded);
        }

        var map = TicketingMap.Create();
        builder.Services.AddConveyor(conveyor =>
        {
            conveyor.AddHandlers(handlers).UseKafka(kafka =>
            {
                kafka.BootstrapServers = bootstrapServers;
                kafka.CreateMissingTopics = true;
                kafka.Consumer["session.timeout.ms"] = "6000";
                kafka.Consumer["heartbeat.interval.ms"] = "500";
            });

            // One topic per service; each service reads its own with a consumer group of its own (ticketing.<service>).
            conveyor.AddKafkaChannels(map).AddDistributedBus(service, map);
        });
        return builder.Build();
    }
}
