using System.Diagnostics.CodeAnalysis;

namespace Conveyor.Channels.ReceiveLoop;

/// <summary>
/// Decides which queued items of one partition may run now: items with the same key run one at a time in
/// the order they were queued, items with different keys run in parallel, at most
/// <c>maxInFlight</c> at once, oldest first. With <c>maxInFlight</c> 1 (or a single key) it is a plain
/// FIFO queue that runs one item at a time. Not thread-safe: the owner serialises calls. A receive loop queues what it
/// read from one ordered source (a Kafka partition) and runs what this hands out.
/// </summary>
/// <typeparam name="TKey">The ordering key (for Kafka: the record key).</typeparam>
/// <typeparam name="T">The queued item.</typeparam>
public sealed class KeyOrderedDispatcher<TKey, T>
    where TKey : notnull
{
    private readonly int _maxInFlight;
    private const int MaxFree = 64;
    private readonly Dictionary<TKey, KeyQueue> _keys = [];
    private readonly Stack<KeyQueue> _free = new();

    // Keys that are not running and have items, by the arrival order of their oldest item.
    private readonly PriorityQueue<TKey, long> _ready = new();
    private long _sequence;

    /// <summary>Creates a dispatcher.</summary>
    /// <param name="maxInFlight">The most items taken and not yet completed at once; 1 or more.</param>
    public KeyOrderedDispatcher(int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _maxInFlight = maxInFlight;
    }

    /// <summary>Items queued and not yet taken.</summary>
    public int Queued { get; private set; }

    /// <summary>Items taken and not yet completed.</summary>
    public int InFlight { get; private set; }

    /// <summary>Queues <paramref name="item"/> behind the items of <paramref name="key"/> queued before it.</summary>
    /// <param name="key">Its key.</param>
    /// <param name="item">The item.</param>
    public void Enqueue(TKey key, T item)
    {
        var sequence = _sequence++;
        if (!_keys.TryGetValue(key, out var queue))
        {
            queue = _free.Count > 0 ? _free.Pop() : new KeyQueue();
            _keys.Add(key, queue);
        }

        if (!queue.Running && queue.Items.Count == 0)
        {
            _ready.Enqueue(key, sequence);
        }

        queue.Items.Enqueue((sequence, item));
        Queued++;
    }

    /// <summary>Takes the oldest item whose key is not running, unless <c>maxInFlight</c> items are running.</summary>
    /// <param name="key">The item's key; pass it to <see cref="Complete"/> once the item finished.</param>
    /// <param name="item">The item.</param>
    /// <returns>Whether an item was taken.</returns>
    public bool TryTakeNext([MaybeNullWhen(false)] out TKey key, [MaybeNullWhen(false)] out T item)
    {
        if (InFlight >= _maxInFlight || !_ready.TryDequeue(out key, out _))
        {
            key = default;
            item = default;
            return false;
        }

        var queue = _keys[key];
        item = queue.Items.Dequeue().Item;
        queue.Running = true;
        Queued--;
        InFlight++;
        return true;
    }

    /// <summary>
    /// Takes the next queued item of <paramref name="key"/> while the key is running, to run it in the same unit of work
    /// (a batch): the key stays running, and one <see cref="Complete"/> finishes the whole unit.
    /// </summary>
    /// <param name="key">A running key.</param>
    /// <param name="item">The item.</param>
    /// <returns>Whether an item was taken; false when the key has none queued or is not running.</returns>
    public bool TryTakeFollowing(TKey key, [MaybeNullWhen(false)] out T item)
    {
        if (!_keys.TryGetValue(key, out var queue) || !queue.Running || queue.Items.Count == 0)
        {
            item = default;
            return false;
        }

        item = queue.Items.Dequeue().Item;
        Queued--;
        return true;
    }

    /// <summary>Marks the running item of <paramref name="key"/> finished, so the next item of that key may run.</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="InvalidOperationException">No item of <paramref name="key"/> is running.</exception>
    public void Complete(TKey key)
    {
        if (!_keys.TryGetValue(key, out var queue) || !queue.Running)
        {
            throw new InvalidOperationException("No item of this key is running.");
        }

        queue.Running = false;
        InFlight--;
        if (queue.Items.Count == 0)
        {
            _keys.Remove(key);
            Recycle(queue);
        }
        else
        {
            _ready.Enqueue(key, queue.Items.Peek().Sequence);
        }
    }

    /// <summary>Forgets every queued item (running ones stay running), e.g. when the source is revoked.</summary>
    /// <returns>How many there were.</returns>
    public int DropQueued()
    {
        var dropped = Queued;
        _ready.Clear();
        foreach (var (key, queue) in _keys.ToList())
        {
            queue.Items.Clear();
            if (!queue.Running)
            {
                _keys.Remove(key);
                Recycle(queue);
            }
        }

        Queued = 0;
        return dropped;
    }

    // A key's queue is dropped whenever the key has nothing left, which in partition-sequential mode (one key) is
    // after nearly every record: keep a few emptied ones instead of allocating a queue per key activation.
    private void Recycle(KeyQueue queue)
    {
        if (_free.Count < MaxFree)
        {
            queue.Running = false;
            _free.Push(queue);
        }
    }

    private sealed class KeyQueue
    {
        public Queue<(long Sequence, T Item)> Items { get; } = new();

        public bool Running { get; set; }
    }
}
