using Conveyor;

namespace Marketplace.Partners;

/// <summary>A lead offered to the providers a partner represents; what partner X's integration receives.</summary>
[Message("marketplace.lead.offered.v1")]
public sealed record LeadOffered(string OrderId, string Category, IReadOnlyList<string> Providers);
