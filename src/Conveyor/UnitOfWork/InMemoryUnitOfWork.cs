namespace Conveyor.UnitOfWork;

/// <summary>
/// The default unit of work: no transaction of its own. Committing commits its participants in the order they
/// enlisted; rolling back rolls them back in reverse order. Nothing the handler wrote elsewhere is undone.
/// </summary>
public sealed class InMemoryUnitOfWork : IUnitOfWork
{
    private List<IUnitOfWorkParticipant>? _participants;
    private bool _ended;

    /// <summary>Creates a unit of work.</summary>
    /// <param name="services">The message's DI scope.</param>
    public InMemoryUnitOfWork(IServiceProvider services) => Services = services;

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <inheritdoc />
    public void Enlist(IUnitOfWorkParticipant participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ObjectDisposedException.ThrowIf(_ended, this);
        (_participants ??= []).Add(participant);
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        _ended = true;
        if (_participants is null)
        {
            return;
        }

        foreach (var participant in _participants)
        {
            await participant.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (_participants is null)
        {
            return;
        }

        for (var i = _participants.Count - 1; i >= 0; i--)
        {
            await _participants[i].RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
