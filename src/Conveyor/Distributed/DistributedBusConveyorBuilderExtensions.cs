using Conveyor.Distributed;
using Conveyor.Outgoing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor;

/// <summary>Registers distributed buses: <c>c.AddDistributedBus("user", serviceMap)</c>.</summary>
public static class DistributedBusConveyorBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="IDistributedBus"/> over <paramref name="map"/> for this service, named
    /// <paramref name="serviceName"/> in it. The host consumes this service's channel of the map and hands what arrives
    /// to its <see cref="DistributedAttribute"/> handlers. Several maps are several buses, keyed by
    /// <see cref="ServiceMap.Name"/>; the first one registered is also the unkeyed <see cref="IDistributedBus"/>. The
    /// start-up checks the map: this service has an entry, every service's channel is registered, no service has both
    /// included and excluded publishers.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="serviceName">This service's name in the map.</param>
    /// <param name="map">The map, shared by the services.</param>
    /// <param name="configure">How this service sends, e.g. through an asynchronous channel (<see cref="DistributedBusOptions.AsynchronousChannel"/>).</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddDistributedBus(this ConveyorBuilder builder, string serviceName, ServiceMap map, Action<DistributedBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(map);
        if (builder.Services.Any(d => d.ServiceType == typeof(DistributedBusRegistration) && d.ImplementationInstance is DistributedBusRegistration r && r.Map.Name == map.Name))
        {
            throw new ConveyorConfigurationException($"Service map '{map.Name}' is added twice. Give each map its own Name, or add it once.");
        }

        var options = new DistributedBusOptions();
        configure?.Invoke(options);
        var registration = new DistributedBusRegistration(serviceName, map, options.AsynchronousChannel);
        if (options.AsynchronousChannel is { } first)
        {
            builder.ConsumedChannels.Add(first);
            builder.StartupChecks.Add((channels, errors) =>
            {
                if (!channels.Contains(first))
                {
                    errors.Add($"Distributed bus '{map.Name}': its AsynchronousChannel '{first}' is not registered. Register it (e.g. AddInMemoryChannel(\"{first}\"), or a database channel for an outbox) or fix the name.");
                }
            });
        }

        foreach (var (service, entry) in map.Services)
        {
            (service == serviceName ? builder.ConsumedChannels : builder.SentChannels).Add(entry.Channel);
        }

        builder.StartupChecks.Add((channels, errors) => errors.AddRange(map.Problems(serviceName, channels)));
        builder.Services.AddSingleton(registration);
        builder.Services.AddKeyedSingleton<IDistributedBus>(map.Name, (sp, _) => new DistributedBus(registration, sp.GetRequiredService<MessageSender>()));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IDistributedBus>(map.Name));
        builder.Services.TryAddSingleton<DistributedInbound>();
        return builder;
    }

    /// <summary>Adds a distributed bus over the map built by <paramref name="configure"/>; see <see cref="AddDistributedBus(ConveyorBuilder, string, ServiceMap, Action{DistributedBusOptions})"/>.</summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="serviceName">This service's name in the map.</param>
    /// <param name="configure">Builds the map.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddDistributedBus(this ConveyorBuilder builder, string serviceName, Action<ServiceMap> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var map = new ServiceMap();
        configure(map);
        return builder.AddDistributedBus(serviceName, map);
    }

    /// <summary>Adds a distributed bus over the map in a configuration section (<see cref="ServiceMap.FromConfiguration"/>); see <see cref="AddDistributedBus(ConveyorBuilder, string, ServiceMap, Action{DistributedBusOptions})"/>.</summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="serviceName">This service's name in the map.</param>
    /// <param name="section">The map's section, e.g. <c>configuration.GetSection("ServiceMap")</c>.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddDistributedBus(this ConveyorBuilder builder, string serviceName, IConfiguration section) =>
        builder.AddDistributedBus(serviceName, ServiceMap.FromConfiguration(section));
}
