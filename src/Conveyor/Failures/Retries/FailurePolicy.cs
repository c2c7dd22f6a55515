namespace Conveyor.Failures;

/// <summary>How an endpoint's failures are handled, resolved from its attributes, its channel and the global options.</summary>
/// <param name="InstantRetries">Retries in-process, at once.</param>
/// <param name="InstantRetryOn">Exception types worth an instant retry; empty means all.</param>
/// <param name="DelayedRetry">Retries later, or null.</param>
/// <param name="ErrorChannel">Where finally failed messages go; null means the dead letter.</param>
/// <param name="DeadLetter">Whether the dead letter takes messages no error channel took.</param>
/// <param name="FinalStrategy">What happens when neither took it.</param>
internal sealed record FailurePolicy(
    int InstantRetries,
    IReadOnlyList<Type> InstantRetryOn,
    DelayedRetryPolicy? DelayedRetry,
    string? ErrorChannel,
    bool DeadLetter,
    FinalFailureStrategy FinalStrategy)
{
    public bool ShouldRetryInstantly(Exception exception, int retriesDone) =>
        retriesDone < InstantRetries
        && exception is not INonRetryableException
        && (InstantRetryOn.Count == 0 || InstantRetryOn.Any(t => t.IsInstanceOfType(exception)));
}

/// <summary>Delayed retries: up to <paramref name="MaxAttempts"/>, waiting as <paramref name="Backoff"/> says (no jitter, so the documented delays hold).</summary>
/// <param name="MaxAttempts">How many delayed retries before giving up.</param>
/// <param name="Backoff">The waits: <c>min(Initial × Multiplier^retry, Max)</c>.</param>
internal sealed record DelayedRetryPolicy(int MaxAttempts, Backoff Backoff)
{
    public static DelayedRetryPolicy From(DelayedRetryAttribute attribute) =>
        new(attribute.MaxAttempts, new Backoff(TimeSpan.FromMilliseconds(attribute.InitialDelayMs), attribute.Multiplier, TimeSpan.FromMilliseconds(attribute.MaxDelayMs)));

    /// <summary>The wait before the delayed retry that follows <paramref name="retriesDone"/> earlier ones (0 for the first).</summary>
    public TimeSpan DelayFor(int retriesDone) => Backoff.DelayFor(retriesDone + 1);
}
