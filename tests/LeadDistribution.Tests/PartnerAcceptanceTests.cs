using Conveyor.Testing;

namespace LeadDistribution.Tests;

/// <summary>The partner-acceptance saga in the flow-testing host: given its state, when an answer or a timeout arrives, then its events and state.</summary>
public sealed class PartnerAcceptanceTests
{
    private static readonly TimeSpan OfferWindow = TimeSpan.FromMilliseconds(PartnerAcceptance.OfferWindowMilliseconds);

    [Fact]
    public async Task LeadOpened_StartsTheSaga_OffersToTheBestProviderFirst()
    {
        await using var flow = LeadDistributionTests.Flow(new LeadBoard());

        await flow.PublishAsync(new LeadOpened("ord-1", ["prov-anna", "prov-ben"], "normal"));

        flow.RecordedEvents.ShouldBe([new LeadOfferedToPartner("ord-1", "prov-anna", 1)]);
        var saga = (await flow.LoadAsync<PartnerAcceptance>("ord-1")).ShouldNotBeNull();
        saga.Offer.ShouldBe(1);
        saga.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task OfferWindowPasses_OnTheFakeClock_ReOffersTheLeadToTheNextProvider()
    {
        await using var flow = LeadDistributionTests.Flow(new LeadBoard());
        await flow.PublishAsync(new LeadOpened("ord-1", ["prov-anna", "prov-ben"], "normal"));
        flow.ClearRecordedEvents();

        await flow.RunAsync(PartnerAcceptance.TimeoutChannel);
        flow.RecordedEvents.ShouldBeEmpty("the timeout is not due before the offer window passed");

        flow.AdvanceTime(OfferWindow);
        await flow.RunAsync(PartnerAcceptance.TimeoutChannel);

        flow.RecordedEvents.ShouldBe([new LeadOfferedToPartner("ord-1", "prov-ben", 2)]);
        (await flow.LoadAsync<PartnerAcceptance>("ord-1"))!.Offer.ShouldBe(2);
    }

    [Fact]
    public async Task GivenAnOpenOffer_WhenTheProviderAccepts_ThenTheLeadIsAssignedAndTheSagaCompletes()
    {
        await using var flow = LeadDistributionTests.Flow(new LeadBoard());
        await flow.GivenAsync(PartnerAcceptance.Start(new LeadOpened("ord-1", ["prov-anna", "prov-ben"], "normal")));

        await flow.PublishAsync(new PartnerAcceptedLead("ord-1", "prov-anna"));

        flow.RecordedEvents.ShouldBe([new LeadAssigned("ord-1", "prov-anna", 1)]);
        var saga = (await flow.LoadAsync<PartnerAcceptance>("ord-1")).ShouldNotBeNull();
        saga.AssignedTo.ShouldBe("prov-anna");
        saga.IsCompleted.ShouldBeTrue();
    }

    [Fact]
    public async Task AcceptedBeforeTheWindowPassed_TheTimeoutChangesNothing()
    {
        var board = new LeadBoard();
        await using var flow = LeadDistributionTests.Flow(board);
        await flow.PublishAsync(new LeadOpened("ord-1", ["prov-anna", "prov-ben"], "normal"));
        await flow.PublishAsync(new PartnerAcceptedLead("ord-1", "prov-anna"));
        flow.ClearRecordedEvents();

        flow.AdvanceTime(OfferWindow);
        var run = await flow.RunAsync(PartnerAcceptance.TimeoutChannel);

        run.Finished.ShouldBe(1, "the timeout was delivered");
        flow.RecordedEvents.ShouldBeEmpty("a completed saga drops its timeouts");
        (await flow.LoadAsync<PartnerAcceptance>("ord-1"))!.AssignedTo.ShouldBe("prov-anna");
        board.Outcomes["ord-1"].ShouldBe("assigned to prov-anna on offer 1");
    }

    [Fact]
    public async Task EveryProviderLetsTheOfferPass_TheLeadExpires_AndALateAnswerIsIgnored()
    {
        var board = new LeadBoard();
        await using var flow = LeadDistributionTests.Flow(board);
        await flow.PublishAsync(new LeadOpened("ord-1", ["prov-anna", "prov-chen"], "normal"));

        flow.AdvanceTime(OfferWindow);
        await flow.RunAsync(PartnerAcceptance.TimeoutChannel);
        flow.AdvanceTime(OfferWindow);
        await flow.RunAsync(PartnerAcceptance.TimeoutChannel);
        await flow.PublishAsync(new PartnerAcceptedLead("ord-1", "prov-chen"));

        flow.RecordedEvents.ShouldBe([
            new LeadOfferedToPartner("ord-1", "prov-anna", 1),
            new LeadOfferedToPartner("ord-1", "prov-chen", 2),
            new LeadExpired("ord-1", 2),
        ]);
        var saga = (await flow.LoadAsync<PartnerAcceptance>("ord-1")).ShouldNotBeNull();
        saga.IsCompleted.ShouldBeTrue();
        saga.AssignedTo.ShouldBeNull();
        board.Outcomes["ord-1"].ShouldBe("expired after 2 offer(s)");
    }

    [Fact]
    public async Task AnOfferReachesTheProvidersApp_WhichAcceptsThroughItsChannel()
    {
        var board = new LeadBoard();
        await using var flow = LeadDistributionTests.Flow(board);

        await flow.PublishAsync(new LeadOpened("ord-1", ["prov-anna", "prov-ben"], "normal"));
        await flow.RunAsync(PartnerApps.Channel);
        flow.AdvanceTime(OfferWindow);
        await flow.RunAsync(PartnerAcceptance.TimeoutChannel);
        await flow.RunAsync(PartnerApps.Channel);

        board.Offers.Select(o => o.ProviderId).ShouldBe(["prov-anna", "prov-ben"]);
        board.Outcomes["ord-1"].ShouldBe("assigned to prov-ben on offer 2", "prov-ben is responsive");
    }
}
