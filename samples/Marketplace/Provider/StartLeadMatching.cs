namespace Marketplace.Provider;

/// <summary>Offer the order, as a lead, to the providers that can do it.</summary>
public sealed record StartLeadMatching(string OrderId, string Category, IReadOnlyList<string> CandidateProviders);
