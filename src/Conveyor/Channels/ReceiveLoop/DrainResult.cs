namespace Conveyor.Channels.ReceiveLoop;

/// <summary>What <see cref="GracefulDrain.CloseAndWait"/> had to do.</summary>
/// <typeparam name="TUnit">The unit type.</typeparam>
/// <param name="Aborted">Units whose work outlived the grace period and was cancelled.</param>
/// <param name="Abandoned">Of those, units whose work ignored the cancellation: it is left running, unacknowledged.</param>
public sealed record DrainResult<TUnit>(IReadOnlyList<TUnit> Aborted, IReadOnlyList<TUnit> Abandoned)
{
    /// <summary>Everything finished within the grace period.</summary>
    public static DrainResult<TUnit> Drained { get; } = new([], []);
}
