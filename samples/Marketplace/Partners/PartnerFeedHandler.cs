using System.Collections.Concurrent;
using Conveyor;
using Conveyor.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Partners;

/// <summary>What was written to partner topics, for the demo's summary.</summary>
public sealed class PartnerFeed
{
    public ConcurrentQueue<KafkaDeliveryResult> Delivered { get; } = new();
}

/// <summary>
/// Feeds partner X its own topic through a named publisher (seed 003: one publisher per partner topic), so a partner's
/// integration never sits in the marketplace's internal flow. The send completes when the broker acknowledged it.
/// </summary>
public sealed class PartnerFeedHandler(PartnerFeed feed)
{
    [EventHandler(EndpointId = "partners.feed_partner_x")]
    public async Task PublishToPartnerX(
        LeadOffered lead,
        [FromKeyedServices("partner_x_publisher")] IKafkaPublisher publisher,
        CancellationToken cancellationToken)
    {
        var delivered = await publisher.SendAsync(
            lead,
            new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = lead.OrderId },
            cancellationToken);
        feed.Delivered.Enqueue(delivered);
    }
}
