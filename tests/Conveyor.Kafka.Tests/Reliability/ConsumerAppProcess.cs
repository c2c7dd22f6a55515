using Conveyor.Kafka.Tests.Infrastructure;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// Conveyor.Kafka.ConsumerApp running as a child process (<c>dotnet Conveyor.Kafka.ConsumerApp.dll</c>): a Conveyor
/// consumer the tests can SIGKILL. Killed on dispose if still running.
/// </summary>
internal sealed class ConsumerAppProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "ready pid=";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errorLines = new();
    private readonly ConcurrentQueue<string> _outputLines = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ConsumerAppProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.ErrorDataReceived += (_, line) => Keep(_errorLines, line.Data);
        process.OutputDataReceived += (_, line) =>
        {
            Keep(_outputLines, line.Data);
            if (line.Data?.StartsWith(ReadyPrefix, StringComparison.Ordinal) == true)
            {
                _ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited before it was ready; stderr: {StandardError}"));
        process.EnableRaisingEvents = true;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>The app's dll, built through the test project's ProjectReference and recorded at build time.</summary>
    public static string AppPath { get; } = typeof(ConsumerAppProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "ConsumerAppPath").Value
        ?? throw new InvalidOperationException("The test assembly does not record where Conveyor.Kafka.ConsumerApp.dll was built.");

    /// <summary>A name for messages, e.g. <c>consumer-2</c>.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the app wrote to stderr (its warnings and errors).</summary>
    public string StandardError => string.Join(Environment.NewLine, _errorLines);

    /// <summary>What the app wrote to stdout.</summary>
    public string StandardOutput => string.Join(Environment.NewLine, _outputLines);

    /// <summary>Starts the app and waits for its "ready" line (consuming has started).</summary>
    public static Task<ConsumerAppProcess> StartAsync(string name, IEnumerable<string> arguments) => StartAsync(name, AppPath, arguments);

    /// <summary>Starts another built app that prints the same "ready" line (the orchestrator app), and waits for it.</summary>
    public static async Task<ConsumerAppProcess> StartAsync(string name, string appPath, IEnumerable<string> arguments)
    {
        var app = new ConsumerAppProcess(name, DotnetApp.Start(appPath, arguments, redirectStandardInput: true));
        try
        {
            await app._ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await app.DisposeAsync();
            throw new TimeoutException($"{name} printed no ready line within {StartTimeout.TotalSeconds:0}s; stderr: {app.StandardError}");
        }

        return app;
    }

    /// <summary>SIGKILL (on Linux <see cref="Process.Kill()"/> sends SIGKILL): no shutdown code runs, nothing is committed.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(StartTimeout);
    }

    /// <summary>Closes stdin, which the app (run with --stop-on-stdin-eof) takes as a graceful stop; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lines.Enqueue(line);
        while (lines.Count > 200 && lines.TryDequeue(out _))
        {
        }
    }

}
