using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>
/// kcat (the Debian package), an independent Kafka client written in C on its own librdkafka, run as a process
/// against the test cluster. tests/run.sh installs it on a fresh machine.
/// </summary>
internal static class Kcat
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Produces one record: <paramref name="value"/> as its value (sent from a file, so any bytes), with key, headers and partition.</summary>
    public static async Task ProduceAsync(KafkaTestCluster cluster, string topic, byte[] value, string? key = null, IEnumerable<(string Name, string Value)>? headers = null, int? partition = null)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, value);
            var args = new List<string> { "-P", "-b", cluster.BootstrapServers, "-t", topic };
            if (key is not null)
            {
                args.AddRange(["-k", key]);
            }

            if (partition is { } p)
            {
                args.AddRange(["-p", p.ToString(CultureInfo.InvariantCulture)]);
            }

            foreach (var (name, headerValue) in headers ?? [])
            {
                args.AddRange(["-H", $"{name}={headerValue}"]);
            }

            args.Add(file);
            await RunAsync(args);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Produces one record per line of <paramref name="lines"/>, each <c>key:value</c> (kcat's <c>-K:</c> key delimiter).</summary>
    public static Task ProduceKeyedLinesAsync(KafkaTestCluster cluster, string topic, IEnumerable<string> lines) =>
        RunAsync(["-P", "-b", cluster.BootstrapServers, "-t", topic, "-K:"], Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

    /// <summary>Reads every record of <paramref name="topic"/> up to its current end with kcat's JSON output (<c>-J</c>).</summary>
    public static async Task<IReadOnlyList<KcatRecord>> ConsumeAllAsync(KafkaTestCluster cluster, string topic)
    {
        var output = await RunAsync(["-C", "-b", cluster.BootstrapServers, "-t", topic, "-e", "-q", "-J"]);
        return [.. Encoding.UTF8.GetString(output)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(KcatRecord.Parse)
            .OrderBy(r => r.Partition)
            .ThenBy(r => r.Offset)];
    }

    /// <summary>The exact value bytes of one record (kcat's <c>-f %s</c> format, one record from one offset).</summary>
    public static Task<byte[]> ReadValueAsync(KafkaTestCluster cluster, string topic, int partition, long offset) =>
        RunAsync(["-C", "-b", cluster.BootstrapServers, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture),
            "-o", offset.ToString(CultureInfo.InvariantCulture), "-c", "1", "-e", "-q", "-f", "%s"]);

    /// <summary>
    /// Produces one record whose headers are arbitrary bytes, e.g. not UTF-8. Process arguments are .NET strings (sent
    /// as UTF-8), so the headers go through bash's <c>$'\xNN'</c> quoting, which hands kcat's <c>-H</c> the exact bytes.
    /// </summary>
    public static async Task ProduceWithRawHeadersAsync(KafkaTestCluster cluster, string topic, byte[] value, IEnumerable<(string Name, byte[] Value)> headers)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, value);
            var script = new StringBuilder("exec kcat -P -b \"$1\" -t \"$2\"");
            foreach (var (name, bytes) in headers)
            {
                script.Append(" -H $'");
                foreach (var b in Encoding.UTF8.GetBytes(name + "=").Concat(bytes))
                {
                    script.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
                }

                script.Append('\'');
            }

            script.Append(" \"$3\"");
            await RunAsync(["-c", script.ToString(), "bash", cluster.BootstrapServers, topic, file], program: "bash");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The headers of every record of <paramref name="topic"/> up to its current end, as the raw bytes kcat prints (<c>-f %h</c>: <c>name=value,...</c>, one line per record).</summary>
    public static Task<byte[]> ReadRawHeadersAsync(KafkaTestCluster cluster, string topic) =>
        RunAsync(["-C", "-b", cluster.BootstrapServers, "-t", topic, "-e", "-q", "-f", "%h\n"]);

    private static async Task<byte[]> RunAsync(IReadOnlyList<string> args, byte[]? stdin = null, string program = "kcat")
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kcat did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kcat is not installed: `apt-get install -y kcat` (tests/run.sh does it).", e);
        }

        using (process)
        {
            var stdout = new MemoryStream();
            var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
            var readErr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            try
            {
                await process.WaitForExitAsync().WaitAsync(Timeout);
            }
            catch (TimeoutException)
            {
                process.Kill();
                throw new TimeoutException($"kcat {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds:0}s: {await readErr}");
            }

            await readOut;
            var errors = await readErr;
            if (process.ExitCode != 0 || errors.Contains("Delivery failed", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"kcat {string.Join(' ', args)} failed (exit code {process.ExitCode}): {errors}");
            }

            return stdout.ToArray();
        }
    }
}

/// <summary>One record as kcat's JSON output shows it.</summary>
internal sealed record KcatRecord(string Topic, int Partition, long Offset, long Timestamp, string? Key, string? Payload, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public string? Header(string name) => Headers.LastOrDefault(h => h.Key == name).Value;

    public static KcatRecord Parse(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var headers = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("headers", out var array))
        {
            var items = array.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            for (var i = 0; i + 1 < items.Count; i += 2)
            {
                headers.Add(new(items[i], items[i + 1]));
            }
        }

        return new KcatRecord(
            root.GetProperty("topic").GetString()!,
            root.GetProperty("partition").GetInt32(),
            root.GetProperty("offset").GetInt64(),
            root.GetProperty("ts").GetInt64(),
            root.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null,
            root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.String ? payload.GetString() : null,
            headers);
    }
}
