namespace LeadDistribution;

/// <summary>A customer's order needs a provider: the flow's input.</summary>
public sealed record StartLeadMatching(string OrderId, string Category, bool Urgent);

/// <summary>The providers that can take the lead, best first.</summary>
public sealed record MatchedCandidates(string OrderId, string Category, IReadOnlyList<string> ProviderIds);

/// <summary>Tells one provider about a lead.</summary>
public sealed record NotifyProviderOfLead(string OrderId, string ProviderId);

/// <summary>The flow's output: the lead waits for a provider to accept it.</summary>
public sealed record LeadOpened(string OrderId, IReadOnlyList<string> ProviderIds, string Priority);
