using System.Collections.Concurrent;

namespace Marketplace.Provider;

/// <summary>A B2B partner's directory of service providers.</summary>
public interface IPartnerDirectory
{
    Task<IReadOnlyList<string>> FindProvidersAsync(string category, CancellationToken cancellationToken);
}

/// <summary>The partner's API timed out or answered 503: worth trying again later.</summary>
public sealed class PartnerApiUnavailableException(string message) : Exception(message);

/// <summary>
/// The demo's partner directory. It is flaky on purpose, and deterministically so: for each category in
/// <paramref name="outages"/> the first calls fail (e.g. <c>["electrical"] = 2</c> times out twice, then answers).
/// </summary>
public sealed class SimulatedPartnerDirectory(IReadOnlyDictionary<string, int> outages) : IPartnerDirectory
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    public Task<IReadOnlyList<string>> FindProvidersAsync(string category, CancellationToken cancellationToken)
    {
        var call = _calls.AddOrUpdate(category, 1, (_, n) => n + 1);
        if (call <= outages.GetValueOrDefault(category))
        {
            throw new PartnerApiUnavailableException($"The {category} partner API timed out.");
        }

        IReadOnlyList<string> providers = [$"{category}-pro-1", $"{category}-pro-2"];
        return Task.FromResult(providers);
    }
}
