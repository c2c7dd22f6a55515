using System.CommandLine;
using Conveyor.Consumers;
using Conveyor.Failures.DeadLetters;
using Conveyor.Runtime;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting.CommandLine;

/// <summary>What every command needs: the application's services and where to write.</summary>
internal sealed class CommandLineContext(IServiceProvider services, TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>The runtime; building it validates the configuration and throws <see cref="ConveyorConfigurationException"/>.</summary>
    public ConveyorRuntime Runtime => Required<ConveyorRuntime>();

    public ConsumerRunner Consumers => Required<ConsumerRunner>();

    public IDeadLetters DeadLetters => Required<IDeadLetters>();

    public IConsumerStatusRegistry Status => Required<IConsumerStatusRegistry>();

    /// <summary>The configured stores' schemas, in the order they were registered.</summary>
    public IReadOnlyList<ISchemaMigrator> SchemaMigrators => [.. Required<IEnumerable<ISchemaMigrator>>()];

    /// <summary>Reads the consuming channels' lag.</summary>
    public IChannelLagReader Lag => Required<IChannelLagReader>();

    public ConveyorOptions Options => Runtime.Options;

    /// <summary>
    /// Sets <paramref name="command"/>'s action, turning the errors a user can fix (an invalid configuration, an unknown
    /// name) into their message on stderr and <see cref="ExitCodes.Error"/> instead of a stack trace.
    /// </summary>
    public void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await action(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ConveyorException or OptionsValidationException or KeyNotFoundException or CommandLineException)
            {
                await Error.WriteLineAsync(Describe(e)).ConfigureAwait(false);
                return ExitCodes.Error;
            }
        });

    /// <summary>What a user reads for an error they can fix: an invalid option is listed like the runtime's configuration errors.</summary>
    public static string Describe(Exception error) => error is OptionsValidationException invalid
        ? "Conveyor's configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, invalid.Failures.Select(f => "  - " + f))
        : error.Message;

    private T Required<T>() where T : notnull =>
        services.GetService<ConveyorSetup>() is null
            ? throw new CommandLineException("Conveyor is not registered in this application: call services.AddConveyor(c => ...) before building the host.")
            : services.GetRequiredService<T>();
}

/// <summary>A command cannot do what it was asked; the message says why.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
