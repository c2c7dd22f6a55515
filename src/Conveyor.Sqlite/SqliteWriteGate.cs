using System.Collections.Concurrent;

namespace Conveyor.Sqlite;

/// <summary>
/// One asynchronous gate per database file in this process, in front of SQLite's single write lock: writers of this
/// process queue on it without blocking a thread (SQLite's own busy wait sleeps on the caller's thread), and two
/// service providers on one file (tests, a restarted host) queue on the same gate. Other processes still meet at
/// SQLite's lock, with the busy timeout.
/// </summary>
internal static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    public static SemaphoreSlim For(string fullPath) => Gates.GetOrAdd(fullPath, static _ => new SemaphoreSlim(1, 1));
}
