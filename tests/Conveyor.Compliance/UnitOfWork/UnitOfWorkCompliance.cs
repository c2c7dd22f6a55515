using Conveyor.UnitOfWork;

namespace Conveyor.Compliance.UnitOfWork;

/// <summary>
/// What every <see cref="IUnitOfWork"/> must do with its participants: commit each once, in the order they enlisted,
/// or roll each back once, in reverse order; never both; and refuse work once ended. Derive a test class and begin
/// the implementation's unit of work in <see cref="BeginAsync"/>; a database unit of work derives from
/// <see cref="DbUnitOfWorkCompliance"/>, which adds its transaction's guarantees.
/// </summary>
public abstract class UnitOfWorkCompliance : IAsyncLifetime
{
    /// <summary>Begins a unit of work of the implementation under test.</summary>
    /// <returns>The unit of work.</returns>
    protected abstract ValueTask<IUnitOfWork> BeginAsync();

    /// <summary>Runs before each test (creates a database, say).</summary>
    /// <returns>A task that completes when ready.</returns>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Runs after each test.</summary>
    /// <returns>A task that completes when cleaned up.</returns>
    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Commit_CommitsEachParticipantOnce_InTheOrderTheyEnlisted()
    {
        var log = new List<string>();
        var unitOfWork = await BeginAsync();
        unitOfWork.Enlist(new Participant("a", log));
        unitOfWork.Enlist(new Participant("b", log));

        await unitOfWork.CommitAsync(default);
        await unitOfWork.RollbackAsync(default);

        log.ShouldBe(["a:commit", "b:commit"], "a rollback after the commit changes nothing");
    }

    [Fact]
    public async Task Rollback_RollsEachParticipantBackOnce_InReverseOrder()
    {
        var log = new List<string>();
        var unitOfWork = await BeginAsync();
        unitOfWork.Enlist(new Participant("a", log));
        unitOfWork.Enlist(new Participant("b", log));

        await unitOfWork.RollbackAsync(default);
        await unitOfWork.RollbackAsync(default);

        log.ShouldBe(["b:rollback", "a:rollback"], "a second rollback does nothing");
    }

    [Fact]
    public async Task AnEndedUnitOfWork_RefusesParticipantsAndACommit()
    {
        var committed = await BeginAsync();
        await committed.CommitAsync(default);
        var rolledBack = await BeginAsync();
        await rolledBack.RollbackAsync(default);

        Should.Throw<ObjectDisposedException>(() => committed.Enlist(new Participant("late", [])));
        Should.Throw<ObjectDisposedException>(() => rolledBack.Enlist(new Participant("late", [])));
        await Should.ThrowAsync<ObjectDisposedException>(async () => await committed.CommitAsync(default));
        await Should.ThrowAsync<ObjectDisposedException>(async () => await rolledBack.CommitAsync(default));
    }

    [Fact]
    public async Task Services_IsTheScopeItWasBegunFor()
    {
        var unitOfWork = await BeginAsync();

        unitOfWork.Services.ShouldNotBeNull();
        await unitOfWork.RollbackAsync(default);
    }

    /// <summary>Records its calls in a shared log.</summary>
    private sealed class Participant(string name, List<string> log) : IUnitOfWorkParticipant
    {
        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            log.Add($"{name}:commit");
            return ValueTask.CompletedTask;
        }

        public ValueTask RollbackAsync(CancellationToken cancellationToken)
        {
            log.Add($"{name}:rollback");
            return ValueTask.CompletedTask;
        }
    }
}
