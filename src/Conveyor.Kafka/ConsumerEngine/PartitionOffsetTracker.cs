namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Tracks the delivered offsets of one partition that are not finished yet, and the offset that may be
/// committed: the lowest unfinished delivered offset, or one past the last delivered offset when all are
/// finished. Records may finish in any order; the committable offset never passes an unfinished one
/// (Wolverine #3161, KafkaFlow #753). Not thread-safe: the owner serialises calls.
/// </summary>
internal sealed class PartitionOffsetTracker
{
    // Unfinished offsets in delivery (ascending) order, as a ring buffer whose head is never finished.
    private long[] _offsets = new long[16];
    private bool[] _finished = new bool[16];
    private int _head;
    private long _lastDelivered = -1;
    private long _committed = -1;

    /// <summary>Delivered offsets not finished yet, plus finished ones held back behind an unfinished one.</summary>
    public int Tracked { get; private set; }

    /// <summary>The offset a commit would store now (the next one to read), or null before any delivery.</summary>
    public long? CommittableOffset =>
        Tracked > 0 ? _offsets[_head] : _lastDelivered >= 0 ? _lastDelivered + 1 : null;

    /// <summary>Registers a delivered offset; offsets of one partition arrive in ascending order.</summary>
    public void Delivered(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset <= _lastDelivered)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), offset, $"Offsets must ascend; the last delivered one was {_lastDelivered}.");
        }

        if (Tracked == _offsets.Length)
        {
            Grow();
        }

        var index = Index(Tracked);
        _offsets[index] = offset;
        _finished[index] = false;
        Tracked++;
        _lastDelivered = offset;
    }

    /// <summary>Marks a delivered offset finished; returns whether the committable offset moved.</summary>
    public bool Completed(long offset)
    {
        var position = Find(offset);
        if (position < 0 || _finished[Index(position)])
        {
            throw new InvalidOperationException($"Offset {offset} is not delivered and unfinished.");
        }

        _finished[Index(position)] = true;
        if (position != 0)
        {
            return false;
        }

        while (Tracked > 0 && _finished[_head])
        {
            _head = (_head + 1) % _offsets.Length;
            Tracked--;
        }

        return true;
    }

    /// <summary>Gets the committable offset when it is past the last one marked committed.</summary>
    public bool TryGetOffsetToCommit(out long offset)
    {
        offset = CommittableOffset ?? -1;
        return offset > _committed;
    }

    /// <summary>Records that <paramref name="offset"/> was committed.</summary>
    public void MarkCommitted(long offset) => _committed = Math.Max(_committed, offset);

    private int Index(int position) => (_head + position) % _offsets.Length;

    // Binary search over the ring buffer's positions 0..Tracked-1, whose offsets ascend.
    private int Find(long offset)
    {
        int low = 0, high = Tracked - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var value = _offsets[Index(middle)];
            if (value == offset)
            {
                return middle;
            }

            if (value < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var finished = new bool[offsets.Length];
        for (var position = 0; position < Tracked; position++)
        {
            offsets[position] = _offsets[Index(position)];
            finished[position] = _finished[Index(position)];
        }

        _offsets = offsets;
        _finished = finished;
        _head = 0;
    }
}
