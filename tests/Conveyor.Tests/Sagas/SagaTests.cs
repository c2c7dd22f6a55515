using Conveyor.Testing;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Sagas;

/// <summary>Sagas: started by an event, correlated by each identifier source, saved after each message, timed out through [Delayed], completed.</summary>
public sealed class SagaTests
{
    public sealed record OrderPlaced(string OrderId, decimal Amount);

    public sealed record PaymentReceived(string Order, decimal Amount);

    public sealed record ParcelDispatched(string Carrier);

    public sealed record OrderFulfilled(string OrderId);

    public sealed record PaymentOverdue(string OrderId);

    public sealed record PaymentReminder(string OrderId);

    [Saga]
    public sealed class Fulfilment : Saga
    {
        public const string Timeouts = "fulfilment.timeouts";

        [Identifier]
        public string OrderId { get; private set; } = "";

        public decimal Due { get; private set; }

        public bool Paid { get; private set; }

        public string? Carrier { get; private set; }

        public int Reminders { get; private set; }

        // Correlated by the payload's property of the identifier's name.
        [EventHandler(EndpointId = "fulfilment.start")]
        public static Fulfilment Start(OrderPlaced placed)
        {
            var saga = new Fulfilment { OrderId = placed.OrderId, Due = placed.Amount };
            saga.RecordThat(new PaymentReminder(placed.OrderId));
            return saga;
        }

        // Correlated by another payload property.
        [EventHandler(EndpointId = "fulfilment.paid")]
        [IdentifierMapping(nameof(OrderId), "payload.Order")]
        public void Paid_(PaymentReceived payment)
        {
            Paid = payment.Amount >= Due;
            TryFinish();
        }

        // Correlated by the message's correlation id.
        [EventHandler(EndpointId = "fulfilment.dispatched")]
        [IdentifierMapping(nameof(OrderId), "header.correlationId")]
        public void Dispatched(ParcelDispatched dispatched)
        {
            Carrier = dispatched.Carrier;
            TryFinish();
        }

        // The timeout: the reminder the saga recorded comes back after a delay.
        [EventHandler(EndpointId = "fulfilment.reminder_due")]
        [Asynchronous(Timeouts)]
        [Delayed(200)]
        public void ReminderDue(PaymentReminder reminder)
        {
            if (Paid)
            {
                return;
            }

            Reminders++;
            RecordThat(new PaymentOverdue(OrderId));
        }

        private void TryFinish()
        {
            if (Paid && Carrier is not null)
            {
                RecordThat(new OrderFulfilled(OrderId));
                Complete();
            }
        }
    }

    private static ConveyorFlow Flow() => ConveyorFlow.Bootstrap(c => c.AddHandler<Fulfilment>().AddInMemoryChannel(Fulfilment.Timeouts));

    [Fact]
    public async Task StartedByAnEvent_CorrelatedByPayloadMappedPayloadAndCorrelationId_CompletesWhenDone()
    {
        await using var flow = Flow();

        await flow.PublishAsync(new OrderPlaced("o-1", 30m));
        await flow.PublishAsync(new PaymentReceived("o-1", 30m));
        await flow.PublishAsync(new ParcelDispatched("dhl"), new Dictionary<string, string> { [MessageHeaderNames.CorrelationId] = "o-1" });

        flow.RecordedEvents.ShouldBe([new PaymentReminder("o-1"), new OrderFulfilled("o-1")]);
        var saga = (await flow.LoadAsync<Fulfilment>("o-1")).ShouldNotBeNull();
        (saga.Paid, saga.Carrier, saga.IsCompleted).ShouldBe((true, "dhl", true));
        saga.Version.ShouldBe(3, "saved once per message");
    }

    [Fact]
    public async Task StartEventTwice_TheRunningSagaIsKept()
    {
        await using var flow = Flow();
        await flow.GivenAsync(Fulfilment.Start(new OrderPlaced("o-1", 30m)));

        await flow.PublishAsync(new OrderPlaced("o-1", 99m));

        flow.RecordedEvents.ShouldBeEmpty();
        (await flow.LoadAsync<Fulfilment>("o-1"))!.Due.ShouldBe(30m);
    }

    [Fact]
    public async Task EventForNoSaga_IsDropped_WithoutFailing()
    {
        await using var flow = Flow();

        await flow.PublishAsync(new PaymentReceived("o-unknown", 30m));

        (await flow.LoadAsync<Fulfilment>("o-unknown")).ShouldBeNull();
        flow.RecordedEvents.ShouldBeEmpty();
    }

