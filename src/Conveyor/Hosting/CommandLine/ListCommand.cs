using System.CommandLine;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor list</c>: every endpoint and every channel, as the runtime compiled them.</summary>
internal static class ListCommand
{
    public static Command Create(CommandLineContext context)
    {
        var command = new Command("list", "List every endpoint (handler) and every channel, with what consumes it.");
        context.SetAction(command, (_, cancellationToken) => WriteAsync(context, cancellationToken));
        return command;
    }

    private static async Task<int> WriteAsync(CommandLineContext context, CancellationToken cancellationToken)
    {
        var runtime = context.Runtime;
        var output = context.Output;

        var endpoints = new TextTable("ENDPOINT", "KIND", "HANDLER", "CHANNEL", "MODE", "ROUTING");
        foreach (var endpoint in runtime.Endpoints.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            var info = endpoint.Info;
            endpoints.Add(
                info.EndpointId,
                info.Kind.ToString().ToLowerInvariant(),
                $"{info.HandlerType.Name}.{info.Method.Name}",
                info.Channel,
                info.IsAsynchronous ? "async" : "sync",
                info.Routing ?? (info.PayloadType is { } payload ? MessageNames.Of(payload) : null));
        }

        output.WriteLine($"Endpoints ({endpoints.Count})");
        endpoints.WriteTo(output);
        output.WriteLine();

        var channels = new TextTable("CHANNEL", "KIND", "LAG", "CONSUMED BY");
        foreach (var name in runtime.Channels.Keys.Order(StringComparer.Ordinal))
        {
            var consumers = runtime.EndpointsOn(name).Select(e => e.Id).Order(StringComparer.Ordinal);
            channels.Add(name, runtime.ChannelKinds.GetValueOrDefault(name), await LagAsync(runtime.Channels[name], cancellationToken), string.Join(", ", consumers));
        }

        output.WriteLine($"Channels ({channels.Count})");
        channels.WriteTo(output);
        return ExitCodes.Success;
    }

    // Lag is best effort: a broker that cannot be reached must not keep 'list' from listing.
    private static async Task<string> LagAsync(Channels.IMessageChannel channel, CancellationToken cancellationToken)
    {
        if (channel is not Channels.IReceivingChannel receiving)
        {
            return "-";
        }

        try
        {
            return (await receiving.GetLagAsync(cancellationToken).ConfigureAwait(false))?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"? ({e.GetType().Name})";
        }
    }
}
