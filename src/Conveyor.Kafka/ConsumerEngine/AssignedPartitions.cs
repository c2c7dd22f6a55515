using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// The partition workers of the current assignment and which partitions reached their end. Used only on
/// the poll thread (rebalance callbacks run there too), so it needs no lock.
/// </summary>
internal sealed class AssignedPartitions(ConsumerRunContext context)
{
    private readonly Dictionary<TopicPartition, PartitionWorker> _workers = [];
    private readonly Dictionary<TopicPartition, long> _atEnd = [];
    private readonly List<PartitionWorker> _unstarted = [];
    private bool _everAssigned;

    // The worker of the last record dispatched: the client returns a partition's records in runs, so most records find
    // theirs without hashing the topic's name. Cleared whenever the assignment changes.
    private PartitionWorker? _last;

    public IReadOnlyCollection<PartitionWorker> Workers => _workers.Values;

    /// <summary>True once an assignment was received and every assigned partition reached its end.</summary>
    public bool AllAtEnd => _everAssigned && _atEnd.Count == _workers.Count;

    public void Add(IEnumerable<TopicPartition> partitions)
    {
        _everAssigned = true;
        _last = null;
        foreach (var partition in partitions)
        {
            _atEnd.Remove(partition);
            _workers[partition] = new PartitionWorker(partition, context);
        }
    }

    /// <summary>Removes the workers of the given partitions and returns them.</summary>
    public List<PartitionWorker> Remove(IEnumerable<TopicPartition> partitions)
    {
        var removed = new List<PartitionWorker>();
        _last = null;
        foreach (var partition in partitions)
        {
            _atEnd.Remove(partition);
            if (_workers.Remove(partition, out var worker))
            {
                removed.Add(worker);
            }
        }

        return removed;
    }

    public List<PartitionWorker> RemoveAll() => Remove(_workers.Keys.ToList());

    /// <summary>
    /// Queues a record in its partition's worker, to run on <see cref="StartDispatched"/>; false when the partition
    /// is not assigned.
    /// </summary>
    public bool TryDispatch(ConsumeResult<byte[]?, byte[]?> record)
    {
        var worker = _last;
        if (worker is null || record.Partition != worker.Partition.Partition || !ReferenceEquals(record.Topic, worker.Partition.Topic) && record.Topic != worker.Partition.Topic)
        {
            if (!_workers.TryGetValue(record.TopicPartition, out worker))
            {
                return false;
            }

            _last = worker;
        }

        var partition = worker.Partition;
        if (_atEnd.Count > 0)
        {
            _atEnd.Remove(partition);
        }

        if (!worker.HasUnstarted)
        {
            _unstarted.Add(worker);
        }

        worker.Enqueue(record);
        return true;
    }

    /// <summary>Starts the workers that records were dispatched to since the last call: one thread-pool hand-off per worker and batch, not per record.</summary>
    public void StartDispatched()
    {
        foreach (var worker in _unstarted)
        {
            worker.Start();
        }

        _unstarted.Clear();
    }

    /// <summary>
    /// True when no assigned partition is known to hold records beyond the end offset it reported:
    /// <paramref name="appendedEnd"/> tells how far the layer above wrote a partition itself (a retry or
    /// a re-append written by this very consumer, not fetched yet), in which case the consumer is not idle.
    /// </summary>
    public bool ConfirmAtEnd(Func<TopicPartition, long> appendedEnd) =>
        _atEnd.All(entry => appendedEnd(entry.Key) <= entry.Value);

    public void EndReached(TopicPartition partition, long endOffset)
    {
        if (_workers.ContainsKey(partition))
        {
            _atEnd[partition] = endOffset;
        }
    }
}
