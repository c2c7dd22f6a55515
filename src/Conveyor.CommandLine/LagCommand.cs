using System.CommandLine;
using System.Globalization;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor lag [channel]</c>: per channel and partition, the consumers' committed position, the end of the log and the lag.</summary>
internal static class LagCommand
{
    public static Command Create(CommandLineContext context)
    {
        var channel = new Argument<string?>("channel") { Description = "A channel or [KafkaConsumer] endpoint; every channel that reports lag when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("lag", "Show each consuming channel's lag per partition: committed position, end of the log, messages behind.") { channel };
        context.SetAction(command, (parse, cancellationToken) => WriteAsync(context, parse.GetValue(channel), cancellationToken));
        return command;
    }

    private static async Task<int> WriteAsync(CommandLineContext context, string? channel, CancellationToken cancellationToken)
    {
        var reader = context.Lag;
        if (channel is not null && !reader.Channels.Contains(channel, StringComparer.Ordinal))
        {
            throw new CommandLineException(
                $"'{channel}' is not a channel that reports lag. Channels that do: {(reader.Channels.Count == 0 ? "none" : string.Join(", ", reader.Channels))}.");
        }

        IReadOnlyList<ChannelLag> lags = channel is null ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : [await reader.ReadAsync(channel, cancellationToken).ConfigureAwait(false)];
        var table = new TextTable("CHANNEL", "SOURCE", "PARTITION", "COMMITTED", "END", "LAG");
        foreach (var lag in lags)
        {
            foreach (var partition in lag.Partitions.OrderBy(p => p.Source, StringComparer.Ordinal).ThenBy(p => p.Partition))
            {
                table.Add(lag.Channel, partition.Source, Format(partition.Partition), Format(partition.Committed), Format(partition.End), Format(partition.Lag));
            }

            if (lag.Error is null)
            {
                table.Add(lag.Channel, "(total)", null, null, null, Format(lag.Total));
            }
        }

        context.Output.WriteLine($"Lag ({lags.Count} channel(s))");
        table.WriteTo(context.Output);
        var failed = lags.Where(l => l.Error is not null).ToList();
        foreach (var lag in failed)
        {
            await context.Error.WriteLineAsync($"The lag of '{lag.Channel}' could not be read: {lag.Error}").ConfigureAwait(false);
        }

        return failed.Count == 0 ? ExitCodes.Success : ExitCodes.Error;
    }

    private static string? Format(long? value) => value?.ToString(CultureInfo.InvariantCulture);
}
