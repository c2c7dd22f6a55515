using System.CommandLine;
using System.Globalization;
using System.Text;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq show &lt;id&gt;</c>: everything known about one dead letter.</summary>
internal static class DeadLetterShowCommand
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Command Create(CommandLineContext context)
    {
        var id = DeadLetterCommands.IdArgument("The dead letter's id, from 'conveyor dlq list'.");
        var command = new Command("show", "Show a dead letter: why it failed, where it came from, its headers and body.") { id };
        context.SetAction(command, async (parseResult, cancellationToken) =>
        {
            var key = parseResult.GetRequiredValue(id);
            var deadLetter = await context.DeadLetters.GetAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException(string.Format(CultureInfo.InvariantCulture, DeadLetterCommands.NoSuchDeadLetter, key));
            Write(deadLetter, context.Output);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(DeadLetter deadLetter, TextWriter output)
    {
        output.WriteLine($"Dead letter {deadLetter.Id}");
        var summary = new (string Label, string Value)[]
        {
            ("Endpoint", deadLetter.EndpointId),
            ("Channel", deadLetter.ChannelName),
            ("Position", deadLetter.Position),
            ("Failed at", deadLetter.FailedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture)),
            ("Attempts", deadLetter.Attempts.ToString(CultureInfo.InvariantCulture)),
            ("Exception", deadLetter.ExceptionType),
            ("Message", deadLetter.ExceptionMessage),
        };
        WritePairs(output, summary);

        output.WriteLine();
        output.WriteLine("Headers");
        WritePairs(output, [.. deadLetter.Message.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => (h.Key, h.Value))]);

        var body = deadLetter.Message.Body;
        output.WriteLine();
        output.WriteLine($"Body ({deadLetter.Message.Headers.ContentType ?? "no content type"}, {body.Length} bytes)");
        if (body.IsEmpty)
        {
            output.WriteLine("  (empty)");
        }
        else if (AsText(body.Span) is { } text)
        {
            foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
            {
                output.WriteLine("  " + line);
            }
        }
        else
        {
            output.WriteLine("  (binary, base64) " + Convert.ToBase64String(body.Span));
        }
    }

    private static void WritePairs(TextWriter output, IReadOnlyList<(string Label, string Value)> pairs)
    {
        var width = pairs.Count == 0 ? 0 : pairs.Max(p => p.Label.Length) + 1;
        foreach (var (label, value) in pairs)
        {
            output.WriteLine($"  {(label + ":").PadRight(width)}  {value}");
        }
    }

    /// <summary>The body as text when it is valid UTF-8 without control characters other than line breaks and tabs.</summary>
    private static string? AsText(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) ? null : text;
    }
}
