using System.CommandLine;
using System.Globalization;

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
                Orchestration.RoutingSlipRunner.IsOrchestrator(endpoint) ? "orchestrator" : info.Kind.ToString().ToLowerInvariant(),
                $"{info.HandlerType.Name}.{info.Method.Name}",
                // A chain shows every channel the message passes, in order.
                info.Via.Count > 0 ? string.Join(" -> ", [.. info.Via, info.Channel]) : info.Channel,
                info.IsAsynchronous ? "async" : "sync",
                info.Routing ?? (info.PayloadType is { } payload ? MessageNames.Of(payload) : null));
        }

        output.WriteLine($"Endpoints ({endpoints.Count})");
        endpoints.WriteTo(output);
        output.WriteLine();

        WriteOrchestrators(runtime, output);

        // The registry knows the consumers of this process only: 'conveyor' commands do not start the host, so from
        // the command line it is empty, and state columns would claim that nothing runs anywhere.
        var status = context.Status;
        var withStatus = status.Consumers.Count > 0;
        // ADDRESS is where the messages are (a Kafka topic): named publishers are channels too, send-only, and this is
        // where an operator sees which topic each writes to.
        var channels = withStatus
            ? new TextTable("CHANNEL", "KIND", "ADDRESS", "LAG", "STATE", "PARTITIONS", "LAST MESSAGE (UTC)", "LAST ERROR", "CONSUMED BY")
            : new TextTable("CHANNEL", "KIND", "ADDRESS", "LAG", "CONSUMED BY");
        foreach (var name in runtime.Channels.Keys.Order(StringComparer.Ordinal))
        {
            var consumers = string.Join(", ", runtime.EndpointsOn(name).Select(e => e.Id)
                .Concat(runtime.EndpointsForwardingFrom(name).Select(e => $"{e.Id} (forwards to {e.Info.NextChannelAfter(name)})"))
                .Order(StringComparer.Ordinal));
            var kind = runtime.ChannelKinds.GetValueOrDefault(name);
            var address = runtime.Channels[name].Address;
            var lag = await LagAsync(runtime.Channels[name], cancellationToken);
            if (!withStatus)
            {
                channels.Add(name, kind, address, lag, consumers);
                continue;
            }

            var consumer = status.Find(name);
            channels.Add(
                name,
                kind,
                address,
                lag,
                consumer?.State.ToString(),
                consumer is { AssignedPartitions.Count: > 0 } ? string.Join(",", consumer.AssignedPartitions) : null,
                consumer?.LastMessageAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                consumer?.LastError is { } error ? $"{error.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {error.Type}: {error.Message}" : null,
                consumers);
        }

        output.WriteLine($"Channels ({channels.Count})");
        channels.WriteTo(output);
        if (!withStatus)
        {
            output.WriteLine();
            output.WriteLine("Consumer state: not known here. 'conveyor' commands do not start the host, so no consumer runs in this process; the running service's state is in its own process (health checks, logs).");
        }

        return ExitCodes.Success;
    }

    /// <summary>Each orchestrator with its routing slip: the fixed one of an orchestrator without parameters, else per message.</summary>
    private static void WriteOrchestrators(Runtime.ConveyorRuntime runtime, TextWriter output)
    {
        var orchestrators = runtime.Endpoints.Values.Where(Orchestration.RoutingSlipRunner.IsOrchestrator).OrderBy(e => e.Info.Channel, StringComparer.Ordinal).ToList();
        if (orchestrators.Count == 0)
        {
            return;
        }

        var table = new TextTable("ORCHESTRATOR", "ENDPOINT", "MODE", "ROUTING SLIP");
        foreach (var endpoint in orchestrators)
        {
            table.Add(endpoint.Info.Channel, endpoint.Id, endpoint.Info.IsAsynchronous ? "async" : "sync", Slip(endpoint));
        }

        output.WriteLine($"Orchestrators ({table.Count})");
        table.WriteTo(output);
        output.WriteLine();

        static string Slip(Runtime.RuntimeEndpoint endpoint)
        {
            if (!Orchestration.OrchestrationValidation.HasFixedSlip(endpoint))
            {
                return "(per message)";
            }

            try
            {
                return string.Join(" -> ", Orchestration.OrchestrationValidation.FixedSlip(endpoint));
            }
            catch (Exception e) when (e is ConveyorConfigurationException or InvalidOperationException)
            {
                return $"? ({e.Message})";
            }
        }
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
