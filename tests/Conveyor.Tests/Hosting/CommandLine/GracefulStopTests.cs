using System.Diagnostics;

namespace Conveyor.Tests.Hosting.CommandLine;

/// <summary>
/// <c>conveyor run</c> in a real child process (tests/Conveyor.CommandLine.TestApp), stopped with a real signal: System.CommandLine
/// cancels the command's token, the consumer stops taking messages, and the one in flight finishes and is acknowledged.
/// </summary>
public sealed class GracefulStopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Run_Signal_FinishesTheInFlightMessageAndExitsZero(string signal)
    {
        using var app = StartTestApp("conveyor", "run", "work");
        try
        {
            await StopGracefullyAsync(app, signal);
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill();
            }
        }
    }

    private static async Task StopGracefullyAsync(Process app, string signal)
    {
        var output = new List<string>();

        await ReadUntilAsync(app, output, seen => seen.Contains("ready") && seen.Contains("handling w-1"));
        await SendSignalAsync(app, signal);
        await ReadUntilAsync(app, output, seen => seen.Any(l => l.StartsWith("Stopping:", StringComparison.Ordinal)));
        await app.StandardInput.WriteLineAsync("finish");
        await app.StandardInput.FlushAsync();
        output.AddRange((await app.StandardOutput.ReadToEndAsync().WaitAsync(Patience)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await app.WaitForExitAsync().WaitAsync(Patience);

        var log = string.Join('\n', output);
        app.ExitCode.ShouldBe(0, log);
        output.ShouldContain("handled w-1", log);
        output.ShouldContain("Stopped: cancelled.", log);
        output.ShouldContain("  finished: 1", log);
        output.ShouldNotContain("handling w-2", log);
        output.IndexOf("handled w-1").ShouldBeGreaterThan(output.FindIndex(l => l.StartsWith("Stopping:", StringComparison.Ordinal)), log);
    }

    private static Process StartTestApp(params string[] args)
    {
        // env resets SIGINT to its default: a shell that starts jobs in the background hands them SIGINT ignored, and a
        // process that inherits it ignored never sees Ctrl+C.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])["--default-signal=INT,TERM", DotnetHost(), Path.Combine(AppContext.BaseDirectory, "Conveyor.CommandLine.TestApp.dll"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The test app did not start.");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";

    private static async Task ReadUntilAsync(Process app, List<string> output, Func<List<string>, bool> done)
    {
        while (!done(output))
        {
            var line = await app.StandardOutput.ReadLineAsync().WaitAsync(Patience)
                ?? throw new InvalidOperationException($"The test app exited early:\n{string.Join('\n', output)}");
            output.Add(line);
        }
    }

    private static async Task SendSignalAsync(Process app, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Patience);
        kill.ExitCode.ShouldBe(0);
    }
}
