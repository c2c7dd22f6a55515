using Conveyor.Channels;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Hosting;

/// <summary>Start-up warns about a registered channel nothing uses: most often a typo on one side.</summary>
public sealed class UnusedChannelWarningTests
{
    public sealed record Ping;

    public sealed record Pong;

    public sealed class Worker
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.worker", OutputChannel = "pongs")]
        [ErrorChannel("order.failures")]
        public Pong Handle(Ping ping) => new();
    }

    /// <summary>A channel that can only be sent to, as a named publisher is: it is used through DI.</summary>
    public sealed class SendOnlyChannel(string name) : IMessageChannel
    {
        public string Name => name;

        public ChannelCapabilities Capabilities => ChannelCapabilities.SendOnly;

        public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static List<string> WarningsFor(Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var logs = new CapturedLogs();
        var collection = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services?.Invoke(collection);
        collection.AddConveyor(configure);
        using var provider = collection.BuildServiceProvider();
        provider.GetRequiredService<ConveyorRuntime>();
        return [.. logs.Entries.Where(e => e.EventId == 3008 && e.Level == LogLevel.Warning).Select(e => e.Message)];
    }

    [Fact]
    public void Bug_StartUp_ChannelNothingUses_IsAWarningNamingIt()
    {
        var warnings = WarningsFor(c => c
            .AddHandler<Worker>()
            .AddInMemoryChannel("orders")
            .AddInMemoryChannel("pongs")
            .AddInMemoryChannel("order.failures")
            .AddInMemoryChannel("oders"));

        warnings.ShouldHaveSingleItem().ShouldStartWith("Channel oders (in-memory) is registered but nothing uses it");
    }

    [Fact]
    public void StartUp_SendOnlyChannelsAndChannelsNamedLikeAKeyedService_AreNotWarnedAbout()
    {
        var warnings = WarningsFor(
            c => c
                .AddHandler<Worker>()
                .AddInMemoryChannel("orders")
                .AddInMemoryChannel("pongs")
                .AddInMemoryChannel("order.failures")
                .AddChannel("partner_feed", _ => new SendOnlyChannel("partner_feed"), "test-publisher")
                .AddInMemoryChannel("stock_publisher"),
            s => s.AddKeyedSingleton("stock_publisher", new object()));

        warnings.ShouldBeEmpty();
    }
}
