namespace Conveyor.EntityFrameworkCore;

/// <summary>How a DbContext joins the unit of work of the received message being handled (one set per DbContext type).</summary>
public sealed class ConveyorDbContextOptions
{
    /// <summary>
    /// Whether Conveyor calls <c>SaveChangesAsync</c> for the handler when the context still has pending changes once
    /// the handler returned, so that they commit with the deduplication claim. True by default: changes a handler
    /// tracked but forgot to save would otherwise be lost while the message is acknowledged. When false, the handler
    /// saves what it means to keep; pending changes left at the end are discarded and logged as a warning (event 5202).
    /// </summary>
    public bool SaveChangesOnCommit { get; set; } = true;
}
