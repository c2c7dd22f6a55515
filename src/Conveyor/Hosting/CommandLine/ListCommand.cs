using System.CommandLine;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor list</c>: every endpoint and every channel, as the runtime compiled them.</summary>
internal static class ListCommand
{
    public static Command Create(CommandLineContext context)
    {
        var command = new Command("list", "List every endpoint (handler) and every channel, with what consumes it.");
        context.SetAction(command, (_, _) => Task.FromResult(Write(context)));
        return command;
    }

    private static int Write(CommandLineContext context)
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

        var channels = new TextTable("CHANNEL", "KIND", "CONSUMED BY");
        foreach (var name in runtime.Channels.Keys.Order(StringComparer.Ordinal))
        {
            var consumers = runtime.EndpointsOn(name).Select(e => e.Id).Order(StringComparer.Ordinal);
            channels.Add(name, runtime.ChannelKinds.GetValueOrDefault(name), string.Join(", ", consumers));
        }

        output.WriteLine($"Channels ({channels.Count})");
        channels.WriteTo(output);
        return ExitCodes.Success;
    }
}
