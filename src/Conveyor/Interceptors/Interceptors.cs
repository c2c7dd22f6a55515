namespace Conveyor;

/// <summary>Runs before a handler. Throwing stops the invocation as if the handler had thrown.</summary>
public interface IBeforeInterceptor
{
    /// <summary>Called before the handler.</summary>
    /// <param name="context">The invocation.</param>
    /// <returns>A task that completes when the interceptor is done.</returns>
    ValueTask BeforeAsync(HandlerContext context);
}

/// <summary>Wraps a handler: decides whether and how <c>next</c> runs (transactions, timing, locks).</summary>
public interface IAroundInterceptor
{
    /// <summary>Called around the handler.</summary>
    /// <param name="context">The invocation.</param>
    /// <param name="next">Runs the rest of the pipeline and the handler; returns the handler's result.</param>
    /// <returns>The result to hand back (usually <c>next</c>'s).</returns>
    ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next);
}

/// <summary>Runs after a handler returned successfully.</summary>
public interface IAfterInterceptor
{
    /// <summary>Called after the handler.</summary>
    /// <param name="context">The invocation.</param>
    /// <param name="result">What the handler returned.</param>
    /// <returns>A task that completes when the interceptor is done.</returns>
    ValueTask AfterAsync(HandlerContext context, object? result);
}
