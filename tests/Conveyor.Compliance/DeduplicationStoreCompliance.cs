using Conveyor.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Compliance;

/// <summary>
/// What every <see cref="IDeduplicationStore"/> must do. Derive a test class, create the store in
/// <see cref="CreateStore"/>, and begin the store's own unit of work in <see cref="BeginUnitOfWorkAsync"/> when it
/// claims through a transaction (the default begins an <see cref="InMemoryUnitOfWork"/>).
/// </summary>
public abstract class DeduplicationStoreCompliance
{
    /// <summary>The retention the tests create stores with.</summary>
    protected static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();

    /// <summary>The clock every store of a test is created on; tests move it.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Creates an empty store that remembers committed keys for <paramref name="retention"/> on <paramref name="time"/>.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="retention">How long a committed key is remembered.</param>
    /// <returns>The store.</returns>
    protected abstract IDeduplicationStore CreateStore(TimeProvider time, TimeSpan retention);

    /// <summary>Begins a unit of work the store can claim in.</summary>
    /// <returns>The unit of work.</returns>
    protected virtual ValueTask<IUnitOfWork> BeginUnitOfWorkAsync() => ValueTask.FromResult<IUnitOfWork>(new InMemoryUnitOfWork(NoServices));

    [Fact]
    public async Task TryClaim_FirstClaim_True()
    {
        var store = CreateStore(Time, Retention);
        var unitOfWork = await BeginUnitOfWorkAsync();

        (await store.TryClaimAsync("e", "k", unitOfWork, default)).ShouldBeTrue();

        await unitOfWork.CommitAsync(default);
    }

    [Fact]
    public async Task TryClaim_AfterTheFirstClaimCommitted_FalseADuplicate()
    {
        var store = CreateStore(Time, Retention);
        await ClaimAndCommitAsync(store, "e", "k");

        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse();
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse("a duplicate's unit of work committing does not make the key claimable");
    }

