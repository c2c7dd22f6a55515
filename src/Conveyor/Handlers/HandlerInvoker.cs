using System.Linq.Expressions;
using System.Reflection;

namespace Conveyor.Handlers;

/// <summary>Calls a handler method on an instance; compiled once at start-up so that no reflection runs per message.</summary>
internal delegate ValueTask<object?> HandlerInvoker(object? instance, HandlerContext context);

/// <summary>
/// Calls a synchronous handler method whose parameters are the payload, services and the cancellation token only:
/// no <see cref="HandlerContext"/> needs to exist for the call. Returns the method's result, boxed, or null.
/// </summary>
internal delegate object? DirectInvoker(object? instance, object? payload, IServiceProvider services, CancellationToken cancellationToken);

internal static class HandlerInvokerCompiler
{
    public static HandlerInvoker Compile(MethodInfo method, IReadOnlyList<ParameterBinding> bindings)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var context = Expression.Parameter(typeof(HandlerContext), "context");
        var body = AdaptReturn(Call(method, instance, bindings, BindingSources.Of(context)), method.ReturnType);
        return Expression.Lambda<HandlerInvoker>(body, instance, context).Compile();
    }

    /// <summary>A <see cref="DirectInvoker"/> for <paramref name="method"/>, or null when it is asynchronous or reads the context.</summary>
    public static DirectInvoker? CompileDirect(MethodInfo method, IReadOnlyList<ParameterBinding> bindings)
    {
        if (IsAwaitable(method.ReturnType) || bindings.Any(b => b.NeedsContext))
        {
            return null;
        }

        var instance = Expression.Parameter(typeof(object), "instance");
        var payload = Expression.Parameter(typeof(object), "payload");
        var services = Expression.Parameter(typeof(IServiceProvider), "services");
        var cancellationToken = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        var call = Call(method, instance, bindings, new BindingSources(null, payload, services, cancellationToken));
        Expression body = method.ReturnType == typeof(void)
            ? Expression.Block(call, Expression.Constant(null, typeof(object)))
            : Expression.Convert(call, typeof(object));
        return Expression.Lambda<DirectInvoker>(body, instance, payload, services, cancellationToken).Compile();
    }

    private static MethodCallExpression Call(MethodInfo method, ParameterExpression instance, IReadOnlyList<ParameterBinding> bindings, BindingSources sources)
    {
        var arguments = bindings.Select(b => b.Bind(sources));
        return method.IsStatic
            ? Expression.Call(method, arguments)
            : Expression.Call(Expression.Convert(instance, method.DeclaringType!), method, arguments);
    }

    private static bool IsAwaitable(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask)
        || type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>));

    private static Expression AdaptReturn(Expression call, Type returnType)
    {
        if (returnType == typeof(void))
        {
            return Expression.Block(call, Expression.Default(typeof(ValueTask<object?>)));
        }

        if (returnType == typeof(Task))
        {
            return Expression.Call(typeof(ReturnAdapters).GetMethod(nameof(ReturnAdapters.FromTask))!, call);
        }

        if (returnType == typeof(ValueTask))
        {
            return Expression.Call(typeof(ReturnAdapters).GetMethod(nameof(ReturnAdapters.FromValueTask))!, call);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return Expression.Call(typeof(ReturnAdapters).GetMethod(nameof(ReturnAdapters.FromTaskOf))!.MakeGenericMethod(returnType.GetGenericArguments()), call);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return Expression.Call(typeof(ReturnAdapters).GetMethod(nameof(ReturnAdapters.FromValueTaskOf))!.MakeGenericMethod(returnType.GetGenericArguments()), call);
        }

        return Expression.New(
            typeof(ValueTask<object?>).GetConstructor([typeof(object)])!,
            Expression.Convert(call, typeof(object)));
    }
}

internal static class ReturnAdapters
{
    public static ValueTask<object?> FromTask(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(Task task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    public static ValueTask<object?> FromValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    public static ValueTask<object?> FromTaskOf<T>(Task<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(Task<T> task) => await task.ConfigureAwait(false);
    }

    public static ValueTask<object?> FromValueTaskOf<T>(ValueTask<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask<T> task) => await task.ConfigureAwait(false);
    }
}
