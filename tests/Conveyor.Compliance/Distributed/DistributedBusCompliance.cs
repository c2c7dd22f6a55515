using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Conveyor.Failures.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace Conveyor.Compliance.Distributed;

/// <summary>
/// The rules of the distributed bus, whatever channel carries it between services: derive a test class, register a
/// service's channel in <see cref="AddServiceChannel"/> so that every host of one test reaches the same channel, and
/// every test here runs three services (user, ticket, order), each a host of its own, over it.
/// </summary>
/// <remarks>
/// The map: <c>user</c> takes every event; <c>ticket</c> wants <c>user.*</c> and <c>*.closed</c> but nothing from
/// <c>order</c>; <c>order</c> wants events from <c>user</c> only.
/// </remarks>
public abstract class DistributedBusCompliance : IAsyncLifetime
{
    private readonly Dictionary<string, ServiceProvider> _hosts = new(StringComparer.Ordinal);

    /// <summary>A name no other test uses, for the map's channels (Kafka topics) and groups.</summary>
    protected string TestId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The map the three services share.</summary>
    protected ServiceMap Map { get; }

    /// <summary>Creates the suite's map.</summary>
    protected DistributedBusCompliance() =>
        Map = new ServiceMap { Name = "ticketing-" + TestId }
            .AddService("user", "user-" + TestId)
            .AddService("ticket", "ticket-" + TestId, s =>
            {
                s.SubscriptionKeys.Add("user.*");
                s.SubscriptionKeys.Add("*.closed");
                s.ExcludedPublishers.Add("order");
            })
            .AddService("order", "order-" + TestId, s => s.IncludedPublishers.Add("user"));

    /// <summary>The longest a test waits for a consumer to drain its channel.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(60);

    /// <summary>
    /// Registers <paramref name="channel"/>, the channel of <paramref name="service"/>, in a host: the channel every
    /// host of this test reaches under that name (for Kafka: one topic per service, consumed by that service's group).
    /// The first call for a host also configures the transport.
    /// </summary>
    /// <param name="conveyor">The host's builder.</param>
    /// <param name="channel">The channel name.</param>
    /// <param name="service">The service that consumes it.</param>
    protected abstract void AddServiceChannel(ConveyorBuilder conveyor, string channel, string service);

