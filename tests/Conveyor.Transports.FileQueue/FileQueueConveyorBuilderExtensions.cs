using Conveyor;
using Conveyor.Transports.FileQueue;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The file-queue transport for Conveyor: <c>AddFileQueueChannel</c>.</summary>
public static class FileQueueConveyorBuilderExtensions
{
    /// <summary>Registers a channel named <paramref name="name"/> whose messages are files in <paramref name="directory"/>.</summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="name">The channel name.</param>
    /// <param name="directory">The queue's directory; created when missing.</param>
    /// <param name="configure">Changes the channel's options.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder AddFileQueueChannel(this ConveyorBuilder builder, string name, string directory, Action<FileQueueOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new FileQueueOptions { Directory = directory };
        configure?.Invoke(options);
        return builder.AddChannel(name, sp => new FileQueueChannel(name, options, sp.GetService<TimeProvider>()), "file-queue");
    }
}
