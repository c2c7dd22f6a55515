using System.Globalization;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// The CPU time a local PostgreSQL cluster used so far: its postmaster's own and that of the backends it reaped, plus
/// its live children's (from /proc). With the benchmark process's own CPU time, the work a message costs whatever the
/// machine's load: wall time on a shared machine waits for cores, CPU time does not.
/// </summary>
internal static class ServerCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The cluster's CPU time, or null when its processes cannot be read (not local, or not Linux).</summary>
    public static TimeSpan? Of(string connectionString)
    {
        try
        {
            var host = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Host;
            if (host is null || !host.StartsWith('/') || !File.Exists(Path.Combine(host, "data", "postmaster.pid")))
            {
                return null;
            }

            var postmaster = File.ReadLines(Path.Combine(host, "data", "postmaster.pid")).First().Trim();
            long ticks = 0;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                var pid = Path.GetFileName(directory);
                if (!char.IsAsciiDigit(pid[0]))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(directory, "stat"));
                }
                catch (IOException)
                {
                    continue; // exited meanwhile
                }

                // After the command's closing parenthesis: state ppid … utime(14) stime(15) cutime(16) cstime(17).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = fields[1];
                if (pid == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                        + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
                else if (parent == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }

            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
