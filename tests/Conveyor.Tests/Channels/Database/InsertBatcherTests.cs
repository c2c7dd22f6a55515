using Conveyor.Channels.Database;

namespace Conveyor.Tests.Channels.Database;

public sealed class InsertBatcherTests
{
    private static ChannelRow Row(int number) =>
        new(new TransportMessage(new MessageHeaders(), BitConverter.GetBytes(number)), DateTimeOffset.UnixEpoch);

    private static int Number(ChannelRow row) => BitConverter.ToInt32(row.Message.Body.Span);

    /// <summary>An insert the test lets finish, recording what each call wrote.</summary>
    private sealed class GatedInsert
    {
        public List<int[]> Batches { get; } = [];

        public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InsertAsync(IReadOnlyList<ChannelRow> rows)
        {
            lock (Batches)
            {
                Batches.Add([.. rows.Select(Number)]);
            }

            Started.TrySetResult();
            await Gate.Task;
        }
    }

    [Fact]
    public async Task InsertAsync_SendsWhileAnInsertIsInFlight_GoTogetherInTheNextInsertInOrderUpToTheMaximum()
    {
        var insert = new GatedInsert();
        var batcher = new InsertBatcher(insert.InsertAsync, maxBatch: 3);

        var first = batcher.InsertAsync(Row(0), CancellationToken.None);
        await insert.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = Enumerable.Range(1, 5).Select(i => batcher.InsertAsync(Row(i), CancellationToken.None)).ToArray();
        first.IsCompleted.ShouldBeFalse();

        insert.Gate.TrySetResult();
        await Task.WhenAll(queued.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        insert.Batches.ShouldBe([[0], [1, 2, 3], [4, 5]]);
    }

    [Fact]
    public async Task InsertAsync_TheInsertFails_EverySendOfThatInsertFailsWithItAndLaterSendsAreWritten()
    {
        var insert = new GatedInsert();
        var failing = true;
        var batcher = new InsertBatcher(
            async rows =>
            {
                await insert.InsertAsync(rows);
                if (failing)
                {
                    throw new InvalidOperationException("the database is gone");
                }
            },
            maxBatch: 10);

        var first = batcher.InsertAsync(Row(0), CancellationToken.None);
        await insert.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = batcher.InsertAsync(Row(1), CancellationToken.None);
        var third = batcher.InsertAsync(Row(2), CancellationToken.None);
        insert.Gate.TrySetResult();

        foreach (var send in new[] { first, second, third })
        {
            (await Should.ThrowAsync<InvalidOperationException>(send.WaitAsync(TimeSpan.FromSeconds(10)))).Message.ShouldBe("the database is gone");
        }

        failing = false;
        await batcher.InsertAsync(Row(3), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        insert.Batches.ShouldBe([[0], [1, 2], [3]]);
    }

    [Fact]
    public async Task InsertAsync_AmbientContext_DoesNotFlowIntoTheInsert()
    {
        var ambient = new AsyncLocal<string>();
        string? seen = "not called";
        var batcher = new InsertBatcher(
            rows =>
            {
                seen = ambient.Value;
                return Task.CompletedTask;
            },
            maxBatch: 10);

        ambient.Value = "the first sender's unit of work";
        await batcher.InsertAsync(Row(0), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        seen.ShouldBeNull();
    }
}
