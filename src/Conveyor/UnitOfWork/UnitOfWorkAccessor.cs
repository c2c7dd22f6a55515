namespace Conveyor.UnitOfWork;

/// <summary>
/// The unit of work of the received message handled in this DI scope: a scoped service the inbound pipeline fills
/// once it began the unit of work, before the deduplication claim and the handler. Integrations that must join the
/// unit of work from code the handler resolves (the EF Core package binds a DbContext to it) read it; outside a
/// handled message, and in an endpoint that runs without a scope, <see cref="Current"/> is null.
/// </summary>
public sealed class UnitOfWorkAccessor
{
    /// <summary>The unit of work of the message handled in this scope, or null.</summary>
    public IUnitOfWork? Current { get; internal set; }
}
