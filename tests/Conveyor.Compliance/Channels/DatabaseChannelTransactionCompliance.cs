using System.Collections.Concurrent;
using System.Data.Common;
using Conveyor.Channels;
using Conveyor.Channels.Database;
using Conveyor.Deduplication;
using Conveyor.UnitOfWork;
using static Conveyor.Compliance.UnitOfWork.UnitOfWorkSql;

namespace Conveyor.Compliance.Channels;

/// <summary>
/// What a database channel's transactions guarantee, whether a store handles a leased batch in one transaction
/// (<see cref="DatabaseChannelOptions.TransactionPerBatch"/>) or each message in its own: a message whose handling
/// fails loses its own writes and deduplication claim and nobody else's; SQL the handler ran before failing is rolled
/// back, and a retry of the message in the same batch commits once; a transaction lost mid-batch (its connection gone,
/// as in a crash) delivers every uncommitted message again, and their effects happen once. The handler here does what
/// the inbound pipeline does: begins the store's unit of work, claims the message id, writes, commits or rolls back.
/// </summary>
public abstract class DatabaseChannelTransactionCompliance : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The table the handlers write, of this test's own.</summary>
    protected string Table { get; } = $"handled_{Guid.NewGuid():N}";

    /// <summary>The channel option under test: one transaction per leased batch, or one per message.</summary>
    protected virtual bool TransactionPerBatch => true;

    /// <summary>The store's channel SQL on the test's database.</summary>
    /// <returns>The store.</returns>
    protected abstract IDatabaseChannelStore CreateStore();

    /// <summary>Begins the store's unit of work; inside a batch transaction of the same database, it joins it.</summary>
    /// <returns>The unit of work.</returns>
    protected abstract ValueTask<IDbUnitOfWork> BeginUnitOfWorkAsync();

    /// <summary>The store's deduplication store on the same database.</summary>
    /// <returns>The store.</returns>
    protected abstract IDeduplicationStore CreateDeduplicationStore();

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        var unitOfWork = await BeginUnitOfWorkAsync();
        await ExecuteAsync(unitOfWork, $"CREATE TABLE {Table} (id VARCHAR(100) NOT NULL PRIMARY KEY)");
        await unitOfWork.CommitAsync(default);
    }

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AFailingMessage_KeepsNoneOfItsWrites_AndTakesNoneOfTheOthers()
    {
        var channel = Channel();
        await SendAsync(channel, "m-1", "m-2", "m-3");
        var deduplication = CreateDeduplicationStore();

        await ConsumeAsync(channel, async (id, unitOfWork) =>
        {
            await ExecuteAsync(unitOfWork, $"INSERT INTO {Table} (id) VALUES (@id)", id);
            return id != "m-2";
        });

        (await HandledAsync()).ShouldBe(["m-1", "m-3"]);
        (await channel.GetLagAsync(default)).ShouldBe(0, "the failed message was finished too (as after its dead letter)");
        (await IsClaimedAsync(deduplication, "m-1")).ShouldBeTrue("m-1 committed with its claim");
        (await IsClaimedAsync(deduplication, "m-3")).ShouldBeTrue("m-3 committed with its claim");
        (await IsClaimedAsync(deduplication, "m-2")).ShouldBeFalse("the failed message's claim rolled back: a redelivery is handled");
    }

    [Fact]
    public async Task AHandlersSql_RollsBackWithItsFailure_AndARetryOfTheMessageCommitsOnce()
    {
        var channel = Channel();
        await SendAsync(channel, "m-1", "m-2");
        var attempts = new ConcurrentDictionary<string, int>();

        await ConsumeAsync(channel, async (id, unitOfWork) =>
        {
            await ExecuteAsync(unitOfWork, $"INSERT INTO {Table} (id) VALUES (@id)", id);
            return attempts.AddOrUpdate(id, 1, (_, n) => n + 1) > 1 || id != "m-1";
        }, retries: 1);

        attempts["m-1"].ShouldBe(2);
        (await HandledAsync()).ShouldBe(["m-1", "m-2"], "the first attempt's row rolled back, or the retry's insert would have failed");
        (await channel.GetLagAsync(default)).ShouldBe(0);
    }

    [Fact]
    public async Task ATransactionLostMidBatch_DeliversItsMessagesAgain_AndTheirEffectsHappenOnce()
    {
        var channel = Channel();
        await SendAsync(channel, "m-1", "m-2", "m-3");
        var deliveries = new ConcurrentDictionary<string, int>();

        await ConsumeAsync(channel, async (id, unitOfWork) =>
        {
            var delivery = deliveries.AddOrUpdate(id, 1, (_, n) => n + 1);
            await ExecuteAsync(unitOfWork, $"INSERT INTO {Table} (id) VALUES (@id)", id);
            if (id == "m-2" && delivery == 1)
            {
                // As a crash would: the connection goes, the server rolls back what it had not committed, the consumer stops.
                await unitOfWork.Connection.CloseAsync();
                throw new CrashedException();
            }

            return true;
        });

        (await HandledAsync()).ShouldBe(["m-1", "m-2", "m-3"], "each message's row once");
        deliveries["m-2"].ShouldBe(2, "the message whose transaction was lost is delivered again");
        deliveries["m-1"].ShouldBe(TransactionPerBatch ? 2 : 1, TransactionPerBatch ? "m-1 committed with the lost batch transaction, so it is delivered again" : "m-1 committed in its own transaction");
        (await channel.GetLagAsync(default)).ShouldBe(0);
    }

    [Fact]
    public async Task ADuplicateInTheSameBatch_IsHandledOnce()
    {
        var channel = Channel();
        await SendAsync(channel, "m-1", "m-2", "m-1", "m-3");
        var handled = new ConcurrentDictionary<string, int>();

        await ConsumeAsync(channel, async (id, unitOfWork) =>
        {
            handled.AddOrUpdate(id, 1, (_, n) => n + 1);
            await ExecuteAsync(unitOfWork, $"INSERT INTO {Table} (id) VALUES (@id)", id);
            return true;
        });

        handled["m-1"].ShouldBe(1, "the second copy found the first one's claim");
        (await HandledAsync()).ShouldBe(["m-1", "m-2", "m-3"]);
        (await channel.GetLagAsync(default)).ShouldBe(0);
    }

    private DatabaseChannel Channel() =>
        new("work", CreateStore(), new DatabaseChannelOptions { TransactionPerBatch = TransactionPerBatch, BatchSize = 10, PollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromSeconds(2) });

    private static async Task SendAsync(DatabaseChannel channel, params string[] ids)
    {
        foreach (var id in ids)
        {
            var headers = new MessageHeaders();
            headers.Set(MessageHeaderNames.MessageId, id);
            await channel.SendAsync(new TransportMessage(headers, System.Text.Encoding.UTF8.GetBytes(id)), default);
        }
    }

    /// <summary>
    /// Consumes until the channel is empty, each message as the pipeline would: in a unit of work that claims the message
    /// id, runs <paramref name="handle"/>, and commits when it returns true, else rolls back; after the retries a failed
    /// message is finished (as after its dead letter). A duplicate is skipped. A crash stops the consumer, finishing
    /// nothing more, and the next one starts.
    /// </summary>
    private async Task ConsumeAsync(DatabaseChannel channel, Func<string, IDbUnitOfWork, Task<bool>> handle, int retries = 0)
    {
        var deduplication = CreateDeduplicationStore();
        using var deadline = new CancellationTokenSource(Timeout);
        while ((await channel.GetLagAsync(default)) > 0)
        {
            deadline.Token.ThrowIfCancellationRequested();
            await channel.ReceiveAsync(
                async (inbound, ct) =>
                {
                    var id = inbound.Message.MessageId!;
                    for (var attempt = 0; attempt <= retries; attempt++)
                    {
                        var unitOfWork = await BeginUnitOfWorkAsync();
                        try
                        {
                            if (!await deduplication.TryClaimAsync("work.do", id, unitOfWork, ct))
                            {
                                await unitOfWork.RollbackAsync(ct);
                                return Acknowledgement.Completed;
                            }

                            if (await handle(id, unitOfWork))
                            {
                                await inbound.AcknowledgeInAsync(unitOfWork, ct);
                                await unitOfWork.CommitAsync(ct);
                                return Acknowledgement.Completed;
                            }
                        }
                        catch (CrashedException)
                        {
                            await RollbackQuietlyAsync(unitOfWork);
                            return Acknowledgement.Stop;
                        }
                        catch (Exception e) when (e is DbException or InvalidOperationException)
                        {
                            // A statement on a lost connection: the handling failed.
                        }

                        await RollbackQuietlyAsync(unitOfWork);
                    }

                    return Acknowledgement.Completed;
                },
                new ReceiveOptions { StopWhenEmpty = true },
                deadline.Token);
        }
    }

    private sealed class CrashedException : Exception;

    private static async Task RollbackQuietlyAsync(IUnitOfWork unitOfWork)
    {
        try
        {
            await unitOfWork.RollbackAsync(default);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The connection is gone: nothing of it is kept either way.
        }
    }

    private async Task<bool> IsClaimedAsync(IDeduplicationStore deduplication, string key)
    {
        var unitOfWork = await BeginUnitOfWorkAsync();
        try
        {
            return !await deduplication.TryClaimAsync("work.do", key, unitOfWork, default);
        }
        finally
        {
            await unitOfWork.RollbackAsync(default);
        }
    }

    private async Task<List<string>> HandledAsync()
    {
        var unitOfWork = await BeginUnitOfWorkAsync();
        try
        {
            using var command = Command(unitOfWork, $"SELECT id FROM {Table} ORDER BY id", null);
            var ids = new List<string>();
            using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }
        finally
        {
            await unitOfWork.RollbackAsync(default);
        }
    }
}
