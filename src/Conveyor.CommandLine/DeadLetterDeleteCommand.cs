using System.CommandLine;
using System.Globalization;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq delete &lt;id&gt;</c>.</summary>
internal static class DeadLetterDeleteCommand
{
    public static Command Create(CommandLineContext context)
    {
        var id = DeadLetterCommands.IdArgument("The dead letter to delete.");
        var command = new Command("delete", "Delete a dead letter for good; its message is not handled.") { id };
        context.SetAction(command, async (parseResult, cancellationToken) =>
        {
            var key = parseResult.GetRequiredValue(id);
            if (!await context.DeadLetters.DeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                throw new KeyNotFoundException(string.Format(CultureInfo.InvariantCulture, DeadLetterCommands.NoSuchDeadLetter, key));
            }

            await context.Output.WriteLineAsync($"Deleted dead letter {key}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
