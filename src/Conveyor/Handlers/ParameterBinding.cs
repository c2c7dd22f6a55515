using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers;

/// <summary>How one handler parameter gets its value.</summary>
internal abstract record ParameterBinding(ParameterInfo Parameter)
{
    public abstract Expression Bind(BindingSources sources);

    /// <summary>Whether the value comes from the payload, the services or the token alone, with no <see cref="HandlerContext"/>.</summary>
    public virtual bool NeedsContext => false;

    public sealed record Payload(ParameterInfo Parameter) : ParameterBinding(Parameter)
    {
        public override Expression Bind(BindingSources sources) => Expression.Convert(sources.Payload, Parameter.ParameterType);
    }

    public sealed record Cancellation(ParameterInfo Parameter) : ParameterBinding(Parameter)
    {
        public override Expression Bind(BindingSources sources) => sources.CancellationToken;
    }

    public sealed record Headers(ParameterInfo Parameter) : ParameterBinding(Parameter)
    {
        public override bool NeedsContext => true;

        public override Expression Bind(BindingSources sources) =>
            Expression.Convert(Expression.Property(sources.RequireContext(), nameof(HandlerContext.Headers)), Parameter.ParameterType);
    }

    public sealed record Context(ParameterInfo Parameter) : ParameterBinding(Parameter)
    {
        public override bool NeedsContext => true;

        public override Expression Bind(BindingSources sources) => sources.RequireContext();
    }

    public sealed record Header(ParameterInfo Parameter, string Name) : ParameterBinding(Parameter)
    {
        private static readonly MethodInfo Read = typeof(HeaderReader).GetMethod(nameof(HeaderReader.Read))!;

        public override bool NeedsContext => true;

        public override Expression Bind(BindingSources sources) =>
            Expression.Call(
                Read.MakeGenericMethod(Parameter.ParameterType),
                sources.RequireContext(),
                Expression.Constant(Name),
                Expression.Constant(Parameter.Name ?? "?"),
                Expression.Constant(IsOptional(Parameter)));
    }

    public sealed record Service(ParameterInfo Parameter, object? Key) : ParameterBinding(Parameter)
    {
        private static readonly MethodInfo Resolve = typeof(ServiceReader).GetMethod(nameof(ServiceReader.Resolve))!;
        private static readonly MethodInfo ResolveKeyed = typeof(ServiceReader).GetMethod(nameof(ServiceReader.ResolveKeyed))!;

        public override Expression Bind(BindingSources sources) =>
            Key is null
                ? Expression.Call(Resolve.MakeGenericMethod(Parameter.ParameterType), sources.Services)
                : Expression.Call(ResolveKeyed.MakeGenericMethod(Parameter.ParameterType), sources.Services, Expression.Constant(Key, typeof(object)));
    }

    internal static bool IsOptional(ParameterInfo parameter) =>
        parameter.HasDefaultValue
        || !parameter.ParameterType.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable
        || Nullable.GetUnderlyingType(parameter.ParameterType) is not null;
}

/// <summary>Where a compiled invoker finds parameter values: the invocation's context, or (for a direct invoker) its arguments.</summary>
internal sealed record BindingSources(ParameterExpression? Context, Expression Payload, Expression Services, Expression CancellationToken)
{
    public static BindingSources Of(ParameterExpression context) => new(
        context,
        Expression.Property(context, nameof(HandlerContext.Payload)),
        Expression.Property(context, nameof(HandlerContext.Services)),
        Expression.Property(context, nameof(HandlerContext.CancellationToken)));

    public ParameterExpression RequireContext() =>
        Context ?? throw new InvalidOperationException("This parameter is read from the handler context, which a direct invoker does not have.");
}

/// <summary>Reads and converts header values for <c>[Header]</c> parameters.</summary>
internal static class HeaderReader
{
    public static T? Read<T>(HandlerContext context, string name, string parameter, bool optional)
    {
        var raw = context.GetHeader(name);
        if (raw is null)
        {
            return optional
                ? default
                : throw new MissingHeaderException(
                    $"Header '{name}' required by parameter '{parameter}' of endpoint '{context.Endpoint.EndpointId}' is missing. Make the parameter nullable or give it a default to accept messages without it.");
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        try
        {
            if (target == typeof(string))
            {
                return (T)(object)raw;
            }

            if (target == typeof(Guid))
            {
                return (T)(object)Guid.Parse(raw, CultureInfo.InvariantCulture);
            }

            if (target == typeof(DateTimeOffset))
            {
                return (T)(object)(long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                    ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                    : DateTimeOffset.Parse(raw, CultureInfo.InvariantCulture));
            }

            if (target.IsEnum)
            {
                return (T)Enum.Parse(target, raw, ignoreCase: true);
            }

            return (T)Convert.ChangeType(raw, target, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw new InvalidHeaderException(name, raw, target, parameter, context.Endpoint.EndpointId, e);
        }
    }
}

/// <summary>Resolves handler parameters from the invocation's DI scope.</summary>
internal static class ServiceReader
{
    public static T Resolve<T>(IServiceProvider services) where T : notnull => services.GetRequiredService<T>();

    public static T ResolveKeyed<T>(IServiceProvider services, object key) where T : notnull => services.GetRequiredKeyedService<T>(key);
}
