using System.Reflection;

namespace Conveyor.Handlers;

/// <summary>
/// The one seam through which a handler method becomes callable: today compiled from expression trees at start-up
/// (<see cref="ExpressionHandlerInvokerFactory"/>); a compile-time source generator can supply the same delegates for
/// Native AOT, where nothing can be compiled at run time.
/// </summary>
internal interface IHandlerInvokerFactory
{
    /// <summary>An invoker that binds every parameter from the invocation's context.</summary>
    HandlerInvoker Create(MethodInfo method, IReadOnlyList<ParameterBinding> bindings);

    /// <summary>A direct invoker for a synchronous method that needs no context, or null.</summary>
    DirectInvoker? CreateDirect(MethodInfo method, IReadOnlyList<ParameterBinding> bindings);
}
