using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Transports.FileQueue.Tests;

public sealed class FileQueueEndToEndTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public sealed record ShipParcel(string ParcelId);

    public sealed class Shipped
    {
        public ConcurrentQueue<(string ParcelId, string? Tenant)> Parcels { get; } = new();
    }

    public sealed class Shipping(Shipped shipped)
    {
        [Asynchronous("parcels")]
        [CommandHandler(EndpointId = "parcels.ship")]
        public void Handle(ShipParcel command, MessageHeaders headers) => shipped.Parcels.Enqueue((command.ParcelId, headers.Get("tenant")));
    }

    [Fact]
    public async Task CommandSentToAFileQueueChannel_IsWrittenToTheDirectory_AndHandledByItsHandler()
    {
        var shipped = new Shipped();
        var services = new ServiceCollection()
            .AddSingleton(shipped)
            .AddConveyor(c => c.AddHandler<Shipping>().AddFileQueueChannel("parcels", _directory.Path));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var bus = provider.GetRequiredService<ICommandBus>();

        await bus.SendAsync(new ShipParcel("p-1"), new Dictionary<string, string> { ["tenant"] = "acme" });
        await bus.SendAsync(new ShipParcel("p-2"));

        Directory.GetFiles(_directory.Path, "*.json").Length.ShouldBe(2, "the sends wait in the directory until consumed");
        shipped.Parcels.ShouldBeEmpty();

        var result = await provider.GetRequiredService<IConsumerRunner>()
            .RunAsync("parcels", new ConsumerRunOptions { StopWhenEmpty = true })
            .WaitAsync(TimeSpan.FromSeconds(30));

        result.Finished.ShouldBe(2);
        shipped.Parcels.ShouldBe([("p-1", "acme"), ("p-2", null)]);
        Directory.GetFiles(_directory.Path, "*.json").ShouldBeEmpty();
    }

    public void Dispose() => _directory.Dispose();
}
