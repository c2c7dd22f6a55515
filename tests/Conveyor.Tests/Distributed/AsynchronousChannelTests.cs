using Conveyor.Channels.InMemory;

namespace Conveyor.Tests.Distributed;

/// <summary>A distributed bus that sends through an asynchronous channel of its own first: the outbox in front.</summary>
public sealed class AsynchronousChannelTests : IAsyncDisposable
{
    private readonly InMemoryChannel _ticketChannel = new("ticket_service", new InMemoryChannelOptions { RecordSentMessages = true });
    private readonly InMemoryChannel _userChannel = new("user_service");
    private readonly List<ServiceProvider> _hosts = [];

    public sealed class Journal
    {
        public List<string> Entries { get; } = [];
    }

    public sealed record CreateTicket(string TicketId);

    public sealed class Tickets(Journal journal)
    {
        [Distributed]
        [CommandHandler("ticket.create")]
        public void Create(CreateTicket command) => journal.Entries.Add("created " + command.TicketId);
    }

    [Fact]
    public async Task SendCommand_ThroughAnAsynchronousChannel_WaitsThereUntilThisServiceForwardsIt()
    {
        var user = Host("user", o => o.AsynchronousChannel = "user.outbox");
        var journal = new Journal();
        var ticket = Host("ticket", services: s => s.AddSingleton(journal));

        await user.GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.create", new CreateTicket("t-1"));

        _ticketChannel.Count.ShouldBe(0, "the command waits in the user service's own channel");
        var forwarding = await user.GetRequiredService<IConsumerRunner>().RunAsync("user.outbox", new ConsumerRunOptions { StopWhenEmpty = true });
        forwarding.Finished.ShouldBe(1);
        forwarding.Failed.ShouldBe(0);
        var forwarded = _ticketChannel.SentMessages.ShouldHaveSingleItem();
        forwarded.Headers.Get("conveyor.distributed.forwardTo").ShouldBeNull("forwarded once, not again by the receiver");
        forwarded.Headers.RoutingKey.ShouldBe("ticket.create");

        (await ticket.GetRequiredService<IConsumerRunner>().RunAsync("ticket_service", new ConsumerRunOptions { StopWhenEmpty = true })).Finished.ShouldBe(1);
        journal.Entries.ShouldBe(["created t-1"]);
    }

    [Fact]
    public async Task Start_AsynchronousChannelNotRegistered_FailsNamingIt()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddConveyor(c => c
            .AddInMemoryChannel("user_service").AddInMemoryChannel("ticket_service")
            .AddDistributedBus("user", Map(), o => o.AsynchronousChannel = "user.outbx"));
        using var host = builder.Build();

        (await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync()))
            .Message.ShouldContain("its AsynchronousChannel 'user.outbx' is not registered");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private static ServiceMap Map() => new ServiceMap().AddService("user", "user_service").AddService("ticket", "ticket_service");

    private ServiceProvider Host(string service, Action<DistributedBusOptions>? options = null, Action<IServiceCollection>? services = null)
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
            else
            {
                c.AddInMemoryChannel("user.outbox");
            }

            c.AddDistributedBus(service, Map(), options);
        });
        var provider = collection.BuildServiceProvider();
        _hosts.Add(provider);
        return provider;
    }
}
