using System.Globalization;
using Conveyor.Channels;
using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore.Admin;

/// <summary>
/// The one place the admin page reads lag: today from the channel itself (<see cref="IReceivingChannel.GetLagAsync"/>,
/// for Kafka the consumer group's lag over its partitions). When the consumer status reports lag, read it here.
/// </summary>
internal static class ChannelLag
{
    // A broker that does not answer must not keep the page from showing everything else.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<LagView> ReadAsync(IMessageChannel channel, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (channel is not IReceivingChannel receiving || !channel.Capabilities.ReportsLag)
        {
            return new LagView(null, null);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        try
        {
            return new LagView(await receiving.GetLagAsync(limit.Token).ConfigureAwait(false), null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.LagFailed(loggers.CreateLogger(typeof(ChannelLag).FullName!), e, channel.Name);
            return new LagView(null, e is OperationCanceledException
                ? string.Create(CultureInfo.InvariantCulture, $"no answer within {Timeout.TotalSeconds:0} s")
                : $"{e.GetType().Name}: {e.Message}");
        }
    }
}
