using System.Collections.Concurrent;
using Conveyor;

namespace Marketplace.Provider;

/// <summary>The open leads, by order.</summary>
public sealed class LeadBoard
{
    public ConcurrentDictionary<string, IReadOnlyList<string>> OpenLeads { get; } = new();
}

public sealed class LeadMatchingHandler(LeadBoard leads)
{
    [CommandHandler(EndpointId = "leads.start_matching")]
    public void Start(StartLeadMatching command)
    {
        if (!leads.OpenLeads.TryAdd(command.OrderId, command.CandidateProviders))
        {
            throw new InvalidOperationException($"Lead matching for order {command.OrderId} has started already.");
        }
    }
}
