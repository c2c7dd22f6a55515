using Conveyor;

namespace LeadDistribution;

/// <summary>
/// Lead distribution as a routing slip (seed 003): match the providers, rank them when the lead is urgent, notify them
/// (asynchronously, on the <c>lead.notify_candidates</c> channel), then open the lead for acceptance. Each step is a
/// reusable internal handler; the only state is the slip that travels with the message.
/// </summary>
public sealed class LeadDistributionOrchestrator(ProviderDirectory directory, LeadBoard board, ICommandBus bus, IEventBus events)
{
    public const string NotifyChannel = "lead.notify_candidates";

    [Orchestrator("lead.start")]
    public static string[] Plan(StartLeadMatching command) =>
        command.Urgent
            ? ["lead.match", "lead.prioritize", "lead.notify_candidates", "lead.await_acceptance"]
            : ["lead.match", "lead.notify_candidates", "lead.await_acceptance"];

    /// <summary>No provider for the category ends the flow here: returning null stops it.</summary>
    [InternalHandler("lead.match")]
    public MatchedCandidates? Match(StartLeadMatching command)
    {
        var providers = directory.Find(command.Category);
        if (providers.Count == 0)
        {
            board.NoProviders(command.OrderId, command.Category);
            return null;
        }

        return new MatchedCandidates(command.OrderId, command.Category, providers);
    }

    /// <summary>An urgent lead goes to the two best providers only, and says so to the later steps in a header.</summary>
    [InternalHandler("lead.prioritize")]
    public StepResult Prioritize(MatchedCandidates candidates) =>
        new(candidates with { ProviderIds = [.. candidates.ProviderIds.Take(2)] }, new Dictionary<string, string> { ["lead.priority"] = "urgent" });

    /// <summary>Asynchronous: <see cref="NotifyChannel"/> is a registered channel, so the flow goes on where it is consumed.</summary>
    [InternalHandler(NotifyChannel, EndpointId = "lead.notify_candidates")]
    public async Task<MatchedCandidates> NotifyCandidates(MatchedCandidates candidates, CancellationToken cancellationToken)
    {
        foreach (var provider in candidates.ProviderIds)
        {
            await bus.SendAsync(new NotifyProviderOfLead(candidates.OrderId, provider), cancellationToken);
        }

        return candidates;
    }

    /// <summary>
    /// The last step: its output is the flow's. It publishes <see cref="LeadOpened"/>, which starts the
    /// <see cref="PartnerAcceptance"/> saga: accepting or re-offering the lead reacts to events the flow does not cause.
    /// </summary>
    [InternalHandler("lead.await_acceptance")]
    public async Task<LeadOpened> AwaitAcceptance(MatchedCandidates candidates, [Header("lead.priority")] string? priority, CancellationToken cancellationToken)
    {
        var lead = new LeadOpened(candidates.OrderId, candidates.ProviderIds, priority ?? "normal");
        board.Opened(lead);
        await events.PublishAsync(lead, cancellationToken);
        return lead;
    }
}

/// <summary>Tells a provider about a lead (a push notification in a real marketplace).</summary>
public sealed class ProviderNotifier(LeadBoard board)
{
    [CommandHandler(EndpointId = "provider.notify")]
    public void Notify(NotifyProviderOfLead command) => board.Notifications.Enqueue(command);
}
