using Conveyor.Testing;

namespace Conveyor.Tests.Handlers;

public sealed class HandlerContextTests
{
    public sealed record Outer(string Id);

    public sealed record Inner(string Id);

    public sealed record Failing(string Id);

    public sealed record AwaitsFirst(string Id);

    public sealed class Seen
    {
        public List<(string Where, HandlerContext? Context)> Contexts { get; } = [];
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

    [Fact]
    public async Task SendAsync_HandlerThrows_RestoresTheCallersContext()
    {
        await using var flow = Flow();

        await Should.ThrowAsync<InvalidOperationException>(async () => await flow.SendAsync(new Failing("f-1")));

        HandlerContext.Current.ShouldBeNull();
    }
}
