using System.CommandLine;
using System.Globalization;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq list [--limit N] [--after TOKEN] [--endpoint ID] [--channel NAME] [--exception TYPE]</c>.</summary>
internal static class DeadLetterListCommand
{
    private const int ReasonWidth = 80;

    public static Command Create(CommandLineContext context)
    {
        var limit = new Option<int>("--limit")
        {
            Description = $"Show at most this many (1 to {DeadLetterQuery.MaxLimit}), oldest first.",
            DefaultValueFactory = _ => DeadLetterQuery.DefaultLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > DeadLetterQuery.MaxLimit)
            {
                result.AddError($"--limit must be between 1 and {DeadLetterQuery.MaxLimit}.");
            }
        });
        var after = new Option<string?>("--after") { Description = "Continue after the page that printed this token (give the same filters again)." };
        after.Validators.Add(result =>
        {
            try
            {
                _ = result.GetValueOrDefault<string?>() is { } token ? DeadLetterPosition.Parse(token) : null;
            }
            catch (FormatException e)
            {
                result.AddError($"--after: {e.Message}");
            }
        });
        var endpoint = new Option<string?>("--endpoint") { Description = "Only dead letters of this endpoint id." };
        var channel = new Option<string?>("--channel") { Description = "Only dead letters received from this channel." };
        var exception = new Option<string?>("--exception")
        {
            Description = "Only dead letters whose exception is of this type: its full name, or the end of it after a '.' (InvalidOperationException).",
        };

        var command = new Command("list", "List dead letters, oldest first, a page at a time.") { limit, after, endpoint, channel, exception };
        context.SetAction(command, async (parseResult, cancellationToken) =>
        {
            var query = new DeadLetterQuery
            {
                Limit = parseResult.GetValue(limit),
                After = parseResult.GetValue(after),
                EndpointId = parseResult.GetValue(endpoint),
                ChannelName = parseResult.GetValue(channel),
                ExceptionType = parseResult.GetValue(exception),
            };
            var page = await context.DeadLetters.ListAsync(query, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                await context.Output.WriteLineAsync("No dead letters.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var table = new TextTable("ID", "FAILED AT (UTC)", "ENDPOINT", "CHANNEL", "ATTEMPTS", "REASON");
            foreach (var deadLetter in page.Items)
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
            await context.Output.WriteLineAsync($"{page.Items.Count} dead letter(s).").ConfigureAwait(false);
            if (page.Next is { } next)
            {
                await context.Output.WriteLineAsync($"Next page: --after {next}").ConfigureAwait(false);
            }

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