    [Fact]
    public async Task TryClaim_AfterTheFirstClaimRolledBack_TrueTheMessageIsHandledAgain()
    {
        var store = CreateStore(Time, Retention);
        var failed = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("e", "k", failed, default)).ShouldBeTrue();
        await failed.RollbackAsync(default);

        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeTrue();
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse();
    }

    [Fact]
    public async Task TryClaim_WhileAnotherClaimIsPending_WaitsAndReturnsFalseOnceItCommits()
    {
        var store = CreateStore(Time, Retention);
        var first = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("e", "k", first, default)).ShouldBeTrue();
        var second = await BeginUnitOfWorkAsync();

        var waiting = store.TryClaimAsync("e", "k", second, default).AsTask();
        waiting.IsCompleted.ShouldBeFalse("the first claim is neither committed nor rolled back");
        await first.CommitAsync(default);

        (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeFalse();
        await second.RollbackAsync(default);
    }

    [Fact]
    public async Task TryClaim_WhileAnotherClaimIsPending_WaitsAndProceedsOnceItRollsBack()
    {
        var store = CreateStore(Time, Retention);
        var first = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("e", "k", first, default)).ShouldBeTrue();
        var second = await BeginUnitOfWorkAsync();

        var waiting = store.TryClaimAsync("e", "k", second, default).AsTask();
        waiting.IsCompleted.ShouldBeFalse("the first claim is neither committed nor rolled back");
        await first.RollbackAsync(default);

        (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        await second.CommitAsync(default);
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse("the second claim committed");
    }

    [Fact]
    public async Task TryClaim_ManyAtOnce_ExactlyOneWins_TheOthersWaitAndAreDuplicates()
    {
        const int Claimants = 8;
        var store = CreateStore(Time, Retention);
        var unitsOfWork = new IUnitOfWork[Claimants];
        for (var i = 0; i < Claimants; i++)
        {
            unitsOfWork[i] = await BeginUnitOfWorkAsync();
        }

        // Every claim resumes on the thread pool at once when the gate opens, so they race for the key.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claims = unitsOfWork
            .Select(async unitOfWork =>
            {
                await gate.Task;
                return await store.TryClaimAsync("e", "k", unitOfWork, default);
            })
            .ToArray();
        gate.SetResult();

        var first = await Task.WhenAny(claims).WaitAsync(TimeSpan.FromSeconds(30));
        (await first).ShouldBeTrue("the first claim to finish is the winner; the others wait for it");
        var winner = Array.IndexOf(claims, first);
        claims.Count(c => c.IsCompleted).ShouldBe(1, "the losers wait while the winner's unit of work is open");
        await unitsOfWork[winner].CommitAsync(default);

        var results = await Task.WhenAll(claims).WaitAsync(TimeSpan.FromSeconds(30));
        results.Count(claimed => claimed).ShouldBe(1);
        foreach (var unitOfWork in unitsOfWork.Where((_, i) => i != winner))
        {
            await unitOfWork.RollbackAsync(default);
        }
    }

    [Fact]
    public async Task TryClaim_SameKeyAtAnotherEndpoint_IsAnotherClaim_AndDoesNotWait()
    {
        var store = CreateStore(Time, Retention);
        await ClaimAndCommitAsync(store, "billing", "k");
        var pending = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("shipping", "k", pending, default)).ShouldBeTrue();

        var other = await BeginUnitOfWorkAsync();
        var audit = store.TryClaimAsync("audit", "k", other, default).AsTask();

        (await audit.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue("'audit' has no claim of 'k', pending or committed");
        await other.CommitAsync(default);
        await pending.CommitAsync(default);
        (await ClaimAndCommitAsync(store, "billing", "k")).ShouldBeFalse();
        (await ClaimAndCommitAsync(store, "shipping", "k")).ShouldBeFalse();
    }

    [Fact]
    public async Task TryClaim_AfterTheRetention_TrueAgain_MeasuredFromTheCommit()
    {
        var store = CreateStore(Time, Retention);
        var unitOfWork = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("e", "k", unitOfWork, default)).ShouldBeTrue();
        Time.Advance(Retention / 2);
        await unitOfWork.CommitAsync(default);

        Time.Advance(Retention / 2 + TimeSpan.FromMinutes(1));
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse("the retention is measured from the commit, not the claim");

        Time.Advance(Retention / 2);
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeTrue("the retention since the commit has passed");
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeFalse("claimed and committed again");
    }

    [Fact]
    public async Task RemoveExpired_CountsTheKeysWhoseRetentionPassed_AndKeepsTheOthers()
    {
        var store = CreateStore(Time, Retention);
        await ClaimAndCommitAsync(store, "e", "old-1");
        await ClaimAndCommitAsync(store, "other", "old-2");
        Time.Advance(Retention / 2);
        await ClaimAndCommitAsync(store, "e", "young");

        (await store.RemoveExpiredAsync(default)).ShouldBe(0, "no retention has passed yet");
        Time.Advance(Retention / 2 + TimeSpan.FromSeconds(1));

        (await store.RemoveExpiredAsync(default)).ShouldBe(2);
        (await store.RemoveExpiredAsync(default)).ShouldBe(0, "they are gone");
        (await ClaimAndCommitAsync(store, "e", "young")).ShouldBeFalse("its retention has not passed");
        (await ClaimAndCommitAsync(store, "e", "old-1")).ShouldBeTrue();
    }

    [Fact]
    public async Task TryClaim_CancelledWhileWaiting_Throws_AndLeavesNothingBehind()
    {
        var store = CreateStore(Time, Retention);
        var first = await BeginUnitOfWorkAsync();
        (await store.TryClaimAsync("e", "k", first, default)).ShouldBeTrue();
        var second = await BeginUnitOfWorkAsync();
        using var cancel = new CancellationTokenSource();

        var waiting = store.TryClaimAsync("e", "k", second, cancel.Token).AsTask();
        waiting.IsCompleted.ShouldBeFalse();
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        await second.RollbackAsync(default);
        await first.RollbackAsync(default);
        (await ClaimAndCommitAsync(store, "e", "k")).ShouldBeTrue("neither the cancelled claim nor the rolled-back one holds the key");
    }

    /// <summary>Claims in a unit of work of its own and commits it; returns whether the claim was the first.</summary>
    protected async Task<bool> ClaimAndCommitAsync(IDeduplicationStore store, string endpointId, string key)
    {
        ArgumentNullException.ThrowIfNull(store);
        var unitOfWork = await BeginUnitOfWorkAsync();
        var claimed = await store.TryClaimAsync(endpointId, key, unitOfWork, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await unitOfWork.CommitAsync(default);
        return claimed;
    }
}
