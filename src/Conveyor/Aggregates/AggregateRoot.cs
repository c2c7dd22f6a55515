using System.Text.Json.Serialization;
using Conveyor.EventSourcing;

namespace Conveyor;

/// <summary>
/// The base of <see cref="AggregateAttribute"/> and <see cref="EventSourcedAggregateAttribute"/> classes: records the
/// events a command handler raises (<see cref="RecordThat"/>), which Conveyor publishes after the aggregate is saved,
/// and carries the version it was loaded at.
/// </summary>
public abstract class AggregateRoot
{
    private List<RecordedEvent>? _recorded;

    /// <summary>
    /// The version the aggregate was loaded at (0 for a new one): a state-stored aggregate counts its saves, an
    /// event-sourced one its events. Not part of the stored state.
    /// </summary>
    [JsonIgnore]
    public long Version { get; internal set; }

    /// <summary>The version of the snapshot an event-sourced aggregate was loaded from, 0 for none.</summary>
    internal long SnapshotVersion { get; set; }

    /// <summary>The events recorded since the aggregate was loaded, in order.</summary>
    internal IReadOnlyList<RecordedEvent> RecordedEvents => _recorded ?? (IReadOnlyList<RecordedEvent>)[];

    /// <summary>
    /// Records <paramref name="event"/>, to be published once the aggregate is saved, with the aggregate's identifier as
    /// its partition key and the aggregate's id and type as headers. An event-sourced aggregate applies it at once
    /// through its <see cref="EventSourcingHandlerAttribute"/> method for the event's type.
    /// </summary>
    /// <param name="event">The event.</param>
    /// <param name="metadata">Headers to publish it with; an explicit <see cref="MessageHeaderNames.PartitionKey"/> wins over the identifier.</param>
    protected void RecordThat(object @event, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(@event);
        EventAppliers.For(GetType())?.Apply(this, @event);
        (_recorded ??= []).Add(new RecordedEvent(@event, metadata));
    }

    internal void ClearRecordedEvents() => _recorded = null;
}

/// <summary>An event an aggregate recorded, with the headers it asked for.</summary>
internal sealed record RecordedEvent(object Event, IReadOnlyDictionary<string, string>? Metadata);
