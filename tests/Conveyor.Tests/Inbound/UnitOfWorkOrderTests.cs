using Conveyor.Outgoing;
using Conveyor.Testing;
using Conveyor.UnitOfWork;

namespace Conveyor.Tests.Inbound;

/// <summary>The pipeline's steps around a store's unit of work, in the order a transactional store relies on.</summary>
public sealed class UnitOfWorkOrderTests
{
    public sealed record Ship(string Id, bool Fail);

    public sealed record Shipped(string Id);

    public sealed class Steps
    {
        public List<string> Seen { get; } = [];

        public void Add(string step)
        {
            lock (Seen)
            {
                Seen.Add(step);
            }
        }
    }

    public sealed class Shipping(IEventBus events, Steps steps)
    {
        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "ship")]
        public async Task Handle(Ship command)
        {
            steps.Add("handler");
            await events.PublishAsync(new Shipped(command.Id));
            if (command.Fail)
            {
                throw new InvalidOperationException("carrier down");
            }
        }

        [Asynchronous("events")]
        [EventHandler(EndpointId = "shipped.audit")]
        public void Audit(Shipped shipped)
        {
        }
    }

    /// <summary>A store's unit of work as far as the pipeline can tell: it records when it begins, enlists, commits and rolls back.</summary>
    public sealed class RecordingUnitOfWorkFactory(Steps steps) : IUnitOfWorkFactory
    {
        public ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken)
        {
            steps.Add("begin");
            return ValueTask.FromResult<IUnitOfWork>(new Recording(new InMemoryUnitOfWork(services), steps));
        }

        private sealed class Recording(InMemoryUnitOfWork inner, Steps steps) : IUnitOfWork
        {
            public IServiceProvider Services => inner.Services;

            public void Enlist(IUnitOfWorkParticipant participant)
            {
                steps.Add("claim");
                inner.Enlist(participant);
            }

            public ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                steps.Add("commit");
                return inner.CommitAsync(cancellationToken);
            }

            public ValueTask RollbackAsync(CancellationToken cancellationToken)
            {
                steps.Add("rollback");
                return inner.RollbackAsync(cancellationToken);
            }
        }
    }

    public sealed class RecordingMiddleware(Steps steps) : IOutgoingMiddleware
    {
        public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
        {
            if (message.Destination == "events")
            {
                steps.Add(message.UnitOfWork is null ? "hand over outside the unit of work" : "hand over");
            }

            return next(message, cancellationToken);
        }
    }

    private static ConveyorFlow Start(Steps steps) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Shipping>().AddInMemoryChannel("shipping").AddInMemoryChannel("events").AddOutgoingMiddleware<RecordingMiddleware>(),
        s => s.AddSingleton(steps).AddSingleton<IUnitOfWorkFactory, RecordingUnitOfWorkFactory>());

    [Fact]
    public async Task HandledMessage_ClaimsInsideTheUnitOfWork_HandsOverWhatItSent_ThenCommits()
    {
        var steps = new Steps();
        await using var flow = Start(steps);
        await flow.SendAsync(new Ship("s-1", Fail: false));

        await flow.RunAsync("shipping");

        steps.Seen.ShouldBe(["begin", "claim", "handler", "hand over", "commit"]);
    }

    [Fact]
    public async Task FailingHandler_RollsBack_AndHandsNothingOver()
    {
        var steps = new Steps();
        await using var flow = Start(steps);
        await flow.SendAsync(new Ship("s-1", Fail: true));

        await flow.RunAsync("shipping", expectFailures: true);

        steps.Seen.ShouldBe(["begin", "claim", "handler", "rollback"]);
        flow.RecordedMessages("events").ShouldBeEmpty();
    }

    [Fact]
    public async Task Duplicate_IsSkippedInsideItsOwnUnitOfWork_WithoutTheHandler()
    {
        var steps = new Steps();
        await using var flow = Start(steps);
        await flow.SendAsync(new Ship("s-1", Fail: false));
        var first = flow.RecordedMessages("shipping").ShouldHaveSingleItem();
        await flow.Channel("shipping").SendAsync(first.Copy(), CancellationToken.None);

        var run = await flow.RunAsync("shipping");

        run.Duplicates.ShouldBe(1);
        steps.Seen.ShouldBe(["begin", "claim", "handler", "hand over", "commit", "begin", "rollback"]);
    }
}
