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

/// <summary>Delayed retries with backoff: <c>min(Initial × Multiplier^attempt, Max)</c>.</summary>
internal sealed record DelayedRetryPolicy(int MaxAttempts, TimeSpan Initial, double Multiplier, TimeSpan Max)
{
    public static DelayedRetryPolicy From(DelayedRetryAttribute attribute) =>
        new(attribute.MaxAttempts, TimeSpan.FromMilliseconds(attribute.InitialDelayMs), attribute.Multiplier, TimeSpan.FromMilliseconds(attribute.MaxDelayMs));

    public TimeSpan DelayFor(int attempt)
    {
        var milliseconds = Initial.TotalMilliseconds * Math.Pow(Multiplier, attempt);
        return milliseconds >= Max.TotalMilliseconds ? Max : TimeSpan.FromMilliseconds(milliseconds);
    }
}
