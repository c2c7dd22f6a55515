using System.Diagnostics;
using Conveyor.Diagnostics;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Channels.Database;

/// <summary>
/// A channel whose messages are rows of a database table (<see cref="IDatabaseChannelStore"/>): durable, consumed by
/// any number of competing consumers in any number of processes, each message by one of them at a time.
/// </summary>
/// <remarks>
/// <para>
/// A consumer leases a batch of available messages (an owner and an expiry on the database clock) in one statement,
/// hands them to the handler one by one, and deletes each once it is completed: the acknowledgement. On a store with
/// batch transactions (<see cref="IDatabaseChannelStore.BeginBatchAsync"/>, <see cref="DatabaseChannelOptions.TransactionPerBatch"/>)
/// the batch is handled in one transaction: each message's unit of work on that database is a part of it, and the
/// acknowledgements, claims and what the handlers wrote and sent commit together, a failed message's effects undone
/// alone; the transaction is committed and a new one begun once older than
/// <see cref="DatabaseChannelOptions.MaxTransactionDuration"/>. Otherwise, when the handler ran in a unit of work of the
/// same database, the delete is made in that transaction, so it commits with the handler's writes and the messages it
/// sent. A consumer that dies holding messages lets another take them once their lease runs out; the lease is renewed
/// between messages.
/// </para>
/// <para>
/// A message with a due time waits in its row (<c>available_at</c>), holding nothing up behind it, for any delay.
/// A released message becomes available again after <see cref="DatabaseChannelOptions.ReleaseDelay"/>, while what
/// follows flows: order holds only as far as the database hands out the oldest available message first.
/// </para>
/// </remarks>
public sealed class DatabaseChannel : IReceivingChannel, ITransactionalChannel
{
    private readonly IDatabaseChannelStore _store;
    private readonly DatabaseChannelOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InsertBatcher _sends;
    private readonly Action _wake;
    private TaskCompletionSource _arrived = NewSignal();

    /// <summary>Creates the channel.</summary>
    /// <param name="name">The channel name, which is also the name its rows carry.</param>
    /// <param name="store">The database's SQL.</param>
    /// <param name="options">Its options.</param>
    /// <param name="time">The clock due times and release delays are on.</param>
    /// <param name="logger">Logs lost leases and failed polls.</param>
    /// <exception cref="ConveyorConfigurationException">The options are not valid.</exception>
    public DatabaseChannel(string name, IDatabaseChannelStore store, DatabaseChannelOptions? options = null, TimeProvider? time = null, ILogger<DatabaseChannel>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new DatabaseChannelOptions();
        if (_options.Validate(name) is { Count: > 0 } errors)
        {
            throw new ConveyorConfigurationException(string.Join(Environment.NewLine, errors));
        }

        Name = name;
        _store = store;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<DatabaseChannel>.Instance;
        _sends = new InsertBatcher(InsertManyAsync, _options.SendBatchSize);
        _wake = Wake;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ChannelCapabilities Capabilities { get; } = new()
    {
        CanReceive = true,
        KeepsOrderOnRelease = false,
        CompetingConsumers = true,
        MaxDeliveryDelay = Timeout.InfiniteTimeSpan,
        ReportsLag = true,
    };

    /// <inheritdoc />
    public string? Address => _store.Address;

    /// <inheritdoc />
    public Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

    /// <inheritdoc />
    public FinalFailureStrategy? FinalFailureStrategy => _options.FinalFailureStrategy;

    /// <summary>The channel's options.</summary>
    public DatabaseChannelOptions Options => _options;

    /// <inheritdoc />
    public async ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) =>
        await _store.CountAsync(Name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>
    /// Inside a handled message whose unit of work is this database's, the row is inserted in that transaction. Any
    /// other send is gathered with the sends made while an insert is in flight into one insert and one commit
    /// (<see cref="DatabaseChannelOptions.SendBatchSize"/>); it completes once its row is committed.
    /// </remarks>
    public async ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = _time.GetUtcNow();
        var row = new ChannelRow(message, message.DeliverAt is { } due && due > now ? due : now);
        if (!_store.InsertJoinsTransaction)
        {
            await _sends.InsertAsync(row, cancellationToken).ConfigureAwait(false);
            return;
        }

        // In a transaction, the row exists for consumers once it commits: they are woken then, not before.
        await _store.InsertAsync(Name, row.Message, row.AvailableAt, _wake, cancellationToken).ConfigureAwait(false);
    }

    private async Task InsertManyAsync(IReadOnlyList<ChannelRow> rows)
    {
        await _store.InsertManyAsync(Name, rows, CancellationToken.None).ConfigureAwait(false);
        Wake();
    }

    private void Wake() => Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();

