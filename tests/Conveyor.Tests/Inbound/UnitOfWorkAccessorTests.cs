using Conveyor.Testing;
using Conveyor.UnitOfWork;

namespace Conveyor.Tests.Inbound;

/// <summary>The scope's <see cref="UnitOfWorkAccessor"/> holds the unit of work of the message handled in it, and nothing elsewhere.</summary>
public sealed class UnitOfWorkAccessorTests
{
    public sealed record Ship(string Id);

    public sealed class Seen
    {
        public List<(IUnitOfWork? UnitOfWork, IServiceProvider Scope)> Units { get; } = [];
    }

    public sealed class Shipping(UnitOfWorkAccessor accessor, IServiceProvider scope, Seen seen)
    {
        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "ship")]
        public void Handle(Ship command) => seen.Units.Add((accessor.Current, scope));
    }

    [Fact]
    public async Task WhileAMessageIsHandled_TheScopesAccessorHoldsItsUnitOfWork()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Shipping>().AddInMemoryChannel("shipping"), s => s.AddSingleton(seen));
        await flow.SendAsync(new Ship("s-1"));
        await flow.SendAsync(new Ship("s-2"));

        await flow.RunAsync("shipping");

        seen.Units.Count.ShouldBe(2);
        foreach (var (unitOfWork, scope) in seen.Units)
        {
            unitOfWork.ShouldNotBeNull().Services.ShouldBeSameAs(scope);
        }

        seen.Units[0].UnitOfWork.ShouldNotBeSameAs(seen.Units[1].UnitOfWork, "each message has a unit of work of its own");
    }

    [Fact]
    public async Task OutsideAHandledMessage_TheAccessorIsEmpty()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Shipping>().AddInMemoryChannel("shipping"), s => s.AddSingleton(new Seen()));
        await using var scope = flow.Services.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<UnitOfWorkAccessor>().Current.ShouldBeNull();
    }
}
