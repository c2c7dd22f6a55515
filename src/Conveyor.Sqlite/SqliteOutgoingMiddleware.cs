using Conveyor.Outgoing;

namespace Conveyor.Sqlite;

/// <summary>
/// Makes a handler's outgoing message's SQLite unit of work ambient for the rest of the outgoing path, so that what
/// the SQLite stores write for it (a delayed message for the scheduler) joins that unit of work's transaction.
/// </summary>
internal sealed class SqliteOutgoingMiddleware : IOutgoingMiddleware
{
    public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        return message.UnitOfWork is SqliteUnitOfWork unitOfWork && !unitOfWork.IsEnded
            ? WithAmbientAsync(unitOfWork, message, next, cancellationToken)
            : next(message, cancellationToken);
    }

    // An async frame of its own: the ambient value it sets is undone when it returns.
    private static async ValueTask WithAmbientAsync(SqliteUnitOfWork unitOfWork, OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
    {
        SqliteAmbientUnitOfWork.Current = unitOfWork;
        await next(message, cancellationToken).ConfigureAwait(false);
    }
}
