using System.Diagnostics;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server the tests run against: <c>CONVEYOR_POSTGRES</c> when set (tests/run.sh starts one for the
/// whole run), else a throwaway cluster this test process starts through tests/postgres.sh on first use and stops when
/// it exits (or, when it is killed first, the script once it sees the process gone). A test that needs PostgreSQL starts
/// it; none is skipped.
/// </summary>
internal static class PostgreSqlServer
{
    private static readonly Lazy<string> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The server's connection string, to its <c>postgres</c> database.</summary>
    public static string ConnectionString => Server.Value;

    private static string Start()
    {
        var configured = Environment.GetEnvironmentVariable("CONVEYOR_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var script = Script();
        var connectionString = Run(script, "start", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Trim().Split('\n')[^1];
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run(script, "stop", connectionString);
        return connectionString;
    }

    private static string Script()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var script = Path.Combine(directory.FullName, "tests", "postgres.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException($"tests/postgres.sh is not above {AppContext.BaseDirectory}; set CONVEYOR_POSTGRES to a PostgreSQL connection string instead.");
    }

    private static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', arguments)} did not finish in 10 minutes.");
        }

        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}");
    }
}
