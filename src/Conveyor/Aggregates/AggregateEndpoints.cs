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

        var isSaga = type.IsDefined(typeof(SagaAttribute), inherit: false);
        if (descriptor.Info.Kind != EndpointKind.Command && !(isSaga && descriptor.Info.Kind == EndpointKind.Event))
        {
            errors.Add(isSaga
                ? $"{where}: a saga handles events and commands only. Move this handler to a class of its own (it may send the saga a command)."
                : $"{where}: an aggregate handles commands only. Move this handler to a class of its own (it may send the aggregate a command).");
            return null;
        }

        if (descriptor.OutputChannel is not null)
        {
            errors.Add($"{where}: a handler on an aggregate or saga has no OutputChannel: it publishes what happened with RecordThat(...).");
            return null;
        }

        if (persistence is null)
        {
            return null;
        }

        if (isSaga)
        {
            return BuildSaga(descriptor, persistence, errors);
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

    /// <summary>
    /// A saga's handler. Every one, the start included, correlates its message to an instance by the identifier: a start
    /// for a saga that runs already is skipped (an event delivered twice must not restart it), and a message for a saga
    /// that does not exist is dropped by default, since an event reaches every saga that handles it, not only its own.
    /// </summary>
    private AggregateEndpoint? BuildSaga(HandlerDescriptor descriptor, AggregatePersistence persistence, ICollection<string> errors)
    {
        var where = descriptor.Info.EndpointId;
        var method = descriptor.Method;
        if (method.IsStatic && !ReturnsAggregate(method.ReturnType, descriptor.HandlerType))
        {
            errors.Add($"{where}: a static handler on a saga starts one: return the new {descriptor.HandlerType.Name} (or a Task of it).");
            return null;
        }

        var identifier = IdentifierSource.Describe(persistence.Model, method, descriptor.Info.PayloadType, where, errors);
        if (identifier is null)
        {
            return null;
        }

        var notFound = method.GetCustomAttribute<AggregateNotFoundAttribute>()?.Policy ?? AggregateNotFoundPolicy.Drop;
        return new AggregateEndpoint(
            new AggregateInstanceStep(persistence, identifier, notFound, logger, starts: method.IsStatic),
            new AggregateResultStep(persistence, isFactory: method.IsStatic),
            identifier);
    }

    private static bool ReturnsAggregate(Type returnType, Type aggregateType) =>
        returnType == aggregateType
        || (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            && returnType.GetGenericArguments()[0] == aggregateType);
}
