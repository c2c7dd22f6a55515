using System.Collections.Concurrent;
using Conveyor;
using Marketplace.Partners;

namespace Marketplace.Provider;

/// <summary>The open leads, by order.</summary>
public sealed class LeadBoard
{
    public ConcurrentDictionary<string, IReadOnlyList<string>> OpenLeads { get; } = new();
}

public sealed class LeadMatchingHandler(LeadBoard leads, IEventBus events)
{
    [CommandHandler(EndpointId = "leads.start_matching")]
    public async Task Start(StartLeadMatching command, CancellationToken cancellationToken)
    {
        if (!leads.OpenLeads.TryAdd(command.OrderId, command.CandidateProviders))
        {
            throw new InvalidOperationException($"Lead matching for order {command.OrderId} has started already.");
        }

        await events.PublishAsync(new LeadOffered(command.OrderId, command.Category, command.CandidateProviders), cancellationToken);
    }
}
