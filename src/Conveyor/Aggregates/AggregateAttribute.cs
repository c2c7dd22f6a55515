namespace Conveyor;

/// <summary>
/// Marks a state-stored aggregate: a class deriving from <see cref="AggregateRoot"/> whose command handlers Conveyor
/// routes to the instance named by the command's identifier, loads before the handler and saves after it (its state
/// as JSON, with a version for optimistic concurrency). A static command handler that returns a new instance creates one.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AggregateAttribute : Attribute
{
    /// <summary>The name the aggregate is stored and published under; defaults to the class's simple name. Set it before the first deploy: renaming it strands stored instances.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Marks an event-sourced aggregate: a class deriving from <see cref="AggregateRoot"/> whose state is the result of
/// its events. <see cref="AggregateRoot.RecordThat"/> applies an event at once through the class's
/// <see cref="EventSourcingHandlerAttribute"/> methods; the events are appended to the aggregate's stream in the event
/// store with the version the instance was loaded at, and loading replays them (after the latest snapshot, if any).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventSourcedAggregateAttribute : Attribute
{
    /// <summary>The name the aggregate's streams and events are stored and published under; defaults to the class's simple name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Store a snapshot of the state every this many events, so that loading replays at most this many; 0 (the
    /// default) takes none. A snapshot is the state serialized as a state-stored aggregate's is.
    /// </summary>
    public int SnapshotEvery { get; set; }
}

/// <summary>
/// Marks a property of an aggregate that identifies it; several properties make a composite identifier. A command
/// reaches the instance whose identifier equals the command's property of the same name (case-insensitive), or the
/// source named by <see cref="IdentifierMappingAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class IdentifierAttribute : Attribute;

/// <summary>
/// Says where an aggregate command handler takes one identifier from when the command has no property of the same
/// name: <c>payload.Property</c> (a property of the command) or <c>header.name</c> (a message header), e.g.
/// <c>[IdentifierMapping("TicketId", "header.ticket-id")]</c>.
/// </summary>
/// <param name="identifier">The aggregate's <see cref="IdentifierAttribute"/> property.</param>
/// <param name="source"><c>payload.Property</c> or <c>header.name</c>.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class IdentifierMappingAttribute(string identifier, string source) : Attribute
{
    /// <summary>The aggregate's identifier property.</summary>
    public string Identifier { get; } = identifier;

    /// <summary>Where the value comes from: <c>payload.Property</c> or <c>header.name</c>.</summary>
    public string Source { get; } = source;
}

/// <summary>What an aggregate command handler does when no instance has the command's identifier.</summary>
public enum AggregateNotFoundPolicy
{
    /// <summary>Fail with <see cref="AggregateNotFoundException"/>: not retried, the message goes to the error channel or dead letter with the reason.</summary>
    Fail,

    /// <summary>Drop the command: the handler does not run, the message counts as handled, and a warning is logged.</summary>
    Drop,
}

/// <summary>Sets what an aggregate command handler does when the instance it is addressed to does not exist (<see cref="AggregateNotFoundPolicy.Fail"/> without it).</summary>
/// <param name="policy">The policy.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AggregateNotFoundAttribute(AggregateNotFoundPolicy policy) : Attribute
{
    /// <summary>The policy.</summary>
    public AggregateNotFoundPolicy Policy { get; } = policy;
}
