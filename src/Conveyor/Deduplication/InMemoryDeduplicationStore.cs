using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Conveyor.UnitOfWork;

namespace Conveyor.Deduplication;

/// <summary>
/// Deduplication in process memory, forgetting keys after the retention window or, sooner, once more than
/// <c>capacity</c> keys are remembered (the oldest first). It only protects one process and forgets on restart:
/// use a database store when duplicates must be caught across instances, restarts or longer windows.
/// </summary>
/// <remarks>
/// <para>
/// An endpoint and key are remembered as a 128-bit hash of both (XxHash128, seeded at random per store), not as their
/// strings: the store is one open-addressing table of fixed-size slots and one ring of its keys in the order they were
/// committed, so a claim reads one slot, its commit writes it, and a busy consumer's remembered keys are two arrays
/// rather than hundreds of thousands of objects for the garbage collector to trace. Two different keys are taken for
/// one with a probability of about n²/2¹²⁹ for n keys remembered at once (for the default 100,000 keys, about 10⁻²⁹):
/// far below any other cause of a lost message.
/// </para>
/// <para>
/// The capacity bounds the memory a busy consumer's remembered keys take (about 100 bytes each): at 1,000 messages a
/// second, 24 hours of keys would be 86 million of them. The duplicates one process can meet — a record redelivered
/// after a failed commit or a rebalance, a producer's retry — arrive within seconds or minutes of the original, which
/// the most recent keys cover.
/// </para>
/// </remarks>
/// <param name="retention">How long a key is remembered after the unit of work that claimed it committed.</param>
/// <param name="time">The clock.</param>
/// <param name="capacity">The most committed keys remembered at once; the oldest are forgotten first beyond it.</param>
public sealed class InMemoryDeduplicationStore(TimeSpan retention, TimeProvider time, int capacity = InMemoryDeduplicationStore.DefaultCapacity) : IDeduplicationStore
{
    /// <summary>The capacity when none is given: 100,000 keys, about 10 MB.</summary>
    public const int DefaultCapacity = 100_000;

    // Both arrays start small and double as keys come, the ring up to the capacity.
    private const int InitialRing = 256;

    private readonly Lock _gate = new();
    private readonly long _retention = retention.Ticks;
    private readonly int _capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be at least one key.");

