using System.Data.Common;
using Conveyor.Deduplication;
using Conveyor.UnitOfWork;
using static Conveyor.Compliance.UnitOfWork.UnitOfWorkSql;

namespace Conveyor.Compliance.UnitOfWork;

/// <summary>
/// What every <see cref="IDbUnitOfWork"/> adds: what a handler writes through its <see cref="IDbUnitOfWork.Connection"/>
/// and <see cref="IDbUnitOfWork.Transaction"/> is there after the commit and gone after a rollback, and the
/// store's deduplication claim commits with it or not at all. The SQL is portable (a table of one text column, named
/// per test, and <c>@</c> parameters), created and read through the unit of work itself.
/// </summary>
public abstract class DbUnitOfWorkCompliance : UnitOfWorkCompliance
{
    /// <summary>The table the tests write, of this test's own.</summary>
    protected string Table { get; } = $"uow_rows_{Guid.NewGuid():N}";

    /// <summary>The implementation's deduplication store on the same database, which claims in its unit of work.</summary>
    /// <returns>The store.</returns>
    protected abstract IDeduplicationStore CreateDeduplicationStore();

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var unitOfWork = await BeginDbAsync();
        await ExecuteAsync(unitOfWork, $"CREATE TABLE {Table} (id VARCHAR(100) NOT NULL PRIMARY KEY)");
        await unitOfWork.CommitAsync(default);
    }

    [Fact]
    public async Task ARowWrittenThroughTheConnection_IsThereAfterTheCommit()
    {
        var unitOfWork = await BeginDbAsync();
        await InsertAsync(unitOfWork, "r-1");

        (await CountAsync(unitOfWork)).ShouldBe(1, "the unit of work reads its own write");
        await unitOfWork.CommitAsync(default);

        (await CountCommittedAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task ARowWrittenThroughTheConnection_IsGoneAfterARollback()
    {
        var unitOfWork = await BeginDbAsync();
        await InsertAsync(unitOfWork, "r-1");

        await unitOfWork.RollbackAsync(default);

        (await CountCommittedAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task AClaimAndTheHandlersRow_CommitTogether()
    {
        var store = CreateDeduplicationStore();
        var unitOfWork = await BeginDbAsync();
        (await store.TryClaimAsync("orders", "m-1", unitOfWork, default)).ShouldBeTrue();
        await InsertAsync(unitOfWork, "r-1");

        await unitOfWork.CommitAsync(default);

        (await CountCommittedAsync()).ShouldBe(1);
        var redelivery = await BeginDbAsync();
        (await store.TryClaimAsync("orders", "m-1", redelivery, default)).ShouldBeFalse("the claim committed with the row");
        await redelivery.RollbackAsync(default);
    }

    [Fact]
    public async Task AClaimAndTheHandlersRow_RollBackTogether()
    {
        var store = CreateDeduplicationStore();
        var unitOfWork = await BeginDbAsync();
        (await store.TryClaimAsync("orders", "m-1", unitOfWork, default)).ShouldBeTrue();
        await InsertAsync(unitOfWork, "r-1");

        await unitOfWork.RollbackAsync(default);

        (await CountCommittedAsync()).ShouldBe(0);
        var redelivery = await BeginDbAsync();
        (await store.TryClaimAsync("orders", "m-1", redelivery, default)).ShouldBeTrue("the claim rolled back with the row: the message is handled again");
        await InsertAsync(redelivery, "r-1");
        await redelivery.CommitAsync(default);
        (await CountCommittedAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task TheConnectionAndTransaction_AreRefusedOnceItEnded()
    {
        var unitOfWork = await BeginDbAsync();
        await unitOfWork.CommitAsync(default);

        Should.Throw<ObjectDisposedException>(() => unitOfWork.Connection);
        Should.Throw<ObjectDisposedException>(() => unitOfWork.Transaction);
    }

    private async Task<IDbUnitOfWork> BeginDbAsync() => (await BeginAsync()).ShouldBeAssignableTo<IDbUnitOfWork>()!;

    private Task InsertAsync(IDbUnitOfWork unitOfWork, string id) => ExecuteAsync(unitOfWork, $"INSERT INTO {Table} (id) VALUES (@id)", id);

    private async Task<long> CountAsync(IDbUnitOfWork unitOfWork)
    {
        using var command = Command(unitOfWork, $"SELECT COUNT(*) FROM {Table}", null);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Counts in a unit of work of its own, which sees what was committed only.</summary>
    private async Task<long> CountCommittedAsync()
    {
        var unitOfWork = await BeginDbAsync();
        try
        {
            return await CountAsync(unitOfWork);
        }
        finally
        {
            await unitOfWork.RollbackAsync(default);
        }
    }
}
