using System.Collections.Concurrent;
using Conveyor.Channels;

namespace Conveyor.Consumers;

/// <summary>The process's <see cref="IConsumerStatusRegistry"/>, with the methods its writers call. Thread-safe.</summary>
internal sealed class ConsumerStatusRegistry(TimeProvider time) : IConsumerStatusRegistry, IConsumerStatusReporter
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Runtime.CoarseClock _clock = new(time);

    public IReadOnlyList<ConsumerStatus> Consumers =>
        [.. _entries.Values.Select(e => e.Snapshot()).OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ConsumerStatus? Find(string name) => _entries.TryGetValue(name, out var entry) ? entry.Snapshot() : null;

    /// <summary>The pause of consumer <paramref name="name"/>, which outlives its runs.</summary>
    public ConsumerPause PauseOf(string name) => EntryOf(name).Pause;

    public void Starting(string name) => Update(name, e => e.State = ConsumerState.Starting);

    public void Running(string name) => Update(name, e => e.State = ConsumerState.Running);

    /// <summary>It ended: what the transport assigned is no longer its.</summary>
    public void Stopped(string name) => Update(name, e =>
    {
        e.State = ConsumerState.Stopped;
        e.Partitions.Clear();
    });

    public void BackingOff(string name, Exception error) => Update(name, e =>
    {
        e.State = ConsumerState.BackingOff;
        e.Partitions.Clear();
        e.LastError = Describe(error);
    });

    public void Failed(string name, Exception error) => Update(name, e =>
    {
        e.State = ConsumerState.Failed;
        e.Partitions.Clear();
        e.LastError = Describe(error);
    });

    /// <summary>
    /// What a run of consumer <paramref name="name"/> records its finished messages on (<see cref="Entry.MessageFinished"/>):
    /// found once per run, not once per message.
    /// </summary>
    public Entry EntryOf(string name) => _entries.GetOrAdd(name, static (n, clock) => new Entry(n, clock), _clock);

    public void PartitionsAssigned(string name, IEnumerable<string> partitions) => Update(name, e => e.Partitions.UnionWith(partitions));

    public void PartitionsRemoved(string name, IEnumerable<string> partitions) => Update(name, e => e.Partitions.ExceptWith(partitions));

    /// <summary>A finally failed message could not be written to the dead letter.</summary>
    public void DeadLetterWriteFailed(string name) => Update(name, e => e.FailedDeadLetterWrites++);

    private ConsumerError Describe(Exception error) => new(error.GetType().Name, error.Message, time.GetUtcNow());

    private void Update(string name, Action<Entry> change)
    {
        var entry = EntryOf(name);
        lock (entry)
        {
            change(entry);
        }
    }

    /// <summary>One consumer's status.</summary>
    internal sealed class Entry(string name, Runtime.CoarseClock clock)
    {
        // When the last message finished (UTC ticks; zero before any): written on every finished message, so without a
        // lock, from a clock read at most once a millisecond.
        private long _lastMessageTicks;

        public ConsumerState State { get; set; } = ConsumerState.Starting;

        public SortedSet<string> Partitions { get; } = new(StringComparer.Ordinal);

        public ConsumerError? LastError { get; set; }

        public DateTimeOffset? LastMessageAt => Volatile.Read(ref _lastMessageTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        public long FailedDeadLetterWrites { get; set; }

        public ConsumerPause Pause { get; } = new();

        /// <summary>Called for every finished message.</summary>
        public void MessageFinished() => Volatile.Write(ref _lastMessageTicks, clock.UtcTicks);

        public ConsumerStatus Snapshot()
        {
            lock (this)
            {
                return new ConsumerStatus(name, State, [.. Partitions], LastError, LastMessageAt, FailedDeadLetterWrites) { IsPaused = Pause.IsPaused };
            }
        }
    }
}
