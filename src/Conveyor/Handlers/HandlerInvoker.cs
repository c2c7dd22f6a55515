using System.Linq.Expressions;
using System.Reflection;

namespace Conveyor.Handlers;

/// <summary>Calls a handler method on an instance; compiled once at start-up so that no reflection runs per message.</summary>
internal delegate ValueTask<object?> HandlerInvoker(object? instance, HandlerContext context);

internal static class HandlerInvokerCompiler
{
    public static HandlerInvoker Compile(MethodInfo method, IReadOnlyList<ParameterBinding> bindings)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var context = Expression.Parameter(typeof(HandlerContext), "context");
        var arguments = bindings.Select(b => b.Bind(context));
        var call = method.IsStatic
            ? Expression.Call(method, arguments)
            : Expression.Call(Expression.Convert(instance, method.DeclaringType!), method, arguments);
        var body = AdaptReturn(call, method.ReturnType);
        return Expression.Lambda<HandlerInvoker>(body, instance, context).Compile();
    }

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
