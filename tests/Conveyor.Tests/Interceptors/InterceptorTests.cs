using Conveyor.Testing;

namespace Conveyor.Tests.Interceptors;

public sealed class InterceptorTests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class AuditedAttribute : Attribute;

    public sealed record Transfer(decimal Amount);

    public sealed record Noop;

    public sealed class Trace
    {
        public List<string> Steps { get; } = [];
    }

    public sealed class Bank(Trace trace)
    {
        [Audited]
        [CommandHandler]
        public decimal Handle(Transfer transfer)
        {
            trace.Steps.Add("handler");
            return transfer.Amount;
        }

        [CommandHandler]
        public void Handle(Noop noop) => trace.Steps.Add("noop");
    }

    public sealed class Before(Trace trace) : IBeforeInterceptor
    {
        public ValueTask BeforeAsync(HandlerContext context)
        {
            trace.Steps.Add($"before:{context.Endpoint.Method.Name}:{context.Payload!.GetType().Name}");
            return ValueTask.CompletedTask;
        }
    }

    public sealed class OuterAround(Trace trace) : IAroundInterceptor
    {
        public async ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next)
        {
            trace.Steps.Add("outer:in");
            var result = await next();
            trace.Steps.Add("outer:out");
            return result;
        }
    }

    public sealed class DoublingAround(Trace trace) : IAroundInterceptor
    {
        public async ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next)
        {
            trace.Steps.Add("inner:in");
            var result = (decimal)(await next())!;
            trace.Steps.Add("inner:out");
            return result * 2;
        }
    }

    public sealed class After(Trace trace) : IAfterInterceptor
    {
        public ValueTask AfterAsync(HandlerContext context, object? result)
        {
            trace.Steps.Add($"after:{result}");
            return ValueTask.CompletedTask;
        }
    }

    public sealed class Veto : IBeforeInterceptor
    {
        public ValueTask BeforeAsync(HandlerContext context) => throw new UnauthorizedAccessException("not allowed");
    }

    [Fact]
    public async Task Interceptors_RunInOrderAroundTheHandler_AndCanChangeTheResult()
    {
        var trace = new Trace();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Bank>()
                .AddInterceptor<DoublingAround>(Pointcut.WithAttribute<AuditedAttribute>(), order: 2)
                .AddInterceptor<OuterAround>(Pointcut.WithAttribute<AuditedAttribute>(), order: 1)
                .AddInterceptor<Before>(Pointcut.WithAttribute<AuditedAttribute>())
                .AddInterceptor<After>(Pointcut.Handler<Bank>()),
            s => s.AddSingleton(trace));

        var result = await flow.CommandBus.SendAsync<decimal>(new Transfer(21m));

        result.ShouldBe(42m);
        trace.Steps.ShouldBe(["before:Handle:Transfer", "outer:in", "inner:in", "handler", "inner:out", "outer:out", "after:42"]);
    }

    [Fact]
    public async Task Pointcut_ByAttribute_LeavesOtherEndpointsAlone()
    {
        var trace = new Trace();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Bank>().AddInterceptor<Before>(Pointcut.WithAttribute<AuditedAttribute>()),
            s => s.AddSingleton(trace));

        await flow.SendAsync(new Noop());

        trace.Steps.ShouldBe(["noop"]);
    }

    [Fact]
    public async Task BeforeInterceptor_Throwing_StopsTheHandler()
    {
        var trace = new Trace();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Bank>().AddInterceptor<Veto>(), s => s.AddSingleton(trace));

        await Should.ThrowAsync<UnauthorizedAccessException>(async () => await flow.SendAsync(new Noop()));

        trace.Steps.ShouldBeEmpty();
    }

    [Fact]
    public void AddInterceptor_TypeWithoutInterceptorInterface_FailsAtStartup() =>
        Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddInterceptor<Trace>()))
            .Message.ShouldContain("implements none of IBeforeInterceptor, IAroundInterceptor, IAfterInterceptor");
}
