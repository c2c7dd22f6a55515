using System.Collections.Concurrent;
using Conveyor.Deduplication;
using Conveyor.UnitOfWork;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>An ordered message of the in-process reliability tests: <paramref name="Sequence"/> ascends per <paramref name="Key"/>.</summary>
[Message("reliability.sequenced")]
public sealed record Sequenced(string Key, int Sequence);

/// <summary>Which consumer (service provider) a handler runs in.</summary>
public sealed record ConsumerName(string Name);

/// <summary>How long <see cref="SequencedHandler"/> works on each message; registered, it lets records queue up behind it.</summary>
public sealed record HandlingTime(TimeSpan PerMessage);

/// <summary>Records every <see cref="Sequenced"/> it handles, with the consumer and partition.</summary>
public sealed class SequencedHandler(Recorded recorded, ConsumerName consumer, HandlingTime? handlingTime = null)
{
    public const string Channel = "sequenced";

    [Asynchronous(Channel)]
    [CommandHandler(EndpointId = "reliability.sequenced.record")]
    public async Task Record(Sequenced message, MessageHeaders headers, [Header("kafka_partition")] int partition, CancellationToken cancellationToken)
    {
        if (handlingTime is not null)
        {
            await Task.Delay(handlingTime.PerMessage, cancellationToken);
        }

        recorded.Add(consumer.Name, headers.MessageId!, message, partition);
    }
}

/// <summary>What handlers of the in-process reliability tests saw, in handling order.</summary>
public sealed class Recorded
{
    public ConcurrentQueue<(string Consumer, string MessageId, Sequenced Message, int Partition)> Handled { get; } = new();

    public ConcurrentDictionary<string, int> HandledCountById { get; } = new(StringComparer.Ordinal);

    public int Count => Handled.Count;

    public void Add(string consumer, string messageId, Sequenced message, int partition)
    {
        HandledCountById.AddOrUpdate(messageId, 1, (_, count) => count + 1);
        Handled.Enqueue((consumer, messageId, message, partition));
    }
}

/// <summary>The in-memory deduplication store, counting the deliveries it recognised as duplicates.</summary>
public sealed class CountingDeduplicationStore(TimeProvider time) : IDeduplicationStore
{
    private readonly InMemoryDeduplicationStore _inner = new(TimeSpan.FromHours(1), time);
    private long _duplicates;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        var claimed = await _inner.TryClaimAsync(endpointId, key, unitOfWork, cancellationToken);
        if (!claimed)
        {
            Interlocked.Increment(ref _duplicates);
        }

        return claimed;
    }

    public ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken) => _inner.RemoveExpiredAsync(cancellationToken);
}
