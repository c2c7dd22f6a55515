using Conveyor.Channels;
using Conveyor.Outgoing;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Options;

namespace Conveyor.Outbox;

/// <summary>
/// Writes a message sent in a unit of work the outbox store can write in to the outbox, in that unit of work's
/// transaction, instead of sending it; the relay sends it once the transaction committed. Only
/// <see cref="OutgoingIntent.Send"/> is kept: the other intents are failure handling and fan-out, which run outside a
/// handler's unit of work (after its rollback, or before it begins) and have nothing to commit with. A send to an
/// <see cref="ITransactionalChannel"/> that writes in the same transaction (a database channel in the unit of work's
/// database) goes straight to the channel: it already commits with the handler's writes.
/// </summary>
internal sealed class OutboxOutgoingMiddleware(IOutboxStore store, OutboxSignal signal, IOptions<OutboxOptions> options, IServiceProvider services) : IOutgoingMiddleware
{
    private readonly OutboxOptions _options = options.Value;

    // Resolved on first use: the channel registry is built from the runtime, which sends through this middleware.
    private IChannelRegistry? _channels;

    public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        return _options.Enabled && message.Intent == OutgoingIntent.Send && message.UnitOfWork is { } unitOfWork && store.CanAppendIn(unitOfWork)
                && !SendsInTransaction(message.Destination, unitOfWork)
            ? AppendAsync(unitOfWork, message, cancellationToken)
            : next(message, cancellationToken);
    }

    private bool SendsInTransaction(string destination, IUnitOfWork unitOfWork)
    {
        _channels ??= (IChannelRegistry)services.GetService(typeof(IChannelRegistry))!;
        return _channels.TryGet(destination, out var channel) && channel is ITransactionalChannel transactional && transactional.SendsIn(unitOfWork);
    }

    private async ValueTask AppendAsync(IUnitOfWork unitOfWork, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var lane = OutboxLanes.Of(message.Message, _options.Lanes);
        await store.AppendAsync(unitOfWork, new OutboxMessage(message.Destination, lane, message.Message), cancellationToken).ConfigureAwait(false);
        unitOfWork.Enlist(new WakeOnCommit(signal));
    }

    /// <summary>Wakes the relay once the unit of work that wrote to the outbox committed.</summary>
    private sealed class WakeOnCommit(OutboxSignal signal) : IUnitOfWorkParticipant
    {
        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            signal.Wake();
            return ValueTask.CompletedTask;
        }

        public ValueTask RollbackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
