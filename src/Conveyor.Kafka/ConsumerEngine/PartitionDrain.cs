using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Closes partition workers and waits for their running records, cancelling them after a grace period.</summary>
internal static class PartitionDrain
{
    /// <summary>How long cancelled records get to acknowledge their cancellation before they are abandoned.</summary>
    public static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Blocks (on the poll thread, possibly inside a rebalance callback) until every worker's running records
    /// finished, for at most <paramref name="grace"/> plus <see cref="AbortWait"/>.
    /// </summary>
    public static void CloseAndWait(
        IReadOnlyCollection<PartitionWorker> workers, TimeSpan grace, TimeProvider time, ILogger logger)
    {
        if (workers.Count == 0)
        {
            return;
        }

        foreach (var worker in workers)
        {
            worker.BeginClose();
        }

        var drained = Task.WhenAll(workers.Select(worker => worker.Drained));
        if (Wait(drained, grace, time))
        {
            return;
        }

        var running = workers.Where(worker => !worker.Drained.IsCompleted).ToList();
        Log.GraceExpired(logger, grace, Describe.Partitions(running.Select(worker => worker.Partition)));
        foreach (var worker in running)
        {
            worker.Abort();
        }

        if (!Wait(drained, AbortWait, time))
        {
            var stuck = workers.Where(worker => !worker.Drained.IsCompleted).Select(worker => worker.Partition);
            Log.RecordsAbandoned(logger, Describe.Partitions(stuck));
        }
    }

    private static bool Wait(Task task, TimeSpan timeout, TimeProvider time)
    {
        try
        {
            task.WaitAsync(timeout, time).GetAwaiter().GetResult();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
