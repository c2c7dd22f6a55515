using System.Collections.Concurrent;

namespace Conveyor.Consumers;

/// <summary>
/// The token a consumer run hands each handler: cancelled when the run's shutdown grace period ends or when the
/// channel gives the message's delivery up (its <c>lost</c> token, e.g. a Kafka partition revoked past its grace
/// period). Channels hand every message of one delivery source (a partition assignment) the same lost token, so the
/// linked source is made once per such token and shared by its messages rather than made and disposed per message.
/// A source leaves the set when its lost token is cancelled; the rest are disposed with the run.
/// </summary>
internal sealed class LinkedAbortTokens(CancellationToken abort) : IDisposable
{
    private readonly ConcurrentDictionary<CancellationToken, Linked> _linked = new();
    private bool _disposed;

    /// <summary>The token for a message whose delivery ends on <paramref name="lost"/>.</summary>
    public CancellationToken For(CancellationToken lost)
    {
        if (!lost.CanBeCanceled || lost == abort)
        {
            return abort;
        }

        if (lost.IsCancellationRequested)
        {
            return lost;
        }

        if (_linked.TryGetValue(lost, out var existing))
        {
            return existing.Token;
        }

        var created = new Linked(this, lost, abort);
        var linked = _linked.GetOrAdd(lost, created);
        if (linked != created)
        {
            created.Dispose();
        }
        else
        {
            created.Watch();
            if (Volatile.Read(ref _disposed))
            {
                // Added after the run ended (a late message): nobody disposes it otherwise.
                Remove(lost, created);
            }
        }

        return linked.Token;
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var (lost, linked) in _linked)
        {
            Remove(lost, linked);
        }
    }

    private void Remove(CancellationToken lost, Linked linked)
    {
        if (_linked.TryRemove(new KeyValuePair<CancellationToken, Linked>(lost, linked)))
        {
            linked.Dispose();
        }
    }

    /// <summary>A linked source that removes itself once its lost token is cancelled.</summary>
    private sealed class Linked(LinkedAbortTokens owner, CancellationToken lost, CancellationToken abort) : IDisposable
    {
        private readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(lost, abort);
        private CancellationTokenRegistration _watch;

        public CancellationToken Token => _source.Token;

        public void Watch() => _watch = lost.UnsafeRegister(static state => ((Linked)state!).Unlink(), this);

        public void Dispose()
        {
            _watch.Dispose();
            _source.Dispose();
        }

        // Callbacks run latest registered first, so this one runs before the source's own link to lost: cancel it here,
        // so that handlers holding its token see it cancelled before it is disposed. A message arriving later gets the
        // cancelled lost token itself.
        private void Unlink()
        {
            _source.Cancel();
            owner.Remove(lost, this);
        }
    }
}
