namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Decides which queued items of one partition may run now: items with the same key run one at a time in
/// the order they were queued, items with different keys run in parallel, at most
/// <c>maxInFlight</c> at once, oldest first. With <c>maxInFlight</c> 1 (or a single key) it is a plain
/// FIFO queue that runs one item at a time. Not thread-safe: the owner serialises calls.
/// </summary>
internal sealed class KeyOrderedDispatcher<T>
{
    private readonly int _maxInFlight;
    private const int MaxFree = 64;
    private readonly Dictionary<RecordKey, KeyQueue> _keys = [];
    private readonly Stack<KeyQueue> _free = new();

    // Keys that are not running and have items, by the arrival order of their oldest item.
    private readonly PriorityQueue<RecordKey, long> _ready = new();
    private long _sequence;

    public KeyOrderedDispatcher(int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _maxInFlight = maxInFlight;
    }

    /// <summary>Items queued and not yet taken.</summary>
    public int Queued { get; private set; }

    /// <summary>Items taken and not yet completed.</summary>
    public int InFlight { get; private set; }

    public void Enqueue(RecordKey key, T item)
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
    public bool TryTakeNext(out RecordKey key, out T item)
    {
        if (InFlight >= _maxInFlight || !_ready.TryDequeue(out key, out _))
        {
            key = default;
            item = default!;
            return false;
        }

        var queue = _keys[key];
        item = queue.Items.Dequeue().Item;
        queue.Running = true;
        Queued--;
        InFlight++;
        return true;
    }

    /// <summary>Marks the running item of <paramref name="key"/> finished, so the next item of that key may run.</summary>
    public void Complete(RecordKey key)
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

    /// <summary>Forgets every queued item (running ones stay running) and returns how many there were.</summary>
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
