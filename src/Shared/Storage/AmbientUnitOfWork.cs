using Conveyor.Outgoing;
using Conveyor.UnitOfWork;

namespace Conveyor.Storage;

/// <summary>A store package's own unit of work, which knows whether it has ended.</summary>
internal interface IStoreUnitOfWork : IUnitOfWork
{
    /// <summary>Whether it was committed or rolled back.</summary>
    bool IsEnded { get; }
}

/// <summary>
/// The store's unit of work of the message whose outgoing messages are being handed over, set by
/// <see cref="AmbientUnitOfWorkMiddleware{TUnitOfWork}"/> around the rest of the outgoing path: what the store writes
/// for an outgoing message (a delayed message for the scheduler) joins that transaction, so that it commits with the
/// handler's work (and, in SQLite, never waits for the write lock the message's own unit of work holds).
/// </summary>
/// <typeparam name="TUnitOfWork">The store's unit of work.</typeparam>
internal static class AmbientUnitOfWork<TUnitOfWork>
    where TUnitOfWork : class, IStoreUnitOfWork
{
    private static readonly AsyncLocal<TUnitOfWork?> Value = new();

    public static TUnitOfWork? Current
    {
        get => Value.Value is { IsEnded: false } current ? current : null;
        set => Value.Value = value;
    }
}

/// <summary>Makes an outgoing message's store unit of work <see cref="AmbientUnitOfWork{TUnitOfWork}"/> for the rest of the outgoing path.</summary>
/// <typeparam name="TUnitOfWork">The store's unit of work.</typeparam>
internal sealed class AmbientUnitOfWorkMiddleware<TUnitOfWork> : IOutgoingMiddleware
    where TUnitOfWork : class, IStoreUnitOfWork
{
    public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        return message.UnitOfWork is TUnitOfWork unitOfWork && !unitOfWork.IsEnded
            ? WithAmbientAsync(unitOfWork, message, next, cancellationToken)
            : next(message, cancellationToken);
    }

    // An async frame of its own: the ambient value it sets is undone when it returns.
    private static async ValueTask WithAmbientAsync(TUnitOfWork unitOfWork, OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        AmbientUnitOfWork<TUnitOfWork>.Current = unitOfWork;
        await next(message, cancellationToken).ConfigureAwait(false);
    }
}
