using Conveyor.Testing;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Handlers;

public sealed class SingletonHandlerTests
{
    public sealed record Ping(int N);

    public sealed record Pong(int N);

    public sealed class Pongs
    {
        public List<int> Received { get; } = [];
    }

    public sealed class PingHandler(ICommandBus bus, Pongs pongs)
    {
        [CommandHandler]
        public ValueTask OnPing(Ping ping) => bus.SendAsync(new Pong(ping.N));

        [CommandHandler]
        public void OnPong(Pong pong) => pongs.Received.Add(pong.N);
    }

    public sealed class Unconstructible(Pongs pongs, IDisposable missing)
    {
        [CommandHandler]
        public void On(Ping ping) => _ = (pongs, missing);
    }

    [Fact]
    public async Task Bootstrap_SingletonHandlerDependingOnTheBus_StartsAndSends()
    {
        var start = Task.Run(() => ConveyorFlow.Bootstrap(
            c => c.AddHandler<PingHandler>().UseHandlerLifetime(ServiceLifetime.Singleton),
            s => s.AddSingleton<Pongs>()));
        (await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30)))).ShouldBe(start, "building the runtime hung");
        await using var flow = await start;

        await flow.SendAsync(new Ping(7));

        flow.Services.GetRequiredService<Pongs>().Received.ShouldBe([7]);
    }

    [Fact]
    public async Task StartAsync_SingletonHandlerMissingADependency_FailsAtStartUp()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Pongs>();
        builder.Services.AddConveyor(c => c.AddHandler<Unconstructible>().UseHandlerLifetime(ServiceLifetime.Singleton));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        error.Message.ShouldContain(nameof(IDisposable));
    }
}
