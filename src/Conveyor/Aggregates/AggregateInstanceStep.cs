using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Aggregates;

/// <summary>
/// Step 4 for an aggregate command handler: loads the instance the command is addressed to (by its identifier), or
/// none for a static factory handler. A missing instance fails or drops the command, as the handler's
/// <see cref="AggregateNotFoundAttribute"/> says.
/// </summary>
internal sealed class AggregateInstanceStep(AggregatePersistence persistence, IdentifierSource? identifier, AggregateNotFoundPolicy notFound, ILogger logger) : HandlerInstanceStep
{
    public override bool IsSynchronous => false;

    public override object? Get(IServiceProvider services) => throw new NotSupportedException("Aggregates load asynchronously.");

    public override async ValueTask<object?> GetAsync(HandlerContext context)
    {
        if (identifier is null)
        {
            return null;
        }

        var id = identifier.Resolve(context.Payload, context.GetHeader);
        var aggregate = await persistence.LoadAsync(id, context.Services, context.CancellationToken).ConfigureAwait(false);
        if (aggregate is not null)
        {
            return aggregate;
        }

        if (notFound == AggregateNotFoundPolicy.Drop)
        {
            AggregateLog.NotFoundDropped(logger, context.Endpoint.EndpointId, context.Headers.MessageId, persistence.Model.Name, id);
            return Skipped;
        }

        throw new AggregateNotFoundException(
            $"{context.Endpoint.EndpointId}: no {persistence.Model.Name} has identifier '{id}'. Create it first, or let this handler drop such commands with [AggregateNotFound(AggregateNotFoundPolicy.Drop)].");
    }
}
