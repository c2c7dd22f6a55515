namespace Conveyor.Outbox;

/// <summary>
/// How the transactional outbox behaves. Bound from the <c>Conveyor:Outbox</c> configuration section (which overrides
/// what code sets) and validated at start-up.
/// </summary>
public sealed class OutboxOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Conveyor:Outbox";

    /// <summary>
    /// Whether messages sent in a database unit of work go to the outbox. False sends them straight to their channels
    /// when the handler's work has not committed yet, as without an outbox. Default true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether this process relays the outbox to the channels. False for a process that only writes (a web front end
    /// whose messages another instance relays). Default true.
    /// </summary>
    public bool Relay { get; set; } = true;

    /// <summary>
    /// How many lanes messages are spread over by partition key. One lane is relayed by one relay at a time, so more
    /// lanes let more relays (and more concurrent sends in one relay) work at once. Change it only with an empty outbox:
    /// a key's messages written under the old count and the new may be relayed out of order. Default 64.
    /// </summary>
    public int Lanes { get; set; } = 64;

    /// <summary>The most messages of one lane relayed before their acknowledgements are awaited and they are deleted. Default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>The most lanes one relay holds at once. Default 64.</summary>
    public int MaxLanesPerRelay { get; set; } = 64;

    /// <summary>
    /// How long a relay owns its lanes without renewing them (every batch renews them). A relay that dies leaves its
    /// lanes to the others after this. Default 30 seconds.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the relay looks for messages written by other processes or left by a crashed one; what this process
    /// commits wakes its relay at once. Default 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
