using Confluent.Kafka;

namespace Conveyor.Kafka.Consuming;

/// <summary>
/// Bounds the records read and not yet finished: pauses every assigned partition when
/// <see cref="KafkaConsumerOptions.MaxBufferedRecords"/> are outstanding and resumes them once half are
/// finished. The poll loop keeps calling Consume while paused, so the consumer stays in its group and
/// rebalance callbacks keep being served. Runs on the poll thread.
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

            _assignmentChanged = false;
        }
        catch (KafkaException exception)
        {
            Log.PauseFailed(context.Logger, exception);
        }
    }
}
