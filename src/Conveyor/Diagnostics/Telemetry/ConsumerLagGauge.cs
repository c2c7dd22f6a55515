using System.Diagnostics.Metrics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Feeds the <c>conveyor.consumer.lag</c> gauge. An observation must not wait on a broker, so it reports the last reading
/// and, when that is older than <see cref="ConveyorOptions.LagRefreshInterval"/>, starts the next one in the background.
/// Nothing is read while nothing observes the gauge.
/// </summary>
internal sealed class ConsumerLagGauge(IServiceProvider services, TimeProvider time, Microsoft.Extensions.Options.IOptions<ConveyorOptions> options)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<ChannelLag> _last = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private Task? _reading;

    public IEnumerable<Measurement<long>> Observe()
    {
        IReadOnlyList<ChannelLag> last;
        lock (_lock)
        {
            last = _last;
            if (_reading is null && time.GetUtcNow() - _readAt >= options.Value.LagRefreshInterval)
            {
                _reading = Task.Run(RefreshAsync);
            }
        }

        foreach (var channel in last)
        {
            foreach (var partition in channel.Partitions)
            {
                var tags = new System.Diagnostics.TagList
                {
                    { MessagingAttributes.Channel, channel.Channel },
                    { MessagingAttributes.DestinationName, partition.Source },
                };
                if (partition.Partition is { } number)
                {
                    tags.Add(MessagingAttributes.PartitionId, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                yield return new Measurement<long>(partition.Lag, tags);
            }
        }
    }

    /// <summary>Reads now and keeps the reading for the gauge: a channel whose read failed keeps its previous reading.</summary>
    public async Task<IReadOnlyList<ChannelLag>> RefreshAsync()
    {
        IReadOnlyList<ChannelLag> read = [];
        try
        {
            var reader = (IChannelLagReader?)services.GetService(typeof(IChannelLagReader));
            read = reader is null ? [] : await reader.ReadAsync().ConfigureAwait(false);
            return read;
        }
        finally
        {
            lock (_lock)
            {
                var previous = _last.ToDictionary(l => l.Channel, StringComparer.Ordinal);
                _last = [.. read.Select(l => l.Error is not null && previous.TryGetValue(l.Channel, out var kept) ? kept : l)];
                _readAt = time.GetUtcNow();
                _reading = null;
            }
        }
    }
}
