using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>
/// tests/Conveyor.Kafka.EmbeddedApp as a child process: the service (no arguments) or one of its <c>conveyor</c> commands,
/// started in a content root of the test's choosing, which keys the service's discovery file. Killed on dispose if still
/// running.
/// </summary>
internal sealed class EmbeddedAppProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> outputLines = new();
    private readonly ConcurrentQueue<string> errorLines = new();
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EmbeddedAppProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, line) => Collect(line.Data, outputLines, outputClosed);
        process.ErrorDataReceived += (_, line) => Collect(line.Data, errorLines, errorClosed);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The app's dll, built through the test project's ProjectReference and recorded at build time.</summary>
    public static string AppPath { get; } = typeof(EmbeddedAppProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "EmbeddedAppPath").Value
        ?? throw new InvalidOperationException("The test assembly does not record where Conveyor.Kafka.EmbeddedApp.dll was built.");

    public int Id => process.Id;

    public IReadOnlyCollection<string> StandardOutput => outputLines;

    public IReadOnlyCollection<string> StandardError => errorLines;

    /// <summary>What the process wrote so far, for failure messages.</summary>
    public string Transcript =>
        "stdout:" + Environment.NewLine + string.Join(Environment.NewLine, outputLines)
        + Environment.NewLine + "stderr:" + Environment.NewLine + string.Join(Environment.NewLine, errorLines);

    public static EmbeddedAppProcess Start(string contentRoot, params string[] arguments)
    {
// The content root is the working directory, as for 'dotnet run' in a project folder.
        var process = DotnetApp.Start(AppPath, arguments, redirectStandardInput: false, workingDirectory: contentRoot);
        return new EmbeddedAppProcess(process);
    }

    /// <summary>Waits until a line of stdout (or stderr) matches, and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, bool onStandardError = false, TimeSpan? timeout = null)
    {
        var lines = onStandardError ? errorLines : outputLines;
        var closed = onStandardError ? errorClosed : outputClosed;
        string? found = null;
        await Eventually.Until(
            () => (found = lines.FirstOrDefault(match)) is not null || closed.Task.IsCompleted,
            "the app printed the expected line",
            timeout);
        found ??= lines.FirstOrDefault(match);
        found.ShouldNotBeNull($"the app closed its output without printing the expected line.{Environment.NewLine}{Transcript}");
        return found;
    }

    /// <summary>Waits for the process to exit and its output to be read; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? Eventually.DefaultTimeout;
        await process.WaitForExitAsync().WaitAsync(limit);
        await Task.WhenAll(outputClosed.Task, errorClosed.Task).WaitAsync(limit);
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager (or Ctrl+C) stopping the service would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Eventually.DefaultTimeout);
        kill.ExitCode.ShouldBe(0);
    }

    /// <summary>Ends the process at once, as a crash or SIGKILL would: nothing of it runs any more.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().WaitAsync(Eventually.DefaultTimeout);
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

    private static void Collect(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            lines.Enqueue(line);
        }
    }

}
