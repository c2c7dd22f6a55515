namespace Conveyor.Outgoing;

/// <summary>
/// A step every message leaving the application passes through, in the order the middleware was added: sends,
/// publishes, output and error channels, named publishers, retries, resends and dead letters alike. Tracing adds its
/// context here; an outbox stores the message in the unit of work's transaction instead of calling <c>next</c>.
/// Registered with <c>AddOutgoingMiddleware&lt;T&gt;()</c> as a singleton.
/// </summary>
public interface IOutgoingMiddleware
{
    /// <summary>Handles <paramref name="message"/>; calls <paramref name="next"/> to pass it on.</summary>
    /// <param name="message">The message.</param>
    /// <param name="next">The rest of the path.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the message is on its way.</returns>
    ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken);
}
