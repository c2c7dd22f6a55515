using Confluent.Kafka;
using Conveyor.Channels;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Channels;

/// <summary>
/// The pull side of a <see cref="KafkaChannel"/> (<see cref="IReceivingChannel.TryReceiveAsync"/>): one consumer in the
/// channel's group, subscribed to its topics and retry topic, kept between takes. A take polls for a short while and
/// hands the record to the handler; a completed record's offset is committed at once (synchronously), a released or
/// stopped one is sought back to, so that the next take of that partition reads it again and order holds.
/// </summary>
/// <remarks>
/// Between takes the consumer does not poll: a channel nobody takes from for longer than <c>max.poll.interval.ms</c>
/// leaves its group, and the next take joins it again (a rebalance, no message lost). What librdkafka prefetched is
/// not consumed: only committed offsets count.
/// </remarks>
internal sealed class KafkaPuller(KafkaChannel channel, KafkaTopics topics, ILogger logger) : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<TopicPartition, DateTimeOffset> _waiting = [];
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private bool _disposed;

    public async ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var consumer = _consumer ??= await CreateAsync(cancellationToken).ConfigureAwait(false);
            ResumeDue(consumer);
            var record = await Task.Run(() => consumer.Consume(PollTimeout), cancellationToken).ConfigureAwait(false);
            if (record is null || record.IsPartitionEOF)
            {
                return null;
            }

            // Not handed out: a retry that is not due yet stays where it is, and so does what follows it in its
            // partition, which is paused until then; the other partitions flow.
            var inbound = KafkaInboundMessage.From(record, channel, CancellationToken.None);
            if (inbound.Message.DeliverAt is { } due && due > channel.Time.GetUtcNow())
            {
                consumer.Seek(record.TopicPartitionOffset);
                consumer.Pause([record.TopicPartition]);
                _waiting[record.TopicPartition] = due;
                return null;
            }

            var acknowledgement = await handler(inbound, CancellationToken.None).ConfigureAwait(false);
            if (acknowledgement == Acknowledgement.Completed)
            {
                Commit(consumer, record);
            }
            else
            {
                consumer.Seek(record.TopicPartitionOffset);
            }

            return acknowledgement;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ResumeDue(IConsumer<byte[]?, byte[]?> consumer)
    {
        var now = channel.Time.GetUtcNow();
        foreach (var (partition, due) in _waiting.Where(w => w.Value <= now).ToList())
        {
            _waiting.Remove(partition);
            try
            {
                consumer.Resume([partition]);
            }
            catch (KafkaException e)
            {
                // Revoked meanwhile: whoever owns it now reads the retry when it is due.
                Log.ClientError(logger, "pull consumer", e.Error.Code, $"resuming {partition} failed: {e.Error.Reason}");
            }
        }
    }

    private void Commit(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> record)
    {
        try
        {
            consumer.Commit([new TopicPartitionOffset(record.TopicPartition, record.Offset + 1)]);
        }
        catch (KafkaException e)
        {
            // The partition moved to another member meanwhile: it reads the record again (at least once).
            Log.ClientError(logger, "pull consumer", e.Error.Code, $"commit of {record.TopicPartitionOffset} failed: {e.Error.Reason}");
        }
    }

    private async Task<IConsumer<byte[]?, byte[]?>> CreateAsync(CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        var subscription = settings.Topics.Append(settings.RetryTopic).ToList();
        await topics.EnsureAsync([.. subscription, settings.DeadLetterTopic], cancellationToken).ConfigureAwait(false);
        var config = new ConsumerConfig(settings.Consumer.ToDictionary(entry => entry.Key, entry => entry.Value))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
        };
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).LogTo(logger).Build();
        consumer.Subscribe(subscription);
        return consumer;
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            if (_consumer is { } consumer)
            {
                consumer.Close();
                consumer.Dispose();
                _consumer = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
