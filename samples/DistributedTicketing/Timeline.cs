using System.Collections.Concurrent;

namespace DistributedTicketing;

/// <summary>What the three services did, in order, for the demo's output and its test.</summary>
public sealed class Timeline
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyList<string> Entries => [.. _entries];

    public void Add(string service, string what) => _entries.Enqueue($"{service,-6} {what}");
}
