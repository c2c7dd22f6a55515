using Conveyor.Runtime;

namespace Conveyor.Aggregates;

/// <summary>
/// Step 5 for an aggregate command handler: saves the instance (the loaded one, or the one a factory returned) with
/// its version check, then publishes the events it recorded with the aggregate's identifier as partition key and its
/// id and type as headers. Published after the save, so a conflict publishes nothing; asynchronous subscribers get them
/// when the message's hand-over runs, like any message a handler sends. The endpoint's result is the handler's.
/// </summary>
internal sealed class AggregateResultStep(AggregatePersistence persistence, bool isFactory) : HandlerResultStep
{
    public override async ValueTask<object?> HandleAsync(HandlerContext context, object? instance, object? result)
    {
        if ((isFactory ? result : instance) is not AggregateRoot aggregate)
        {
            return result;
        }

        var id = persistence.Model.IdOf(aggregate);
        await persistence.SaveAsync(aggregate, id, context.Services, context.CancellationToken).ConfigureAwait(false);
        var recorded = aggregate.RecordedEvents;
        aggregate.ClearRecordedEvents();
        if (recorded.Count == 0)
        {
            return result;
        }

        var bus = (IEventBus)context.Services.GetService(typeof(IEventBus))!;
        foreach (var (@event, metadata) in recorded)
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [MessageHeaderNames.PartitionKey] = id,
                [MessageHeaderNames.AggregateId] = id,
                [MessageHeaderNames.AggregateType] = persistence.Model.Name,
            };
            if (metadata is not null)
            {
                foreach (var (name, value) in metadata)
                {
                    headers[name] = value;
                }
            }

            await bus.PublishAsync(@event, headers, context.CancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
