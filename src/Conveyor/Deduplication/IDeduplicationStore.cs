namespace Conveyor.Deduplication;

/// <summary>Remembers which keys each endpoint has handled, for <see cref="DeduplicatedAttribute"/>.</summary>
public interface IDeduplicationStore
{
    /// <summary>Whether <paramref name="endpointId"/> already handled <paramref name="key"/> within the retention window.</summary>
    /// <param name="endpointId">The endpoint.</param>
    /// <param name="key">The deduplication key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> for a duplicate.</returns>
    ValueTask<bool> IsHandledAsync(string endpointId, string key, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="endpointId"/> handled <paramref name="key"/>.</summary>
    /// <param name="endpointId">The endpoint.</param>
    /// <param name="key">The deduplication key.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once it is recorded.</returns>
    ValueTask MarkHandledAsync(string endpointId, string key, CancellationToken cancellationToken);
}
