using Conveyor.Channels.InMemory;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Tests.Distributed;

/// <summary>Two services running different versions of the map: the receiver keeps to its own.</summary>
public sealed class MapVersionTests : IAsyncDisposable
{
    private readonly InMemoryChannel _ticketChannel = new("ticket_service");
    private readonly InMemoryChannel _userChannel = new("user_service");
    private readonly List<ServiceProvider> _hosts = [];

    public sealed class Journal
    {
        public List<string> Entries { get; } = [];
    }

    public sealed class Tickets(Journal journal)
    {
        [Distributed]
        [EventHandler("*")]
        public void Any(string payload, [Header(MessageHeaderNames.RoutingKey)] string routingKey) => journal.Entries.Add(routingKey);
    }

    [Fact]
    public async Task Receive_EventTheReceiversMapNoLongerWants_IsAcknowledgedWithoutHandling()
    {
        var journal = new Journal();
        var olderMap = new ServiceMap().AddService("user", "user_service").AddService("ticket", "ticket_service");
        var newerMap = new ServiceMap().AddService("user", "user_service").AddService("ticket", "ticket_service", s => s.SubscriptionKeys.Add("user.*"));
        var user = Host("user", olderMap);
        var ticket = Host("ticket", newerMap, s => s.AddSingleton(journal));

        await user.GetRequiredService<IDistributedBus>().PublishEventAsync("billing.invoiced", "\"b-1\"");
        await user.GetRequiredService<IDistributedBus>().PublishEventAsync("user.registered", "\"u-1\"");
        var run = await ticket.GetRequiredService<IConsumerRunner>().RunAsync("ticket_service", new ConsumerRunOptions { StopWhenEmpty = true });

        run.Finished.ShouldBe(2, "the older map sent both");
        run.Failed.ShouldBe(0);
        journal.Entries.ShouldBe(["user.registered"]);
        (await ticket.GetRequiredService<IDeadLetters>().ListAsync()).Items.ShouldBeEmpty();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private ServiceProvider Host(string service, ServiceMap map, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            c.AddChannel("ticket_service", _ => _ticketChannel, "in-memory").AddChannel("user_service", _ => _userChannel, "in-memory");
            if (service == "ticket")
            {
                c.AddHandler<Tickets>();
            }

            c.AddDistributedBus(service, map);
        });
        var provider = collection.BuildServiceProvider();
        _hosts.Add(provider);
        return provider;
    }
}
