using Conveyor.Testing;

namespace Conveyor.Tests.Handlers;

public sealed class HandlerContextTests
{
    public sealed record Outer(string Id);

    public sealed record Inner(string Id);

    public sealed record Failing(string Id);

    public sealed record AwaitsFirst(string Id);

    public sealed record SyncOuter(string Id);

    public sealed record AsyncMiddle(string Id);

    public sealed record SyncLeaf(string Id);

    public sealed record Signal(string Id);

    public sealed record WaitForSignal(string Id);

    public sealed class Seen
    {
        public List<(string Where, HandlerContext? Context)> Contexts { get; } = [];

        public TaskCompletionSource Signal { get; } = new();

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed record Received(string Id, bool Fail);

    public sealed record Onward(string Id);

    /// <summary>A synchronous method handling received messages: its invocation is kept on the thread while it runs.</summary>
    public sealed class ReceivingHandlers(Seen seen, ICommandBus bus)
    {
        [Asynchronous("inbox")]
        [CommandHandler]
        public void Handle(Received command)
        {
            seen.Contexts.Add(("received", HandlerContext.Current));
            bus.SendAsync(new Onward(command.Id)).AsTask().GetAwaiter().GetResult();
            if (command.Fail)
            {
                throw new InvalidOperationException("The handler fails after sending.");
            }
        }

        [Asynchronous("outbox")]
        [CommandHandler]
        public void Handle(Onward command) => seen.Contexts.Add(("onward", HandlerContext.Current));
    }

    /// <summary>Synchronous methods binding only the payload: called directly, with their invocation kept on the thread.</summary>
    public sealed class SynchronousHandlers(Seen seen, ICommandBus bus)
    {
        [CommandHandler]
        public void HandleSyncOuter(SyncOuter command)
        {
            seen.Contexts.Add(("sync outer", HandlerContext.Current));
            bus.SendAsync(new AsyncMiddle(command.Id)).AsTask().GetAwaiter().GetResult();
            seen.Contexts.Add(("sync outer after middle", HandlerContext.Current));
        }

        [CommandHandler]
        public async Task HandleAsyncMiddle(AsyncMiddle command)
        {
            seen.Contexts.Add(("async middle", HandlerContext.Current));
            await bus.SendAsync(new SyncLeaf(command.Id));
            seen.Contexts.Add(("async middle after leaf", HandlerContext.Current));
        }

        [CommandHandler]
        public void HandleSyncLeaf(SyncLeaf command) => seen.Contexts.Add(("sync leaf", HandlerContext.Current));

        // Completes a task whose awaiter, another handler's invocation, continues inline on this thread.
        [CommandHandler]
        public void HandleSignal(Signal command)
        {
            seen.Signal.SetResult();
            seen.Contexts.Add(("signal set", HandlerContext.Current));
        }

        [CommandHandler]
        public async Task HandleWaitForSignal(WaitForSignal command)
        {
            // Registered before the test may signal, and run by whoever completes the signal, on its thread.
            var woken = seen.Signal.Task.ContinueWith(
                _ => seen.Contexts.Add(("woken inline", HandlerContext.Current)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            seen.Waiting.SetResult();
            await woken;
        }
    }

    public sealed class ContextHandlers(Seen seen, ICommandBus bus)
    {
        [CommandHandler]
        public async Task HandleOuter(Outer command)
        {
            seen.Contexts.Add(("outer", HandlerContext.Current));
            await bus.SendAsync(new Inner(command.Id));
            seen.Contexts.Add(("outer after inner", HandlerContext.Current));
        }

        [CommandHandler]
        public void HandleInner(Inner command) => seen.Contexts.Add(("inner", HandlerContext.Current));

        [CommandHandler]
        public void HandleFailing(Failing command) => throw new InvalidOperationException(command.Id);

        [CommandHandler]
        public async Task HandleAwaitsFirst(AwaitsFirst command)
        {
            await Task.Yield();
            seen.Contexts.Add(("after await", HandlerContext.Current));
        }
    }

    private static ConveyorFlow Flow(ServiceLifetime lifetime = ServiceLifetime.Scoped) =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<ContextHandlers>().UseHandlerLifetime(lifetime), s => s.AddSingleton<Seen>());

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task SendAsync_NestedSend_EachHandlerSeesItsOwnInvocationAndTheCallerNone(ServiceLifetime lifetime)
    {
        await using var flow = Flow(lifetime);

        await flow.SendAsync(new Outer("o-1"));

        HandlerContext.Current.ShouldBeNull();
        var seen = flow.Services.GetRequiredService<Seen>().Contexts;
        seen.Select(s => s.Where).ShouldBe(["outer", "inner", "outer after inner"]);
        var outer = seen[0].Context.ShouldNotBeNull();
        var inner = seen[1].Context.ShouldNotBeNull();
        outer.Payload.ShouldBe(new Outer("o-1"));
        inner.Payload.ShouldBe(new Inner("o-1"));
        seen[2].Context.ShouldBeSameAs(outer);
        inner.Services.ShouldBeSameAs(outer.Services);
        inner.Headers.CorrelationId.ShouldBe(outer.Headers.MessageId);
        inner.Headers.CausationId.ShouldBe(outer.Headers.MessageId);
    }

