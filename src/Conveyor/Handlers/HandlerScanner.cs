using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers;

/// <summary>Finds handler methods by their attributes and describes them; collects every configuration error it sees.</summary>
internal static class HandlerScanner
{
    private static readonly Type[] BusTypes = [typeof(ICommandBus), typeof(IEventBus), typeof(IQueryBus)];

    public static IEnumerable<Type> CandidateTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } || t is { IsAbstract: true, IsSealed: true })
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Any(m => m.GetCustomAttribute<HandlerAttribute>() is not null));

    public static IReadOnlyList<HandlerDescriptor> Describe(Type handlerType, ICollection<string> errors)
    {
        var found = new List<HandlerDescriptor>();
        foreach (var method in handlerType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        {
            var attribute = method.GetCustomAttribute<HandlerAttribute>();
            if (attribute is not null && TryDescribe(handlerType, method, attribute, errors) is { } descriptor)
            {
                found.Add(descriptor);
            }
        }

        return found;
    }

    private static HandlerDescriptor? TryDescribe(Type handlerType, MethodInfo method, HandlerAttribute attribute, ICollection<string> errors)
    {
        var where = $"{handlerType.Name}.{method.Name}";
        var asynchronous = method.GetCustomAttribute<AsynchronousAttribute>();
        var (kind, routing, channel, endpointId) = attribute switch
        {
            CommandHandlerAttribute c => (EndpointKind.Command, c.RoutingKey, asynchronous?.ChannelName, attribute.EndpointId),
            EventHandlerAttribute e => (EndpointKind.Event, e.RoutingPattern, asynchronous?.ChannelName, attribute.EndpointId),
            QueryHandlerAttribute q => (EndpointKind.Query, q.RoutingKey, asynchronous?.ChannelName, attribute.EndpointId),
            InternalHandlerAttribute i => (EndpointKind.Internal, null, i.InputChannelName, attribute.EndpointId),
            OrchestratorAttribute o => (EndpointKind.Internal, null, o.InputChannelName, attribute.EndpointId),
            ConsumerEndpointAttribute k => (EndpointKind.Consumer, null, k.ConsumerEndpointId, k.ConsumerEndpointId),
            _ => (EndpointKind.Command, null, null, null),
        };
        endpointId ??= DefaultEndpointId(handlerType, method, where);

        if (asynchronous is not null && (asynchronous.ChannelNames.Count == 0 || asynchronous.ChannelNames.Any(string.IsNullOrWhiteSpace)))
        {
            errors.Add($"{where}: [Asynchronous] needs channel names, e.g. [Asynchronous(\"orders\")] or a chain [Asynchronous(\"orders_db\", \"orders_kafka\")].");
            return null;
        }

        if (asynchronous is not null && asynchronous.ChannelNames.Distinct(StringComparer.Ordinal).Count() != asynchronous.ChannelNames.Count)
        {
            errors.Add($"{where}: [Asynchronous(\"{string.Join("\", \"", asynchronous.ChannelNames)}\")] names a channel twice. Name each channel of a chain once.");
            return null;
        }

        if (kind == EndpointKind.Query && asynchronous is not null)
        {
            errors.Add($"{where}: query handlers answer in-process and cannot be [Asynchronous(\"{asynchronous.ChannelName}\")]. Remove [Asynchronous] or make it a command handler.");
            return null;
        }

        if (asynchronous is not null && kind is EndpointKind.Internal or EndpointKind.Consumer)
        {
            errors.Add($"{where}: [Asynchronous] applies to command and event handlers only; an internal handler becomes asynchronous when its input channel is a registered channel.");
            return null;
        }

        if (!method.IsStatic && handlerType.IsAbstract)
        {
            errors.Add($"{where}: handler methods on static classes must be static.");
            return null;
        }

        var bindings = BindParameters(method, kind, routing, where, errors);
        if (bindings is null)
        {
            return null;
        }

        var payload = bindings.OfType<ParameterBinding.Payload>().FirstOrDefault()?.Parameter.ParameterType;

        // A consumer or an asynchronous handler taking IReadOnlyList<T> handles batches of T: routed and decoded as T.
        var batch = payload is not null && (kind == EndpointKind.Consumer || asynchronous is not null) ? BatchShape.Of(payload) : null;
        if (batch is not null)
        {
            if (!BatchFits(method, bindings, batch, where, errors))
            {
                return null;
            }

            payload = batch.ElementType;
        }
        if (payload is null && routing is null && kind is EndpointKind.Command or EndpointKind.Event or EndpointKind.Query)
        {
            errors.Add($"{where}: a handler without a payload parameter must have a routing key, e.g. [{attribute.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal)}(\"order.cancel\")].");
            return null;
        }

        if (kind == EndpointKind.Query && (method.ReturnType == typeof(void) || method.ReturnType == typeof(Task) || method.ReturnType == typeof(ValueTask)))
        {
            errors.Add($"{where}: a query handler must return its answer.");
            return null;
        }

        var via = asynchronous is { ChannelNames.Count: > 1 } ? asynchronous.ChannelNames.Take(asynchronous.ChannelNames.Count - 1).ToArray() : null;
        var info = new EndpointInfo(endpointId, kind, handlerType, method, payload, channel, routing, via) { IsBatch = batch is not null };
        return new HandlerDescriptor(
            info,
            attribute,
            bindings,
            attribute.OutputChannel,
            method.GetCustomAttribute<InstantRetryAttribute>() ?? handlerType.GetCustomAttribute<InstantRetryAttribute>(),
            method.GetCustomAttribute<DelayedRetryAttribute>() ?? handlerType.GetCustomAttribute<DelayedRetryAttribute>(),
            (method.GetCustomAttribute<ErrorChannelAttribute>() ?? handlerType.GetCustomAttribute<ErrorChannelAttribute>())?.ChannelName,
            (method.GetCustomAttribute<FinalFailureAttribute>() ?? handlerType.GetCustomAttribute<FinalFailureAttribute>())?.Strategy,
            method.GetCustomAttribute<DeduplicatedAttribute>(),
            batch);
    }

    private static bool BatchFits(MethodInfo method, List<ParameterBinding> bindings, BatchShape batch, string where, ICollection<string> errors)
    {
        var element = batch.ElementType.Name;
        if (bindings.Any(b => b is ParameterBinding.Header or ParameterBinding.Headers))
        {
            errors.Add($"{where}: a batch handler has no single message to read headers from. Take IReadOnlyList<Received<{element}>> and read each message's Headers instead of [Header] or MessageHeaders parameters.");
            return false;
        }

        if (method.GetCustomAttribute<DeduplicatedAttribute>() is { Enabled: true })
        {
            errors.Add($"{where}: [Deduplicated] does not apply to a batch handler. Make its writes idempotent (e.g. an upsert keyed by each Received<{element}>.MessageId), or take one {element} per call.");
            return false;
        }

        return true;
    }

    /// <summary><c>Class.Method</c>, or <c>Class.Method(FirstParameterType)</c> when the class has overloads of that handler method.</summary>
    private static string DefaultEndpointId(Type handlerType, MethodInfo method, string where)
    {
        var overloaded = handlerType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Count(m => m.Name == method.Name && m.GetCustomAttribute<HandlerAttribute>() is not null) > 1;
        return overloaded && method.GetParameters() is [var first, ..] ? $"{where}({first.ParameterType.Name})" : where;
    }

    private static List<ParameterBinding>? BindParameters(MethodInfo method, EndpointKind kind, string? routing, string where, ICollection<string> errors)
    {
        var bindings = new List<ParameterBinding>();
        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var type = parameter.ParameterType;
            if (type.IsByRef)
            {
                errors.Add($"{where}: parameter '{parameter.Name}' is passed by reference; handler parameters must be passed by value.");
                return null;
            }

            if (parameter.GetCustomAttribute<HeaderAttribute>() is { } header)
            {
                bindings.Add(new ParameterBinding.Header(parameter, header.Name));
            }
            else if (type == typeof(CancellationToken))
            {
                bindings.Add(new ParameterBinding.Cancellation(parameter));
            }
            else if (type == typeof(MessageHeaders) || type == typeof(IReadOnlyDictionary<string, string>))
            {
                bindings.Add(new ParameterBinding.Headers(parameter));
            }
            else if (type == typeof(HandlerContext))
            {
                bindings.Add(new ParameterBinding.Context(parameter));
            }
            else if (parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
            {
                bindings.Add(new ParameterBinding.Service(parameter, keyed.Key));
            }
            else if (i == 0 && !BusTypes.Contains(type) && !(routing is not null && type.IsInterface && kind != EndpointKind.Event))
            {
                bindings.Add(new ParameterBinding.Payload(parameter));
            }
            else
            {
                bindings.Add(new ParameterBinding.Service(parameter, null));
            }
        }

        return bindings;
    }
}
