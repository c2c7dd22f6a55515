using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting.CommandLine;

/// <summary>The <c>conveyor</c> command tree, run against an application's services.</summary>
internal static class ConveyorCommandLine
{
    public const string CommandName = "conveyor";

    /// <summary>How long Ctrl+C / SIGTERM wait beyond <see cref="ConveyorOptions.ShutdownTimeout"/> before the process is ended anyway.</summary>
    private static readonly TimeSpan TerminationMargin = TimeSpan.FromSeconds(5);

    public static bool IsInvokedBy(IReadOnlyList<string> args) => args.Count > 0 && args[0] == CommandName;

    /// <summary>Parses and runs <paramref name="args"/> (starting with <c>conveyor</c>); returns the exit code.</summary>
    public static async Task<int> InvokeAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        TimeSpan shutdownTimeout;
        try
        {
            shutdownTimeout = services.GetService<IOptions<ConveyorOptions>>()?.Value.ShutdownTimeout ?? TimeSpan.FromSeconds(30);
        }
        catch (OptionsValidationException invalid)
        {
            // Read before any command runs, so outside their error handling: report it the same way.
            await error.WriteLineAsync(CommandLineContext.Describe(invalid)).ConfigureAwait(false);
            return ExitCodes.Error;
        }

        var context = new CommandLineContext(services, output, error);
        var root = new RootCommand("The application's commands.")
        {
            new Command(CommandName, "Inspect and run Conveyor's endpoints, consumers and dead letters; migrate its databases.")
            {
                ListCommand.Create(context),
                RunCommand.Create(context),
                LagCommand.Create(context),
                StatusCommand.Create(context),
                DeadLetterCommands.Create(context),
                DatabaseCommands.Create(context),
            },
        };

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            ProcessTerminationTimeout = shutdownTimeout + TerminationMargin,
        };
        return await root.Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
