using Microsoft.Extensions.Configuration;

namespace Conveyor;

/// <summary>
/// The services that talk through one distributed bus, each with the channel its messages go to. It is plain
/// configuration — build it in code (<see cref="AddService"/>) or bind it from a configuration section
/// (<see cref="FromConfiguration"/>) — so that services can share it as a package: one source of truth for who
/// sends what where. Register it with <c>AddDistributedBus</c>; several maps side by side are several buses.
/// </summary>
public sealed class ServiceMap
{
    /// <summary>The name given to a map that does not set one.</summary>
    public const string DefaultName = "default";

    /// <summary>The map's name: the key of its <see cref="IDistributedBus"/> in DI. Default <see cref="DefaultName"/>.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>The services by name.</summary>
    public IDictionary<string, ServiceMapEntry> Services { get; } = new Dictionary<string, ServiceMapEntry>(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="service"/>, whose messages go to <paramref name="channel"/>.</summary>
    /// <param name="service">The service's name, as others target it.</param>
    /// <param name="channel">The channel it consumes.</param>
    /// <param name="configure">Sets its subscription keys and publisher rules.</param>
    /// <returns>The map.</returns>
    public ServiceMap AddService(string service, string channel, Action<ServiceMapEntry>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        var entry = new ServiceMapEntry { Channel = channel };
        configure?.Invoke(entry);
        if (!Services.TryAdd(service, entry))
        {
            throw new ConveyorConfigurationException($"Service map '{Name}' has service '{service}' twice. Give each service one entry.");
        }

        return this;
    }

    /// <summary>
    /// Reads a map from a configuration section:
    /// <c>{ "Name": "ticketing", "Services": { "ticket": { "Channel": "ticket", "SubscriptionKeys": [ "user.*" ] } } }</c>.
    /// A value that does not convert fails here, naming its key.
    /// </summary>
    /// <param name="section">The section.</param>
    /// <returns>The map.</returns>
    public static ServiceMap FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var map = new ServiceMap();
        Hosting.OptionsSectionBinding.Bind(section, map, section is IConfigurationSection s ? s.Path : null);
        return map;
    }

    /// <summary>What is wrong with the map for <paramref name="thisService"/> on a host that has <paramref name="channels"/>.</summary>
    internal IEnumerable<string> Problems(string thisService, IReadOnlySet<string> channels)
    {
        if (!Services.ContainsKey(thisService))
        {
            yield return $"Service map '{Name}' has no entry for this service, '{thisService}'. Add it (map.AddService(\"{thisService}\", \"<its channel>\")), or pass the name this service has in the map to AddDistributedBus.";
        }

        foreach (var (service, entry) in Services)
        {
            if (string.IsNullOrWhiteSpace(entry.Channel))
            {
                yield return $"Service map '{Name}': service '{service}' has no Channel. Set the channel its messages go to.";
            }
            else if (!channels.Contains(entry.Channel))
            {
                yield return $"Service map '{Name}': service '{service}' sends to channel '{entry.Channel}', which is not registered. Register it (e.g. AddKafkaChannel(\"{entry.Channel}\")) or fix the name.{Runtime.NameSuggestions.DidYouMean(entry.Channel, channels)}";
            }

            if (entry.IncludedPublishers.Count > 0 && entry.ExcludedPublishers.Count > 0)
            {
                yield return $"Service map '{Name}': service '{service}' has both IncludedPublishers and ExcludedPublishers. They are mutually exclusive: keep one.";
            }

            foreach (var publisher in entry.IncludedPublishers.Concat(entry.ExcludedPublishers).Where(p => !Services.ContainsKey(p)))
            {
                yield return $"Service map '{Name}': service '{service}' names publisher '{publisher}', which is not in the map.{Runtime.NameSuggestions.DidYouMean(publisher, Services.Keys)}";
            }
        }
    }
}
