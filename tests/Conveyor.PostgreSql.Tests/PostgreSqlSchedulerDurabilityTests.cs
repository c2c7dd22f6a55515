using System.Collections.Concurrent;
using System.Text;
using Conveyor.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.PostgreSql.Tests;

/// <summary>What makes the PostgreSQL scheduler durable: it survives a restart, and instances sharing the database deliver each message once.</summary>
public sealed class PostgreSqlSchedulerDurabilityTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestSchema _schema = new(database);

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
        deliveries.Select(d => d.Instance).Distinct().Count().ShouldBe(2, "both instances took part");
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
        await _schema.ScalarAsync("UPDATE conveyor_scheduled SET lease_owner = 'other', lease_expires_at = now() + interval '1 hour' WHERE id = 1;");
        await _schema.ScalarAsync("UPDATE conveyor_scheduled SET lease_owner = 'crashed', lease_expires_at = now() - interval '1 second' WHERE id = 2;");

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
        services.AddConveyor(c => c.UsePostgreSql(_schema.ConnectionString, o =>
        {
            o.Schema = _schema.Name;
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

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
