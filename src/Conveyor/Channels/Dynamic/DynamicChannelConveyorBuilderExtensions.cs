using Conveyor.Channels.Dynamic;

namespace Conveyor;

/// <summary>Registers dynamic channels: channels composed of other channels of the application.</summary>
public static class DynamicChannelConveyorBuilderExtensions
{
    /// <summary>
    /// Registers a dynamic channel named <paramref name="name"/> over channels registered in the same
    /// <c>AddConveyor</c>. Handlers name it like any channel (<c>[Asynchronous("orders")]</c>); <c>conveyor run orders</c>
    /// consumes all its receiving sub-channels, and each sub-channel can still be run alone.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The channel name.</param>
    /// <param name="configure">Chooses the sending and receiving strategies.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ConveyorConfigurationException">The options are not valid.</exception>
    public static ConveyorBuilder AddDynamicChannel(this ConveyorBuilder builder, string name, Action<DynamicChannelOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new DynamicChannelOptions();
        configure(options);
        if (options.Validate(name) is { Count: > 0 } errors)
        {
            throw new ConveyorConfigurationException(string.Join(Environment.NewLine, errors));
        }

        return builder.AddChannel(name, services => new DynamicChannel(name, options, services), "dynamic");
    }
}
