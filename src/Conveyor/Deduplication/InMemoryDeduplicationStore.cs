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
/// An endpoint and key are remembered as a 128-bit hash of both (XxHash128 of the key, seeded with a hash of the
/// endpoint and a random seed of the store's), not as their strings: the store is one open-addressing table of 16-byte
/// slots and one ring of its keys, with their expiries, in the order they were committed, so a claim reads one slot,
/// its commit writes it, and a busy consumer's remembered keys are two arrays rather than hundreds of thousands of
/// objects for the garbage collector to trace. 127 bits of the hash are kept (the table marks a pending claim with the
/// last): two different keys are taken for one with a probability of about n²/2¹²⁸ for n keys remembered at once (for
/// the default 100,000 keys, below 10⁻²⁸):
/// far below any other cause of a lost message.
/// </para>
/// <para>
/// The capacity bounds the memory a busy consumer's remembered keys take (60–90 bytes each: two to four 16-byte slots
/// of a table kept at most half full, and 24 bytes in the ring): at 1,000 messages a second, 24 hours of keys would be
/// 86 million of them. The duplicates one process can meet — a record redelivered after a failed commit or a
/// rebalance, a producer's retry — arrive within seconds or minutes of the original, which the most recent keys cover.
/// </para>
/// </remarks>
/// <param name="retention">How long a key is remembered after the unit of work that claimed it committed.</param>
/// <param name="time">The clock.</param>
/// <param name="capacity">The most committed keys remembered at once; the oldest are forgotten first beyond it.</param>
public sealed class InMemoryDeduplicationStore(TimeSpan retention, TimeProvider time, int capacity = InMemoryDeduplicationStore.DefaultCapacity) : IDeduplicationStore
{
    /// <summary>The capacity when none is given: 100,000 keys, about 6.5 MB.</summary>
    public const int DefaultCapacity = 100_000;

    // Both arrays start small and double as keys come, the ring up to the capacity.
    private const int InitialRing = 256;

    private readonly Lock _gate = new();
    private readonly long _retention = retention.Ticks;
    private readonly Runtime.CoarseClock _clock = new(time);
    private readonly int _capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be at least one key.");

