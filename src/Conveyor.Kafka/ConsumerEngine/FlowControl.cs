using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Bounds the records read and not yet finished to <see cref="KafkaConsumerOptions.MaxBufferedRecords"/>.
/// When the limit is reached the poll loop first just stops reading until half of them are finished:
/// that costs nothing, whereas pausing makes librdkafka drop what it prefetched and fetch it again (about
/// half a second on the embedded cluster, per pause). Only when the buffer stays full for
/// <see cref="HoldBeforePause"/> are the assigned partitions paused, so that the loop can go back to
/// calling Consume — keeping the consumer in its group and serving rebalances — without reading records.
/// A new assignment is paused or resumed to match. Runs on the poll thread.
/// </summary>
internal sealed class FlowControl(ConsumerRunContext context)
{
    /// <summary>How long the poll loop may stop reading before it pauses partitions and polls again.</summary>
    public static readonly TimeSpan HoldBeforePause = TimeSpan.FromSeconds(1);

    private long? _fullSince;
    private bool _paused;
    private bool _assignmentChanged;

    /// <summary>Partitions assigned while paused start unpaused; the next check pauses them too.</summary>
    public void AssignmentChanged() => _assignmentChanged = true;

    /// <summary>
    /// Whether the poll loop may call Consume now; when false it should wait for space
    /// (<see cref="ConsumerRunContext.WaitForSpace"/>) and ask again.
    /// </summary>
    public bool MayConsume(IConsumer<byte[]?, byte[]?> consumer)
    {
        var outstanding = context.Outstanding;
        var changed = _assignmentChanged;
        _assignmentChanged = false;
        if (changed && !_paused)
        {
            // librdkafka keeps a partition's pause flag when it is revoked: one paused here, revoked, then
            // assigned again after the resume (which only reached the assignment of that time) would stay
            // paused for good.
            Try(() => consumer.Resume(consumer.Assignment));
        }

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
            if (_paused)
            {
                Try(() => consumer.Resume(consumer.Assignment));
                _paused = false;
                Log.Resumed(context.Logger, outstanding);
            }

            return true;
        }

        if (_paused)
        {
            if (changed)
            {
                Try(() => consumer.Pause(consumer.Assignment));
            }

            return true;
        }

        if (context.Time.GetElapsedTime(_fullSince.Value) < HoldBeforePause)
        {
            return false;
        }

        Try(() => consumer.Pause(consumer.Assignment));
        _paused = true;
        Log.Paused(context.Logger, outstanding, context.Options.MaxBufferedRecords);
        return true;
    }

    private void Try(Action action)
    {
        try
        {
            action();
        }
        catch (KafkaException exception)
        {
            Log.PauseFailed(context.Logger, exception);
        }
    }
}
