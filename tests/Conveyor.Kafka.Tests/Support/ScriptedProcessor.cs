using System.Threading.Channels;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>
/// A record processor whose every call waits for the test to choose its outcome. Calls arrive in a channel
/// in the order they start.
/// </summary>
internal sealed class ScriptedProcessor
{
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>();

    public RecordProcessor Processor => (record, cancellationToken, revoked) =>
    {
        var call = new Call(record, cancellationToken, revoked);
        _calls.Writer.TryWrite(call);
        return new ValueTask<RecordOutcome>(call.Outcome.Task);
    };

    public Task<Call> NextCallAsync() => _calls.Reader.ReadAsync().AsTask().WithinDeadline("the next processor call");

    public bool TryTakeCall(out Call? call) => _calls.Reader.TryRead(out call);

    internal sealed class Call(ConsumeResult<byte[]?, byte[]?> record, CancellationToken cancellationToken, CancellationToken revoked)
    {
        public ConsumeResult<byte[]?, byte[]?> Record { get; } = record;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public CancellationToken Revoked { get; } = revoked;

        public long Offset => Record.Offset.Value;

        public TaskCompletionSource<RecordOutcome> Outcome { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete() => Outcome.SetResult(RecordOutcome.Completed);
    }
}
