using Conveyor.Failures.DeadLetters;
using Conveyor.Scheduling;
using Conveyor.Sqlite.DeadLetters;
using Conveyor.Sqlite.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Sqlite.Tests;

/// <summary>Edges of what the tables keep: an empty body, no headers, a header that is not valid UTF-16 text.</summary>
public sealed class SqliteRoundTripTests : IDisposable
{
    private readonly TempDatabase _file = new();

    [Fact]
    public async Task DeadLetter_WithAnEmptyBodyAndALoneSurrogateHeader_ComesBackExactly()
    {
        var store = new SqliteDeadLetterStore(_file.Open());
        var headers = new MessageHeaders();
        headers.Set("raw", "a\uD800b");
        var added = new DeadLetter("m-1", "e", new TransportMessage(headers, ReadOnlyMemory<byte>.Empty), "c", "c#1", "X", "why", 1, DateTimeOffset.UnixEpoch);

        await store.AddAsync(added, default);

        var found = (await store.GetAsync(added.Id, default)).ShouldNotBeNull();
        found.Message.Body.Length.ShouldBe(0);
        found.Message.Headers.Get("raw").ShouldBe("a\uD800b");
    }

    [Fact]
    public async Task ScheduledMessage_WithNoHeadersAndAnEmptyBody_IsKept()
    {
        var scheduler = new SqliteMessageScheduler(_file.Open(), _file.Options(), TimeProvider.System, NullLogger<SqliteMessageScheduler>.Instance);

        await scheduler.ScheduleAsync(new ScheduledMessage("c", new TransportMessage(new MessageHeaders(), ReadOnlyMemory<byte>.Empty), DateTimeOffset.UtcNow.AddDays(1), false), default);

        (await scheduler.CountPendingAsync(default)).ShouldBe(1);
    }

    public void Dispose() => _file.Dispose();
}
