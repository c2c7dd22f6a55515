using Conveyor.Channels;

namespace Conveyor.Inbound;

/// <summary>
/// Told when handling a received message failed: its handler threw and a delayed retry was scheduled, or it finally
/// failed (error channel, dead letter or final failure strategy). The flow-testing host registers one so that a
/// failure fails the test instead of passing quietly; the pipeline works the same with none registered.
/// </summary>
internal interface IInboundFailureObserver
{
    /// <summary>The handler threw and the message will be tried again after <paramref name="delay"/>.</summary>
    /// <param name="inbound">The received message.</param>
    /// <param name="endpointId">The endpoint whose handler threw.</param>
    /// <param name="exception">What it threw.</param>
    /// <param name="attempt">The attempt that failed (1 for the first delivery).</param>
    /// <param name="delay">When the next attempt is due.</param>
    void RetryScheduled(InboundMessage inbound, string endpointId, Exception exception, int attempt, TimeSpan delay);

    /// <summary>The message finally failed and went to <paramref name="destination"/>.</summary>
    /// <param name="inbound">The received message.</param>
    /// <param name="endpointId">The endpoint it failed at, or <c>(unrouted)</c> when no endpoint could take it.</param>
    /// <param name="exception">Why it failed.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="destination">Where it went: an error channel, the dead letter or the final failure strategy.</param>
    void FinallyFailed(InboundMessage inbound, string endpointId, Exception exception, int attempts, string destination);
}
