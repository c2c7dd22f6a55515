using System.Reflection;

namespace Conveyor.Handlers;

/// <summary>Compiles invokers from expression trees once, at start-up.</summary>
internal sealed class ExpressionHandlerInvokerFactory : IHandlerInvokerFactory
{
    public HandlerInvoker Create(MethodInfo method, IReadOnlyList<ParameterBinding> bindings) => HandlerInvokerCompiler.Compile(method, bindings);

    public DirectInvoker? CreateDirect(MethodInfo method, IReadOnlyList<ParameterBinding> bindings) => HandlerInvokerCompiler.CompileDirect(method, bindings);
}
