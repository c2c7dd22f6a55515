using System.Collections.Concurrent;
using System.Text;
using Conveyor.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Sqlite.Tests;

/// <summary>What makes the SQLite scheduler durable: it survives a restart, and instances sharing the file deliver each message once.</summary>
public sealed class SqliteSchedulerDurabilityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();

    [Fact]
    public async Task ScheduledMessage_SurvivesARestart_AndIsDeliveredWhenDue()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var due = clock.GetUtcNow().AddHours(2);
        await using (var before = Provider(clock))
        {
            var scheduler = before.GetRequiredService<IMessageScheduler>();
            scheduler.IsDurable.ShouldBeTrue();
            await scheduler.ScheduleAsync(Scheduled("reminder-1", due), default);
        }

        await using var after = Provider(clock);
        var restarted = after.GetRequiredService<IMessageScheduler>();
        (await restarted.CountPendingAsync(default)).ShouldBe(1, "the new service provider finds it in the file");
        var delivered = new TaskCompletionSource<ScheduledMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var running = restarted.RunAsync((message, _) => { delivered.TrySetResult(message); return ValueTask.CompletedTask; }, stop.Token);

        clock.Advance(TimeSpan.FromHours(2));

        var message = await delivered.Task.WaitAsync(Timeout);
        message.Message.MessageId.ShouldBe("reminder-1");
        message.DueAt.ShouldBe(due);
        Encoding.UTF8.GetString(message.Message.Body.Span).ShouldBe("body of reminder-1");
        (await restarted.CountPendingAsync(default)).ShouldBe(0);
        await stop.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task TwoInstancesOnOneFile_DeliverEachMessageOnce()
    {
        const int Messages = 60;
        var deliveries = new ConcurrentQueue<(int Instance, string Id)>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The real clock, a short poll and batches of a few: both instances keep taking due messages from one table.
        await using var first = Provider(TimeProvider.System, batchSize: 3);
        await using var second = Provider(TimeProvider.System, batchSize: 3);
        var schedulers = new[] { first.GetRequiredService<IMessageScheduler>(), second.GetRequiredService<IMessageScheduler>() };
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var i = 0; i < Messages; i++)
        {
            await schedulers[i % 2].ScheduleAsync(Scheduled($"m-{i}", past.AddMilliseconds(i)), default);
        }

        using var stop = new CancellationTokenSource();
        var running = schedulers.Select((scheduler, instance) => scheduler.RunAsync(
            async (message, _) =>
            {
                await Task.Yield();
                deliveries.Enqueue((instance, message.Message.MessageId!));
                if (deliveries.Count >= Messages)
                {
                    allDelivered.TrySetResult();
                }
            },
            stop.Token)).ToArray();

        await allDelivered.Task.WaitAsync(Timeout);
        await stop.CancelAsync();
        await Task.WhenAll(running).WaitAsync(Timeout);

        // Stopped (a stopped instance has finished deleting what it sent) and every row gone: nothing can be delivered
        // any more, so a duplicate would show now.
        (await schedulers[0].CountPendingAsync(default)).ShouldBe(0);
        var ids = deliveries.Select(d => d.Id).ToList();
        ids.Count.ShouldBe(Messages);
        ids.Distinct().Count().ShouldBe(Messages);
    }

    [Fact]
    public async Task MessageLeasedByAnotherInstance_IsLeftToIt_UntilItsLeaseRunsOut()
    {
        await using var provider = Provider(TimeProvider.System);
        var scheduler = provider.GetRequiredService<IMessageScheduler>();
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await scheduler.ScheduleAsync(Scheduled("held", past), default);
        await scheduler.ScheduleAsync(Scheduled("orphaned", past.AddSeconds(1)), default);
        await scheduler.ScheduleAsync(Scheduled("barrier", past.AddSeconds(2)), default);

        // An instance that is delivering "held" now, and one that crashed while it held "orphaned".
        var dbNow = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
        _file.Scalar($"UPDATE conveyor_scheduled SET lease_owner = 'other', lease_expires_at = {dbNow} + 3600000 WHERE id = 1;");
        _file.Scalar($"UPDATE conveyor_scheduled SET lease_owner = 'crashed', lease_expires_at = {dbNow} - 1 WHERE id = 2;");

        var delivered = new ConcurrentQueue<string>();
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var running = scheduler.RunAsync(
            (message, _) =>
            {
                delivered.Enqueue(message.Message.MessageId!);
                if (message.Message.MessageId == "barrier")
                {
                    barrier.TrySetResult();
                }

                return ValueTask.CompletedTask;
            },
            stop.Token);

        await barrier.Task.WaitAsync(Timeout);
        await stop.CancelAsync();
        await running.WaitAsync(Timeout);

        delivered.ToArray().ShouldBe(["orphaned", "barrier"], "'held' is due first but another instance's lease on it has not run out");
        (await scheduler.CountPendingAsync(default)).ShouldBe(1);
    }

    private ServiceProvider Provider(TimeProvider clock, int batchSize = 100)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        services.AddConveyor(c => c.UseSqlite(_file.ConnectionString, o =>
        {
            o.SchedulerPollInterval = TimeSpan.FromMilliseconds(20);
            o.SchedulerBatchSize = batchSize;
        }));
        return services.BuildServiceProvider();
    }

    private static ScheduledMessage Scheduled(string id, DateTimeOffset due)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        return new ScheduledMessage("reminders", new TransportMessage(headers, Encoding.UTF8.GetBytes($"body of {id}")), due, Redeliver: false);
    }

    public void Dispose() => _file.Dispose();
}
