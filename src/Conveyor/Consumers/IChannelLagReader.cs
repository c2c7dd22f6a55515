namespace Conveyor;

/// <summary>
/// Reads the lag of the channels this application consumes (those whose <see cref="Channels.ChannelCapabilities.ReportsLag"/>
/// is true): per partition where the channel reports it (<see cref="Channels.IPartitionLagReporter"/>), else its total.
/// What <c>conveyor lag</c>, the <c>conveyor.consumer.lag</c> gauge, the lag health check and the admin page read. Resolve it from DI.
/// </summary>
public interface IChannelLagReader
{
    /// <summary>The channels <see cref="ReadAsync(string, CancellationToken)"/> accepts.</summary>
    IReadOnlyList<string> Channels { get; }

    /// <summary>Reads the lag of every channel in <see cref="Channels"/>; a channel whose lag cannot be read has its <see cref="ChannelLag.Error"/> set.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>One entry per channel, by name.</returns>
    Task<IReadOnlyList<ChannelLag>> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the lag of one channel.</summary>
    /// <param name="channel">A channel (or <c>[KafkaConsumer]</c> endpoint) in <see cref="Channels"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Its lag; <see cref="ChannelLag.Error"/> says why it could not be read.</returns>
    /// <exception cref="ArgumentException">The channel does not exist or does not report lag.</exception>
    Task<ChannelLag> ReadAsync(string channel, CancellationToken cancellationToken = default);
}
