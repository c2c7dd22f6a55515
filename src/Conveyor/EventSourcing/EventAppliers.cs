using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;

namespace Conveyor.EventSourcing;

/// <summary>
/// The <see cref="EventSourcingHandlerAttribute"/> methods of one aggregate class, compiled once: applies an event to
/// an instance by the event's type (or its nearest base type with a method).
/// </summary>
internal sealed class EventAppliers
{
    private static readonly ConcurrentDictionary<Type, EventAppliers?> Cache = new();
    private readonly FrozenDictionary<Type, Action<object, object>> _byType;
    private readonly ConcurrentDictionary<Type, Action<object, object>?> _resolved = new();

    private EventAppliers(FrozenDictionary<Type, Action<object, object>> byType) => _byType = byType;

    /// <summary>The event types the class has a method for, by name: what a stream's events are read back as.</summary>
    public FrozenDictionary<string, Type> EventTypesByName => field ??= _byType.Keys.ToFrozenDictionary(MessageNames.Of, StringComparer.Ordinal);

    /// <summary>The appliers of <paramref name="aggregateType"/>, or null when it has no event-sourcing handlers.</summary>
    public static EventAppliers? For(Type aggregateType) => Cache.GetOrAdd(aggregateType, Build);

    /// <summary>Lists what is wrong with <paramref name="aggregateType"/>'s event-sourcing handlers.</summary>
    public static void Validate(Type aggregateType, ICollection<string> errors)
    {
        foreach (var method in Methods(aggregateType))
        {
            if (method.IsStatic || method.GetParameters().Length != 1 || method.ReturnType != typeof(void))
            {
                errors.Add($"{aggregateType.Name}.{method.Name}: an [EventSourcingHandler] is an instance method with the event as its only parameter, returning void.");
            }
        }
    }

    /// <summary>Applies <paramref name="event"/>; an event with no method changes nothing.</summary>
    public void Apply(object aggregate, object @event) => Resolve(@event.GetType())?.Invoke(aggregate, @event);

    /// <summary>Whether the class has a method for <paramref name="eventType"/>.</summary>
    public bool Handles(Type eventType) => Resolve(eventType) is not null;

    private Action<object, object>? Resolve(Type eventType) =>
        _byType.TryGetValue(eventType, out var exact) ? exact : _resolved.GetOrAdd(eventType, t =>
        {
            for (var type = t.BaseType; type is not null; type = type.BaseType)
            {
                if (_byType.TryGetValue(type, out var inherited))
                {
                    return inherited;
                }
            }

            return _byType.FirstOrDefault(p => p.Key.IsInterface && p.Key.IsAssignableFrom(t)).Value;
        });

    private static IEnumerable<MethodInfo> Methods(Type aggregateType) =>
        aggregateType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.GetCustomAttribute<EventSourcingHandlerAttribute>() is not null);

    private static EventAppliers? Build(Type aggregateType)
    {
        var byType = new Dictionary<Type, Action<object, object>>();
        foreach (var method in Methods(aggregateType).Where(m => !m.IsStatic && m.ReturnType == typeof(void) && m.GetParameters().Length == 1))
        {
            var eventType = method.GetParameters()[0].ParameterType;
            var instance = Expression.Parameter(typeof(object), "aggregate");
            var @event = Expression.Parameter(typeof(object), "event");
            var call = Expression.Call(Expression.Convert(instance, aggregateType), method, Expression.Convert(@event, eventType));
            byType.TryAdd(eventType, Expression.Lambda<Action<object, object>>(call, instance, @event).Compile());
        }

        return byType.Count == 0 ? null : new EventAppliers(byType.ToFrozenDictionary());
    }
}
