using Conveyor.Orchestration;

namespace Conveyor.Testing;

/// <summary>Records what orchestrated flows did, per flow, in the order they started.</summary>
internal sealed class OrchestrationRecorder : IOrchestrationObserver
{
    private readonly Lock _gate = new();
    private readonly List<OrchestrationRun> _runs = [];
    private readonly Dictionary<string, OrchestrationRun> _byId = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _runs.Count;
            }
        }
    }

    public IReadOnlyList<OrchestrationRun> Snapshot()
    {
        lock (_gate)
        {
            return [.. _runs.Select(r => r.Copy())];
        }
    }

    /// <summary>The first flow started after the first <paramref name="skip"/>, as it is now; null if none started.</summary>
    public OrchestrationRun? FirstSince(int skip)
    {
        lock (_gate)
        {
            return _runs.Count > skip ? _runs[skip].Copy() : null;
        }
    }

    public void Started(string flowId, string orchestrator, IReadOnlyList<string> slip)
    {
        lock (_gate)
        {
            var run = new OrchestrationRun(flowId, orchestrator, [.. slip]);
            _runs.Add(run);
            _byId[flowId] = run;
        }
    }

    public void StepHandled(string flowId, string orchestrator, string step)
    {
        lock (_gate)
        {
            Find(flowId, orchestrator).Visit(step);
        }
    }

    public void Ended(string flowId, string orchestrator, bool completed, object? output)
    {
        lock (_gate)
        {
            Find(flowId, orchestrator).End(completed, output);
        }
    }

    // A flow whose start this host did not see (its message was produced elsewhere) is recorded from its first step on.
    private OrchestrationRun Find(string flowId, string orchestrator)
    {
        if (!_byId.TryGetValue(flowId, out var run))
        {
            run = new OrchestrationRun(flowId, orchestrator, []);
            _runs.Add(run);
            _byId[flowId] = run;
        }

        return run;
    }
}
