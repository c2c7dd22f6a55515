using Conveyor.Channels.ReceiveLoop;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Closes partition workers through <see cref="GracefulDrain"/> and logs what had to be cancelled or abandoned.</summary>
internal static class PartitionDrain
{
    /// <summary>How long cancelled records get to acknowledge their cancellation before they are abandoned.</summary>
    public static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Blocks (on the poll thread, possibly inside a rebalance callback) until every worker's running records
    /// finished, for at most <paramref name="grace"/> plus <see cref="AbortWait"/>.
    /// </summary>
    public static void CloseAndWait(IReadOnlyCollection<PartitionWorker> workers, TimeSpan grace, TimeProvider time, ILogger logger)
    {
        var result = GracefulDrain.CloseAndWait(workers, grace, AbortWait, time);
        if (result.Aborted.Count > 0)
        {
            Log.GraceExpired(logger, grace, Describe.Partitions(result.Aborted.Select(worker => worker.Partition)));
        }

        if (result.Abandoned.Count > 0)
        {
            Log.RecordsAbandoned(logger, Describe.Partitions(result.Abandoned.Select(worker => worker.Partition)));
        }
    }
}
