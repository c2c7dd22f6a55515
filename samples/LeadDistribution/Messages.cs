namespace LeadDistribution;

/// <summary>A customer's order needs a provider: the flow's input.</summary>
public sealed record StartLeadMatching(string OrderId, string Category, bool Urgent);

/// <summary>The providers that can take the lead, best first.</summary>
public sealed record MatchedCandidates(string OrderId, string Category, IReadOnlyList<string> ProviderIds);

/// <summary>Tells one provider about a lead.</summary>
public sealed record NotifyProviderOfLead(string OrderId, string ProviderId);

/// <summary>The flow's output: the lead waits for a provider to accept it.</summary>
public sealed record LeadOpened(string OrderId, IReadOnlyList<string> ProviderIds, string Priority);

/// <summary>The lead is offered to one provider, exclusively, until it accepts or the offer window passes.</summary>
public sealed record LeadOfferedToPartner(string OrderId, string ProviderId, int Offer);

/// <summary>A provider accepts a lead it was offered (from the provider's app).</summary>
public sealed record PartnerAcceptedLead(string LeadId, string ProviderId);

/// <summary>The lead went to a provider, on the given offer.</summary>
public sealed record LeadAssigned(string OrderId, string ProviderId, int Offer);

/// <summary>Every candidate let its offer pass: the lead goes back to the customer.</summary>
public sealed record LeadExpired(string OrderId, int Offers);
