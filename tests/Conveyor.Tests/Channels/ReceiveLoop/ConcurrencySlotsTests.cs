using Conveyor.Channels.ReceiveLoop;

namespace Conveyor.Tests.Channels.ReceiveLoop;

public sealed class ConcurrencySlotsTests
{
    [Fact]
    public async Task WaitAsync_AllSlotsTaken_WaitsUntilOneIsReleased()
    {
        using var slots = new ConcurrencySlots(2);
        await slots.WaitAsync(CancellationToken.None);
        await slots.WaitAsync(CancellationToken.None);

        var third = slots.WaitAsync(CancellationToken.None);
        third.IsCompleted.ShouldBeFalse();
        slots.Available.ShouldBe(0);
        slots.Release();

        await third.WaitAsync(TimeSpan.FromSeconds(10));
        slots.Available.ShouldBe(0);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_GivesUpTheWait()
    {
        using var slots = new ConcurrencySlots(1);
        await slots.WaitAsync(CancellationToken.None);
        using var revoked = new CancellationTokenSource();

        var waiting = slots.WaitAsync(revoked.Token);
        await revoked.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(waiting);
        slots.Available.ShouldBe(0);
    }

    [Fact]
    public void Release_MoreThanTaken_Throws()
    {
        using var slots = new ConcurrencySlots(1);

        Should.Throw<SemaphoreFullException>(slots.Release);
        Should.Throw<ArgumentOutOfRangeException>(() => new ConcurrencySlots(0));
    }
}
