using Conveyor.Channels.Database;
using Conveyor.Hosting;
using Conveyor.Sqlite;
using Conveyor.Sqlite.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Registers database channels on the SQLite database of <c>UseSqlite</c>.</summary>
public static class SqliteChannelConveyorBuilderExtensions
{
    /// <summary>
    /// Registers a durable channel named <paramref name="name"/> whose messages are rows of the SQLite database
    /// <c>UseSqlite</c> configures: competing consumers in any number of processes on the file, delays of any length,
    /// and, for a handler running in the database's unit of work, messages sent and the received message's
    /// acknowledgement in the handler's own transaction. See docs/database-channel.md.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="name">The channel name.</param>
    /// <param name="configure">
    /// Changes the channel's options; <c>Conveyor:DatabaseChannels:&lt;name&gt;</c> in configuration overrides them.
    /// </param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddSqliteChannel(this ConveyorBuilder builder, string name, Action<DatabaseChannelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddOptions<DatabaseChannelOptions>(name)
            .Configure(o => configure?.Invoke(o))
            .BindSection($"{DatabaseChannelOptions.SectionName}:{name}");
        builder.Services.TryAddSingleton(sp => new SqliteChannelStore(sp.GetService<SqliteDatabase>()
            ?? throw new ConveyorConfigurationException($"AddSqliteChannel(\"{name}\") keeps its messages in the SQLite database, but none is configured. Call UseSqlite(\"Data Source=<file>\") in AddConveyor as well.")));
        return builder.AddChannel(
            name,
            sp => new DatabaseChannel(
                name,
                sp.GetRequiredService<SqliteChannelStore>(),
                sp.GetRequiredService<IOptionsMonitor<DatabaseChannelOptions>>().Get(name),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<DatabaseChannel>>()),
            "sqlite");
    }
}
