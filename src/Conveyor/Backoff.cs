namespace Conveyor;

/// <summary>
/// Exponential back-off with a cap and optional jitter, used by every retry and restart loop in Conveyor: attempt
/// <c>n</c> waits <c>min(Initial × Multiplier^(n−1), Max)</c>, of which a random <see cref="Jitter"/> fraction is taken
/// off so that many consumers failing together do not retry in lock-step. Immutable and safe to share between threads.
/// </summary>
public sealed class Backoff
{
    private readonly Random _random;
    private readonly Lock _randomGate = new();

    /// <summary>Creates a back-off.</summary>
    /// <param name="initial">The wait before the first attempt again; zero or more.</param>
    /// <param name="multiplier">The factor each further wait grows by; 1 or more (1 gives a fixed wait).</param>
    /// <param name="max">The longest wait; at least <paramref name="initial"/>.</param>
    /// <param name="jitter">
    /// The fraction of each wait drawn at random, between 0 and 1: a wait <c>d</c> becomes uniform in
    /// <c>[d × (1 − jitter), d]</c>, so it never exceeds <paramref name="max"/>. Default 0: no jitter.
    /// </param>
    /// <param name="random">Where jitter is drawn from; <see cref="Random.Shared"/> when null. Pass a seeded one for repeatable waits.</param>
    public Backoff(TimeSpan initial, double multiplier, TimeSpan max, double jitter = 0, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        if (!(multiplier >= 1) || double.IsInfinity(multiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "The multiplier must be a finite number of at least 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        if (!(jitter is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter is a fraction between 0 and 1.");
        }

        Initial = initial;
        Multiplier = multiplier;
        Max = max;
        Jitter = jitter;
        _random = random ?? Random.Shared;
    }

    /// <summary>The wait before the first attempt again.</summary>
    public TimeSpan Initial { get; }

    /// <summary>The factor each further wait grows by.</summary>
    public double Multiplier { get; }

    /// <summary>The longest wait.</summary>
    public TimeSpan Max { get; }

    /// <summary>The fraction of each wait drawn at random (0: none).</summary>
    public double Jitter { get; }

    /// <summary>The wait before attempt number <paramref name="attempt"/> again (1 for the first retry or restart).</summary>
    /// <param name="attempt">1 or more.</param>
    /// <returns>The wait.</returns>
    public TimeSpan DelayFor(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);

        // Ticks in double: a long run of failures overflows to infinity, which the cap handles.
        var ticks = Initial.Ticks * Math.Pow(Multiplier, attempt - 1);
        var capped = ticks >= Max.Ticks ? Max.Ticks : (long)ticks;
        if (Jitter == 0 || capped == 0)
        {
            return TimeSpan.FromTicks(capped);
        }

        double sample;
        lock (_randomGate)
        {
            // A caller's seeded Random is not thread-safe; Random.Shared is, and the lock costs it nothing noticeable.
            sample = _random.NextDouble();
        }

        return TimeSpan.FromTicks(capped - (long)(capped * Jitter * sample));
    }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"{Initial} × {Multiplier} up to {Max}{(Jitter > 0 ? $", jitter {Jitter:P0}" : "")}");
}
