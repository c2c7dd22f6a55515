using System.CommandLine;
using System.Globalization;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq list [--limit N]</c>.</summary>
internal static class DeadLetterListCommand
{
    private const int ReasonWidth = 80;

    public static Command Create(CommandLineContext context)
    {
        var limit = new Option<int>("--limit") { Description = "Show at most this many, oldest first.", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--limit must be a positive number.");
            }
        });

        var command = new Command("list", "List dead letters, oldest first.") { limit };
        context.SetAction(command, async (parseResult, cancellationToken) =>
        {
            var max = parseResult.GetValue(limit);
            var deadLetters = await context.DeadLetters.ListAsync(max, cancellationToken).ConfigureAwait(false);
            if (deadLetters.Count == 0)
            {
                await context.Output.WriteLineAsync("No dead letters.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var table = new TextTable("ID", "FAILED AT (UTC)", "ENDPOINT", "CHANNEL", "ATTEMPTS", "REASON");
            foreach (var deadLetter in deadLetters)
            {
                table.Add(
                    deadLetter.Id,
                    deadLetter.FailedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    deadLetter.EndpointId,
                    deadLetter.ChannelName,
                    deadLetter.Attempts.ToString(CultureInfo.InvariantCulture),
                    Truncate($"{DeadLetterCommands.ShortType(deadLetter.ExceptionType)}: {deadLetter.ExceptionMessage}"));
            }

            table.WriteTo(context.Output);
            var more = deadLetters.Count == max ? $" (the first {max}; --limit shows more)" : "";
            await context.Output.WriteLineAsync($"{deadLetters.Count} dead letter(s){more}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Truncate(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= ReasonWidth ? text : string.Concat(text.AsSpan(0, ReasonWidth - 1), "…");
    }
}
