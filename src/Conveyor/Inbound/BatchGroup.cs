using Conveyor.Channels;
using Conveyor.Runtime;

namespace Conveyor.Inbound;

/// <summary>
/// The messages of one <see cref="InboundBatch"/> that go to one batch endpoint, in the channel's order: handled once
/// together; when that fails, each is handled alone, one after another in that order.
/// </summary>
internal sealed class BatchGroup
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource[] _aloneDone;
    private Task<Exception?>? _run;

    public BatchGroup(RuntimeEndpoint endpoint, IReadOnlyList<(InboundMessage Message, object? Payload)> members)
    {
        Endpoint = endpoint;
        Members = members;
        _aloneDone = [.. members.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    }

    public RuntimeEndpoint Endpoint { get; }

    public IReadOnlyList<(InboundMessage Message, object? Payload)> Members { get; }

    /// <summary>Runs <paramref name="handle"/> for the whole group once, whichever member asks first; every member gets its result (the error, or null).</summary>
    public Task<Exception?> HandleOnceAsync(Func<BatchGroup, Task<Exception?>> handle)
    {
        lock (_gate)
        {
            return _run ??= handle(this);
        }
    }

    public int PositionOf(InboundMessage message)
    {
        for (var i = 0; i < Members.Count; i++)
        {
            if (ReferenceEquals(Members[i].Message, message))
            {
                return i;
            }
        }

        throw new InvalidOperationException("The message is not a member of this batch.");
    }

    /// <summary>Completes once every member before <paramref name="position"/> was handled alone.</summary>
    public Task TurnAsync(int position) => position == 0 ? Task.CompletedTask : _aloneDone[position - 1].Task;

    public void HandledAlone(int position) => _aloneDone[position].TrySetResult();
}
