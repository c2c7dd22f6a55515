using Confluent.Kafka;
using Conveyor.UnitOfWork;

namespace Conveyor.Kafka.ConsumerEngine.Transactions;

/// <summary>
/// One record's part in its consumer's open Kafka transaction, ambient while the record is handled: every Kafka send on
/// that async flow (<c>KafkaSender</c>: channels, publishers, retry and dead-letter topics) goes through the transaction's
/// producer instead of the shared one, so that it commits or aborts with the record's offset.
/// A batch's records share one lease.
/// </summary>
/// <remarks>
/// A handling attempt's sends are released only once its handler succeeded, but what follows them can still fail the
/// attempt: the commit of its unit of work (a database's). The lease takes part in that unit of work
/// (<see cref="WatchCommit"/>): if it rolls back after sends went into the transaction, those writes belong to a failed
/// attempt and would commit beside the next attempt's, so the lease dooms the transaction (<see cref="FailedAttemptWrote"/>).
/// </remarks>
internal sealed class TransactionLease : IUnitOfWorkParticipant
{
    private static readonly AsyncLocal<TransactionLease?> Ambient = new();
    private volatile bool _produced;
    private volatile bool _failedAttemptWrote;
    private volatile RefusedSend? _refused;
    private IUnitOfWork? _watched;

    /// <summary>A lease on <paramref name="producer"/>; <paramref name="refusedBefore"/> is the refusal an earlier, aborted attempt of the record met.</summary>
    public TransactionLease(IProducer<byte[]?, byte[]?> producer, RefusedSend? refusedBefore = null)
    {
        Producer = producer;
        RefusedBefore = refusedBefore;
    }

    /// <summary>The lease of the record being handled on this async flow, or null outside an exactly-once consumer.</summary>
    public static TransactionLease? Current => Ambient.Value;

    /// <summary>The transactional producer of the consumer that handles the record.</summary>
    public IProducer<byte[]?, byte[]?> Producer { get; }

    /// <summary>Whether anything was written in the transaction for this record: if it then does not complete, the transaction must abort.</summary>
    public bool Produced => _produced;

    /// <summary>Whether a handling attempt that sent into the transaction then failed (its unit of work rolled back): the transaction must abort.</summary>
    public bool FailedAttemptWrote => _failedAttemptWrote;

    /// <summary>The refusal an earlier attempt of the record met, which this attempt's sends to that topic fail with; null on a first attempt.</summary>
    public RefusedSend? RefusedBefore { get; }

    /// <summary>The first send of this attempt that the broker refused for good (<see cref="RefusedSend.IsFinal"/>): it dooms the transaction.</summary>
    public RefusedSend? Refused => _refused;

    /// <summary>
    /// Called before a send of <paramref name="messageId"/> (<paramref name="bytes"/> of payload) to <paramref name="topic"/>
    /// on this flow: throws the earlier attempt's refusal if it would meet it again (<see cref="RefusedSend.Refuses"/>),
    /// without sending (which would abort the transaction once more).
    /// </summary>
    public void ThrowIfRefusedBefore(string topic, string? messageId, int bytes)
    {
        if (RefusedBefore is { } refused && refused.Refuses(topic, bytes))
        {
            throw refused.Replay(messageId);
        }
    }

    /// <summary>Awaits a send of <paramref name="bytes"/> to <paramref name="topic"/> made in the transaction, remembering a final refusal of it.</summary>
    public async ValueTask<T> Watch<T>(ValueTask<T> send, string topic, int bytes)
    {
        try
        {
            return await send.ConfigureAwait(false);
        }
        catch (KafkaPublishException e) when (RefusedSend.IsFinal(e))
        {
            _refused ??= new RefusedSend(topic, bytes, e);
            throw;
        }
    }

    /// <summary>Awaits a send of <paramref name="bytes"/> to <paramref name="topic"/> made in the transaction, remembering a final refusal of it.</summary>
    public async ValueTask Watch(ValueTask send, string topic, int bytes)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (KafkaPublishException e) when (RefusedSend.IsFinal(e))
        {
            _refused ??= new RefusedSend(topic, bytes, e);
            throw;
        }
    }

    /// <summary>The transactional producer, for a send made while this lease is ambient: marks the transaction as written to.</summary>
    public IProducer<byte[]?, byte[]?> ProducerForSend()
    {
        _produced = true;
        return Producer;
    }

    /// <summary>
    /// The handling attempt on this flow succeeded and its <paramref name="unitOfWork"/> is about to commit: if the attempt
    /// sent into the transaction, the lease joins the unit of work, to doom the transaction should it roll back. Once per
    /// unit of work (a batch acknowledges each of its records in the same one).
    /// </summary>
    public void WatchCommit(IUnitOfWork unitOfWork)
    {
        if (_produced && !ReferenceEquals(Interlocked.Exchange(ref _watched, unitOfWork), unitOfWork))
        {
            unitOfWork.Enlist(this);
        }
    }

    ValueTask IUnitOfWorkParticipant.CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask IUnitOfWorkParticipant.RollbackAsync(CancellationToken cancellationToken)
    {
        _failedAttemptWrote = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>Makes <paramref name="lease"/> ambient until the returned scope is disposed; for sends made on another flow on the record's behalf.</summary>
    public static Scope Use(TransactionLease? lease)
    {
        var previous = Ambient.Value;
        Ambient.Value = lease;
        return new Scope(previous);
    }

    /// <summary>Restores the ambient lease that was current before <see cref="Use"/>.</summary>
    public readonly struct Scope(TransactionLease? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
