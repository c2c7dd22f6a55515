using System.CommandLine;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor dlq</c>: review and resolve dead letters.</summary>
internal static class DeadLetterCommands
{
    public const string NoSuchDeadLetter = "There is no dead letter '{0}'. 'conveyor dlq list' shows the ids.";

    public static Command Create(CommandLineContext context) =>
        new("dlq", "Review and resolve dead letters: messages that finally failed.")
        {
            DeadLetterListCommand.Create(context),
            DeadLetterShowCommand.Create(context),
            DeadLetterReplayCommand.Create(context),
            DeadLetterDeleteCommand.Create(context),
        };

    public static Argument<string> IdArgument(string description) => new("id") { Description = description };

    /// <summary>The exception type without its namespace, for tables.</summary>
    public static string ShortType(string exceptionType) =>
        exceptionType.LastIndexOf('.') is var dot and >= 0 ? exceptionType[(dot + 1)..] : exceptionType;
}
