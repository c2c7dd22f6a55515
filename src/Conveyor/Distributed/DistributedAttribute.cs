namespace Conveyor;

/// <summary>
/// Marks a command or event handler that other services may reach through the distributed bus
/// (<see cref="IDistributedBus"/>). A command sent to this service for a handler without it is dead-lettered, and an
/// event reaches only the handlers that have it: what other services rely on is visible, so nobody deletes it unaware.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DistributedAttribute : Attribute;
