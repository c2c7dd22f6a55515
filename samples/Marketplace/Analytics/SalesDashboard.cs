using System.Collections.Concurrent;

namespace Marketplace.Analytics;

/// <summary>Revenue and order count per category.</summary>
public sealed class SalesDashboard
{
    private readonly ConcurrentDictionary<string, (int Orders, decimal Revenue)> _byCategory = new();

    public int Orders => _byCategory.Values.Sum(v => v.Orders);

    public void Record(string category, decimal total) =>
        _byCategory.AddOrUpdate(category, (1, total), (_, v) => (v.Orders + 1, v.Revenue + total));
}
