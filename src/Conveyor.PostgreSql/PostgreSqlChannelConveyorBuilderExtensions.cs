using Conveyor.Channels.Database;
using Conveyor.Hosting;
using Conveyor.PostgreSql;
using Conveyor.PostgreSql.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Registers database channels on the PostgreSQL database of <c>UsePostgreSql</c>.</summary>
public static class PostgreSqlChannelConveyorBuilderExtensions
{
    /// <summary>
    /// Registers a durable channel named <paramref name="name"/> whose messages are rows of the PostgreSQL database
    /// <c>UsePostgreSql</c> configures: competing consumers on any number of instances (<c>FOR UPDATE SKIP LOCKED</c>),
    /// delays of any length, and, for a handler running in the database's unit of work, messages sent and the received
    /// message's acknowledgement in the handler's own transaction. See docs/database-channel.md.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="name">The channel name.</param>
    /// <param name="configure">
    /// Changes the channel's options; <c>Conveyor:DatabaseChannels:&lt;name&gt;</c> in configuration overrides them.
    /// </param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddPostgreSqlChannel(this ConveyorBuilder builder, string name, Action<DatabaseChannelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddOptions<DatabaseChannelOptions>(name)
            .Configure(o => configure?.Invoke(o))
            .BindSection($"{DatabaseChannelOptions.SectionName}:{name}");
        builder.Services.TryAddSingleton(sp => new PostgreSqlChannelStore(sp.GetService<PostgreSqlDatabase>()
            ?? throw new ConveyorConfigurationException($"AddPostgreSqlChannel(\"{name}\") keeps its messages in the PostgreSQL database, but none is configured. Call UsePostgreSql(\"Host=…;Database=…\") in AddConveyor as well.")));
        return builder.AddChannel(
            name,
            sp => new DatabaseChannel(
                name,
                sp.GetRequiredService<PostgreSqlChannelStore>(),
                sp.GetRequiredService<IOptionsMonitor<DatabaseChannelOptions>>().Get(name),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<DatabaseChannel>>()),
            "postgresql");
    }
}