    // Random per store: which keys share a hash cannot be known, or chosen, from outside the process.
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));

    private EndpointSeed? _lastEndpoint;

    // Every key claimed or remembered: linear probing, at most half full, a free slot's key zero. A slot is the key alone
    // (16 bytes, its top bit marking a pending claim), so that the table a claim and a forget probe at random stays small
    // — 4 MB for the default capacity, where key, expiry and claim took 8 — and holds no reference for the garbage
    // collector to scan. A committed key's expiry is in the ring.
    private Key[] _slots = new Key[2 * InitialRing];
    private int _used;
    private int _pending;

    // Claims waiting for a pending claim of the same key to end: made only when one waits.
    private Dictionary<Key, TaskCompletionSource>? _waiters;

    // Committed keys in the order they were committed; with one retention for all, that is also the order they expire
    // in, so forgetting is a walk from the head that stops at the first key still remembered. Each committed key of the
    // table is in it once.
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
                if (exists && _slots[index].IsPending)
                {
                    _waiters ??= [];
                    if (!_waiters.TryGetValue(hash, out var waiters))
                    {
                        // Waiters resume on the thread pool, not inside the commit of the unit of work that ends the claim.
                        waiters = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        _waiters.Add(hash, waiters);
                    }

                    ended = waiters.Task;
                }
                else if (exists && !ForgottenAsExpired(hash))
                {
                    return false;
                }
                else
                {
                    // New, or forgotten just now as expired: claimed anew.
                    claim = new Claim(this, hash);
                    _pending++;
                    _slots[Find(hash, out _)] = hash.AsPending();
                    Added();
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
            return ValueTask.FromResult(RemoveExpired(_clock.UtcTicks));
        }
    }

    // Returns the source of the claims waiting for this one, taken under the same lock that ends the claim.
    private TaskCompletionSource? End(Claim claim, Key hash, bool committed)
    {
        lock (_gate)
        {
            // A unit of work that ends twice ends its claim once.
            if (claim.Ended)
            {
                return null;
            }

            claim.Ended = true;
            _pending--;
            var index = Find(hash, out _);
            TaskCompletionSource? waiters = null;
            if (_waiters is { Count: > 0 } && _waiters.Remove(hash, out var waiting))
            {
                waiters = waiting;
            }

            if (!committed)
            {
                // Claimed only when new or forgotten: nothing of it is to be remembered.
                Remove(index);
                return waiters;
            }

            _slots[index] = hash;
            var now = _clock.UtcTicks;
            var expires = now > long.MaxValue - _retention ? long.MaxValue : now + _retention;

            // Forgetting as keys are committed keeps the store bounded even where nothing calls RemoveExpiredAsync.
            RemoveExpired(now);
            if (_ringCount == _capacity)
            {
                Forget(Dequeue());
            }

            Enqueue(new Remembered(hash, expires));
            return waiters;
        }
    }

    // Whether a committed key had expired: the expired keys are the ring's first, and are forgotten now.
    private bool ForgottenAsExpired(Key hash)
    {
        if (RemoveExpired(_clock.UtcTicks) == 0)
        {
            return false;
        }

        Find(hash, out var exists);
        return !exists;
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
        // Each committed key is in the ring once; one claimed again since (only when it had expired, which forgets it
        // first) is not touched.
        var index = Find(oldest.Key, out var exists);
        if (exists && !_slots[index].IsPending)
        {
            Remove(index);
            return true;
        }

        return false;
    }

    // The key's characters hashed with a seed of the endpoint's own (the store's seed and the endpoint's characters
    // hashed), so that the same key of two endpoints is two keys, and each claim hashes the key only. The seed of the
    // endpoint last seen is kept, found by the string's identity: an endpoint's id is one string for the runtime's life.
    private Key Hash(string endpointId, string key)
    {
        var endpoint = Volatile.Read(ref _lastEndpoint);
        if (!ReferenceEquals(endpoint?.Id, endpointId))
        {
            endpoint = new EndpointSeed(endpointId, unchecked((long)XxHash64.HashToUInt64(MemoryMarshal.AsBytes(endpointId.AsSpan()), _seed)));
            Volatile.Write(ref _lastEndpoint, endpoint);
        }

        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(key.AsSpan()), endpoint!.Seed);

        // 127 bits: the top one marks a pending claim in the table. Zero marks a free slot.
        var low = (ulong)hash;
        var high = (ulong)(hash >> 64) & ~Key.PendingBit;
        return (low | high) == 0 ? new Key(1, 0) : new Key(low, high);
    }

    // The key's slot, or the free slot where it would go.
    private int Find(Key key, out bool exists)
    {
        var mask = _slots.Length - 1;
        for (var index = (int)key.Low & mask; ; index = (index + 1) & mask)
        {
            var found = _slots[index];
            if (found.Low == key.Low && (found.High & ~Key.PendingBit) == key.High)
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
        _slots = new Key[old.Length * 2];
        foreach (var slot in old)
        {
            if (!slot.IsFree)
            {
                _slots[Find(slot.Committed, out _)] = slot;
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
                if (_slots[next].IsFree)
                {
                    return;
                }

                // Stays when its home slot is cyclically in (index, next]: a lookup from there still reaches it.
                var home = (int)_slots[next].Low & mask;
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

    /// <summary>An endpoint and key's 127-bit hash; zero is no key. In the table, the top bit marks a pending claim.</summary>
    private readonly record struct Key(ulong Low, ulong High)
    {
        public const ulong PendingBit = 1UL << 63;

        public bool IsFree => (Low | High) == 0;

        public bool IsPending => (High & PendingBit) != 0;

        /// <summary>The key without its pending mark.</summary>
        public Key Committed => new(Low, High & ~PendingBit);

        public Key AsPending() => new(Low, High | PendingBit);
    }

    /// <summary>An endpoint's id and the seed its keys are hashed with.</summary>
    private sealed record EndpointSeed(string Id, long Seed);

    /// <summary>A committed key and the expiry of that commit.</summary>
    private readonly record struct Remembered(Key Key, long Expires);

    /// <summary>An uncommitted claim: commits or rolls back with its unit of work, then releases the claims waiting on it.</summary>
    private sealed class Claim(InMemoryDeduplicationStore store, Key key) : IUnitOfWorkParticipant
    {
        /// <summary>Under the store's gate: whether the claim ended (a unit of work may end it twice).</summary>
        public bool Ended { get; set; }

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

        public void End(bool committed) => store.End(this, key, committed)?.TrySetResult();
    }
}
