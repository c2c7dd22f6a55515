namespace Conveyor.Diagnostics;

/// <summary>Thresholds of the health checks <c>AddConveyorHealthChecks()</c> adds.</summary>
public sealed class ConveyorHealthCheckOptions
{
    /// <summary>How long a broker may take to answer before it counts as unreachable. Default 5 seconds.</summary>
    public TimeSpan BrokerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most messages a channel's consumers may trail behind before the lag check is unhealthy, unless <see cref="MaxLagPerChannel"/> names the channel. Default 10,000.</summary>
    public long MaxLag { get; set; } = 10_000;

    /// <summary>The most messages a channel's consumers may trail behind, by channel name; overrides <see cref="MaxLag"/>.</summary>
    public IDictionary<string, long> MaxLagPerChannel { get; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>The threshold of <paramref name="channel"/>.</summary>
    /// <param name="channel">The channel name.</param>
    /// <returns>Its most allowed lag.</returns>
    public long MaxLagOf(string channel) => MaxLagPerChannel.TryGetValue(channel, out var max) ? max : MaxLag;
}
