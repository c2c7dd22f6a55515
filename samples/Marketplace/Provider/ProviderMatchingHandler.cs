using Conveyor;
using Marketplace.Orders;

namespace Marketplace.Provider;

public sealed class ProviderMatchingHandler(IPartnerDirectory partners, ICommandBus commands)
{
    /// <summary>
    /// Asks the partner directory (a B2B partner's API, which has bad moments) who can do the job. When it fails, only this
    /// handler is retried, 200 ms later and twice at most; the receipt and analytics of the same order are not run again.
    /// </summary>
    [Asynchronous("provider_matching")]
    [EventHandler(EndpointId = "provider.start_matching")]
    [DelayedRetry(2, InitialDelayMs = 200, Multiplier = 1)]
    public async Task StartMatching(OrderPlaced e, CancellationToken cancellationToken)
    {
        var candidates = await partners.FindProvidersAsync(e.Category, cancellationToken);
        await commands.SendAsync(new StartLeadMatching(e.OrderId, e.Category, candidates), cancellationToken);
    }
}
