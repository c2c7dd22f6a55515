using Conveyor.Aggregates;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Testing;

/// <summary>Given / when / then for aggregates and sagas: stored state and prior events, then the recorded events and the state after.</summary>
public sealed partial class ConveyorFlow
{
    /// <summary>
    /// Every event an aggregate or saga recorded (<c>RecordThat</c>) and that was saved, in order, since the flow started
    /// or <see cref="ClearRecordedEvents"/>. What <see cref="GivenAsync"/> and <see cref="GivenEventsAsync{TAggregate}"/>
    /// store is not in it: it is the test's starting point, not what the code under test did.
    /// </summary>
    public IReadOnlyList<object> RecordedEvents => _aggregates.Snapshot();

    /// <summary>The recorded events of type <typeparamref name="T"/>, in order.</summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <returns>The events.</returns>
    public IReadOnlyList<T> RecordedEventsOf<T>() => [.. RecordedEvents.OfType<T>()];

    /// <summary>Forgets the recorded events, e.g. after the "given" steps of a test that ran through handlers.</summary>
    public void ClearRecordedEvents() => _aggregates.Clear();

    /// <summary>
    /// Given: stores a state-stored aggregate or a saga as it is, as if a handler had saved it; the events it recorded
    /// are neither published nor recorded. Build it as the application does, e.g. through its static handler:
    /// <c>await flow.GivenAsync(Ticket.Open(new OpenTicket("T-1", "Printer")))</c>.
    /// </summary>
    /// <param name="aggregate">The aggregate or saga.</param>
    /// <returns>A task that completes once it is stored.</returns>
    /// <exception cref="ArgumentException">It is an event-sourced aggregate (use <see cref="GivenEventsAsync{TAggregate}"/>), or no aggregate or saga.</exception>
    public async Task GivenAsync(AggregateRoot aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var persistence = Persistence(aggregate.GetType());
        if (persistence.Model.IsEventSourced)
        {
            throw new ArgumentException($"{persistence.Model.Name} is event-sourced: its state is its events. Give them with GivenEventsAsync<{aggregate.GetType().Name}>(id, events).", nameof(aggregate));
        }

        var scope = _services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            await persistence.SaveAsync(aggregate, persistence.Model.IdOf(aggregate), scope.ServiceProvider, CancellationToken.None).ConfigureAwait(false);
            aggregate.ClearRecordedEvents();
        }
    }

    /// <summary>Given: appends <paramref name="events"/> to the stream of the event-sourced aggregate <paramref name="id"/>, as if its handlers had recorded them.</summary>
    /// <typeparam name="TAggregate">The <see cref="EventSourcedAggregateAttribute"/> class.</typeparam>
    /// <param name="id">Its identifier (the parts of a composite one are given as a JSON array of their texts).</param>
    /// <param name="events">The events, oldest first.</param>
    /// <returns>A task that completes once they are stored.</returns>
    public async Task GivenEventsAsync<TAggregate>(object id, params object[] events)
        where TAggregate : AggregateRoot
    {
        ArgumentNullException.ThrowIfNull(events);
        if (Persistence(typeof(TAggregate)) is not EventSourcedPersistence persistence)
        {
            throw new ArgumentException($"{typeof(TAggregate).Name} is not event-sourced: give its state with GivenAsync(instance).", nameof(TAggregate));
        }

        var key = Identity(id);
        var scope = _services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var version = (await persistence.LoadAsync(key, scope.ServiceProvider, CancellationToken.None).ConfigureAwait(false))?.Version ?? 0;
            await persistence.AppendAsync(key, version, events, scope.ServiceProvider, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Then: the aggregate or saga <paramref name="id"/> as it is stored now, or null when there is none.</summary>
    /// <typeparam name="TAggregate">The aggregate or saga class.</typeparam>
    /// <param name="id">Its identifier (the parts of a composite one are given as a JSON array of their texts).</param>
    /// <returns>The instance, loaded as a handler would load it.</returns>
    public async Task<TAggregate?> LoadAsync<TAggregate>(object id)
        where TAggregate : AggregateRoot
    {
        var persistence = Persistence(typeof(TAggregate));
        var scope = _services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return (TAggregate?)await persistence.LoadAsync(Identity(id), scope.ServiceProvider, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Identity(object id) =>
        AggregateIdentity.Format(id) ?? throw new ArgumentException("The identifier is empty.", nameof(id));

    private AggregatePersistence Persistence(Type type)
    {
        if (!AggregateModel.IsAggregate(type))
        {
            throw new ArgumentException($"{type.Name} is no [Aggregate], [EventSourcedAggregate] or [Saga].", nameof(type));
        }

        var errors = new List<string>();
        var model = AggregateModel.Describe(type, errors)
            ?? throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(type));
        return AggregatePersistence.For(model, _services.GetRequiredService<ConveyorRuntime>().Serializer);
    }
}
