using Conveyor.UnitOfWork;

namespace Conveyor.Channels.Database;

/// <summary>
/// The SQL of a <see cref="DatabaseChannel"/> for one database: a table of messages per channel name, each row
/// available from a time and leased by one consumer at a time. The channel's logic (polling, leases, release,
/// acknowledgement, dead letters) lives once in <see cref="DatabaseChannel"/>; a database package implements only this.
/// </summary>
/// <remarks>
/// Times a message becomes available are on the application's clock (<see cref="TimeProvider"/>); lease expiries are
/// on the database's clock, so that every instance sharing the database agrees on them.
/// </remarks>
public interface IDatabaseChannelStore
{
    /// <summary>Where the messages are kept, as an operator looks for them (e.g. <c>conveyor_channel_messages in orders.db</c>).</summary>
    string Address { get; }

    /// <summary>
    /// Inserts a message, available from <paramref name="availableAt"/>. Inside a handled message whose unit of work is a
    /// transaction of this database, the insert is part of that transaction.
    /// </summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="message">The message.</param>
    /// <param name="availableAt">When it may be delivered.</param>
    /// <param name="committed">
    /// Called once the row is committed: when the unit of work commits (never, when it rolls back), or at once outside
    /// one. The channel wakes its consumers with it, so that they look when the row can be seen.
    /// </param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>A task that completes once the row is written (committed, outside a unit of work).</returns>
    ValueTask InsertAsync(string channel, TransportMessage message, DateTimeOffset availableAt, Action committed, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <see cref="InsertAsync"/>, called now (in this execution context), writes in the transaction of the
    /// handled message's unit of work rather than in one of its own.
    /// </summary>
    bool InsertJoinsTransaction { get; }

    /// <summary>
    /// Inserts messages, in their order, in one transaction of their own (never a unit of work's) and as few
    /// statements as the database allows: the sends made outside a handler, which the channel gathers.
    /// </summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="rows">The messages and when each may be delivered.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>A task that completes once the rows are committed.</returns>
    ValueTask InsertManyAsync(string channel, IReadOnlyList<ChannelRow> rows, CancellationToken cancellationToken);

    /// <summary>Whether <see cref="InsertAsync"/>, called while <paramref name="unitOfWork"/> is open, writes in its transaction.</summary>
    /// <param name="unitOfWork">The unit of work of the message being handled.</param>
    /// <returns>True when <paramref name="unitOfWork"/> is an open transaction of this store's database.</returns>
    bool CanInsertIn(IUnitOfWork unitOfWork);

    /// <summary>
    /// Leases up to <paramref name="limit"/> messages available at <paramref name="now"/> that nobody holds (or whose
    /// holder's lease ran out), oldest first, for <paramref name="lease"/>; in one statement, so that two consumers never
    /// lease the same message.
    /// </summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="owner">The consumer taking them.</param>
    /// <param name="lease">How long the consumer holds them.</param>
    /// <param name="limit">The most messages to take.</param>
    /// <param name="now">The application's clock.</param>
    /// <param name="cancellationToken">Cancels the lease.</param>
    /// <returns>The messages, in the order they were inserted.</returns>
    ValueTask<IReadOnlyList<LeasedMessage>> LeaseAsync(string channel, string owner, TimeSpan lease, int limit, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Extends the lease of every message <paramref name="owner"/> holds.</summary>
    /// <param name="owner">The consumer.</param>
    /// <param name="lease">The new lease, from now.</param>
    /// <param name="cancellationToken">Cancels the renewal.</param>
    /// <returns>How many messages it still holds.</returns>
    ValueTask<int> RenewAsync(string owner, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Deletes a message <paramref name="owner"/> holds: the acknowledgement.</summary>
    /// <param name="id">The message's row id.</param>
    /// <param name="owner">The consumer.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>False when the lease was lost to another consumer, which has the message now.</returns>
    ValueTask<bool> DeleteAsync(long id, string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a message <paramref name="owner"/> holds in <paramref name="unitOfWork"/>'s transaction, when that is a
    /// transaction of this database, so that the acknowledgement commits with the handler's work.
    /// </summary>
    /// <param name="unitOfWork">The unit of work the message is handled in.</param>
    /// <param name="id">The message's row id.</param>
    /// <param name="owner">The consumer.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>False when the unit of work is not this database's: the channel deletes the message itself afterwards.</returns>
    ValueTask<bool> TryDeleteInAsync(IUnitOfWork unitOfWork, long id, string owner, CancellationToken cancellationToken);

    /// <summary>Hands a message back, available again from <paramref name="availableAt"/>.</summary>
    /// <param name="id">The message's row id.</param>
    /// <param name="owner">The consumer.</param>
    /// <param name="availableAt">When it may be delivered again; null keeps its time.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes once released.</returns>
    ValueTask ReleaseAsync(long id, string owner, DateTimeOffset? availableAt, CancellationToken cancellationToken);

    /// <summary>Hands back every message <paramref name="owner"/> holds, keeping their times: a stopping consumer.</summary>
    /// <param name="owner">The consumer.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes once released.</returns>
    ValueTask ReleaseAllAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Begins the one transaction a leased batch is handled in (<see cref="IDatabaseChannelBatch"/>), or null when this
    /// store handles each message in a transaction of its own. The default is null.
    /// </summary>
    /// <param name="owner">The consumer holding the messages.</param>
    /// <param name="messages">The messages the transaction is for, in the order they will be handled.</param>
    /// <param name="cancellationToken">Cancels the begin.</param>
    /// <returns>The open transaction, or null.</returns>
    ValueTask<IDatabaseChannelBatch?> BeginBatchAsync(string owner, IReadOnlyList<LeasedMessage> messages, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IDatabaseChannelBatch?>(null);

    /// <summary>How many messages the channel holds, available or not.</summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The count.</returns>
    ValueTask<long> CountAsync(string channel, CancellationToken cancellationToken);

    /// <summary>When the next message nobody holds becomes available, or null when there is none.</summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The time, on the application's clock.</returns>
    ValueTask<DateTimeOffset?> NextAvailableAsync(string channel, CancellationToken cancellationToken);
}
