using Conveyor.Channels;

namespace Conveyor.Consumers;

/// <summary>Reads lag from the channels themselves; a failed read is an entry with its error, never an exception for all.</summary>
internal sealed class ChannelLagReader(IChannelRegistry registry) : IChannelLagReader
{
    public IReadOnlyList<string> Channels =>
        [.. registry.Names.Where(name => Find(name) is not null).Order(StringComparer.Ordinal)];

    public async Task<IReadOnlyList<ChannelLag>> ReadAsync(CancellationToken cancellationToken = default)
    {
        var names = Channels;
        var reads = names.Select(name => ReadAsync(name, cancellationToken));
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    public async Task<ChannelLag> ReadAsync(string channel, CancellationToken cancellationToken = default)
    {
        var receiving = Find(channel)
            ?? throw new ArgumentException($"'{channel}' is not a channel that reports lag. Channels that do: {string.Join(", ", Channels)}.", nameof(channel));
        try
        {
            if (receiving is IPartitionLagReporter partitioned)
            {
                return new ChannelLag(channel, await partitioned.GetPartitionLagAsync(cancellationToken).ConfigureAwait(false));
            }

            var total = await receiving.GetLagAsync(cancellationToken).ConfigureAwait(false);
            return new ChannelLag(channel, total is { } lag ? [new ChannelPartitionLag(channel, null, null, null, lag)] : []);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ChannelLag(channel, [], e.Message);
        }
    }

    private IReceivingChannel? Find(string name) =>
        registry.TryGet(name, out var channel) && channel is IReceivingChannel { Capabilities.ReportsLag: true } receiving ? receiving : null;
}
