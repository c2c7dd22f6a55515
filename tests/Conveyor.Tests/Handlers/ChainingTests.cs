using Conveyor.Testing;

namespace Conveyor.Tests.Handlers;

public sealed class ChainingTests
{
    public sealed record Order(string Id, decimal Amount);

    public sealed record Priced(string Id, decimal Total);

    public sealed record Taxed(string Id, decimal Total);

    public sealed class Results
    {
        public List<Taxed> Taxed { get; } = [];
    }

    public sealed class Pipeline(Results results)
    {
        [CommandHandler(OutputChannel = "pricing.tax")]
        public Priced Price(Order order) => new(order.Id, order.Amount + 10);

        [InternalHandler("pricing.tax", OutputChannel = "pricing.done")]
        public Taxed Tax(Priced priced) => new(priced.Id, priced.Total * 1.2m);

        [InternalHandler("pricing.done")]
        public void Done(Taxed taxed) => results.Taxed.Add(taxed);
    }

    public sealed class AsyncStep(Results results)
    {
        [CommandHandler(OutputChannel = "taxing")]
        public Priced Price(Order order) => new(order.Id, order.Amount);

        [InternalHandler("taxing", EndpointId = "tax.async")]
        public void Tax(Priced priced) => results.Taxed.Add(new Taxed(priced.Id, priced.Total * 2));
    }

    [Fact]
    public async Task OutputChannel_ChainsInternalHandlersInProcess()
    {
        var results = new Results();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Pipeline>(), s => s.AddSingleton(results));

        await flow.SendAsync(new Order("o-1", 90));

        results.Taxed.ShouldBe([new Taxed("o-1", 120m)]);
    }

    [Fact]
    public async Task OutputChannel_ToARegisteredChannel_InternalHandlerConsumesItAsynchronously()
    {
        var results = new Results();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<AsyncStep>().AddInMemoryChannel("taxing"), s => s.AddSingleton(results));

        await flow.SendAsync(new Order("o-1", 5));
        results.Taxed.ShouldBeEmpty();
        flow.RecordedMessages("taxing").Single().Headers.TargetEndpoint.ShouldBe("tax.async");

        await flow.RunAsync("taxing");

        results.Taxed.ShouldBe([new Taxed("o-1", 10m)]);
    }
}
