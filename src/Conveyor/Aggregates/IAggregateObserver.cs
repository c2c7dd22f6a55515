namespace Conveyor.Aggregates;

/// <summary>
/// Told which events an aggregate or saga recorded, once it was saved. The flow-testing host registers one to assert
/// on the events a command or event caused; aggregates save and publish the same with none registered.
/// </summary>
internal interface IAggregateObserver
{
    /// <summary>The aggregate <paramref name="aggregateType"/> <paramref name="id"/> was saved with <paramref name="events"/> recorded, in order.</summary>
    void Recorded(string aggregateType, string id, IReadOnlyList<object> events);
}
