using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Sqlite.Tests;

/// <summary>A saga on SQLite: its state and its pending timeout are in the file, so a timeout set before a restart fires after it.</summary>
public sealed class SqliteSagaTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();

    public sealed record QuoteRequested(string QuoteId);

    public sealed record QuoteExpiryDue(string QuoteId);

    public sealed record QuoteExpired(string QuoteId);

    [Saga]
    public sealed class Quote : Saga
    {
        public const string Timeouts = "quote.timeouts";

        [Identifier]
        public string QuoteId { get; private set; } = "";

        [EventHandler(EndpointId = "quote.requested")]
        public static Quote Start(QuoteRequested requested)
        {
            var quote = new Quote { QuoteId = requested.QuoteId };
            quote.RecordThat(new QuoteExpiryDue(requested.QuoteId));
            return quote;
        }

        [EventHandler(EndpointId = "quote.expiry")]
        [Asynchronous(Timeouts)]
        [Delayed("01:00:00")]
        public void Expire(QuoteExpiryDue due)
        {
            RecordThat(new QuoteExpired(QuoteId));
            Complete();
        }
    }

    public sealed class ExpirySignal
    {
        public TaskCompletionSource<QuoteExpired> Fired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [EventHandler]
        public void On(QuoteExpired expired) => Fired.TrySetResult(expired);
    }

    [Fact]
    public async Task TimeoutSetBeforeARestart_FiresAfterIt_OnTheSavedSaga()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        using (var before = Build(clock, new ExpirySignal()))
        {
            await before.StartAsync();
            await before.Services.GetRequiredService<IEventBus>().PublishAsync(new QuoteRequested("q-1"));
            await before.StopAsync();
        }

        var signal = new ExpirySignal();
        using var after = Build(clock, signal);
        await after.StartAsync();
        (await StateAsync(after, "q-1")).ShouldNotBeNull().ShouldContain("\"isCompleted\":false", Case.Sensitive, "the saga was saved before the restart");

        clock.Advance(TimeSpan.FromHours(1));

        (await signal.Fired.Task.WaitAsync(Timeout)).ShouldBe(new QuoteExpired("q-1"));
        // The signal runs inside the timeout's unit of work: the completed state commits once it returned.
        var deadline = DateTime.UtcNow + Timeout;
        while (!(await StateAsync(after, "q-1"))!.Contains("\"isCompleted\":true", StringComparison.Ordinal))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the completed saga was not saved");
            await Task.Delay(20);
        }

        await after.StopAsync();
    }

    private static async Task<string?> StateAsync(IHost host, string id)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<Conveyor.Aggregates.IAggregateStateStore>().LoadAsync(nameof(Quote), id, default))?.State;
    }

    private IHost Build(TimeProvider clock, ExpirySignal signal)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(clock).AddSingleton(signal);
        builder.Services.AddConveyor(c => c
            .AddHandler<Quote>()
            .AddHandler<ExpirySignal>()
            .UseSqlite(_file.ConnectionString)
            .AddSqliteChannel(Quote.Timeouts, o => o.PollInterval = TimeSpan.FromMilliseconds(50)));
        return builder.Build();
    }

    public void Dispose() => _file.Dispose();
}
