using Conveyor.Outgoing;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Options;

namespace Conveyor.Outbox;

/// <summary>
/// Writes a message sent in a unit of work the outbox store can write in to the outbox, in that unit of work's
/// transaction, instead of sending it; the relay sends it once the transaction committed. Only
/// <see cref="OutgoingIntent.Send"/> is kept: the other intents are failure handling and fan-out, which run outside a
/// handler's unit of work (after its rollback, or before it begins) and have nothing to commit with.
/// </summary>
internal sealed class OutboxOutgoingMiddleware(IOutboxStore store, OutboxSignal signal, IOptions<OutboxOptions> options) : IOutgoingMiddleware
{
    private readonly OutboxOptions _options = options.Value;

    public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        return _options.Enabled && message.Intent == OutgoingIntent.Send && message.UnitOfWork is { } unitOfWork && store.CanAppendIn(unitOfWork)
            ? AppendAsync(unitOfWork, message, cancellationToken)
            : next(message, cancellationToken);
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
