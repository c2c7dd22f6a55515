using System.Diagnostics;
using Confluent.Kafka;

namespace Conveyor.Kafka.Consuming;

/// <summary>
/// Bounds the records read and not yet finished. When <see cref="KafkaConsumerOptions.MaxBufferedRecords"/> are
/// outstanding, the poll loop first stops reading and waits, in slices so that it still commits and notices stop
/// requests, for half of them to finish: records wait in the client's fetch queue meanwhile. Only when they have not
/// finished within <see cref="HoldBeforePause"/> (slow handlers) does it pause every assigned partition and keep
/// calling Consume while paused, so the consumer stays in its group and rebalance callbacks keep being served; it
/// resumes them once half are finished. Pausing makes librdkafka drop the records it fetched ahead and fetch them again
/// on resume, which costs throughput when handlers are fast. Runs on the poll thread.
/// </summary>
internal sealed class FlowControl(ConsumerRunContext context)
{
    /// <summary>How long the loop holds off reading, waiting for records to finish, before it pauses the partitions.</summary>
    public static readonly TimeSpan HoldBeforePause = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan HoldSlice = TimeSpan.FromMilliseconds(100);

    private bool _paused;
    private bool _assignmentChanged;
    private long? _fullSince;

    /// <summary>Partitions assigned while paused start unpaused; the next update pauses them too.</summary>
    public void AssignmentChanged() => _assignmentChanged = true;

    /// <summary>
    /// Applies the limit. Returns <see langword="true"/> when the loop must not consume now: the limit is reached and
    /// the hold has not run out; the loop goes round (commits, stop checks) and calls again.
    /// </summary>
    public bool Update(IConsumer<byte[]?, byte[]?> consumer)
    {
        var outstanding = context.Outstanding;
        var limit = context.Options.MaxBufferedRecords;
        if (!_paused && outstanding >= limit)
        {
            // Wall-clock time, like the wait itself: the hold is about real handlers finishing.
            _fullSince ??= Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_fullSince.Value) < HoldBeforePause)
            {
                if (!context.WaitUntilOutstandingAtMost(limit / 2, HoldSlice))
                {
                    return true;
                }

                _fullSince = null;
                return false;
            }
        }

        _fullSince = null;
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

        return false;
    }
}
