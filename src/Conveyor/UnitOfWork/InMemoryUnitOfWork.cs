namespace Conveyor.UnitOfWork;

/// <summary>
/// The default unit of work: no transaction of its own. Committing commits its participants in the order they
/// enlisted; rolling back rolls them back in reverse order. Nothing the handler wrote elsewhere is undone.
/// </summary>
public sealed class InMemoryUnitOfWork : IUnitOfWork
{
    // One participant (a deduplication claim) is the common case: no list for it.
    private IUnitOfWorkParticipant? _first;
    private List<IUnitOfWorkParticipant>? _others;
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
        if (_first is null)
        {
            _first = participant;
        }
        else
        {
            (_others ??= []).Add(participant);
        }
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        _ended = true;
        if (_first is not null)
        {
            await _first.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_others is not null)
        {
            foreach (var participant in _others)
            {
                await participant.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
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
        for (var i = (_others?.Count ?? 0) - 1; i >= 0; i--)
        {
            await _others![i].RollbackAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_first is not null)
        {
            await _first.RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
