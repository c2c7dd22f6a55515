namespace Conveyor.Channels.ReceiveLoop;

/// <summary>
/// Closes the units of a receive loop and waits for what they run: first for a grace period in which work may finish,
/// then, having aborted (cancelled) what still runs, for a short wait in which it may acknowledge the cancellation.
/// Blocks the calling thread, because a broker's rebalance callback (which must not return before the work stopped)
/// runs on the poll thread.
/// </summary>
public static class GracefulDrain
{
    /// <summary>Closes <paramref name="units"/> and waits, for at most <paramref name="grace"/> plus <paramref name="abortWait"/>.</summary>
    /// <typeparam name="TUnit">The unit type.</typeparam>
    /// <param name="units">The units to close.</param>
    /// <param name="grace">How long running work may take to finish before it is cancelled; zero cancels at once.</param>
    /// <param name="abortWait">How long cancelled work gets to stop before it is abandoned.</param>
    /// <param name="time">The clock the waits run on.</param>
    /// <returns>The units aborted after the grace period, and of those the ones that were still running after the abort wait.</returns>
    public static DrainResult<TUnit> CloseAndWait<TUnit>(IReadOnlyCollection<TUnit> units, TimeSpan grace, TimeSpan abortWait, TimeProvider time)
        where TUnit : IDrainable
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(time);
        if (units.Count == 0)
        {
            return DrainResult<TUnit>.Drained;
        }

        foreach (var unit in units)
        {
            unit.BeginClose();
        }

        var drained = Task.WhenAll(units.Select(unit => unit.Drained));
        if (Wait(drained, grace, time))
        {
            return DrainResult<TUnit>.Drained;
        }

        List<TUnit> aborted = [.. units.Where(unit => !unit.Drained.IsCompleted)];
        foreach (var unit in aborted)
        {
            unit.Abort();
        }

        return Wait(drained, abortWait, time)
            ? new DrainResult<TUnit>(aborted, [])
            : new DrainResult<TUnit>(aborted, [.. units.Where(unit => !unit.Drained.IsCompleted)]);
    }

    private static bool Wait(Task task, TimeSpan timeout, TimeProvider time)
    {
        try
        {
            task.WaitAsync(timeout, time).GetAwaiter().GetResult();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
