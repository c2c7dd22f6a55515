using System.CommandLine;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor run &lt;name&gt;</c>: consumes a channel (by channel name or endpoint id) with limits, until stopped.</summary>
internal static class RunCommand
{
    public static Command Create(CommandLineContext context)
    {
        var name = new Argument<string>("name") { Description = "A channel name, or the id of an asynchronous endpoint (its channel is consumed)." };
        var maxMessages = new Option<long?>("--max-messages") { Description = "Stop after this many messages were finished." };
        maxMessages.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is <= 0)
            {
                result.AddError("--max-messages must be a positive number.");
            }
        });
        var maxDuration = new Option<TimeSpan?>("--max-duration")
        {
            Description = $"Stop after running this long: {DurationParser.Formats}.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (DurationParser.TryParse(text, out var duration))
                {
                    return duration;
                }

                result.AddError($"--max-duration '{text}' is not a positive duration; use {DurationParser.Formats}.");
                return null;
            },
        };
        var stopOnFailure = new Option<bool>("--stop-on-failure") { Description = "Stop after the first message that finally fails (once it is dead-lettered)." };
        var stopWhenEmpty = new Option<bool>("--stop-when-empty") { Description = "Stop once nothing is left to deliver (on Kafka, once the delayed retries in the retry topic were handled too)." };

        var command = new Command("run", "Run a consumer. Ctrl+C or SIGTERM stops it gracefully: in-flight messages finish first.")
        {
            name, maxMessages, maxDuration, stopOnFailure, stopWhenEmpty,
        };
        context.SetAction(command, async (parseResult, cancellationToken) =>
        {
            var options = new ConsumerRunOptions
            {
                MaxMessages = parseResult.GetValue(maxMessages),
                MaxDuration = parseResult.GetValue(maxDuration),
                StopOnFailure = parseResult.GetValue(stopOnFailure),
                StopWhenEmpty = parseResult.GetValue(stopWhenEmpty),
            };
            return await RunAsync(context, parseResult.GetRequiredValue(name), options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(CommandLineContext context, string name, ConsumerRunOptions options, CancellationToken cancellationToken)
    {
        var runtime = context.Runtime;
        var consumers = context.Consumers;
        var output = context.Output;

        // Resolve first, so that an unknown name fails with the list of known ones before anything is printed.
        var channel = consumers.ResolveChannel(name);
        var kind = runtime.ChannelKinds.GetValueOrDefault(channel, "channel");
        await output.WriteLineAsync($"Consuming {kind} channel '{channel}'{Limits(options)}. Press Ctrl+C to stop.").ConfigureAwait(false);

        ConsumerRunResult result;
        using (cancellationToken.Register(() => output.WriteLine(
            $"Stopping: in-flight messages finish first (up to {context.Options.ShutdownTimeout:c}, ConveyorOptions.ShutdownTimeout).")))
        {
            result = await consumers.RunAsync(name, options, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Stopped: {result.StopReason}.").ConfigureAwait(false);
        await output.WriteLineAsync($"  finished: {result.Finished}").ConfigureAwait(false);
        await output.WriteLineAsync($"  failed:   {result.Failed}").ConfigureAwait(false);
        return options.StopOnFailure && result.Failed > 0 ? ExitCodes.StoppedOnFailure : ExitCodes.Success;
    }

    private static string Limits(ConsumerRunOptions options)
    {
        var limits = new List<string>();
        if (options.MaxMessages is { } count)
        {
            limits.Add($"at most {count} message(s)");
        }

        if (options.MaxDuration is { } duration)
        {
            limits.Add($"at most {duration:c}");
        }

        if (options.StopOnFailure)
        {
            limits.Add("until a message fails");
        }

        if (options.StopWhenEmpty)
        {
            limits.Add("until it is empty");
        }

        return limits.Count == 0 ? "" : $" ({string.Join(", ", limits)})";
    }
}
