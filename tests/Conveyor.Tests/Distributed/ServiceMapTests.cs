using System.Text;
using Conveyor.Channels.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Distributed;

public sealed class ServiceMapTests
{
    private const string Json = """
        {
          "ServiceMap": {
            "Name": "ticketing",
            "Services": {
              "user": { "Channel": "user_service" },
              "ticket": { "Channel": "ticket_service", "SubscriptionKeys": [ "user.*", "*.closed" ], "ExcludedPublishers": [ "order" ] },
              "order": { "Channel": "order_service", "IncludedPublishers": [ "user" ] }
            }
          }
        }
        """;

    public sealed class Signal
    {
        public TaskCompletionSource<string> Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Pinged(Signal signal)
    {
        [Distributed]
        [CommandHandler("ticket.ping")]
        public void Handle(string payload) => signal.Handled.TrySetResult(payload);
    }

    [Fact]
    public void FromConfiguration_AppSettingsJson_BindsEveryServiceAndRule()
    {
        var map = ServiceMap.FromConfiguration(Configuration(Json).GetSection("ServiceMap"));

        map.Name.ShouldBe("ticketing");
        map.Services.Keys.Order().ShouldBe(["order", "ticket", "user"]);
        map.Services["user"].Channel.ShouldBe("user_service");
        map.Services["ticket"].SubscriptionKeys.ShouldBe(["user.*", "*.closed"]);
        map.Services["ticket"].ExcludedPublishers.ShouldBe(["order"]);
        map.Services["order"].IncludedPublishers.ShouldBe(["user"]);
        map.Services["order"].SubscriptionKeys.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("ticket", "user", "user.registered", true)]
    [InlineData("ticket", "user", "billing.invoiced", false)]
    [InlineData("ticket", "user", "account.closed", true)]
    [InlineData("ticket", "order", "order.closed", false)]
    [InlineData("order", "user", "anything", true)]
    [InlineData("order", "ticket", "user.registered", false)]
    [InlineData("user", "order", "anything", true)]
    public void Wants_SubscriptionKeysAndPublisherRules_DecideTogether(string service, string publisher, string routingKey, bool wanted)
    {
        var map = ServiceMap.FromConfiguration(Configuration(Json).GetSection("ServiceMap"));

        map.Services[service].Wants(publisher, routingKey).ShouldBe(wanted);
    }

    [Fact]
    public async Task Start_IncludedAndExcludedPublishersBoth_FailsNamingTheService()
    {
        var error = await StartFailsAsync("user", map => map
            .AddService("user", "user_service")
            .AddService("ticket", "ticket_service", s =>
            {
                s.IncludedPublishers.Add("user");
                s.ExcludedPublishers.Add("user");
            }));

        error.Message.ShouldContain("service 'ticket' has both IncludedPublishers and ExcludedPublishers");
    }

    [Fact]
    public async Task Start_ServiceChannelNotRegistered_FailsNamingItAndTheLikelyOne()
    {
        var error = await StartFailsAsync("user", map => map.AddService("user", "user_service").AddService("ticket", "tickets_service"));

        error.Message.ShouldContain("service 'ticket' sends to channel 'tickets_service', which is not registered");
        error.Message.ShouldContain("Did you mean 'ticket_service'");
    }

    [Fact]
    public async Task Start_ThisServiceMissingFromTheMap_FailsSayingHowToFix()
    {
        var error = await StartFailsAsync("billing", map => map.AddService("user", "user_service").AddService("ticket", "ticket_service"));

        error.Message.ShouldContain("has no entry for this service, 'billing'");
    }

    [Fact]
    public async Task Start_PublisherRuleNamesAnUnknownService_Fails()
    {
        var error = await StartFailsAsync("user", map => map.AddService("user", "user_service").AddService("ticket", "ticket_service", s => s.ExcludedPublishers.Add("ordr")));

        error.Message.ShouldContain("names publisher 'ordr', which is not in the map");
    }

    public sealed class DistributedQuery
    {
        [Distributed]
        [QueryHandler("ticket.count")]
        public int Count(string scope) => 0;
    }

    [Fact]
    public async Task Start_DistributedOnAQueryHandler_FailsSayingWhatItMarks()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConveyor(c => c.AddHandler<DistributedQuery>());
        using var host = builder.Build();

        (await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync()))
            .Message.ShouldContain("DistributedQuery.Count: [Distributed] marks the command and event handlers other services may reach through a distributed bus; this is a query handler.");
    }

    [Fact]
    public void AddDistributedBus_SameMapTwice_Throws()
    {
        var map = new ServiceMap().AddService("user", "user_service");

        Should.Throw<ConveyorConfigurationException>(() => new ServiceCollection().AddConveyor(c => c.AddDistributedBus("user", map).AddDistributedBus("user", map)))
            .Message.ShouldContain("Service map 'default' is added twice");
    }

    [Fact]
    public async Task SeveralMaps_EachIsItsOwnKeyedBus_AndTheFirstIsTheDefault()
    {
        var shared = new InMemoryChannel("partner_gateway", new InMemoryChannelOptions { RecordSentMessages = true });
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddConveyor(c => c
                .AddInMemoryChannel("user_service").AddInMemoryChannel("ticket_service").AddChannel("partner_gateway", _ => shared, "in-memory")
                .AddDistributedBus("user", map => map.AddService("user", "user_service").AddService("ticket", "ticket_service"))
                .AddDistributedBus("user", new ServiceMap { Name = "partners" }.AddService("user", "user_service").AddService("gateway", "partner_gateway")))
            .BuildServiceProvider();

        var partners = services.GetRequiredKeyedService<IDistributedBus>("partners");
        await partners.PublishEventAsync("user.registered", "{}");

        services.GetRequiredService<IDistributedBus>().Map.Name.ShouldBe(ServiceMap.DefaultName);
        services.GetRequiredKeyedService<IDistributedBus>(ServiceMap.DefaultName).ShouldBeSameAs(services.GetRequiredService<IDistributedBus>());
        partners.Map.Name.ShouldBe("partners");
        var sent = shared.SentMessages.ShouldHaveSingleItem();
        sent.Headers.Get("conveyor.distributed.map").ShouldBe("partners");
        sent.Headers.Get("conveyor.distributed.source").ShouldBe("user");
        sent.Headers.RoutingKey.ShouldBe("user.registered");
        Encoding.UTF8.GetString(sent.Body.Span).ShouldBe("{}");
    }

    [Fact]
    public async Task Host_OwnChannelOfTheMap_IsConsumedWithoutAnyEndpointOnIt()
    {
        var signal = new Signal();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(signal);
        builder.Services.AddConveyor(c => c
            .AddHandler<Pinged>()
            .AddInMemoryChannel("user_service").AddInMemoryChannel("ticket_service")
            .AddDistributedBus("ticket", map => map.AddService("user", "user_service").AddService("ticket", "ticket_service")));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.ping", "\"hello\"");

            (await signal.Handled.Task.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe("hello");
            host.Services.GetRequiredService<IConsumerStatusRegistry>().Find("user_service").ShouldBeNull("another service's channel is only sent to");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<ConveyorConfigurationException> StartFailsAsync(string service, Action<ServiceMap> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConveyor(c => c
            .AddInMemoryChannel("user_service").AddInMemoryChannel("ticket_service")
            .AddDistributedBus(service, configure));
        using var host = builder.Build();
        return await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync());
    }

    private static IConfiguration Configuration(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
}
