using Conveyor.Sqlite.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// A claim outside a SQLite unit of work is pending in the table; two stores on one file stand for two processes,
/// which see each other's pending claims only there.
/// </summary>
public sealed class SqliteDeduplicationAcrossProcessesTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task PendingClaimOfAnotherProcess_IsWaitedFor_ThenItsOutcomeCounts(bool firstCommits, bool secondClaims)
    {
        var (one, other) = (Store(), Store());
        var first = new InMemoryUnitOfWork(_services);
        (await one.TryClaimAsync("e", "k", first, default)).ShouldBeTrue();
        var second = new InMemoryUnitOfWork(_services);

        var waiting = other.TryClaimAsync("e", "k", second, default).AsTask();
        waiting.IsCompleted.ShouldBeFalse("the first claim is pending in the table");
        if (firstCommits)
        {
            await first.CommitAsync(default);
        }
        else
        {
            await first.RollbackAsync(default);
        }

        (await waiting.WaitAsync(Timeout)).ShouldBe(secondClaims);
        await second.CommitAsync(default);
    }

    [Fact]
    public async Task PendingClaimOfADeadProcess_IsClaimable_OnceItsLeaseRanOut()
    {
        var crashed = new InMemoryUnitOfWork(_services);
        (await Store().TryClaimAsync("e", "k", crashed, default)).ShouldBeTrue();
        _file.Scalar("UPDATE conveyor_deduplication SET pending_until = CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) - 1;");

        var next = new InMemoryUnitOfWork(_services);
        (await Store().TryClaimAsync("e", "k", next, default).AsTask().WaitAsync(Timeout)).ShouldBeTrue();
        await next.CommitAsync(default);
    }

    private SqliteDeduplicationStore Store() => new(_file.Open(), TimeSpan.FromMinutes(10), _clock, 100);

    public void Dispose()
    {
        _services.Dispose();
        _file.Dispose();
    }
}