    /// <summary>Adds what the transport needs to a host's services (e.g. the test cluster).</summary>
    /// <param name="services">The host's services.</param>
    protected virtual void AddTransportServices(IServiceCollection services)
    {
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task SendCommand_ToATargetServiceWithARoutingKey_ItsDistributedHandlerHandlesIt()
    {
        await Host("user").GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.create", new CreateTicket("t-1", "printer on fire"));

        var run = await RunAsync("ticket");

        run.Finished.ShouldBe(1);
        Journal("ticket").ShouldBe(["ticket: create t-1 printer on fire"]);
        (await DeadLettersAsync("ticket")).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendCommand_WithAnUnknownRoutingKey_LandsInTheTargetsDeadLetterSayingSo()
    {
        await Host("user").GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.creat", new CreateTicket("t-2", "typo"));

        var run = await RunAsync("ticket");

        run.Failed.ShouldBe(1);
        Journal("ticket").ShouldBeEmpty();
        var deadLetter = (await DeadLettersAsync("ticket")).ShouldHaveSingleItem();
        deadLetter.ExceptionMessage.ShouldContain("no command handler with routing key 'ticket.creat'");
        deadLetter.ExceptionMessage.ShouldContain("sent by service 'user'");
        deadLetter.Message.Headers.RoutingKey.ShouldBe("ticket.creat", "the command is kept as sent, to replay once fixed");
    }

    [Fact]
    public async Task SendCommand_ToAHandlerNotMarkedDistributed_LandsInTheDeadLetterSayingSo()
    {
        await Host("user").GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.purge", new PurgeTickets("all"));

        var run = await RunAsync("ticket");

        run.Failed.ShouldBe(1);
        Journal("ticket").ShouldBeEmpty();
        (await DeadLettersAsync("ticket")).ShouldHaveSingleItem().ExceptionMessage.ShouldContain("is not marked [Distributed]");
    }

    [Fact]
    public async Task SendCommand_ToAServiceNotInTheMap_ThrowsNamingTheKnownServices()
    {
        var bus = Host("user").GetRequiredService<IDistributedBus>();

        var error = await Should.ThrowAsync<MessageRoutingException>(async () => await bus.SendCommandAsync("tickets", "ticket.create", new CreateTicket("t-3", "x")));

        error.Message.ShouldContain("has no service 'tickets'");
        error.Message.ShouldContain("Did you mean 'ticket'");
    }

    [Fact]
    public async Task PublishEvent_ReachesEveryWantingServiceButNeverTheSender()
    {
        await Host("user").GetRequiredService<IDistributedBus>().PublishEventAsync("user.registered", new UserRegistered("u-1"));

        (await RunAsync("ticket")).Finished.ShouldBe(1);
        (await RunAsync("order")).Finished.ShouldBe(1);
        (await RunAsync("user")).Finished.ShouldBe(0, "the sender's own channel gets no copy");

        Journal("ticket").ShouldBe(["ticket: user u-1 (user.registered)"], "only the [Distributed] handler of ticket runs, not its local one");
        Journal("order").ShouldBe(["order: user u-1"]);
        Journal("user").ShouldBeEmpty("the sender's own [Distributed] handler of the event does not run");
    }

    [Fact]
    public async Task PublishEvent_NotMatchingASubscriptionKey_IsNotSentToThatService()
    {
        await Host("user").GetRequiredService<IDistributedBus>().PublishEventAsync("billing.invoiced", new UserRegistered("u-2"));

        (await RunAsync("ticket")).Finished.ShouldBe(0, "ticket subscribes to user.* and *.closed only");
        (await RunAsync("order")).Finished.ShouldBe(1, "order has no subscription keys: it gets every event of the services it includes");
    }

    [Fact]
    public async Task PublishEvent_MatchingAGlobInTheMiddle_IsSent()
    {
        await Host("user").GetRequiredService<IDistributedBus>().PublishEventAsync("account.closed", new UserRegistered("u-3"));

        (await RunAsync("ticket")).Finished.ShouldBe(1);
        Journal("ticket").ShouldBe(["ticket: closed u-3"]);
    }

    [Fact]
    public async Task PublishEvent_WantedByTwoHandlersOfAService_EachHandlesItOnce()
    {
        await Host("user").GetRequiredService<IDistributedBus>().PublishEventAsync("user.closed", new UserRegistered("u-7"));

        var run = await RunAsync("ticket");

        run.Failed.ShouldBe(0);
        Journal("ticket").Order().ShouldBe(["ticket: closed u-7", "ticket: user u-7 (user.closed)"]);
    }

    [Fact]
    public async Task PublishEvent_FromAnExcludedPublisher_IsNotSentToThatService()
    {
        await Host("order").GetRequiredService<IDistributedBus>().PublishEventAsync("order.closed", new UserRegistered("u-4"));

        (await RunAsync("ticket")).Finished.ShouldBe(0, "ticket excludes order, although order.closed matches *.closed");
        (await RunAsync("user")).Finished.ShouldBe(1, "user has no rules");
    }

    [Fact]
    public async Task PublishEvent_FromAPublisherNotIncluded_IsNotSentToThatService()
    {
        await Host("ticket").GetRequiredService<IDistributedBus>().PublishEventAsync("user.registered", new UserRegistered("u-5"));

        (await RunAsync("order")).Finished.ShouldBe(0, "order includes user only");
        (await RunAsync("user")).Finished.ShouldBe(1);
        Journal("user").ShouldBe(["user: registered u-5"]);
    }

    [Fact]
    public async Task PublishEvent_NoHandlerWants_IsAcknowledgedAndCountedNotDeadLettered()
    {
        var unwanted = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Conveyor" && instrument.Name == "conveyor.distributed.events.unhandled")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var map = tags.ToArray().FirstOrDefault(t => t.Key == "map").Value as string;
            if (map == Map.Name)
            {
                unwanted.Enqueue(tags.ToArray().First(t => t.Key == "routing_key").Value + " x" + value);
            }
        });
        listener.Start();

        await Host("user").GetRequiredService<IDistributedBus>().PublishEventAsync("user.deleted", new UserRegistered("u-6"));
        var run = await RunAsync("order");

        run.Finished.ShouldBe(1);
        run.Failed.ShouldBe(0);
        (await DeadLettersAsync("order")).ShouldBeEmpty();
        Journal("order").ShouldBeEmpty();
        unwanted.ShouldBe(["user.deleted x1"]);
    }

    [Fact]
    public async Task SentFromAHandler_LeavesOnlyOnceTheHandlerSucceeded()
    {
        await Host("user").GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.create", new CreateTicket("t-4", "then close"));

        (await RunAsync("ticket")).Finished.ShouldBe(1);
        (await RunAsync("user")).Finished.ShouldBe(1, "the ticket handler publishes ticket.created, which user takes");
        Journal("user").ShouldBe(["user: ticket created t-4"]);
        (await RunAsync("order")).Finished.ShouldBe(0, "order includes user only");
    }

    [Fact]
    public async Task SameMessageDeliveredTwice_IsHandledOnce()
    {
        await Host("user", duplicateEverySend: true).GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.create", new CreateTicket("t-5", "sent twice"));

        var run = await RunAsync("ticket");

        run.Finished.ShouldBe(2);
        run.Duplicates.ShouldBe(1);
        Journal("ticket").ShouldBe(["ticket: create t-5 sent twice"]);
    }

