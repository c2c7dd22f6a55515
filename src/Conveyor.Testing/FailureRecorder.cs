using Conveyor.Channels;
using Conveyor.Inbound;

namespace Conveyor.Testing;

/// <summary>Records every failure the inbound pipeline reports, so that a flow can fail the test on it.</summary>
internal sealed class FailureRecorder : IInboundFailureObserver
{
    private readonly Lock _gate = new();
    private readonly List<FlowFailure> _failures = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _failures.Count;
            }
        }
    }

    public IReadOnlyList<FlowFailure> Snapshot()
    {
        lock (_gate)
        {
            return [.. _failures];
        }
    }

    /// <summary>The failures recorded after the first <paramref name="skip"/>, on <paramref name="channel"/>.</summary>
    public IReadOnlyList<FlowFailure> Since(int skip, string channel)
    {
        lock (_gate)
        {
            return [.. _failures.Skip(skip).Where(f => f.Channel == channel)];
        }
    }

    public void RetryScheduled(InboundMessage inbound, string endpointId, Exception exception, int attempt, TimeSpan delay) =>
        Add(new FlowFailure(FlowFailureKind.DelayedRetryScheduled, inbound.ChannelName, endpointId, inbound.Message.MessageId, inbound.Message.Headers.MessageName, exception, attempt, $"due in {delay:c}"));

    public void FinallyFailed(InboundMessage inbound, string endpointId, Exception exception, int attempts, string destination) =>
        Add(new FlowFailure(FlowFailureKind.FinallyFailed, inbound.ChannelName, endpointId, inbound.Message.MessageId, inbound.Message.Headers.MessageName, exception, attempts, destination));

    private void Add(FlowFailure failure)
    {
        lock (_gate)
        {
            _failures.Add(failure);
        }
    }
}
