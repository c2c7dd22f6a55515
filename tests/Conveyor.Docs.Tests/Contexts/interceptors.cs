// What docs/concepts.md's interceptor registration uses: two interceptors, an attribute that marks handlers, and a
// handler class.
using Conveyor;

[AttributeUsage(AttributeTargets.Method)]
public sealed class TransactionalAttribute : Attribute;

public sealed class TransactionInterceptor : IAroundInterceptor
{
    public ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next) => next();
}

public sealed class AuditInterceptor : IAfterInterceptor
{
    public ValueTask AfterAsync(HandlerContext context, object? result) => ValueTask.CompletedTask;
}

public sealed class OrderHandler;