    /// <summary>The service provider of <paramref name="service"/>, built on first use.</summary>
    /// <param name="service">user, ticket or order.</param>
    /// <param name="duplicateEverySend">Send every message twice, as a producer that retries after a lost acknowledgement does.</param>
    /// <returns>The host's services.</returns>
    protected IServiceProvider Host(string service, bool duplicateEverySend = false)
    {
        if (_hosts.TryGetValue(service, out var existing))
        {
            return existing;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new ServiceJournal(service));
        AddTransportServices(services);
        services.AddConveyor(c =>
        {
            foreach (var (name, entry) in Map.Services)
            {
                AddServiceChannel(c, entry.Channel, name);
            }

            c.AddHandlers(service switch
            {
                "user" => typeof(UserService),
                "ticket" => typeof(TicketService),
                _ => typeof(OrderService),
            });
            c.AddDistributedBus(service, Map);
            if (duplicateEverySend)
            {
                c.AddOutgoingMiddleware<SendingTwice>();
            }
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        _hosts[service] = provider;
        return provider;
    }

    /// <summary>Consumes <paramref name="service"/>'s own channel until it is empty.</summary>
    /// <param name="service">The service.</param>
    /// <returns>What the run did.</returns>
    protected Task<ConsumerRunResult> RunAsync(string service) =>
        Host(service).GetRequiredService<IConsumerRunner>()
            .RunAsync(Map.Services[service].Channel, new ConsumerRunOptions { StopWhenEmpty = true })
            .WaitAsync(Timeout);

    private IReadOnlyList<string> Journal(string service) => [.. Host(service).GetRequiredService<ServiceJournal>().Entries];

    private async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(string service) =>
        (await Host(service).GetRequiredService<IDeadLetters>().ListAsync()).Items;

    /// <summary>Sends every message twice.</summary>
    public sealed class SendingTwice : Outgoing.IOutgoingMiddleware
    {
        /// <inheritdoc />
        public async ValueTask SendAsync(Outgoing.OutgoingMessage message, Outgoing.OutgoingDelegate next, CancellationToken cancellationToken)
        {
            await next(message, cancellationToken).ConfigureAwait(false);
            await next(message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What a service's handlers did.</summary>
    /// <param name="Service">The service.</param>
    public sealed record ServiceJournal(string Service)
    {
        /// <summary>The entries, in order.</summary>
        public ConcurrentQueue<string> Entries { get; } = new();

        /// <summary>Adds an entry prefixed with the service.</summary>
        /// <param name="entry">The entry.</param>
        public void Add(string entry) => Entries.Enqueue($"{Service}: {entry}");
    }

    /// <summary>A command of the ticket service.</summary>
    public sealed record CreateTicket(string TicketId, string Problem);

    /// <summary>A command of the ticket service that other services may not call.</summary>
    public sealed record PurgeTickets(string Scope);

    /// <summary>An event of the user service (and, in these tests, of others).</summary>
    public sealed record UserRegistered(string UserId);

    /// <summary>An event of the ticket service.</summary>
    public sealed record TicketCreated(string TicketId);

    /// <summary>The user service's handlers.</summary>
    public sealed class UserService(ServiceJournal journal)
    {
        /// <summary>Takes user.registered (from others, in these tests).</summary>
        [Distributed]
        [EventHandler("user.registered")]
        public void OnRegistered(UserRegistered @event) => journal.Add("registered " + @event.UserId);

        /// <summary>Takes ticket.created.</summary>
        [Distributed]
        [EventHandler("ticket.created")]
        public void OnTicketCreated(TicketCreated @event) => journal.Add("ticket created " + @event.TicketId);
    }

    /// <summary>The ticket service's handlers.</summary>
    public sealed class TicketService(ServiceJournal journal, IDistributedBus bus)
    {
        /// <summary>Creates a ticket and tells the others.</summary>
        [Distributed]
        [CommandHandler("ticket.create")]
        public async Task Create(CreateTicket command)
        {
            journal.Add($"create {command.TicketId} {command.Problem}");
            await bus.PublishEventAsync("ticket.created", new TicketCreated(command.TicketId));
        }

        /// <summary>Local only: not [Distributed].</summary>
        [CommandHandler("ticket.purge")]
        public void Purge(PurgeTickets command) => journal.Add("purge " + command.Scope);

        /// <summary>Every user event, with its routing key.</summary>
        [Distributed]
        [EventHandler("user.*")]
        public void OnUser(UserRegistered @event, [Header(MessageHeaderNames.RoutingKey)] string routingKey) => journal.Add($"user {@event.UserId} ({routingKey})");

        /// <summary>Anything closed.</summary>
        [Distributed]
        [EventHandler("*.closed")]
        public void OnClosed(UserRegistered @event) => journal.Add("closed " + @event.UserId);

        /// <summary>Local only: a distributed event does not reach it.</summary>
        [EventHandler("user.registered")]
        public void Local(UserRegistered @event) => journal.Add("local " + @event.UserId);
    }

    /// <summary>The order service's handlers.</summary>
    public sealed class OrderService(ServiceJournal journal)
    {
        /// <summary>Takes user.registered.</summary>
        [Distributed]
        [EventHandler("user.registered")]
        public void OnRegistered(UserRegistered @event) => journal.Add("user " + @event.UserId);

        /// <summary>Takes billing.invoiced.</summary>
        [Distributed]
        [EventHandler("billing.invoiced")]
        public void OnInvoiced(UserRegistered @event) => journal.Add("invoiced " + @event.UserId);
    }
}
