namespace Conveyor.Outgoing;

/// <summary>The rest of the outgoing path, as an <see cref="IOutgoingMiddleware"/> calls it.</summary>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">Cancels the send.</param>
/// <returns>A task that completes once the destination has the message.</returns>
public delegate ValueTask OutgoingDelegate(OutgoingMessage message, CancellationToken cancellationToken);
