using System.Diagnostics;
using System.Text;

namespace Conveyor.Packaging.Tests;

/// <summary>The outcome of a command: its exit code (null when it was killed for taking too long) and its output.</summary>
public sealed record CommandResult(string Command, int? ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The command, how it ended and the end of its output, for a failure message.</summary>
    public string Describe(int lastLines = 80)
    {
        var lines = Output.Split('\n');
        var tail = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - lastLines)));
        var ended = ExitCode is { } code ? $"exited with {code}" : "was killed: it did not finish in time";
        return $"'{Command}' {ended} after {Elapsed.TotalSeconds:F0} s. Its output{(lines.Length > lastLines ? $" (last {lastLines} lines)" : "")}:\n{tail}";
    }
}

/// <summary>Runs the dotnet CLI as a child process, with a time limit, and collects its output.</summary>
public static class DotNet
{
    /// <summary>The dotnet executable running these tests, else the one on the PATH.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>dotnet</c> with the arguments in <paramref name="directory"/>.</summary>
    public static CommandResult Run(string directory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under 'dotnet test', which sets MSBuild's own variables for its child processes; a build
        // started from here must find its SDK as a user's would.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Append(e.Data).Append('\n'); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Append(e.Data).Append('\n'); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        int? exitCode = null;
        if (process.WaitForExit(timeout))
        {
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        else
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        lock (output)
        {
            return new CommandResult($"dotnet {string.Join(' ', arguments)}", exitCode, output.ToString(), stopwatch.Elapsed);
        }
    }

    /// <summary>Runs git in <paramref name="directory"/> and returns its trimmed output, or null when it fails.</summary>
    public static string? Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? text.Trim() : null;
    }
}
