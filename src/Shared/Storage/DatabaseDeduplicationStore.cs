using Conveyor.Deduplication;
using Conveyor.UnitOfWork;

namespace Conveyor.Storage;

/// <summary>
/// What every database deduplication store shares (compiled by each store package, like
/// <see cref="LeasedMessageScheduler"/>): claims made outside the store's own unit of work, and the batched clean-up.
/// </summary>
/// <remarks>
/// In the store's own unit of work (<see cref="TryClaimInTransactionAsync"/>) the claim is a write in its transaction
/// and commits with the handler's writes or not at all. In any other unit of work (the in-memory one, another store's)
/// there is no transaction to join, and holding one of its own open until that unit of work ends would hold a
/// connection (for SQLite, the database's only write lock) for the whole handler. Instead the claim is committed at
/// once as pending, under a lease of <see cref="PendingLease"/> on the database clock, and enlisted: that unit of
/// work's commit stamps it handled, its rollback deletes it. A second claim of the key waits for the first to end (in
/// this process without polling, from another process by polling the row), then sees the outcome. A process that dies
/// with a pending claim leaves it claimable once its lease ran out. The handler's own writes are not in any
/// transaction with the claim.
/// </remarks>
internal abstract class DatabaseDeduplicationStore(TimeSpan retention, TimeProvider time, int cleanupBatchSize) : IDeduplicationStore
{
    /// <summary>How long a claim outside the store's unit of work stays pending at most, for a handler that takes long.</summary>
    public static readonly TimeSpan PendingLease = TimeSpan.FromMinutes(10);

    private static readonly Backoff OtherProcessPoll = new(TimeSpan.FromMilliseconds(10), 2, TimeSpan.FromSeconds(1), jitter: 0.2);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Endpoint, string Key), TaskCompletionSource> _pending = [];

    /// <summary>The application's clock, which expiries are on (UTC ticks).</summary>
    protected TimeProvider Time => time;

    /// <summary>When a claim committed now expires (UTC ticks).</summary>
    protected long ExpiresAtFromNow => (time.GetUtcNow() + retention).UtcTicks;

    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(unitOfWork);
        return await TryClaimInTransactionAsync(endpointId, key, unitOfWork, cancellationToken).ConfigureAwait(false) is { } claimed
            ? claimed
            : await ClaimPendingAsync(endpointId, key, unitOfWork, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await RemoveExpiredBatchAsync(time.GetUtcNow().UtcTicks, cleanupBatchSize, cancellationToken).ConfigureAwait(false);
            removed += batch;
            if (batch < cleanupBatchSize)
            {
                break;
            }
        }

        return removed;
    }

    /// <summary>
    /// Claims the key in <paramref name="unitOfWork"/>'s transaction when it is this store's database's unit of work
    /// (and stamps it when it commits); null for any other unit of work.
    /// </summary>
    protected abstract ValueTask<bool?> TryClaimInTransactionAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the key as pending (committed at once, under <see cref="PendingLease"/> on the database clock); when it is
    /// taken, says whether by a pending claim of another process (rather than handled).
    /// </summary>
    protected abstract ValueTask<(bool Claimed, bool PendingElsewhere)> ClaimPendingOnceAsync(string endpointId, string key, CancellationToken cancellationToken);

    /// <summary>Marks a pending claim handled, expiring at <see cref="ExpiresAtFromNow"/>.</summary>
    protected abstract ValueTask StampAsync(string endpointId, string key, CancellationToken cancellationToken);

    /// <summary>Deletes a pending claim.</summary>
    protected abstract ValueTask ReleaseAsync(string endpointId, string key, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> keys expired at <paramref name="nowTicks"/> in one short transaction.</summary>
    protected abstract ValueTask<int> RemoveExpiredBatchAsync(long nowTicks, int limit, CancellationToken cancellationToken);

    private async ValueTask<bool> ClaimPendingAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        var entry = (endpointId, key);
        TaskCompletionSource mine;
        while (true)
        {
            Task ended;
            lock (_gate)
            {
                if (!_pending.TryGetValue(entry, out var other))
                {
                    mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pending.Add(entry, mine);
                    break;
                }

                ended = other.Task;
            }

            // Committed: the claim below finds the key handled. Rolled back: it claims the key.
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var claim = new PendingClaim(this, endpointId, key, mine);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (claimed, pendingElsewhere) = await ClaimPendingOnceAsync(endpointId, key, cancellationToken).ConfigureAwait(false);
                if (claimed)
                {
                    break;
                }

                if (!pendingElsewhere)
                {
                    claim.End();
                    return false;
                }

                // Another process holds a pending claim: its end reaches this one only through the table.
                await Task.Delay(OtherProcessPoll.DelayFor(attempt), cancellationToken).ConfigureAwait(false);
            }

            unitOfWork.Enlist(claim);
            return true;
        }
        catch
        {
            await claim.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A claim committed as pending, ended by a unit of work that is not the store's own.</summary>
    private sealed class PendingClaim(DatabaseDeduplicationStore store, string endpointId, string key, TaskCompletionSource ended) : IUnitOfWorkParticipant
    {
        private int _ended;

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                try
                {
                    await store.StampAsync(endpointId, key, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    End();
                }
            }
        }

        public async ValueTask RollbackAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                try
                {
                    await store.ReleaseAsync(endpointId, key, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    End();
                }
            }
        }

        /// <summary>Lets the claims of this process that wait for this one go on.</summary>
        public void End()
        {
            lock (store._gate)
            {
                store._pending.Remove((endpointId, key));
            }

            ended.TrySetResult();
        }
    }
}
