namespace Conveyor.Outbox;

/// <summary>A message to keep in the outbox until it is relayed.</summary>
/// <param name="Channel">The channel (or named publisher) it goes to.</param>
/// <param name="Lane">The lane it is relayed in (<see cref="OutboxLanes.Of"/>): messages of one lane leave in append order.</param>
/// <param name="Message">The message, headers and body as they leave.</param>
public sealed record OutboxMessage(string Channel, int Lane, TransportMessage Message);
