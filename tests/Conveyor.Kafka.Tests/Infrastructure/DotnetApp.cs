using System.Diagnostics;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>Starts an application the tests built (a dll) with the same dotnet host that runs the tests.</summary>
internal static class DotnetApp
{
    /// <summary>
    /// Starts <paramref name="appPath"/>; with <paramref name="workingDirectory"/>, that folder is also its content root;
    /// <paramref name="environment"/> adds variables to the app's environment.
    /// </summary>
    public static Process Start(string appPath, IEnumerable<string> arguments, bool redirectStandardInput, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        File.Exists(appPath).ShouldBeTrue($"{appPath} should have been built with the tests");
        var start = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardInput = redirectStandardInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            // The content root is then the working directory, as for 'dotnet run' in a project folder.
            start.WorkingDirectory = workingDirectory;
            start.Environment.Remove("DOTNET_CONTENTROOT");
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(appPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private static string DotnetPath()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
