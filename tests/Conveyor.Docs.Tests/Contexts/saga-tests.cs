// What docs/testing.md's aggregate and saga tests use but do not show: the flow under test and the application's
// saga, aggregate and messages (the saga of docs/modelling.md, cut to what the tests touch).
using Conveyor;
using Conveyor.Testing;

internal sealed partial class Snippets
{
    private ConveyorFlow flow => null!;
}

public sealed record LeadOpened(string OrderId, string[] ProviderIds);

public sealed record LeadOfferedToPartner(string OrderId, string ProviderId, int Offer);

public sealed record PartnerAcceptedLead(string LeadId, string ProviderId);

public sealed record LeadAssigned(string OrderId, string ProviderId);

[Saga]
public sealed class PartnerAcceptance : Saga
{
    [Identifier]
    public string OrderId { get; private set; } = "";

    public int Offer { get; private set; }

    public string? AssignedTo { get; private set; }

    [EventHandler]
    public static PartnerAcceptance Start(LeadOpened lead) => new() { OrderId = lead.OrderId, Offer = 1 };
}

public sealed record Withdrawn(decimal Amount);

public sealed record AccountOpened(Guid AccountId);

[EventSourcedAggregate]
public sealed class Account : AggregateRoot
{
    [Identifier]
    public Guid AccountId { get; private set; }

    public decimal Balance { get; private set; }

    [EventSourcingHandler]
    private void On(AccountOpened opened) => AccountId = opened.AccountId;

    [EventSourcingHandler]
    private void On(Withdrawn withdrawn) => Balance -= withdrawn.Amount;
}
