using Conveyor.Hosting;
using Conveyor.Hosting.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Runs a host, or the <c>conveyor</c> command line inside it.</summary>
public static class ConveyorHostExtensions
{
    /// <summary>
    /// When <paramref name="args"/> start with <c>conveyor</c> (e.g. <c>dotnet run -- conveyor list</c>), runs that command
    /// against the host's services without starting its hosted services, and returns the command's exit code. Otherwise
    /// runs the host as <see cref="HostingAbstractionsHostExtensions.RunAsync(IHost, CancellationToken)"/> does and returns 0
    /// once it stopped. Either way the host is disposed at the end.
    /// </summary>
    /// <remarks>
    /// A command marks <see cref="ConveyorInvocation.IsConveyorCommand"/> before it runs: with <c>UseEmbeddedKafka</c> it then
    /// uses the embedded cluster of the application's running service (see <c>docs/embedded-kafka.md</c>).
    /// Commands: <c>conveyor list</c>, <c>conveyor run &lt;name&gt;</c>, <c>conveyor dlq list|show|replay|delete</c>;
    /// <c>conveyor --help</c> describes them. Ctrl+C or SIGTERM stops <c>conveyor run</c> gracefully: in-flight messages
    /// finish within <see cref="Conveyor.ConveyorOptions.ShutdownTimeout"/>.
    /// </remarks>
    /// <param name="host">The application's host, built with <c>services.AddConveyor(...)</c>.</param>
    /// <param name="args">The program's arguments.</param>
    /// <param name="cancellationToken">Stops the host or the command.</param>
    /// <returns>The exit code: 0 on success; see <c>docs/cli.md</c> for the others.</returns>
    public static async Task<int> RunWithConveyorAsync(this IHost host, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(args);
        if (!ConveyorCommandLine.IsInvokedBy(args))
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        // Before any of Conveyor's services is resolved: development infrastructure that lives in a process (the embedded
        // Kafka cluster) then connects to the running service's instead of starting an empty one for this command.
        host.Services.GetService<ConveyorInvocation>()?.MarkConveyorCommand();
        try
        {
            return await ConveyorCommandLine.InvokeAsync(host.Services, args, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
