namespace Conveyor;

/// <summary>
/// Marks a method of an <see cref="EventSourcedAggregateAttribute"/> class that applies one event to the state: an
/// instance method (of any accessibility) with the event as its only parameter, returning nothing. It runs when a
/// command handler records the event and every time the aggregate is loaded, so it changes state and does nothing else.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class EventSourcingHandlerAttribute : Attribute;
