using System.CommandLine;
using System.Globalization;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor status</c>: every consumer this application has, and what it is doing in this process.</summary>
internal static class StatusCommand
{
    public static Command Create(CommandLineContext context)
    {
        var command = new Command("status", "Show every consumer (consuming channel or [KafkaConsumer] endpoint) and its state in this process.");
        context.SetAction(command, (_, _) => Task.FromResult(Write(context)));
        return command;
    }

    private static int Write(CommandLineContext context)
    {
        var runtime = context.Runtime;
        var registry = context.Status;
        var table = new TextTable("CONSUMER", "KIND", "STATE", "PARTITIONS", "LAST MESSAGE (UTC)", "LAST ERROR", "FAILED DLQ WRITES", "ENDPOINTS");
        var names = runtime.Channels.Where(c => c.Value is Channels.IReceivingChannel).Select(c => c.Key)
            .Union(registry.Consumers.Select(c => c.Name), StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var consumer = registry.Find(name);
            table.Add(
                name,
                runtime.ChannelKinds.GetValueOrDefault(name),
                consumer?.State.ToString() ?? "NotRunningHere",
                consumer is { AssignedPartitions.Count: > 0 } ? string.Join(",", consumer.AssignedPartitions) : null,
                consumer?.LastMessageAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                consumer?.LastError is { } error ? $"{error.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {error.Type}: {error.Message}" : null,
                consumer?.FailedDeadLetterWrites.ToString(CultureInfo.InvariantCulture),
                string.Join(", ", runtime.EndpointsOn(name).Select(e => e.Id).Order(StringComparer.Ordinal)));
        }

        context.Output.WriteLine($"Consumers ({table.Count})");
        table.WriteTo(context.Output);
        if (registry.Consumers.Count == 0)
        {
            context.Output.WriteLine();
            context.Output.WriteLine("No consumer runs in this process: 'conveyor' commands do not start the host. A running service reports its consumers through its health checks (conveyor-consumers), its admin page and the conveyor.* metrics.");
        }

        return registry.Consumers.Any(c => c.State is ConsumerState.Failed or ConsumerState.BackingOff) ? ExitCodes.Error : ExitCodes.Success;
    }
}
