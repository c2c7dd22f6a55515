using Conveyor;

namespace LeadDistribution;

/// <summary>
/// The providers' apps, simulated: an offer reaches the provider through the <see cref="Channel"/> channel, and the
/// providers in <see cref="LeadBoard.Responsive"/> accept at once; the others never answer, so their offer times out.
/// </summary>
public sealed class PartnerApps(LeadBoard board, IEventBus events)
{
    public const string Channel = "partner.offers";

    [EventHandler(EndpointId = "partner.offer_received")]
    [Asynchronous(Channel)]
    public async Task OfferReceived(LeadOfferedToPartner offer, CancellationToken cancellationToken)
    {
        board.Offers.Enqueue(offer);
        if (board.Responsive.Contains(offer.ProviderId))
        {
            await events.PublishAsync(new PartnerAcceptedLead(offer.OrderId, offer.ProviderId), cancellationToken);
        }
    }

    [EventHandler(EndpointId = "lead.assigned")]
    public void Assigned(LeadAssigned assigned) => board.Settled(assigned.OrderId, $"assigned to {assigned.ProviderId} on offer {assigned.Offer}");

    [EventHandler(EndpointId = "lead.expired")]
    public void Expired(LeadExpired expired) => board.Settled(expired.OrderId, $"expired after {expired.Offers} offer(s)");
}