    /// <inheritdoc />
    /// <remarks>Every consumer of the table is this channel's, so redelivering is sending.</remarks>
    public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) => SendAsync(message, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Several loops may run at once, in this process and others: each is a competing consumer.</remarks>
    public async Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        var owner = NewOwner();
        long completed = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Taken before looking, so that a message sent while the lease runs ends the wait after it.
                var arrived = _arrived.Task;
                var batch = await _store.LeaseAsync(Name, owner, _options.LeaseDuration, _options.BatchSize, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    if (options.StopWhenEmpty)
                    {
                        break;
                    }

                    var next = await _store.NextAvailableAsync(Name, cancellationToken).ConfigureAwait(false);
                    await WaitAsync(arrived, next, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var (handled, stoppedOn) = await HandleBatchAsync(batch, owner, handler, cancellationToken).ConfigureAwait(false);
                completed += handled;
                if (stoppedOn is not null)
                {
                    return new ReceiveSummary(completed, stoppedOn);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return new ReceiveSummary(completed);
    }

    private async Task<(long Completed, string? StoppedOn)> HandleBatchAsync(IReadOnlyList<LeasedMessage> batch, string owner, InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        long completed = 0;
        var finished = 0;
        var held = Stopwatch.StartNew();
        var transaction = new BatchTransaction(this, owner);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                // A graceful stop hands out nothing more; what is left is handed back below.
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (held.Elapsed > _options.LeaseDuration / 3)
                {
                    var holding = await _store.RenewAsync(owner, _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                    held.Restart();
                    if (holding < batch.Count - i)
                    {
                        // Another consumer took some after their lease ran out: lease afresh rather than handle them twice.
                        Log.DatabaseChannelLeaseLost(_logger, Name, batch.Count - i - holding);
                        break;
                    }
                }

                if (!await transaction.ReadyAsync(batch, i).ConfigureAwait(false))
                {
                    // A statement of the transaction's own failed: what it held goes back below, to be delivered again.
                    break;
                }

                var (acknowledgement, position) = await HandleAsync(batch[i], owner, handler, transaction).ConfigureAwait(false);
                switch (acknowledgement)
                {
                    case Acknowledgement.Completed:
                        completed++;
                        finished++;
                        break;
                    case Acknowledgement.Release:
                        finished++;
                        break;
                    case Acknowledgement.Stop:
                        return (completed, position);
                }
            }
        }
        finally
        {
            // What the transaction holds commits; when it cannot, every message of it goes back with what was not finished.
            var committed = await transaction.EndAsync().ConfigureAwait(false);

            // Whatever of the batch was not finished goes back as it was, for the next consumer to take first.
            if (finished < batch.Count || !committed)
            {
                await _store.ReleaseAllAsync(owner, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return (completed, null);
    }

    /// <inheritdoc />
    /// <remarks>Leases the oldest available message alone, like a receive loop with a batch of one; it may run beside other consumers.</remarks>
    public async ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var owner = NewOwner();
        var leased = await _store.LeaseAsync(Name, owner, _options.LeaseDuration, 1, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0)
        {
            return null;
        }

        var acknowledgement = Acknowledgement.Stop;
        try
        {
            (acknowledgement, _) = await HandleAsync(leased[0], owner, handler, null).ConfigureAwait(false);
            return acknowledgement;
        }
        finally
        {
            if (acknowledgement == Acknowledgement.Stop)
            {
                await _store.ReleaseAllAsync(owner, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static string NewOwner() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Hands one leased row to the handler and deletes or releases it (the delete with the batch transaction's commit,
    /// in one); a stop leaves it leased for the caller to hand back.
    /// </summary>
    private async ValueTask<(Acknowledgement Acknowledgement, string Position)> HandleAsync(LeasedMessage row, string owner, InboundMessageHandler handler, BatchTransaction? transaction)
    {
        var inbound = new Inbound(row, this, owner);

        // The row stays leased while it is handled, so the handler's token is never cancelled; a stop lets it finish.
        var acknowledgement = transaction is { IsOpen: true }
            ? await transaction.HandleAsync(() => handler(inbound, CancellationToken.None)).ConfigureAwait(false)
            : await handler(inbound, CancellationToken.None).ConfigureAwait(false);
        switch (acknowledgement)
        {
            case Acknowledgement.Completed:
                if (transaction is { IsOpen: true })
                {
                    transaction.Acknowledge(row.Id);
                }
                else if (!inbound.DeletedInUnitOfWork && !await _store.DeleteAsync(row.Id, owner, CancellationToken.None).ConfigureAwait(false))
                {
                    Log.DatabaseChannelLeaseLost(_logger, Name, 1);
                }

                break;
            case Acknowledgement.Release:
                await _store.ReleaseAsync(row.Id, owner, _time.GetUtcNow() + _options.ReleaseDelay, CancellationToken.None).ConfigureAwait(false);
                break;
        }

        return (acknowledgement, row.Message.MessageId ?? inbound.Position);
    }

    private async Task WaitAsync(Task arrived, DateTimeOffset? next, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The poll interval is real time: it is for rows other processes insert, whatever clock due times are on.
        List<Task> waits = [arrived, Task.Delay(_options.PollInterval, stop.Token)];
        if (next is { } at)
        {
            var delay = at - _time.GetUtcNow();
            waits.Add(delay > TimeSpan.Zero ? Task.Delay(delay, _time, stop.Token) : Task.CompletedTask);
        }

        await Task.WhenAny(waits).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The batch transactions of one leased batch (<see cref="DatabaseChannelOptions.TransactionPerBatch"/>): one begun
    /// before the first message, committed and replaced once older than
    /// <see cref="DatabaseChannelOptions.MaxTransactionDuration"/>, and committed at the end. Without a store that has
    /// them (or with the option off) there is none, and each message is handled in a transaction of its own.
    /// </summary>
    private sealed class BatchTransaction(DatabaseChannel channel, string owner)
    {
        private readonly Stopwatch _age = new();
        private IDatabaseChannelBatch? _open;
        private int _start;
        private int _index;
        private int _acknowledged;
        private bool _failed;
        private bool _unsupported;

        /// <summary>Whether a transaction is open for the current message.</summary>
        public bool IsOpen => _open is not null;

        /// <summary>
        /// Makes sure a usable transaction is open for message <paramref name="index"/> of <paramref name="batch"/> (when
        /// batch transactions are on); false when one failed, so that the rest of the batch goes back.
        /// </summary>
        public async ValueTask<bool> ReadyAsync(IReadOnlyList<LeasedMessage> batch, int index)
        {
            _index = index;
            if (_failed || !channel._options.TransactionPerBatch)
            {
                return !_failed;
            }

            if (_open is { } open && (!open.IsUsable || _age.Elapsed > channel._options.MaxTransactionDuration) && !await EndAsync().ConfigureAwait(false))
            {
                return false;
            }

            if (_open is null && !_unsupported)
            {
                IReadOnlyList<LeasedMessage> rest = index == 0 ? batch : [.. batch.Skip(index)];
                _open = await channel._store.BeginBatchAsync(owner, rest, CancellationToken.None).ConfigureAwait(false);
                _unsupported = _open is null;
                _start = index;
                _age.Restart();
            }

            return true;
        }

        /// <summary>Hands the current message to <paramref name="handle"/> inside the open transaction.</summary>
        public ValueTask<Acknowledgement> HandleAsync(Func<ValueTask<Acknowledgement>> handle) => _open!.HandleAsync(_index - _start, handle);

        /// <summary>Deletes the row with the open transaction's commit.</summary>
        public void Acknowledge(long id)
        {
            _open!.Acknowledge(id);
            _acknowledged++;
        }

        /// <summary>Commits the open transaction, or rolls it back when it cannot commit; false when anything it held was rolled back.</summary>
        public async ValueTask<bool> EndAsync()
        {
            if (_open is not { } open)
            {
                return !_failed;
            }

            _open = null;
            var acknowledged = _acknowledged;
            _acknowledged = 0;
            await using (open.ConfigureAwait(false))
            {
                try
                {
                    if (!open.IsUsable)
                    {
                        throw new InvalidOperationException("A statement of the batch transaction failed.");
                    }

                    var lost = await open.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    if (lost > 0)
                    {
                        Log.DatabaseChannelLeaseLost(channel._logger, channel.Name, lost);
                    }

                    return true;
                }
                catch (Exception e)
                {
                    Log.DatabaseChannelBatchRolledBack(channel._logger, e, channel.Name, acknowledged);
                    _failed = true;
                    return false;
                }
            }
        }
    }

    private sealed class Inbound(LeasedMessage row, DatabaseChannel channel, string owner) : InboundMessage(row.Message, channel.Name)
    {
        public bool DeletedInUnitOfWork { get; private set; }

        public override string Position => $"{channel.Name}@{row.Id}";

        public override string? ReadError => row.ReadError;

        public override ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken) => channel.SendAsync(message, cancellationToken);

        public override async ValueTask AcknowledgeInAsync(IUnitOfWork unitOfWork, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(unitOfWork);
            if (await channel._store.TryDeleteInAsync(unitOfWork, row.Id, owner, cancellationToken).ConfigureAwait(false))
            {
                unitOfWork.Enlist(new DeletedOnCommit(this));
            }
        }

        /// <summary>The delete counts once its transaction committed; rolled back, the channel deletes the row itself when the message is done.</summary>
        private sealed class DeletedOnCommit(Inbound inbound) : IUnitOfWorkParticipant
        {
            public ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                inbound.DeletedInUnitOfWork = true;
                return ValueTask.CompletedTask;
            }

            public ValueTask RollbackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public bool SendsIn(UnitOfWork.IUnitOfWork unitOfWork) => _store.CanInsertIn(unitOfWork);
}
