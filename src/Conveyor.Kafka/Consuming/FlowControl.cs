using Confluent.Kafka;

namespace Conveyor.Kafka.Consuming;

/// <summary>
/// Bounds the records read and not yet finished: pauses every assigned partition when
/// <see cref="KafkaConsumerOptions.MaxBufferedRecords"/> are outstanding and resumes them once half are
/// finished. The poll loop keeps calling Consume while paused, so the consumer stays in its group and
/// rebalance callbacks keep being served. A new assignment is paused or resumed to match. Runs on the
/// poll thread.
/// </summary>
internal sealed class FlowControl(ConsumerRunContext context)
{
    private bool _paused;
    private bool _assignmentChanged;

    /// <summary>Partitions assigned while paused start unpaused; the next update pauses them too.</summary>
    public void AssignmentChanged() => _assignmentChanged = true;

    public void Update(IConsumer<byte[]?, byte[]?> consumer)
    {
        var outstanding = context.Outstanding;
        var limit = context.Options.MaxBufferedRecords;
        try
        {
            if (!_paused && outstanding >= limit)
            {
                consumer.Pause(consumer.Assignment);
                _paused = true;
                Log.Paused(context.Logger, outstanding, limit);
            }
            else if (_paused && outstanding <= limit / 2)
            {
                consumer.Resume(consumer.Assignment);
                _paused = false;
                Log.Resumed(context.Logger, outstanding);
            }
            else if (_paused && _assignmentChanged)
            {
                consumer.Pause(consumer.Assignment);
            }
            else if (_assignmentChanged)
            {
                // librdkafka keeps a partition's pause flag when it is revoked: one paused here, revoked, then
                // assigned again after the resume (which only reached the assignment of that time) would stay
                // paused for good.
                consumer.Resume(consumer.Assignment);
            }

            _assignmentChanged = false;
        }
        catch (KafkaException exception)
        {
            Log.PauseFailed(context.Logger, exception);
        }
    }
}
