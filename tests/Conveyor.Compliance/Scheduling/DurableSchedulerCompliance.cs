using System.Collections.Concurrent;
using System.Text;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Conveyor.Compliance.Scheduling;

/// <summary>
/// What makes a database scheduler durable, whichever the database: it survives a restart of the host, and instances
/// sharing the database deliver each message once and leave a message another instance holds a live lease on to it.
/// Derive a test class, register the store on a database of the test's own in <see cref="UseStore"/> (every call is
/// one more instance on that same database), and say how to lease a row in <see cref="LeaseAsync"/>.
/// </summary>
public abstract class DurableSchedulerCompliance : IAsyncLifetime
{
    /// <summary>The longest a test waits for a delivery.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether both of two racing instances must take part (false where one instance may win every batch, as with
    /// SQLite's single write lock).
    /// </summary>
    protected virtual bool RacingInstancesBothDeliver => true;

    /// <summary>Registers the store on the test's database, with <paramref name="configure"/> over its options.</summary>
    /// <param name="conveyor">The builder of one instance.</param>
    /// <param name="configure">The scheduler settings the test needs.</param>
    protected abstract void UseStore(ConveyorBuilder conveyor, Action<DatabaseStoreOptions> configure);

    /// <summary>
    /// Marks the <c>conveyor_scheduled</c> row <paramref name="id"/> leased by <paramref name="owner"/> until the
    /// database's now plus <paramref name="expiresIn"/> (negative: a lease that ran out).
    /// </summary>
    /// <returns>A task that completes once the row is changed.</returns>
    protected abstract Task LeaseAsync(long id, string owner, TimeSpan expiresIn);

    /// <summary>Prepares the test's database.</summary>
    /// <returns>A task that completes once prepared.</returns>
    protected virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Releases the test's database.</summary>
    /// <returns>A task that completes once released.</returns>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => CleanupAsync();

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
        (await restarted.CountPendingAsync(default)).ShouldBe(1, "the new service provider finds it in the database");
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
    public async Task Restart_DeliversTheMessagesThatFellDue_AndKeepsTheOthersUntilTheirTime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        await using (var before = Provider(clock))
        {
            var scheduler = before.GetRequiredService<IMessageScheduler>();
            await scheduler.ScheduleAsync(Scheduled("due-while-down", clock.GetUtcNow().AddMinutes(30)), default);
            await scheduler.ScheduleAsync(Scheduled("due-later", clock.GetUtcNow().AddHours(3)), default);
        }

        // Down for an hour: the first fell due meanwhile, the second has two hours to go.
        clock.Advance(TimeSpan.FromHours(1));
        await using var after = Provider(clock);
        var restarted = after.GetRequiredService<IMessageScheduler>();
        (await restarted.CountPendingAsync(default)).ShouldBe(2, "the new service provider finds both in the database");
        var delivered = new ConcurrentQueue<ScheduledMessage>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var running = restarted.RunAsync(
            (message, _) =>
            {
                delivered.Enqueue(message);
                (delivered.Count == 1 ? first : second).TrySetResult();
                return ValueTask.CompletedTask;
            },
            stop.Token);

        // The first poll waits a random part of the poll interval: the clock moves past it.
        clock.Advance(TimeSpan.FromSeconds(1));
        await first.Task.WaitAsync(Timeout);
        delivered.Select(m => m.Message.MessageId).ShouldBe(["due-while-down"]);
        (await restarted.CountPendingAsync(default)).ShouldBe(1, "the later one waits for its time");

        clock.Advance(TimeSpan.FromHours(2));
        await second.Task.WaitAsync(Timeout);
        var later = delivered.Last();
        later.Message.MessageId.ShouldBe("due-later");
        Encoding.UTF8.GetString(later.Message.Body.Span).ShouldBe("body of due-later");
        (await restarted.CountPendingAsync(default)).ShouldBe(0);
        await stop.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task TwoInstances_RacingOnOneDatabase_DeliverEachMessageOnce()
    {
        const int Messages = 200;
        var deliveries = new ConcurrentQueue<(int Instance, string Id)>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Two service providers (two instances), the real clock, a short poll and batches of a few: both keep taking
        // due messages from one table at the same time.
        await using var first = Provider(TimeProvider.System, batchSize: 5);
        await using var second = Provider(TimeProvider.System, batchSize: 5);
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
        if (RacingInstancesBothDeliver)
        {
            deliveries.Select(d => d.Instance).Distinct().Count().ShouldBe(2, "both instances took part");
        }
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
        await LeaseAsync(1, "other", TimeSpan.FromHours(1));
        await LeaseAsync(2, "crashed", TimeSpan.FromSeconds(-1));

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
        services.AddConveyor(c => UseStore(c, o =>
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
}
