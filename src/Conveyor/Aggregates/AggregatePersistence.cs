using Conveyor.EventSourcing;
using Conveyor.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Aggregates;

/// <summary>Loads and saves the instances of one aggregate class: as state (<see cref="IAggregateStateStore"/>) or as events (<see cref="IEventStore"/>).</summary>
internal abstract class AggregatePersistence(AggregateModel model)
{
    public AggregateModel Model => model;

    public static AggregatePersistence For(AggregateModel model, MessageSerializer serializer) =>
        model.IsEventSourced ? new EventSourcedPersistence(model, serializer) : new StateStoredPersistence(model);

    /// <summary>The instance with <paramref name="id"/>, or null when there is none.</summary>
    public abstract ValueTask<AggregateRoot?> LoadAsync(string id, IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>Saves <paramref name="aggregate"/> if it is still at the version it was loaded at, and moves it to its new version.</summary>
    /// <exception cref="ConcurrencyConflictException">It was changed meanwhile.</exception>
    public abstract ValueTask SaveAsync(AggregateRoot aggregate, string id, IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>A state-stored aggregate: its JSON state, one version per save.</summary>
internal sealed class StateStoredPersistence(AggregateModel model) : AggregatePersistence(model)
{
    public override async ValueTask<AggregateRoot?> LoadAsync(string id, IServiceProvider services, CancellationToken cancellationToken)
    {
        var record = await services.GetRequiredService<IAggregateStateStore>().LoadAsync(Model.Name, id, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var aggregate = AggregateStateSerializer.Deserialize(record.State, Model.Type);
        aggregate.Version = record.Version;
        return aggregate;
    }

    public override async ValueTask SaveAsync(AggregateRoot aggregate, string id, IServiceProvider services, CancellationToken cancellationToken)
    {
        var state = AggregateStateSerializer.Serialize(aggregate);
        await services.GetRequiredService<IAggregateStateStore>().SaveAsync(Model.Name, id, state, aggregate.Version, aggregate.Version + 1, cancellationToken).ConfigureAwait(false);
        aggregate.Version++;
    }
}

/// <summary>
/// An event-sourced aggregate: its events appended to its stream with the version it was loaded at; loading replays
/// them after the latest snapshot. A snapshot is written in the same unit of work when a save crosses a multiple of
/// <see cref="AggregateModel.SnapshotEvery"/>; losing the race for one to another save is harmless (the next one takes it).
/// </summary>
internal sealed class EventSourcedPersistence(AggregateModel model, MessageSerializer serializer) : AggregatePersistence(model)
{
    private const string Json = "application/json";

    public override async ValueTask<AggregateRoot?> LoadAsync(string id, IServiceProvider services, CancellationToken cancellationToken)
    {
        AggregateRoot aggregate;
        if (Model.SnapshotEvery > 0
            && await services.GetRequiredService<IAggregateStateStore>().LoadAsync(Model.SnapshotName, id, cancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            aggregate = AggregateStateSerializer.Deserialize(snapshot.State, Model.Type);
            aggregate.Version = aggregate.SnapshotVersion = snapshot.Version;
        }
        else
        {
            aggregate = Model.Create();
        }

        var events = await services.GetRequiredService<IEventStore>().ReadStreamAsync(Model.StreamId(id), aggregate.Version + 1, cancellationToken).ConfigureAwait(false);
        if (aggregate.Version == 0 && events.Count == 0)
        {
            return null;
        }

        var types = Model.Appliers!.EventTypesByName;
        foreach (var stored in events)
        {
            // An event no handler applies changes no state: it is not even read.
            if (types.TryGetValue(stored.EventType, out var type))
            {
                var @event = serializer.Deserialize(System.Text.Encoding.UTF8.GetBytes(stored.Data), Json, type)!;
                Model.Appliers.Apply(aggregate, @event);
            }

            aggregate.Version = stored.Version;
        }

        return aggregate;
    }

    public override async ValueTask SaveAsync(AggregateRoot aggregate, string id, IServiceProvider services, CancellationToken cancellationToken)
    {
        var recorded = aggregate.RecordedEvents;
        if (recorded.Count == 0)
        {
            return;
        }

        var events = new EventData[recorded.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var (body, _) = serializer.Serialize(recorded[i].Event, Json);
            events[i] = new EventData(MessageNames.Of(recorded[i].Event.GetType()), System.Text.Encoding.UTF8.GetString(body));
        }

        var loaded = aggregate.Version;
        var version = await services.GetRequiredService<IEventStore>().AppendAsync(Model.StreamId(id), loaded, events, cancellationToken).ConfigureAwait(false);
        aggregate.Version = version;
        if (Model.SnapshotEvery > 0 && version / Model.SnapshotEvery > loaded / Model.SnapshotEvery)
        {
            try
            {
                var state = AggregateStateSerializer.Serialize(aggregate);
                await services.GetRequiredService<IAggregateStateStore>().SaveAsync(Model.SnapshotName, id, state, aggregate.SnapshotVersion, version, cancellationToken).ConfigureAwait(false);
                aggregate.SnapshotVersion = version;
            }
            catch (ConcurrencyConflictException)
            {
                // Another save snapshotted this aggregate since it was loaded: its snapshot serves as well.
            }
        }
    }
}
