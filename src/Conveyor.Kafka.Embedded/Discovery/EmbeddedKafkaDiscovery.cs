using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Conveyor.Kafka.Embedded.Discovery;

/// <summary>
/// The discovery files through which an application's <c>conveyor</c> commands find the embedded cluster of its running
/// service: one small JSON file per application (name and content root) in one folder, written when the service's cluster
/// starts and removed when it stops. A file whose process is gone (killed, crashed) is stale: it is ignored and deleted.
/// </summary>
internal sealed class EmbeddedKafkaDiscovery(string directory)
{
    // A process's start time as read by another process can differ from its own reading by the clock-tick rounding of
    // /proc; a reused process id starts far later than that.
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The folder of the discovery files.</summary>
    public string Directory { get; } = directory;

    /// <summary><c>$XDG_RUNTIME_DIR/conveyor-embedded-kafka</c> (per user, cleared at logout) when set, else a per-user folder in the temporary folder.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && System.IO.Directory.Exists(runtime)
            ? Path.Combine(runtime, "conveyor-embedded-kafka")
            : Path.Combine(Path.GetTempPath(), "conveyor-embedded-kafka-" + Sanitize(Environment.UserName));

    /// <summary>The file of one application: its name, readable, and a hash of its name and content root.</summary>
    public string PathFor(string application, string contentRoot)
    {
        var key = application + "\n" + NormalizeRoot(contentRoot);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(Directory, $"{Sanitize(application)}-{hash}.json");
    }

    /// <summary>Writes this process's cluster into the application's file (replacing a file another instance wrote).</summary>
    /// <exception cref="IOException">The folder or file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file cannot be written.</exception>
    public PublishedDiscoveryFile Publish(string application, string contentRoot, string bootstrapServers)
    {
        using var self = Process.GetCurrentProcess();
        var record = new EmbeddedKafkaDiscoveryRecord(
            application, NormalizeRoot(contentRoot), bootstrapServers, Environment.ProcessId, self.StartTime.ToUniversalTime());

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            // Only this user may read where their clusters listen, or plant a file that redirects their commands.
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = PathFor(application, contentRoot);

        // Written aside and moved into place, so a command never reads half a file.
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record, Json));
        File.Move(temporary, path, overwrite: true);
        return new PublishedDiscoveryFile(path);
    }

    /// <summary>
    /// The running service's cluster of this application, or <see langword="null"/> when there is no file or its process is
    /// gone; a stale file is deleted.
    /// </summary>
    public EmbeddedKafkaDiscoveryRecord? FindRunning(string application, string contentRoot)
    {
        var path = PathFor(application, contentRoot);
        var record = Read(path);
        if (record is null)
        {
            return null;
        }

        if (IsRunning(record))
        {
            return record;
        }

        TryDelete(path);
        return null;
    }

    /// <summary>The record in <paramref name="path"/>, or <see langword="null"/> when there is none or it cannot be read.</summary>
    internal static EmbeddedKafkaDiscoveryRecord? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EmbeddedKafkaDiscoveryRecord>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether the record's process still runs: the same id and the same start time.</summary>
    internal static bool IsRunning(EmbeddedKafkaDiscoveryRecord record)
    {
        try
        {
            using var process = Process.GetProcessById(record.ProcessId);
            return !process.HasExited && (process.StartTime.ToUniversalTime() - record.ProcessStartTime).Duration() <= StartTimeTolerance;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // No such process, or it exited while we looked.
            return false;
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process removed or replaced it meanwhile; nothing to clean up.
        }
    }

    private static string NormalizeRoot(string contentRoot) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(contentRoot));

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 64));
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, 64)))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        return builder.Length == 0 ? "app" : builder.ToString();
    }
}
