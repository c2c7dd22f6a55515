namespace Conveyor.Inbound;

/// <summary>How processing one received message went.</summary>
internal enum ProcessingOutcome
{
    /// <summary>Handled, fanned out, or put back for a retry later.</summary>
    Handled,

    /// <summary>Skipped: its endpoint had handled its deduplication key already.</summary>
    Duplicate,

    /// <summary>Finally failed: handed to an error channel, the dead letter or the final failure strategy.</summary>
    Failed,
}