    [Fact]
    public async Task CompletedSaga_DropsLaterEvents_AndKeepsItsFinalState()
    {
        await using var flow = Flow();
        await flow.PublishAsync(new OrderPlaced("o-1", 30m));
        await flow.PublishAsync(new PaymentReceived("o-1", 30m));
        await flow.PublishAsync(new ParcelDispatched("dhl"), new Dictionary<string, string> { [MessageHeaderNames.CorrelationId] = "o-1" });

        await flow.PublishAsync(new ParcelDispatched("ups"), new Dictionary<string, string> { [MessageHeaderNames.CorrelationId] = "o-1" });

        var saga = (await flow.LoadAsync<Fulfilment>("o-1"))!;
        (saga.Carrier, saga.Version).ShouldBe(("dhl", 3L));
    }

    [Fact]
    public async Task EventWithAnEmptyIdentifier_FailsWithTheReason()
    {
        await using var flow = Flow();

        var error = await Should.ThrowAsync<AggregateIdentifierException>(async () => await flow.PublishAsync(new PaymentReceived("", 30m)));

        error.Message.ShouldContain("fulfilment.paid: the identifier OrderId from PaymentReceived.Order is missing or empty");
    }

    [Fact]
    public async Task Timeout_OnTheFakeClock_FiresOnlyAfterTheDelay()
    {
        await using var flow = Flow();
        await flow.PublishAsync(new OrderPlaced("o-1", 30m));
        flow.ClearRecordedEvents();

        flow.AdvanceTime(TimeSpan.FromMilliseconds(199));
        (await flow.RunAsync(Fulfilment.Timeouts)).Finished.ShouldBe(0);
        flow.AdvanceTime(TimeSpan.FromMilliseconds(1));
        (await flow.RunAsync(Fulfilment.Timeouts)).Finished.ShouldBe(1);

        flow.RecordedEvents.ShouldBe([new PaymentOverdue("o-1")]);
        (await flow.LoadAsync<Fulfilment>("o-1"))!.Reminders.ShouldBe(1);
    }

    [Fact]
    public async Task Timeout_AfterTheSagaMovedOn_ChangesNothing()
    {
        await using var flow = Flow();
        await flow.PublishAsync(new OrderPlaced("o-1", 30m));
        await flow.PublishAsync(new PaymentReceived("o-1", 30m));
        flow.ClearRecordedEvents();

        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        (await flow.RunAsync(Fulfilment.Timeouts)).Finished.ShouldBe(1);

        flow.RecordedEvents.ShouldBeEmpty();
        (await flow.LoadAsync<Fulfilment>("o-1"))!.Reminders.ShouldBe(0);
    }

    /// <summary>Signals once the saga recorded an overdue payment: the real timeout fired.</summary>
    public sealed class OverdueSignal
    {
        public TaskCompletionSource<PaymentOverdue> Fired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [EventHandler]
        public void On(PaymentOverdue overdue) => Fired.TrySetResult(overdue);
    }

    [Fact]
    public async Task Timeout_WithARealShortDelay_FiresInAHostedApplication()
    {
        var builder = Host.CreateApplicationBuilder();
        var signal = new OverdueSignal();
        builder.Services.AddSingleton(signal);
        builder.Services.AddConveyor(c => c.AddHandler<Fulfilment>().AddHandler<OverdueSignal>().AddInMemoryChannel(Fulfilment.Timeouts));
        using var host = builder.Build();
        await host.StartAsync();
        var started = TimeProvider.System.GetTimestamp();

        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new OrderPlaced("o-1", 30m));

        (await signal.Fired.Task.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe(new PaymentOverdue("o-1"));
        TimeProvider.System.GetElapsedTime(started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190), "not before its delay");
        await host.StopAsync();
    }

    [Saga]
    public sealed class NotASaga : AggregateRoot
    {
        [Identifier]
        public string OrderId { get; private set; } = "";

        [EventHandler]
        public void On(PaymentOverdue overdue)
        {
        }
    }

    [Saga]
    public sealed class Answers : Saga
    {
        [Identifier]
        public string OrderId { get; private set; } = "";

        [QueryHandler]
        public string Ask(PaymentOverdue overdue) => OrderId;
    }

    [Saga]
    public sealed class Uncorrelated : Saga
    {
        [Identifier]
        public string OrderId { get; private set; } = "";

        [EventHandler]
        public static Uncorrelated Start(ParcelDispatched dispatched) => new();
    }

    [Theory]
    [InlineData(typeof(NotASaga), "NotASaga: a saga must derive from Conveyor.Saga")]
    [InlineData(typeof(Answers), "a saga handles events and commands only")]
    [InlineData(typeof(Uncorrelated), "the command ParcelDispatched has no property 'OrderId' to find the Uncorrelated by")]
    public void InvalidSaga_FailsAtStartUp_SayingHowToFixIt(Type saga, string message)
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandlers(saga)));

        error.Message.ShouldContain(message);
    }
}
