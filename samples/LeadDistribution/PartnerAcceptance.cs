using Conveyor;

namespace LeadDistribution;

/// <summary>
/// The partner-acceptance saga: once a lead is open, it offers the lead to one provider at a time, best first. The
/// provider has <see cref="OfferWindowMilliseconds"/> to accept; when the window passes without an answer, the offer's
/// timeout re-offers the lead to the next provider, and when none is left the lead expires. The saga's state is saved
/// in the message's unit of work after each step; the timeout is a <see cref="DelayedAttribute"/> handler on a channel,
/// so with a database channel or a durable scheduler it survives a restart.
/// </summary>
[Saga]
public sealed class PartnerAcceptance : Saga
{
    /// <summary>The channel offer timeouts wait on.</summary>
    public const string TimeoutChannel = "lead.offer_timeouts";

    /// <summary>How long a provider has to accept: short, so that the demo shows it; minutes in a real marketplace.</summary>
    public const int OfferWindowMilliseconds = 2_000;

    [Identifier]
    public string OrderId { get; private set; } = "";

    public List<string> Candidates { get; private set; } = [];

    /// <summary>The offer now open: 1 for the first candidate, 2 for the second...</summary>
    public int Offer { get; private set; }

    public string? AssignedTo { get; private set; }

    /// <summary>Started by the orchestrator's last step: the lead is open, correlated by <see cref="LeadOpened.OrderId"/>.</summary>
    [EventHandler(EndpointId = "partner_acceptance.start")]
    public static PartnerAcceptance Start(LeadOpened lead)
    {
        var saga = new PartnerAcceptance { OrderId = lead.OrderId, Candidates = [.. lead.ProviderIds] };
        saga.OfferToNext();
        return saga;
    }

    /// <summary>A provider's answer, correlated by its <c>LeadId</c>. Only the provider holding the open offer wins the lead.</summary>
    [EventHandler(EndpointId = "partner_acceptance.accepted")]
    [IdentifierMapping(nameof(OrderId), "payload.LeadId")]
    public void Accepted(PartnerAcceptedLead answer)
    {
        if (answer.ProviderId != Candidates[Offer - 1])
        {
            return;
        }

        AssignedTo = answer.ProviderId;
        RecordThat(new LeadAssigned(OrderId, answer.ProviderId, Offer));
        Complete();
    }

    /// <summary>
    /// The timeout of an offer: handled <see cref="OfferWindowMilliseconds"/> after the offer was made. An offer that was
    /// answered meanwhile (the saga completed) or replaced (a later offer is open) changes nothing.
    /// </summary>
    [EventHandler(EndpointId = "partner_acceptance.offer_expired")]
    [Asynchronous(TimeoutChannel)]
    [Delayed(OfferWindowMilliseconds)]
    public void OfferExpired(LeadOfferedToPartner offer)
    {
        if (offer.Offer != Offer)
        {
            return;
        }

        if (Offer == Candidates.Count)
        {
            RecordThat(new LeadExpired(OrderId, Offer));
            Complete();
            return;
        }

        OfferToNext();
    }

    private void OfferToNext()
    {
        Offer++;
        RecordThat(new LeadOfferedToPartner(OrderId, Candidates[Offer - 1], Offer));
    }
}
