namespace Conveyor.Outbox;

/// <summary>What a relay asks <see cref="IOutboxStore.ClaimAsync"/> for.</summary>
/// <param name="Owner">The relay's unique name.</param>
/// <param name="Lease">How long the lanes stay the owner's without a renewal (on the database's clock).</param>
/// <param name="MaxLanes">The most lanes the owner holds at once.</param>
/// <param name="BatchSize">The most messages returned per lane.</param>
public sealed record OutboxClaim(string Owner, TimeSpan Lease, int MaxLanes, int BatchSize);
