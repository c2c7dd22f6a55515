namespace Conveyor.Channels.Database;

/// <summary>
/// Options of a <see cref="DatabaseChannel"/>. Set in code at registration, and bound over that from
/// <c>Conveyor:DatabaseChannels:&lt;name&gt;</c>.
/// </summary>
public sealed class DatabaseChannelOptions
{
    /// <summary>The configuration section the options of every database channel are under, by channel name.</summary>
    public const string SectionName = "Conveyor:DatabaseChannels";

    /// <summary>
    /// How often an idle consumer looks for messages other processes inserted (those sent through this channel object
    /// wake it at once). Default 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a consumer holds the messages it took (the visibility timeout): a consumer that dies holding one lets
    /// another take it after this. Renewed between messages, so a single message must be handled within it. Default 30 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most messages a consumer leases at once. Default 10.</summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// The most messages one insert writes of the sends made outside a handler: sends made while an insert is in
    /// flight (a <c>SendManyAsync</c>, concurrent senders) go together in the next one. Default 100.
    /// </summary>
    public int SendBatchSize { get; set; } = 100;

    /// <summary>
    /// Whether a consumer handles a leased batch in one transaction (on a store that supports it, PostgreSQL): the
    /// batch's acknowledgements, deduplication claims and every message's writes and sends commit together, a failed
    /// message's effects undone on their own. False gives every message a transaction of its own. Default true.
    /// </summary>
    public bool TransactionPerBatch { get; set; } = true;

    /// <summary>
    /// How long one batch transaction stays open at most (<see cref="TransactionPerBatch"/>): once it is older, the
    /// consumer commits what it handled and goes on in a new one, so a slow handler does not hold locks and delay what
    /// others handled for long. Default 1 second.
    /// </summary>
    public TimeSpan MaxTransactionDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a released message (<see cref="Acknowledgement.Release"/>) waits before it is delivered again. Default 1 second.</summary>
    public TimeSpan ReleaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What happens to a message no error channel or dead letter took; null uses <see cref="ConveyorOptions.FinalFailureStrategy"/>.</summary>
    public FinalFailureStrategy? FinalFailureStrategy { get; set; }

    /// <summary>The problems with these options, each saying how to fix it; empty when they are valid.</summary>
    /// <param name="channel">The channel name, for the messages.</param>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate(string channel)
    {
        var errors = new List<string>();
        if (PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"Database channel '{channel}': PollInterval {PollInterval:c} must be positive, e.g. 00:00:01.");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Database channel '{channel}': LeaseDuration {LeaseDuration:c} must be at least one second, longer than the slowest handler, e.g. 00:00:30.");
        }

        if (BatchSize < 1)
        {
            errors.Add($"Database channel '{channel}': BatchSize {BatchSize} must be at least 1, e.g. 10.");
        }

        if (SendBatchSize < 1)
        {
            errors.Add($"Database channel '{channel}': SendBatchSize {SendBatchSize} must be at least 1, e.g. 100.");
        }

        if (MaxTransactionDuration <= TimeSpan.Zero)
        {
            errors.Add($"Database channel '{channel}': MaxTransactionDuration {MaxTransactionDuration:c} must be positive, e.g. 00:00:01.");
        }

        if (ReleaseDelay < TimeSpan.Zero)
        {
            errors.Add($"Database channel '{channel}': ReleaseDelay {ReleaseDelay:c} is negative; set how long a released message waits, e.g. 00:00:01.");
        }

        return errors;
    }
}
