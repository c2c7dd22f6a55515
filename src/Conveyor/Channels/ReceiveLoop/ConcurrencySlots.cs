namespace Conveyor.Channels.ReceiveLoop;

/// <summary>
/// A limit on how many messages a receive loop handles at once over all its sources (for Kafka: over all partitions
/// in key-parallel mode): take a slot before handling a message, give it back after.
/// </summary>
public sealed class ConcurrencySlots : IDisposable
{
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the slots.</summary>
    /// <param name="count">How many messages may be handled at once; 1 or more.</param>
    public ConcurrencySlots(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _slots = new SemaphoreSlim(count, count);
    }

    /// <summary>How many slots there are.</summary>
    public int Count { get; }

    /// <summary>How many slots are free now.</summary>
    public int Available => _slots.CurrentCount;

    /// <summary>Waits for a free slot and takes it.</summary>
    /// <param name="cancellationToken">Gives up the wait (e.g. the source is revoked); throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes once the slot is taken.</returns>
    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Gives a slot back.</summary>
    /// <exception cref="SemaphoreFullException">More slots were given back than taken.</exception>
    public void Release() => _slots.Release();

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}
