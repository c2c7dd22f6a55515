using Conveyor.Testing;

namespace Conveyor.Tests.Aggregates;

public sealed class StateStoredAggregateTests
{
    private static ConveyorFlow Start(TicketEvents? events = null, LoadBarrier? barrier = null) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Ticket>().AddHandler<TicketEvents>(),
        s => s.AddSingleton(events ?? new TicketEvents()).AddSingleton(barrier ?? new LoadBarrier(1)));

    [Fact]
    public async Task FactoryCommand_CreatesTheAggregate_AndPublishesItsEventAfterTheSave()
    {
        var events = new TicketEvents();
        await using var flow = Start(events);

        await flow.SendAsync(new OpenTicket("t-1", "printer on fire"));

        var ticket = (await flow.LoadAsync<Ticket>("t-1")).ShouldNotBeNull();
        ticket.Title.ShouldBe("printer on fire");
        ticket.Version.ShouldBe(1);
        var (opened, headers) = events.Seen.ShouldHaveSingleItem();
        opened.ShouldBe(new TicketOpened("t-1"));
        headers.Get(MessageHeaderNames.AggregateId).ShouldBe("t-1");
        headers.Get(MessageHeaderNames.AggregateType).ShouldBe("Ticket");
        headers.Get(MessageHeaderNames.PartitionKey).ShouldBe("t-1");
    }

    [Fact]
    public async Task InstanceCommand_RoutedByThePayloadPropertyOfTheSameName_ChangesThatInstanceOnly()
    {
        var events = new TicketEvents();
        await using var flow = Start(events);
        await flow.SendAsync(new OpenTicket("t-1", "a"));
        await flow.SendAsync(new OpenTicket("t-2", "b"));

        await flow.SendAsync(new CloseTicket("t-2"));

        (await flow.LoadAsync<Ticket>("t-1"))!.IsClosed.ShouldBeFalse();
        var closed = (await flow.LoadAsync<Ticket>("t-2"))!;
        closed.IsClosed.ShouldBeTrue();
        closed.Version.ShouldBe(2);
        events.Seen[^1].Event.ShouldBe(new TicketClosed("t-2"));
    }

    [Fact]
    public async Task InstanceCommand_RoutedByAnIdentifierMappingToAnotherPayloadProperty()
    {
        await using var flow = Start();
        await flow.SendAsync(new OpenTicket("t-1", "a"));

        await flow.SendAsync(new ReassignTicket("t-1", "ada"));

        (await flow.LoadAsync<Ticket>("t-1"))!.Assignee.ShouldBe("ada");
    }

    [Fact]
    public async Task InstanceCommand_RoutedByAnIdentifierMappingToAHeader()
    {
        await using var flow = Start();
        await flow.SendAsync(new OpenTicket("t-1", "a"));

        await flow.SendAsync(new EscalateTicket("angry customer"), new Dictionary<string, string> { ["ticket"] = "t-1" });

        (await flow.LoadAsync<Ticket>("t-1"))!.Comments.ShouldBe(["escalated: angry customer"]);
    }

    [Fact]
    public async Task DomainRule_Fails_NothingSavedNothingPublished()
    {
        var events = new TicketEvents();
        await using var flow = Start(events);
        await flow.SendAsync(new OpenTicket("t-1", "a"));
        await flow.SendAsync(new CloseTicket("t-1"));

        await Should.ThrowAsync<InvalidOperationException>(async () => await flow.SendAsync(new CloseTicket("t-1")));

        (await flow.LoadAsync<Ticket>("t-1"))!.Version.ShouldBe(2);
        events.Seen.Count.ShouldBe(2);
    }

    [Fact]
    public async Task NotFound_ByDefault_FailsWithTheReason()
    {
        await using var flow = Start();

        var error = await Should.ThrowAsync<AggregateNotFoundException>(async () => await flow.SendAsync(new CloseTicket("nope")));

        error.Message.ShouldContain("no Ticket has identifier 'nope'");
        error.Message.ShouldContain("AggregateNotFoundPolicy.Drop");
    }

    [Fact]
    public async Task NotFound_WithTheDropPolicy_DoesNotRunTheHandlerAndCreatesNothing()
    {
        await using var flow = Start();

        await flow.SendAsync(new EscalateTicket("x"), new Dictionary<string, string> { ["ticket"] = "nope" });

        (await flow.LoadAsync<Ticket>("nope")).ShouldBeNull();
    }

    [Fact]
    public async Task CreatingTwice_Conflicts()
    {
        await using var flow = Start();
        await flow.SendAsync(new OpenTicket("t-1", "a"));

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(async () => await flow.SendAsync(new OpenTicket("t-1", "again")));

        conflict.Message.ShouldContain("exists already");
        (await flow.LoadAsync<Ticket>("t-1"))!.Title.ShouldBe("a");
    }

    [Fact]
    public async Task TwoConcurrentCommands_WithoutRetries_OneWinsTheOtherFailsWithTheConflict()
    {
        var barrier = new LoadBarrier(2);
        await using var flow = Start(barrier: barrier);
        await flow.SendAsync(new OpenTicket("t-1", "a"));

        var results = await Task.WhenAll(
            Attempt(() => flow.SendAsync(new NoteOnTicket("t-1", "first"))),
            Attempt(() => flow.SendAsync(new NoteOnTicket("t-1", "second"))));

        results.Count(e => e is null).ShouldBe(1);
        results.Single(e => e is not null).ShouldBeOfType<ConcurrencyConflictException>().Message.ShouldContain("is at version 2, not 1 as loaded");
        var ticket = (await flow.LoadAsync<Ticket>("t-1"))!;
        ticket.Comments.Count.ShouldBe(1);
        ticket.Version.ShouldBe(2);
    }

    [Fact]
    public async Task TwoConcurrentCommands_WithInstantRetries_TheLoserReloadsAndBothApply()
    {
        var barrier = new LoadBarrier(2);
        await using var flow = Start(barrier: barrier);
        await flow.SendAsync(new OpenTicket("t-1", "a"));

        await Task.WhenAll(
            Task.Run(async () => await flow.SendAsync(new CommentOnTicket("t-1", "first"))),
            Task.Run(async () => await flow.SendAsync(new CommentOnTicket("t-1", "second"))));

        var ticket = (await flow.LoadAsync<Ticket>("t-1"))!;
        ticket.Comments.Order().ShouldBe(["first", "second"]);
        ticket.Version.ShouldBe(3);
    }

    private static Task<Exception?> Attempt(Func<ValueTask> send) => Task.Run(async () =>
    {
        try
        {
            await send();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    });
}
