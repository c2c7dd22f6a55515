using System.Reflection;
using Conveyor.Handlers;
using Conveyor.Serialization;
using Microsoft.Extensions.Logging;

namespace Conveyor.Aggregates;

/// <summary>Builds the aggregate side of the command handlers declared on aggregate classes, with one model per class, while the runtime is compiled.</summary>
internal sealed class AggregateEndpoints(MessageSerializer serializer, ILogger logger)
{
    private readonly Dictionary<Type, AggregatePersistence?> _persistence = [];

    /// <summary>The aggregate side of <paramref name="descriptor"/>, or null when its class is no aggregate (or is invalid: see <paramref name="errors"/>).</summary>
    public AggregateEndpoint? Build(HandlerDescriptor descriptor, ICollection<string> errors)
    {
        var type = descriptor.HandlerType;
        if (!AggregateModel.IsAggregate(type))
        {
            return null;
        }

        var where = descriptor.Info.EndpointId;
        if (!_persistence.TryGetValue(type, out var persistence))
        {
            persistence = _persistence[type] = AggregateModel.Describe(type, errors) is { } model ? AggregatePersistence.For(model, serializer) : null;
        }

        if (descriptor.Info.Kind != EndpointKind.Command)
        {
            errors.Add($"{where}: an aggregate handles commands only. Move this handler to a class of its own (it may send the aggregate a command).");
            return null;
        }

        if (descriptor.OutputChannel is not null)
        {
            errors.Add($"{where}: an aggregate command handler has no OutputChannel: the aggregate publishes what happened with RecordThat(...).");
            return null;
        }

        if (persistence is null)
        {
            return null;
        }

        var method = descriptor.Method;
        if (method.IsStatic)
        {
            if (!ReturnsAggregate(method.ReturnType, type))
            {
                errors.Add($"{where}: a static command handler on an aggregate creates one: return the new {type.Name} (or a Task of it).");
                return null;
            }

            // The command that creates an aggregate often carries its identifier: then it is the partition key too.
            var known = IdentifierSource.Describe(persistence.Model, method, descriptor.Info.PayloadType, where, errors: null);
            return new AggregateEndpoint(new AggregateInstanceStep(persistence, null, AggregateNotFoundPolicy.Fail, logger), new AggregateResultStep(persistence, isFactory: true), known);
        }

        var identifier = IdentifierSource.Describe(persistence.Model, method, descriptor.Info.PayloadType, where, errors);
        if (identifier is null)
        {
            return null;
        }

        var notFound = method.GetCustomAttribute<AggregateNotFoundAttribute>()?.Policy ?? AggregateNotFoundPolicy.Fail;
        return new AggregateEndpoint(new AggregateInstanceStep(persistence, identifier, notFound, logger), new AggregateResultStep(persistence, isFactory: false), identifier);
    }

    private static bool ReturnsAggregate(Type returnType, Type aggregateType) =>
        returnType == aggregateType
        || (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            && returnType.GetGenericArguments()[0] == aggregateType);
}
