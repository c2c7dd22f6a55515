using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Diagnostics;
using Conveyor.Outgoing;
using Conveyor.Testing;

namespace Conveyor.Tests.Diagnostics;

/// <summary>Conveyor's spans on the in-memory channel, recorded with a plain <see cref="ActivityListener"/>: no OpenTelemetry needed.</summary>
public sealed class TracingTests : IDisposable
{
    private const string TestSource = "Conveyor.Tests.Tracing";
    private static readonly ActivitySource Test = new(TestSource);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ConveyorTelemetry.Name or TestSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public sealed record Charge(string Id);

    public sealed class Declining
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "payments.charge")]
        [DelayedRetry(1, InitialDelayMs = 1000)]
        public void Handle(Charge command) => throw new TimeoutException($"gateway timeout for {command.Id}");
    }

    [Fact]
    public async Task DelayedRetryThenDeadLetter_OnTheInMemoryChannel_OneTraceWithTheRetryLinkedToTheFailedAttempt()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Declining>().AddInMemoryChannel("payments"), options: new ConveyorFlowOptions { AllowFailures = true });
        ActivityTraceId traceId;
        using (var root = Test.StartActivity("request"))
        {
            traceId = root!.TraceId;
            await flow.SendAsync(new Charge("c-1"));
        }

        await flow.RunAsync("payments");
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("payments");

        var trace = _stopped.Where(a => a.TraceId == traceId).ToList();
        var send = trace.Where(a => a.DisplayName == "send payments").ShouldHaveSingleItem();
        var attempts = trace.Where(a => a.DisplayName == "process payments").OrderBy(a => a.StartTimeUtc).ToList();
        attempts.Count.ShouldBe(2);
        var retry = trace.Where(a => a.DisplayName == "retry payments").ShouldHaveSingleItem();
        var deadLetter = trace.Where(a => a.DisplayName == "dead_letter payments").ShouldHaveSingleItem();

        send.Kind.ShouldBe(ActivityKind.Producer);
        send.GetTagItem("messaging.system").ShouldBe("in-memory");
        attempts.ShouldAllBe(a => a.ParentSpanId == send.SpanId && a.Kind == ActivityKind.Consumer, "every attempt continues the context of the first send");
        retry.ParentSpanId.ShouldBe(attempts[0].SpanId);
        attempts[1].Links.ShouldHaveSingleItem().Context.SpanId.ShouldBe(attempts[0].SpanId, "the redelivered attempt links to the one that failed");
        deadLetter.ParentSpanId.ShouldBe(attempts[1].SpanId);

        attempts[0].GetTagItem("conveyor.outcome").ShouldBe("retried");
        attempts[0].GetTagItem("conveyor.attempt").ShouldBeNull("a first attempt carries no attempt number unless the details are recorded");
        var retried = attempts[0].Events.ShouldHaveSingleItem();
        retried.Name.ShouldBe("conveyor.retry");
        retried.Tags.ShouldContain(new KeyValuePair<string, object?>("conveyor.retry.kind", "delayed"));
        retried.Tags.ShouldContain(new KeyValuePair<string, object?>("exception.type", typeof(TimeoutException).FullName));

        attempts[1].GetTagItem("conveyor.attempt").ShouldBe(2);
        attempts[1].GetTagItem("conveyor.outcome").ShouldBe("failed");
        attempts[1].Status.ShouldBe(ActivityStatusCode.Error);
        attempts[1].StatusDescription.ShouldBe("gateway timeout for c-1");
        var failed = attempts[1].Events.ShouldHaveSingleItem();
        failed.Name.ShouldBe("exception");
        failed.Tags.ShouldContain(new KeyValuePair<string, object?>("conveyor.failure.destination", "the dead letter"));
    }

    public sealed class Accepting
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "payments.charge")]
        public void Handle(Charge command)
        {
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SpanAttributes_TheLeanSetByDefault_TheMessageDetailsWhenAskedFor(bool details)
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c
            .AddHandler<Accepting>()
            .AddInMemoryChannel("payments")
            .Configure(o => o.Tracing.RecordMessageDetails = details));
        ActivityTraceId traceId;
        using (var root = Test.StartActivity("request"))
        {
            traceId = root!.TraceId;
            await flow.SendAsync(new Charge("c-1"));
        }

        await flow.RunAsync("payments");

        var trace = _stopped.Where(a => a.TraceId == traceId).ToList();
        var send = trace.Where(a => a.DisplayName == "send payments").ShouldHaveSingleItem();
        var process = trace.Where(a => a.DisplayName == "process payments").ShouldHaveSingleItem();
        var lean = new[] { "messaging.system", "messaging.destination.name", "messaging.operation.type", "messaging.operation.name", "messaging.message.id" };
        var detailed = new[] { "messaging.message.conversation_id", "messaging.message.body.size" };
        send.TagObjects.Select(t => t.Key).ShouldBe(details ? [.. lean, "conveyor.endpoint", .. detailed] : lean);
        process.TagObjects.Select(t => t.Key).ShouldBe(details
            ? [.. lean, "conveyor.channel", .. detailed, "conveyor.attempt", "conveyor.endpoint", "conveyor.outcome"]
            : [.. lean, "conveyor.endpoint", "conveyor.outcome"]);
        send.GetTagItem("messaging.message.id").ShouldNotBeNull();
        process.GetTagItem("messaging.message.id").ShouldBe(send.GetTagItem("messaging.message.id"));
        process.GetTagItem("conveyor.endpoint").ShouldBe("payments.charge");
        if (details)
        {
            send.GetTagItem("conveyor.endpoint").ShouldBe("payments.charge");
            process.GetTagItem("messaging.message.conversation_id").ShouldBe(send.GetTagItem("messaging.message.conversation_id"));
            process.GetTagItem("messaging.message.body.size").ShouldBeOfType<int>().ShouldBeGreaterThan(0);
            process.GetTagItem("conveyor.attempt").ShouldBe(1);
        }
    }

    public sealed record Ship(string Id);

    public sealed record Pack(string Id);

    public sealed class Shipping(ICommandBus commands)
    {
        /// <summary>Sends two commands: both leave after the handler, one after the other.</summary>
        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "shipping.ship")]
        public async Task Handle(Ship command)
        {
            await commands.SendAsync(new Pack(command.Id + "/1"));
            await commands.SendAsync(new Pack(command.Id + "/2"));
        }

        [Asynchronous("packing")]
        [CommandHandler(EndpointId = "packing.pack")]
        public void Handle(Pack command)
        {
        }
    }

    /// <summary>Makes every send complete asynchronously, as a broker's acknowledgement does.</summary>
    public sealed class Yielding : IOutgoingMiddleware
    {
        public async ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
        {
            await Task.Yield();
            await next(message, cancellationToken);
        }
    }

    [Fact]
    public async Task SendsThatCompleteLater_EachAChildOfTheCaller_AndTheCallerGoesOnInItsOwnSpan()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c
            .AddHandler<Shipping>()
            .AddOutgoingMiddleware<Yielding>()
            .AddInMemoryChannel("shipping")
            .AddInMemoryChannel("packing"));
        using var root = Test.StartActivity("request");
        root.ShouldNotBeNull();

        await flow.SendAsync(new Ship("s-1"));
        Activity.Current.ShouldBe(root, "the caller is back in its own span once the send completed");
        await flow.RunAsync("shipping");

        var trace = _stopped.Where(a => a.TraceId == root.TraceId).ToList();
        var process = trace.Where(a => a.DisplayName == "process shipping").ShouldHaveSingleItem();
        var packs = trace.Where(a => a.DisplayName == "send packing").ToList();
        packs.Count.ShouldBe(2);
        packs.ShouldAllBe(a => a.ParentSpanId == process.SpanId, "each send is a child of the handler's span, not of the send before it");
    }

    /// <summary>Makes every send fail after it went on asynchronously, as a broker that rejects a record does.</summary>
    public sealed class RejectingLater : IOutgoingMiddleware
    {
        public async ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new IOException($"broker rejected {message.Message.MessageId}");
        }
    }

    [Fact]
    public async Task SendsThatFailLater_EachEndsItsSpanWithTheError_AndEachCallerGetsTheException()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c
            .AddHandler<Shipping>()
            .AddOutgoingMiddleware<RejectingLater>()
            .AddInMemoryChannel("shipping")
            .AddInMemoryChannel("packing"));
        using var root = Test.StartActivity("request");
        root.ShouldNotBeNull();

        // Three in a row: the second and third reuse what the first one's wait was made of.
        for (var i = 1; i <= 3; i++)
        {
            var error = await Should.ThrowAsync<IOException>(async () => await flow.SendAsync(new Ship($"s-{i}")));
            error.Message.ShouldStartWith("broker rejected ");
            Activity.Current.ShouldBe(root);
        }

        var sends = _stopped.Where(a => a.TraceId == root.TraceId && a.DisplayName == "send shipping").ToList();
        sends.Count.ShouldBe(3);
        sends.ShouldAllBe(a => a.Status == ActivityStatusCode.Error && a.StatusDescription!.StartsWith("broker rejected ") && a.ParentSpanId == root.SpanId);
        sends.Select(a => a.StatusDescription).Distinct().Count().ShouldBe(3, "each span ends with its own send's error");
    }

    public void Dispose() => _listener.Dispose();
}