    // Random per store: which keys share a hash cannot be known, or chosen, from outside the process.
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));

    // Every key claimed or remembered: linear probing, at most half full, a free slot's key zero.
    private Slot[] _slots = new Slot[2 * InitialRing];
    private int _used;
    private int _pending;

    // Committed keys in the order they were committed; with one retention for all, that is also the order they expire
    // in, so forgetting is a walk from the head that stops at the first key still remembered. A key committed again
    // after it expired is in it twice: only its latest commit forgets it.
    private Remembered[] _ring = new Remembered[Math.Min(InitialRing, capacity)];
    private int _head;
    private int _ringCount;

    /// <summary>How many committed keys are held now (expired ones included until they are forgotten).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _used - _pending;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(unitOfWork);
        var hash = Hash(endpointId, key);
        Claim claim;
        Task ended;
        while (true)
        {
            lock (_gate)
            {
                var index = Find(hash, out var exists);
                ref var slot = ref _slots[index];
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
                    claim = new Claim(this, hash);
                    slot.Pending = claim;
                    _pending++;
                    if (!exists)
                    {
                        slot.Key = hash;
                        Added();
                    }

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
    private TaskCompletionSource? End(Claim claim, Key hash, bool committed)
    {
        lock (_gate)
        {
            // A unit of work that ends twice ends its claim once; by then the key may be claimed by another.
            var index = Find(hash, out var exists);
            ref var slot = ref _slots[index];
            if (!exists || slot.Pending != claim)
            {
                return claim.Waiters;
            }

            _pending--;
            if (!committed)
            {
                // Claimed only when new or past its retention: nothing of it is to be remembered. A ring entry of an
                // earlier commit finds no key when it is due.
                Remove(index);
                return claim.Waiters;
            }

            var now = time.GetUtcNow().UtcTicks;
            var expires = now > long.MaxValue - _retention ? long.MaxValue : now + _retention;
            slot.Expires = expires;
            slot.Pending = null;

            // Forgetting as keys are committed keeps the store bounded even where nothing calls RemoveExpiredAsync.
            RemoveExpired(now);
            if (_ringCount == _capacity)
            {
                Forget(Dequeue());
            }

            Enqueue(new Remembered(hash, expires));
            return claim.Waiters;
        }
    }

    private int RemoveExpired(long now)
    {
        var removed = 0;
        while (_ringCount > 0 && _ring[_head].Expires <= now)
        {
            if (Forget(Dequeue()))
            {
                removed++;
            }
        }

        return removed;
    }

    private bool Forget(Remembered oldest)
    {
        // A key committed again after it expired has a later expiry, and one claimed again is pending: only forget
        // it when this is its latest commit and nobody holds it.
        var index = Find(oldest.Key, out var exists);
        if (exists && _slots[index].Expires == oldest.Expires && _slots[index].Pending is null)
        {
            Remove(index);
            return true;
        }

        return false;
    }

    private Key Hash(string endpointId, string key)
    {
        // The endpoint's length first, so that no two (endpoint, key) pairs are the same characters.
        var length = 2 + endpointId.Length + key.Length;
        char[]? rented = null;
        var text = length <= 256 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length));
        text[0] = (char)(endpointId.Length >> 16);
        text[1] = (char)endpointId.Length;
        endpointId.CopyTo(text[2..]);
        key.CopyTo(text[(2 + endpointId.Length)..]);
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text[..length]), _seed);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        // Zero marks a free slot.
        return hash == UInt128.Zero ? new Key(1, 0) : new Key((ulong)hash, (ulong)(hash >> 64));
    }

    // The key's slot, or the free slot where it would go.
    private int Find(Key key, out bool exists)
    {
        var mask = _slots.Length - 1;
        for (var index = (int)key.Low & mask; ; index = (index + 1) & mask)
        {
            var found = _slots[index].Key;
            if (found == key)
            {
                exists = true;
                return index;
            }

            if (found.IsFree)
            {
                exists = false;
                return index;
            }
        }
    }

    private void Added()
    {
        if (++_used * 2 <= _slots.Length)
        {
            return;
        }

        var old = _slots;
        _slots = new Slot[old.Length * 2];
        foreach (var slot in old)
        {
            if (!slot.Key.IsFree)
            {
                _slots[Find(slot.Key, out _)] = slot;
            }
        }
    }

    // Empties a slot, moving back the keys after it that probed past it, so that no lookup needs a tombstone.
    private void Remove(int index)
    {
        _used--;
        var mask = _slots.Length - 1;
        var next = index;
        while (true)
        {
            _slots[index] = default;
            while (true)
            {
                next = (next + 1) & mask;
                if (_slots[next].Key.IsFree)
                {
                    return;
                }

                // Stays when its home slot is cyclically in (index, next]: a lookup from there still reaches it.
                var home = (int)_slots[next].Key.Low & mask;
                var stays = index <= next ? index < home && home <= next : index < home || home <= next;
                if (!stays)
                {
                    break;
                }
            }

            _slots[index] = _slots[next];
            index = next;
        }
    }

    private Remembered Dequeue()
    {
        var oldest = _ring[_head];
        _head = (_head + 1) % _ring.Length;
        _ringCount--;
        return oldest;
    }

    private void Enqueue(Remembered remembered)
    {
        if (_ringCount == _ring.Length)
        {
            var grown = new Remembered[(int)Math.Min((long)_ring.Length * 2, _capacity)];
            for (var i = 0; i < _ringCount; i++)
            {
                grown[i] = _ring[(_head + i) % _ring.Length];
            }

            _ring = grown;
            _head = 0;
        }

        _ring[(_head + _ringCount) % _ring.Length] = remembered;
        _ringCount++;
    }

    /// <summary>An endpoint and key's 128-bit hash; zero is no key.</summary>
    private readonly record struct Key(ulong Low, ulong High)
    {
        public bool IsFree => (Low | High) == 0;
    }

    /// <summary>A key's state: when it is forgotten once committed (UTC ticks), and the claim holding it now, if any.</summary>
    private struct Slot
    {
        public Key Key;
        public long Expires;
        public Claim? Pending;
    }

    /// <summary>A committed key and the expiry of that commit.</summary>
    private readonly record struct Remembered(Key Key, long Expires);

    /// <summary>An uncommitted claim: commits or rolls back with its unit of work, then releases the claims waiting on it.</summary>
    private sealed class Claim(InMemoryDeduplicationStore store, Key key) : IUnitOfWorkParticipant
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
        public void End(bool committed) => store.End(this, key, committed)?.TrySetResult();
    }
}
