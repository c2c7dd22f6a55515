namespace Conveyor.Channels;

/// <summary>
/// A receiving channel that reports its lag per partition, not only in total (<see cref="IReceivingChannel.GetLagAsync"/>):
/// what <see cref="IChannelLagReader"/> shows per partition. A wrapper of such a channel passes it on by implementing it too.
/// </summary>
public interface IPartitionLagReporter
{
    /// <summary>The consumers' lag per partition.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per partition.</returns>
    Task<IReadOnlyList<ChannelPartitionLag>> GetPartitionLagAsync(CancellationToken cancellationToken);
}
