using Conveyor;
using Conveyor.Kafka;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The Kafka channels of a distributed bus's service map: <c>c.AddKafkaChannels(map)</c>.</summary>
public static class KafkaServiceMapExtensions
{
    /// <summary>
    /// Registers a Kafka channel for each service of <paramref name="map"/>: one topic per service, named as its channel,
    /// read by one consumer group per consuming service, <c>&lt;map name&gt;.&lt;service&gt;</c> — only the service that
    /// owns a channel consumes it; the others only write to it.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="map">The service map.</param>
    /// <param name="configure">Changes each channel's options, given the service's name.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddKafkaChannels(this ConveyorBuilder builder, ServiceMap map, Action<string, KafkaChannelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(map);
        foreach (var (service, entry) in map.Services)
        {
            builder.AddKafkaChannel(entry.Channel, topic: entry.Channel, groupId: $"{map.Name}.{service}", configure is null ? null : options => configure(service, options));
        }

        return builder;
    }
}
