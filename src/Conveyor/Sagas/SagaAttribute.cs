namespace Conveyor;

/// <summary>
/// Marks a saga: a long-running process driven by events, written as a class deriving from <see cref="Saga"/>. It is
/// a state-stored aggregate whose handlers are event (or command) handlers: a static handler that returns a new
/// instance starts it, an instance handler loads the saga its message correlates to by the <see cref="IdentifierAttribute"/>
/// properties (read from the payload, a mapped payload property or a header such as <c>correlationId</c>, through
/// <see cref="IdentifierMappingAttribute"/>), runs, and saves it in the message's unit of work. A timeout is an
/// asynchronous <see cref="DelayedAttribute"/> handler on the saga; <see cref="Saga.Complete"/> ends it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SagaAttribute : Attribute
{
    /// <summary>The name the saga is stored under; defaults to the class's simple name. Set it before the first deploy: renaming it strands running sagas.</summary>
    public string? Name { get; set; }
}
