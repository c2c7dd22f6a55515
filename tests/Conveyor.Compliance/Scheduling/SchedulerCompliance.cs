using System.Diagnostics;
using System.Text;
using Conveyor.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Conveyor.Compliance.Scheduling;

/// <summary>
/// The behaviour every <see cref="IMessageScheduler"/> shares: derive a test class and create a fresh, empty scheduler
/// on the given clock in <see cref="CreateSchedulerAsync"/>. Time is a <see cref="FakeTimeProvider"/> the suite moves;
/// to show that something was not delivered, it schedules a later barrier and waits for that, since due messages go
/// out in the order of their due times.
/// </summary>
public abstract class SchedulerCompliance : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Lock _gate = new();
    private readonly List<ScheduledMessage> _delivered = [];
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IMessageScheduler? _scheduler;
    private Task? _running;
    private Func<ScheduledMessage, int, ValueTask>? _deliver;

    /// <summary>The clock the scheduler runs on.</summary>
    protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>The longest a test waits for a delivery.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(30);

    /// <summary>How far the suite moves the clock each time it waits for a failed delivery to be tried again.</summary>
    protected virtual TimeSpan RetryStep => TimeSpan.FromSeconds(1);

    /// <summary>Creates an empty scheduler nobody else uses; one that is disposable is disposed after the test.</summary>
    /// <param name="time">The clock it must run on.</param>
    /// <returns>The scheduler.</returns>
    protected abstract Task<IMessageScheduler> CreateSchedulerAsync(TimeProvider time);

    /// <summary>Releases what <see cref="CreateSchedulerAsync"/> set up besides the scheduler.</summary>
    /// <returns>A task that completes once released.</returns>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.InitializeAsync() => _scheduler = await CreateSchedulerAsync(Clock).ConfigureAwait(false);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_running is not null)
        {
            await _running.WaitAsync(Timeout).ConfigureAwait(false);
        }

        switch (_scheduler)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _stop.Dispose();
        await CleanupAsync().ConfigureAwait(false);
    }

    private IMessageScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("The scheduler is created before each test.");

    private IReadOnlyList<string> DeliveredIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _delivered.Select(m => m.Message.MessageId!)];
            }
        }
    }

    /// <summary>What was scheduled comes back as it was: channel, message, due time and whether it is a redelivery.</summary>
    [Fact]
    public async Task ScheduledMessage_IsDeliveredWithItsChannelMessageAndIntent()
    {
        Run();
        await ScheduleAsync("a", TimeSpan.FromSeconds(10), channel: "orders", redeliver: true);

        Clock.Advance(TimeSpan.FromSeconds(10));
        await UntilDeliveredAsync("a");

        ScheduledMessage delivered;
        lock (_gate)
        {
            delivered = _delivered.Single();
        }

        delivered.Channel.ShouldBe("orders");
        delivered.Redeliver.ShouldBeTrue();
        delivered.DueAt.ShouldBe(Start + TimeSpan.FromSeconds(10));
        delivered.Message.Headers.Get("tenant").ShouldBe("acme");
        Encoding.UTF8.GetString(delivered.Message.Body.Span).ShouldBe("body of a");
    }

    /// <summary>A message is not delivered a moment before it is due, and is once it is.</summary>
    [Fact]
    public async Task ScheduledMessage_IsNotDeliveredBeforeItIsDue()
    {
        Run();
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));
        await ScheduleAsync("barrier", TimeSpan.FromSeconds(5));

        Clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        await UntilDeliveredAsync("barrier");
        DeliveredIds.ShouldBe(["barrier"], "a is not due yet");

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        await UntilDeliveredAsync("a");
    }

    /// <summary>Once delivered, a message is gone: however far the clock moves, it is not delivered again.</summary>
    [Fact]
    public async Task ScheduledMessage_IsDeliveredOnceWhenDue()
    {
        Run();
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));

        Clock.Advance(TimeSpan.FromSeconds(10));
        await UntilDeliveredAsync("a");
        await ScheduleAsync("barrier", TimeSpan.FromHours(1));
        Clock.Advance(TimeSpan.FromHours(1));
        await UntilDeliveredAsync("barrier");

        DeliveredIds.ShouldBe(["a", "barrier"]);
        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(0);
    }

    /// <summary>Messages scheduled before the scheduler runs are delivered once it runs and they are due.</summary>
    [Fact]
    public async Task MessagesScheduledBeforeTheSchedulerRuns_AreDeliveredWhenDue()
    {
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));

        Run();
        Clock.Advance(TimeSpan.FromSeconds(10));

        await UntilDeliveredAsync("a");
    }

    /// <summary>Messages due at once, or in the past, go out as soon as the scheduler runs.</summary>
    [Fact]
    public async Task MessageAlreadyDue_IsDeliveredWithoutTheClockMoving()
    {
        Run();

        await ScheduleAsync("a", TimeSpan.FromSeconds(-1));

        await UntilDeliveredAsync("a");
    }

    /// <summary>A delivery that throws leaves the message scheduled; it is tried again and then delivered once.</summary>
    [Fact]
    public async Task FailedDelivery_IsTriedAgain()
    {
        Run((message, attempt) => attempt == 1 ? ValueTask.FromException(new InvalidOperationException("the channel is down")) : ValueTask.CompletedTask);
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));

        Clock.Advance(TimeSpan.FromSeconds(10));
        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(1, "a failed delivery stays scheduled");

        // The back-off is the scheduler's: move the clock on in steps until the retry happened.
        await UntilDeliveredAsync("a", () => Clock.Advance(RetryStep));
        DeliveredIds.ShouldBe(["a"]);
        lock (_gate)
        {
            _attempts["a"].ShouldBe(2, "the first delivery failed, the second succeeded");
        }

        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(0);
    }

    /// <summary><see cref="IMessageScheduler.CountPendingAsync"/> counts what waits to be due.</summary>
    [Fact]
    public async Task CountPending_CountsMessagesNotYetDelivered()
    {
        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(0);
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));
        await ScheduleAsync("b", TimeSpan.FromSeconds(20));
        await ScheduleAsync("c", TimeSpan.FromSeconds(30));
        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(3);

        Run();
        Clock.Advance(TimeSpan.FromSeconds(10));
        await UntilDeliveredAsync("a");

        (await Scheduler.CountPendingAsync(CancellationToken.None)).ShouldBe(2);
    }

    /// <summary>Messages that fall due together go out in the order of their due times, not the order they were scheduled.</summary>
    [Fact]
    public async Task DueMessages_AreDeliveredInTheOrderOfTheirDueTimes()
    {
        Run();
        await ScheduleAsync("c", TimeSpan.FromSeconds(30));
        await ScheduleAsync("a", TimeSpan.FromSeconds(10));
        await ScheduleAsync("b", TimeSpan.FromSeconds(20));

        Clock.Advance(TimeSpan.FromMinutes(1));
        await UntilDeliveredAsync("c");

        DeliveredIds.ShouldBe(["a", "b", "c"]);
    }

    private void Run(Func<ScheduledMessage, int, ValueTask>? deliver = null)
    {
        _deliver = deliver;
        _running = Scheduler.RunAsync(DeliverAsync, _stop.Token);
    }

    private async ValueTask DeliverAsync(ScheduledMessage message, CancellationToken cancellationToken)
    {
        int attempt;
        lock (_gate)
        {
            attempt = _attempts.TryGetValue(message.Message.MessageId!, out var n) ? n + 1 : 1;
            _attempts[message.Message.MessageId!] = attempt;
        }

        if (_deliver is { } deliver)
        {
            await deliver(message, attempt).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _delivered.Add(message);
        }
    }

    private ValueTask ScheduleAsync(string id, TimeSpan dueIn, string channel = "compliance", bool redeliver = false)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        headers.Set("tenant", "acme");
        var message = new TransportMessage(headers, Encoding.UTF8.GetBytes($"body of {id}"));
        return Scheduler.ScheduleAsync(new ScheduledMessage(channel, message, Clock.GetUtcNow() + dueIn, redeliver), CancellationToken.None);
    }

    private async Task UntilDeliveredAsync(string id, Action? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!DeliveredIds.Contains(id))
        {
            if (_running is { IsCompleted: true } running)
            {
                await running.ConfigureAwait(false);
                throw new ShouldAssertException($"The scheduler stopped before delivering {id}.");
            }

            if (clock.Elapsed > Timeout)
            {
                throw new ShouldAssertException($"{id} was not delivered within {Timeout.TotalSeconds:0}s. Delivered: [{string.Join(", ", DeliveredIds)}].");
            }

            poll?.Invoke();
            await Task.Delay(TimeSpan.FromMilliseconds(5)).ConfigureAwait(false);
        }
    }
}
