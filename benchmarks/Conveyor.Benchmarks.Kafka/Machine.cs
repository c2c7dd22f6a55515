using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>What the numbers were measured on.</summary>
internal sealed record Machine(int Processors, string Cpu, string Os, string Runtime, string LibRdKafka, string? Commit)
{
    public static Machine Describe(string? repository)
    {
        var cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        return new Machine(Environment.ProcessorCount, cpu, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, Confluent.Kafka.Library.VersionString, GitCommit(repository));
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), to show how busy the shared machine was.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string? GitCommit(string? repository)
    {
        if (repository is null)
        {
            return null;
        }

        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repository, "describe", "--always", "--dirty"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            var output = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return string.IsNullOrEmpty(output) ? null : output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
