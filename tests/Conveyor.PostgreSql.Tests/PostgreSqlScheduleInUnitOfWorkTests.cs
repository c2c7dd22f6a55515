using System.Text;
using Conveyor.Outgoing;
using Conveyor.PostgreSql.Scheduling;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.PostgreSql.Tests;

/// <summary>A delayed message a handler sends is written in its unit of work: scheduled if that commits, gone if it rolls back.</summary>
public sealed class PostgreSqlScheduleInUnitOfWorkTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task DelayedMessageSentInTheUnitOfWork_CommitsAndRollsBackWithIt()
    {
        var postgres = _schema.Open();
        var scheduler = new PostgreSqlMessageScheduler(postgres, _schema.Options(), _clock, NullLogger<PostgreSqlMessageScheduler>.Instance);
        using var services = new ServiceCollection().BuildServiceProvider();
        var middleware = new AmbientUnitOfWorkMiddleware<PostgreSqlUnitOfWork>();

        var rolledBack = await postgres.BeginUnitOfWorkAsync(services, default);
        await middleware.SendAsync(Outgoing("m-1", rolledBack), (m, ct) => Schedule(scheduler, m, ct), default);
        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_scheduled;")).ShouldBe(0, "not committed yet");
        await rolledBack.RollbackAsync(default);
        (await scheduler.CountPendingAsync(default)).ShouldBe(0, "the delayed message rolled back with the unit of work");

        var committed = await postgres.BeginUnitOfWorkAsync(services, default);
        await middleware.SendAsync(Outgoing("m-2", committed), (m, ct) => Schedule(scheduler, m, ct), default);
        await committed.CommitAsync(default);
        (await scheduler.CountPendingAsync(default)).ShouldBe(1);
    }

    private static OutgoingMessage Outgoing(string id, PostgreSqlUnitOfWork unitOfWork)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        return new OutgoingMessage(new TransportMessage(headers, Encoding.UTF8.GetBytes(id)), "orders", OutgoingIntent.Send) { UnitOfWork = unitOfWork };
    }

    private ValueTask Schedule(IMessageScheduler scheduler, OutgoingMessage message, CancellationToken cancellationToken) =>
        scheduler.ScheduleAsync(new ScheduledMessage(message.Destination, message.Message, _clock.GetUtcNow().AddHours(1), Redeliver: false), cancellationToken);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
