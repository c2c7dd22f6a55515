using Confluent.Kafka;
using Conveyor.Channels;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Decides whether the poll loop reads, and pauses the assigned partitions for two reasons. Back-pressure: the records
/// read and not yet finished are bounded to <see cref="KafkaConsumerOptions.MaxBufferedRecords"/>. When the limit is
/// reached the poll loop first just stops reading until half of them are finished: that costs nothing, whereas pausing
/// makes librdkafka drop what it prefetched and fetch it again (about half a second on the embedded cluster, per
/// pause). Only when the buffer stays full for <see cref="HoldBeforePause"/> are the assigned partitions paused, so
/// that the loop can go back to calling Consume — keeping the consumer in its group and serving rebalances — without
/// reading records. And an operator's <see cref="ConsumerPause"/>: the partitions stay paused while it holds. A new
/// assignment is paused or resumed to match. Runs on the poll thread.
/// </summary>
internal sealed class FlowControl(ConsumerRunContext context, ConsumerPause? pause = null)
{
    /// <summary>How long the poll loop may stop reading before it pauses partitions and polls again.</summary>
    public static readonly TimeSpan HoldBeforePause = TimeSpan.FromSeconds(1);

    private readonly HashSet<TopicPartition> _heldBack = [];
    private long? _fullSince;
    private bool _bufferFull;
    private bool _partitionsPaused;
    private bool _assignmentChanged;

    /// <summary>Partitions assigned while paused start unpaused; the next check pauses them too.</summary>
    public void AssignmentChanged() => _assignmentChanged = true;

    /// <summary>
    /// Whether <paramref name="record"/> must not be handed out because the consumer is paused: a partition assigned
    /// while paused is paused only on the next check, and the Consume call that served the rebalance may already return
    /// its first records. Such a record is put back — its partition paused and sought to it — so that it is read again
    /// once resumed. Only the first record of a partition is sought to; those after it are skipped with it.
    /// </summary>
    public bool HoldBack(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> record)
    {
        if (pause?.IsPaused != true)
        {
            _heldBack.Clear();
            return false;
        }

        if (_heldBack.Contains(record.TopicPartition))
        {
            return true;
        }

        try
        {
            consumer.Pause([record.TopicPartition]);
            consumer.Seek(record.TopicPartitionOffset);
        }
        catch (KafkaException exception)
        {
            // Not put back, it would be skipped: hand it out rather than lose it.
            Log.PauseFailed(context.Logger, exception);
            return false;
        }

        _heldBack.Add(record.TopicPartition);
        return true;
    }

    /// <summary>
    /// Whether the poll loop may call Consume now; when false it should wait for space
    /// (<see cref="ConsumerRunContext.WaitForSpace"/>) and ask again. Pauses or resumes the assignment first.
    /// </summary>
    public bool MayConsume(IConsumer<byte[]?, byte[]?> consumer)
    {
        var mayConsume = CheckBuffer();
        var held = pause?.IsPaused == true;
        var changed = _assignmentChanged;
        _assignmentChanged = false;

        // librdkafka keeps a partition's pause flag when it is revoked: one paused here, revoked, then assigned again
        // after the resume (which only reached the assignment of that time) would stay paused for good. So a changed
        // assignment is set to the wanted state as a whole, paused or not.
        var wanted = _bufferFull || held;
        if (wanted != _partitionsPaused || changed)
        {
            SetPaused(consumer, wanted);
            _partitionsPaused = wanted;
            _heldBack.Clear();
        }

        if (held)
        {
            // Paused before the next Consume: librdkafka drops what it prefetched for these partitions, so nothing
            // new is handed out from here on.
            pause!.Confirm();
        }

        return mayConsume;
    }

    /// <summary>The back-pressure state machine: whether to read, and whether the buffer wants the partitions paused.</summary>
    private bool CheckBuffer()
    {
        var outstanding = context.Outstanding;
        if (_fullSince is null)
        {
            if (outstanding < context.Options.MaxBufferedRecords)
            {
                return true;
            }

            _fullSince = context.Time.GetTimestamp();
        }

        if (outstanding <= context.ResumeThreshold)
        {
            _fullSince = null;
            if (_bufferFull)
            {
                _bufferFull = false;
                Log.Resumed(context.Logger, outstanding);
            }

            return true;
        }

        if (_bufferFull)
        {
            return true;
        }

        if (context.Time.GetElapsedTime(_fullSince.Value) < HoldBeforePause)
        {
            return false;
        }

        _bufferFull = true;
        Log.Paused(context.Logger, outstanding, context.Options.MaxBufferedRecords);
        return true;
    }

    // Not a lambda: one capturing the consumer would be allocated on every call of MayConsume (once per record read).
    private void SetPaused(IConsumer<byte[]?, byte[]?> consumer, bool paused)
    {
        try
        {
            if (paused)
            {
                consumer.Pause(consumer.Assignment);
            }
            else
            {
                consumer.Resume(consumer.Assignment);
            }
        }
        catch (KafkaException exception)
        {
            Log.PauseFailed(context.Logger, exception);
        }
    }
}
