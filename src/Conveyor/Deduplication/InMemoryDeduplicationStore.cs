using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Conveyor.UnitOfWork;

namespace Conveyor.Deduplication;

/// <summary>
/// Deduplication in process memory, forgetting keys after the retention window or, sooner, once more than
/// <c>capacity</c> keys are remembered (the oldest first). It only protects one process and forgets on restart:
/// use a database store when duplicates must be caught across instances, restarts or longer windows.
/// </summary>
/// <remarks>
/// A key that is a UUID (the default key, the message id) is held as a <see cref="Guid"/>, not as its string: the
/// entries live inline in the store's arrays, so a busy consumer's hundreds of thousands of remembered keys are a
/// few large arrays rather than as many small objects for the garbage collector to promote and trace.
/// </remarks>
/// <remarks>
/// The capacity bounds the memory a busy consumer's remembered keys take (about 100 bytes each): at 1,000 messages a
/// second, 24 hours of keys would be 86 million of them. The duplicates one process can meet — a record redelivered
/// after a failed commit or a rebalance, a producer's retry — arrive within seconds or minutes of the original, which
/// the most recent keys cover.
/// </remarks>
/// <param name="retention">How long a key is remembered after the unit of work that claimed it committed.</param>
/// <param name="time">The clock.</param>
/// <param name="capacity">The most committed keys remembered at once; the oldest are forgotten first beyond it.</param>
public sealed class InMemoryDeduplicationStore(TimeSpan retention, TimeProvider time, int capacity = InMemoryDeduplicationStore.DefaultCapacity) : IDeduplicationStore
{
    /// <summary>The capacity when none is given: 100,000 keys, about 10 MB.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _gate = new();
    private readonly long _retention = retention.Ticks;
    private readonly int _capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be at least one key.");

    // Every key claimed or remembered, in one table: a claim looks its key up once, and its commit once more.
    private readonly Dictionary<Entry, Slot> _keys = [];
    private int _pending;

    // Keys in the order they were committed; with one retention for all, that is also the order they expire in,
    // so forgetting is a walk from the head that stops at the first key still remembered.
    private readonly Queue<(Entry Key, long Expires)> _expiries = new();

    /// <summary>How many committed keys are held now (expired ones included until they are forgotten).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _keys.Count - _pending;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unitOfWork);
        var entry = Entry.Of(endpointId, key);
        Claim claim;
        Task ended;
        while (true)
        {
            lock (_gate)
            {
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_keys, entry, out var exists);
                if (exists && slot.Pending is { } pending)
                {
                    ended = pending.WaitForEnd();
                }
                else if (exists && slot.Expires > time.GetUtcNow().UtcTicks)
                {
                    return false;
                }
                else
                {
                    // New, or remembered past its retention and not forgotten yet: claimed anew.
                    claim = new Claim(this, entry);
                    slot.Pending = claim;
                    _pending++;
                    break;
                }
            }

            // Committed: the loop finds the key handled. Rolled back: the loop claims it (unless a third claim came first).
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // Outside the lock: the unit of work is someone else's code.
            unitOfWork.Enlist(claim);
        }
        catch
        {
            claim.End(committed: false);
            throw;
        }

        return true;
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(RemoveExpired(time.GetUtcNow().UtcTicks));
        }
    }

    // Returns the claim's waiters' source, read under the same lock that ends the claim.
    private TaskCompletionSource? End(Claim claim, Entry entry, bool committed)
    {
        lock (_gate)
        {
            // A unit of work that ends twice ends its claim once; by then the key may be claimed by another.
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_keys, entry);
            if (Unsafe.IsNullRef(ref slot) || slot.Pending != claim)
            {
                return claim.Waiters;
            }

            _pending--;
            if (!committed)
            {
                // Claimed only when new or past its retention: nothing of it is to be remembered. An expiry still queued
                // for an earlier commit finds no key when it is due.
                _keys.Remove(entry);
                return claim.Waiters;
            }

            var now = time.GetUtcNow().UtcTicks;
            var expires = now > long.MaxValue - _retention ? long.MaxValue : now + _retention;
            slot = new Slot(expires, null);
            _expiries.Enqueue((entry, expires));

            // Forgetting as keys are committed keeps the store bounded even where nothing calls RemoveExpiredAsync.
            RemoveExpired(now);
            while (_expiries.Count > _capacity)
            {
                Forget(_expiries.Dequeue());
            }

            return claim.Waiters;
        }
    }

    private int RemoveExpired(long now)
    {
        var removed = 0;
        while (_expiries.TryPeek(out var oldest) && oldest.Expires <= now)
        {
            if (Forget(_expiries.Dequeue()))
            {
                removed++;
            }
        }

        return removed;
    }

    private bool Forget((Entry Key, long Expires) oldest)
    {
        // A key committed again after it expired has a later expiry, and one claimed again is pending: only forget
        // it when this is its latest commit and nobody holds it.
        if (_keys.TryGetValue(oldest.Key, out var latest) && latest.Expires == oldest.Expires && latest.Pending is null)
        {
            _keys.Remove(oldest.Key);
            return true;
        }

        return false;
    }

    /// <summary>A key's state: when it is forgotten once committed (UTC ticks), and the claim holding it now, if any.</summary>
    private record struct Slot(long Expires, Claim? Pending);

    /// <summary>An endpoint and a key: a UUID key in its lower-case form as a <see cref="Guid"/>, any other as its text.</summary>
    private readonly record struct Entry(string Endpoint, Guid Id, string? Text)
    {
        // The key alone spreads the entries: a message id is unique, and hashing the endpoint id too would hash a
        // string on every lookup. Equality still compares the endpoint.
        public override int GetHashCode() => Text?.GetHashCode(StringComparison.Ordinal) ?? Id.GetHashCode();

        public static Entry Of(string endpoint, string key) =>
            key.Length == 36 && !key.AsSpan().ContainsAnyInRange('A', 'F') && Guid.TryParseExact(key, "D", out var id)
                ? new Entry(endpoint, id, null)
                : new Entry(endpoint, Guid.Empty, key);
    }

    /// <summary>An uncommitted claim: commits or rolls back with its unit of work, then releases the claims waiting on it.</summary>
    private sealed class Claim(InMemoryDeduplicationStore store, Entry entry) : IUnitOfWorkParticipant
    {
        // Created only when a second claim of the key waits (under the store's gate), so an uncontended claim — every
        // message of a healthy consumer — allocates no task. Waiters resume on the thread pool, not inside the commit
        // of the unit of work that ends this claim.
        private TaskCompletionSource? _ended;

        /// <summary>Under the store's gate: the waiters' source, if any waits.</summary>
        public TaskCompletionSource? Waiters => _ended;

        /// <summary>Under the store's gate, while the claim is pending.</summary>
        public Task WaitForEnd() => (_ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            End(committed: true);
            return ValueTask.CompletedTask;
        }

        public ValueTask RollbackAsync(CancellationToken cancellationToken)
        {
            End(committed: false);
            return ValueTask.CompletedTask;
        }

        // Once the claim left the pending set no waiter can create the source any more, so the one read as it ended holds every waiter.
        public void End(bool committed) => store.End(this, entry, committed)?.TrySetResult();
    }
}
