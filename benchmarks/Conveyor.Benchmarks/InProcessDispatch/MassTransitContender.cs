using MassTransit;
using MassTransit.Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.InProcessDispatch;

public sealed class MassTransitPlaceOrderConsumer : IConsumer<PlaceOrder>
{
    public Task Consume(ConsumeContext<PlaceOrder> context)
    {
        OrderBook.Add(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>MassTransit's in-process mediator with one consumer, called through its <see cref="IMediator"/>.</summary>
internal static class MassTransitContender
{
    public static (ServiceProvider Services, IMediator Mediator) Start()
    {
        var services = new ServiceCollection();
        services.AddMediator(cfg => cfg.AddConsumer<MassTransitPlaceOrderConsumer>());
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IMediator>());
    }
}
