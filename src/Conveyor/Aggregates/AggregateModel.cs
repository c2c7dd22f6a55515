using System.Linq.Expressions;
using System.Reflection;
using Conveyor.EventSourcing;

namespace Conveyor.Aggregates;

/// <summary>What Conveyor knows about one aggregate class: its name, kind, identifier properties and constructor; built once at start-up.</summary>
internal sealed class AggregateModel
{
    private readonly Func<object, object?>[] _identifierGetters;
    private readonly Func<AggregateRoot> _create;

    private AggregateModel(Type type, string name, bool isEventSourced, int snapshotEvery, PropertyInfo[] identifiers, Func<AggregateRoot> create)
    {
        Type = type;
        Name = name;
        IsEventSourced = isEventSourced;
        SnapshotEvery = snapshotEvery;
        Identifiers = identifiers;
        _identifierGetters = [.. identifiers.Select(Getter)];
        _create = create;
        Appliers = EventAppliers.For(type);
    }

    public Type Type { get; }

    /// <summary>The name it is stored and published under.</summary>
    public string Name { get; }

    public bool IsEventSourced { get; }

    public int SnapshotEvery { get; }

    /// <summary>The <see cref="IdentifierAttribute"/> properties, in declaration order.</summary>
    public IReadOnlyList<PropertyInfo> Identifiers { get; }

    public EventAppliers? Appliers { get; }

    /// <summary>Whether <paramref name="type"/> is marked as an aggregate of either kind.</summary>
    public static bool IsAggregate(Type type) =>
        type.IsDefined(typeof(AggregateAttribute), inherit: false) || type.IsDefined(typeof(EventSourcedAggregateAttribute), inherit: false);

    /// <summary>The model of <paramref name="type"/>, or null (with what to fix in <paramref name="errors"/>) when it is not a valid aggregate.</summary>
    public static AggregateModel? Describe(Type type, ICollection<string> errors)
    {
        var stateStored = type.GetCustomAttribute<AggregateAttribute>(inherit: false);
        var eventSourced = type.GetCustomAttribute<EventSourcedAggregateAttribute>(inherit: false);
        var count = errors.Count;
        if (stateStored is not null && eventSourced is not null)
        {
            errors.Add($"{type.Name}: an aggregate is either [Aggregate] (state-stored) or [EventSourcedAggregate], not both.");
        }

        if (!typeof(AggregateRoot).IsAssignableFrom(type))
        {
            errors.Add($"{type.Name}: an aggregate must derive from Conveyor.AggregateRoot (it records the events and carries the version).");
        }

        var constructor = type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes);
        if (constructor is null)
        {
            errors.Add($"{type.Name}: an aggregate needs a parameterless constructor, which may be private, so that Conveyor can load it.");
        }

        var identifiers = type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(p => p.IsDefined(typeof(IdentifierAttribute))).OrderBy(p => p.MetadataToken).ToArray();
        if (identifiers.Length == 0)
        {
            errors.Add($"{type.Name}: an aggregate needs an identifier: mark the property (or properties) that identify it with [Identifier].");
        }

        foreach (var property in identifiers.Where(p => p.GetMethod is null))
        {
            errors.Add($"{type.Name}.{property.Name}: an [Identifier] property needs a getter.");
        }

        if (eventSourced is { SnapshotEvery: < 0 })
        {
            errors.Add($"{type.Name}: SnapshotEvery is {eventSourced.SnapshotEvery}; use 0 for no snapshots or a positive number of events.");
        }

        if (eventSourced is not null && EventAppliers.For(type) is null)
        {
            errors.Add($"{type.Name}: an [EventSourcedAggregate] rebuilds its state from events: add an [EventSourcingHandler] method for each event it records.");
        }

        if (stateStored is not null && EventAppliers.For(type) is not null)
        {
            errors.Add($"{type.Name}: [EventSourcingHandler] methods belong to [EventSourcedAggregate] classes; a state-stored [Aggregate] changes its properties in its command handlers.");
        }

        EventAppliers.Validate(type, errors);
        if (errors.Count > count)
        {
            return null;
        }

        var create = Expression.Lambda<Func<AggregateRoot>>(Expression.Convert(Expression.New(constructor!), typeof(AggregateRoot))).Compile();
        return new AggregateModel(type, stateStored?.Name ?? eventSourced?.Name ?? type.Name, eventSourced is not null, eventSourced?.SnapshotEvery ?? 0, identifiers, create);
    }

    /// <summary>A new, empty instance, through the parameterless constructor.</summary>
    public AggregateRoot Create() => _create();

    /// <summary>The identifier of <paramref name="aggregate"/>, read from its <see cref="IdentifierAttribute"/> properties.</summary>
    /// <exception cref="AggregateIdentifierException">An identifier property is not set.</exception>
    public string IdOf(AggregateRoot aggregate)
    {
        var parts = new string[_identifierGetters.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = AggregateIdentity.Format(_identifierGetters[i](aggregate))
                ?? throw new AggregateIdentifierException($"{Name}.{Identifiers[i].Name} is not set after the command handler ran: a handler that creates an aggregate must set its [Identifier] properties (an event-sourced one in the [EventSourcingHandler] of its first event).");
        }

        return AggregateIdentity.Join(parts);
    }

    /// <summary>The event stream of the event-sourced aggregate <paramref name="id"/>.</summary>
    public string StreamId(string id) => $"{Name}-{id}";

    /// <summary>The name snapshots of this event-sourced aggregate are kept under in the state store.</summary>
    public string SnapshotName => Name + ".snapshot";

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var read = Expression.Convert(Expression.Property(Expression.Convert(instance, property.DeclaringType!), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(read, instance).Compile();
    }
}
