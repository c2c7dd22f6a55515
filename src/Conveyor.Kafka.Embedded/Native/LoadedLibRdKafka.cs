using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Conveyor.Kafka.Embedded.Native;

/// <summary>
/// Binds <see cref="LibRdKafka"/> to the librdkafka that Confluent.Kafka has loaded, never to a
/// second copy.
/// </summary>
/// <remarks>
/// Confluent.Kafka picks its native library at run time: on Debian 12 the default
/// <c>librdkafka.so</c> of librdkafka.redist needs <c>libsasl2.so.3</c>, which is missing, so it
/// falls back to <c>centos8-librdkafka.so</c>. Default probing for <c>"librdkafka"</c> would pick
/// another file (or fail), and two copies of librdkafka in one process would each have their own
/// globals: a mock cluster created by one copy is then unknown to clients of the other. So this
/// class makes Confluent.Kafka load first, finds the file it mapped into the process, and answers
/// every <c>"librdkafka"</c> import of this assembly with that file; loading an already loaded path
/// returns the same handle. The resolver is per assembly and can be set only once, so any other
/// native import of Conveyor.Kafka.Embedded must be resolved here too.
/// </remarks>
internal static class LoadedLibRdKafka
{
    private static readonly Lock Gate = new();
    private static string? path;
    private static nint handle;

    /// <summary>The full path of the librdkafka the process uses; installs the resolver first.</summary>
    internal static string Path
    {
        get
        {
            EnsureResolverInstalled();
            return path!;
        }
    }

    /// <summary>Loads librdkafka through Confluent.Kafka and points this assembly's imports at it.</summary>
    internal static void EnsureResolverInstalled()
    {
        lock (Gate)
        {
            if (path is not null)
            {
                return;
            }

            Confluent.Kafka.Library.Load();
            var loaded = FindLoadedPath();
            handle = NativeLibrary.Load(loaded);
            NativeLibrary.SetDllImportResolver(typeof(LoadedLibRdKafka).Assembly, Resolve);
            path = loaded;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibRdKafka.LibraryName ? handle : 0;

    private static string FindLoadedPath()
    {
        using var process = Process.GetCurrentProcess();
        var candidates = process.Modules
            .Cast<ProcessModule>()
            .Select(module => module.FileName)
            .Where(IsLibRdKafka)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new InvalidOperationException(
                $"Confluent.Kafka reports librdkafka {Confluent.Kafka.Library.VersionString} as loaded, but no librdkafka "
                + "module is mapped into this process, so the embedded Kafka cluster cannot bind to it."),
            _ => throw new InvalidOperationException(
                "More than one librdkafka is loaded into this process (" + string.Join(", ", candidates)
                + "); the embedded Kafka cluster must share the one Confluent.Kafka uses."),
        };
    }

    private static bool IsLibRdKafka(string? file)
    {
        var name = System.IO.Path.GetFileName(file);
        return name is not null
            && name.Contains("librdkafka", StringComparison.OrdinalIgnoreCase)
            && !name.Contains("librdkafkacpp", StringComparison.OrdinalIgnoreCase);
    }
}