    [Fact]
    public async Task SendAsync_AsyncHandlerAfterAwait_StillSeesItsInvocation()
    {
        await using var flow = Flow();

        await flow.SendAsync(new AwaitsFirst("a-1"));

        var (_, context) = flow.Services.GetRequiredService<Seen>().Contexts.ShouldHaveSingleItem();
        context.ShouldNotBeNull().Payload.ShouldBe(new AwaitsFirst("a-1"));
        HandlerContext.Current.ShouldBeNull();
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task SendAsync_SynchronousAndAsynchronousHandlersNested_EachSeesItsOwnInvocationAndHeadersChain(ServiceLifetime lifetime)
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<SynchronousHandlers>().UseHandlerLifetime(lifetime), s => s.AddSingleton<Seen>());

        await flow.SendAsync(new SyncOuter("s-1"));

        HandlerContext.Current.ShouldBeNull();
        var seen = flow.Services.GetRequiredService<Seen>().Contexts;
        seen.Select(s => s.Where).ShouldBe(["sync outer", "async middle", "sync leaf", "async middle after leaf", "sync outer after middle"]);
        var outer = seen[0].Context.ShouldNotBeNull();
        var middle = seen[1].Context.ShouldNotBeNull();
        var leaf = seen[2].Context.ShouldNotBeNull();
        outer.Payload.ShouldBe(new SyncOuter("s-1"));
        middle.Payload.ShouldBe(new AsyncMiddle("s-1"));
        leaf.Payload.ShouldBe(new SyncLeaf("s-1"));
        seen[3].Context.ShouldBeSameAs(middle);
        seen[4].Context.ShouldBeSameAs(outer);
        middle.Headers.CausationId.ShouldBe(outer.Headers.MessageId);
        leaf.Headers.CausationId.ShouldBe(middle.Headers.MessageId);
        leaf.Headers.CorrelationId.ShouldBe(outer.Headers.MessageId);
    }

    [Fact]
    public async Task SendAsync_SynchronousHandlerWakesAnotherInvocationInline_TheWokenCodeSeesItsOwnInvocation()
    {
        // Singleton handlers: a top-level send needs no DI scope, so the synchronous one is called directly.
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<SynchronousHandlers>().UseHandlerLifetime(ServiceLifetime.Singleton), s => s.AddSingleton<Seen>());
        var seen = flow.Services.GetRequiredService<Seen>();

        var waiting = Task.Run(async () => await flow.SendAsync(new WaitForSignal("w-1")));
        await seen.Waiting.Task;
        await Task.Run(async () => await flow.SendAsync(new Signal("s-1"))); // off the test's synchronization context, so it can inline
        await waiting;

        // The waiting handler ran on, inline, before SetResult returned to the signalling handler.
        seen.Contexts.Select(c => c.Where).ShouldBe(["woken inline", "signal set"]);
        seen.Contexts[0].Context.ShouldNotBeNull().Payload.ShouldBe(new WaitForSignal("w-1"));
        seen.Contexts[1].Context.ShouldNotBeNull().Payload.ShouldBe(new Signal("s-1"));
    }

    [Fact]
    public async Task ReceivedMessage_SynchronousHandler_SeesItsInvocation_AndWhatItSendsWaitsForItsSuccess()
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<ReceivingHandlers>().AddInMemoryChannel("inbox").AddInMemoryChannel("outbox"), s => s.AddSingleton<Seen>());
        var seen = flow.Services.GetRequiredService<Seen>();
        await flow.SendAsync(new Received("r-1", Fail: true));
        await flow.SendAsync(new Received("r-2", Fail: false));

        await flow.RunAsync("inbox", expectFailures: true);

        var received = seen.Contexts.Where(c => c.Where == "received").Select(c => c.Context.ShouldNotBeNull()).ToList();
        received.Select(c => ((Received)c.Payload!).Id).Distinct().ShouldBe(["r-1", "r-2"]);
        received.ShouldAllBe(c => c.Headers.MessageId != null);
        HandlerContext.Current.ShouldBeNull("the invocation is ambient only while its handler runs");

        // Only the message of the handler that succeeded was sent on, with the received message as its cause.
        var onward = flow.RecordedMessages("outbox").ShouldHaveSingleItem();
        var succeeded = received.Last(c => ((Received)c.Payload!).Id == "r-2");
        onward.Headers.CausationId.ShouldBe(succeeded.Headers.MessageId);
        await flow.RunAsync("outbox");
        seen.Contexts.Single(c => c.Where == "onward").Context.ShouldNotBeNull().Payload.ShouldBe(new Onward("r-2"));
    }

    [Fact]
    public async Task SendAsync_HandlerThrows_RestoresTheCallersContext()
    {
        await using var flow = Flow();

        await Should.ThrowAsync<InvalidOperationException>(async () => await flow.SendAsync(new Failing("f-1")));
        HandlerContext.Current.ShouldBeNull();

        // The synchronous handler that threw left nothing behind on this thread: the next one has no parent.
        await flow.SendAsync(new Inner("i-1"));
        var inner = flow.Services.GetRequiredService<Seen>().Contexts.ShouldHaveSingleItem().Context.ShouldNotBeNull();
        inner.Headers.CausationId.ShouldBeNull();
        inner.Headers.CorrelationId.ShouldBe(inner.Headers.MessageId);
    }
}
