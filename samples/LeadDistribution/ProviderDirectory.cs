namespace LeadDistribution;

/// <summary>The providers by category, best rated first: the marketplace's provider catalogue, in memory.</summary>
public sealed class ProviderDirectory
{
    private readonly Dictionary<string, string[]> _byCategory = new(StringComparer.Ordinal)
    {
        ["plumbing"] = ["prov-anna", "prov-ben", "prov-chen"],
        ["electrical"] = ["prov-dara", "prov-eli", "prov-fay", "prov-gus"],
    };

    public IReadOnlyList<string> Find(string category) => _byCategory.GetValueOrDefault(category) ?? [];
}
