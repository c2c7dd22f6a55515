using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>
/// Conveyor.Kafka.EmbeddedHost running as a child process (<c>dotnet Conveyor.Kafka.EmbeddedHost.dll</c>),
/// the way reliability tests keep the cluster alive while they SIGKILL the processes under test.
/// Killed on dispose if still running.
/// </summary>
internal sealed class EmbeddedHostProcess : IAsyncDisposable
{
    private const string BootstrapPrefix = "bootstrap.servers=";
    private readonly Process process;
    private readonly ConcurrentQueue<string> errorLines = new();

    private EmbeddedHostProcess(Process process)
    {
        this.process = process;
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                errorLines.Enqueue(line.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>The host's dll, built through the test project's ProjectReference and recorded at build time.</summary>
    public static string HostPath { get; } = typeof(EmbeddedHostProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "EmbeddedHostPath").Value
        ?? throw new InvalidOperationException("The test assembly does not record where Conveyor.Kafka.EmbeddedHost.dll was built.");

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>What the host wrote to stderr so far.</summary>
    public string StandardError => string.Join(Environment.NewLine, errorLines);

    public static EmbeddedHostProcess Start(params string[] arguments)
    {
return new EmbeddedHostProcess(DotnetApp.Start(HostPath, arguments, redirectStandardInput: true));
    }

    /// <summary>Reads the one stdout line the host prints once its topics exist.</summary>
    public async Task<string> ReadBootstrapServersAsync()
    {
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Eventually.DefaultTimeout);
        line.ShouldNotBeNull($"the host ended its output without a bootstrap line; stderr: {StandardError}");
        line.ShouldStartWith(BootstrapPrefix);
        return line[BootstrapPrefix.Length..];
    }

    public async Task<string> ReadRestOfStandardOutputAsync() =>
        await process.StandardOutput.ReadToEndAsync().WaitAsync(Eventually.DefaultTimeout);

    public void CloseStandardInput() => process.StandardInput.Close();

    /// <summary>Sends SIGTERM, as a service manager stopping the host would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Eventually.DefaultTimeout);
        kill.ExitCode.ShouldBe(0);
    }

    /// <summary>Waits for the host to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await process.WaitForExitAsync().WaitAsync(Eventually.DefaultTimeout);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

}
