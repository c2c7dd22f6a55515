using System.CommandLine;
using System.Globalization;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq replay &lt;id&gt;</c> and <c>conveyor dlq replay --all</c>.</summary>
internal static class DeadLetterReplayCommand
{
    public static Command Create(CommandLineContext context)
    {
        var id = new Argument<string?>("id") { Description = "The dead letter to replay.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Replay every dead letter." };
        var command = new Command(
            "replay",
            "Send dead letters back to the endpoint that failed (through its channel, to that endpoint only) and remove them from the dead letter.")
        {
            id, all,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(all) == (result.GetValue(id) is not null))
            {
                result.AddError("Give either a dead letter id or --all.");
            }
        });
        context.SetAction(command, (parseResult, cancellationToken) =>
            parseResult.GetValue(id) is { } key
                ? ReplayOneAsync(context, key, cancellationToken)
                : ReplayAllAsync(context, cancellationToken));
        return command;
    }

    private static async Task<int> ReplayOneAsync(CommandLineContext context, string id, CancellationToken cancellationToken)
    {
        var deadLetter = await context.DeadLetters.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException(string.Format(CultureInfo.InvariantCulture, DeadLetterCommands.NoSuchDeadLetter, id));
        try
        {
            await context.DeadLetters.ReplayAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new CommandLineException(e.Message);
        }

        await context.Output.WriteLineAsync($"Replayed {id} to endpoint '{deadLetter.EndpointId}'.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ReplayAllAsync(CommandLineContext context, CancellationToken cancellationToken)
    {
        // Every dead letter there is now, collected before replaying any: one that fails again while this runs (its
        // consumer is running) is a new dead letter for a later replay, not one this loop would chase.
        var deadLetters = new List<DeadLetter>();
        var query = new DeadLetterQuery { Limit = DeadLetterQuery.MaxLimit };
        while (true)
        {
            var page = await context.DeadLetters.ListAsync(query, cancellationToken).ConfigureAwait(false);
            deadLetters.AddRange(page.Items);
            if (page.Next is null)
            {
                break;
            }

            query = query with { After = page.Next };
        }

        var replayed = 0;
        foreach (var deadLetter in deadLetters)
        {
            try
            {
                await context.DeadLetters.ReplayAsync(deadLetter.Id, cancellationToken).ConfigureAwait(false);
                replayed++;
                await context.Output.WriteLineAsync($"Replayed {deadLetter.Id} to endpoint '{deadLetter.EndpointId}'.").ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
            {
                await context.Error.WriteLineAsync($"Could not replay {deadLetter.Id}: {e.Message}").ConfigureAwait(false);
            }
        }

        await context.Output.WriteLineAsync($"Replayed {replayed} of {deadLetters.Count} dead letter(s).").ConfigureAwait(false);
        return replayed == deadLetters.Count ? ExitCodes.Success : ExitCodes.Error;
    }
}
