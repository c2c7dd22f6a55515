namespace Conveyor.Channels.Database;

/// <summary>
/// Gathers the sends made outside a handler while an insert is in flight into the next one: one statement and one
/// commit for many messages (a <c>SendManyAsync</c>, or concurrent senders), and a lone send still one insert at once.
/// </summary>
/// <remarks>
/// No timer and no background loop: the first send finding nothing in flight starts the insert; sends arriving
/// meanwhile queue, and the flush takes them next, up to <c>maxBatch</c> per insert, until the queue is empty. Each send
/// completes when the insert that wrote it committed, or fails with that insert's exception: every message of a failed
/// insert is reported failed to its sender, none is dropped silently. A send cancelled after it was queued may still be
/// written (as with any send whose request reached the server).
/// </remarks>
internal sealed class InsertBatcher(Func<IReadOnlyList<ChannelRow>, Task> insert, int maxBatch)
{
    private readonly Lock _gate = new();
    private readonly Queue<(ChannelRow Row, TaskCompletionSource Written)> _queue = new();
    private bool _flushing;

    public Task InsertAsync(ChannelRow row, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _queue.Enqueue((row, written));
            lead = !_flushing;
            _flushing = true;
        }

        if (lead)
        {
            // Without the sender's execution context: the flush writes other senders' messages too, and must not see
            // an ambient unit of work of the first one.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(FlushAsync, CancellationToken.None);
            }
        }

        return written.Task.WaitAsync(cancellationToken);
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            List<(ChannelRow Row, TaskCompletionSource Written)> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                batch = new List<(ChannelRow, TaskCompletionSource)>(Math.Min(_queue.Count, maxBatch));
                while (batch.Count < maxBatch && _queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            try
            {
                await insert([.. batch.Select(b => b.Row)]).ConfigureAwait(false);
                foreach (var (_, written) in batch)
                {
                    written.TrySetResult();
                }
            }
            catch (Exception e)
            {
                foreach (var (_, written) in batch)
                {
                    written.TrySetException(e);
                }
            }
        }
    }
}
