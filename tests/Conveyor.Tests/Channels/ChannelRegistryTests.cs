using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Conveyor.Serialization;
using Conveyor.Testing;

namespace Conveyor.Tests.Channels;

public sealed class ChannelRegistryTests
{
    public sealed record Ping(int N);

    public sealed class Worker
    {
        [Asynchronous("pings")]
        [CommandHandler(EndpointId = "pings.worker")]
        public void Handle(Ping ping)
        {
        }

        [CommandHandler(EndpointId = "pongs.worker")]
        public void Handle(string pong)
        {
        }
    }

    [Fact]
    public async Task Registry_ListsLooksUpAndNamesTheKindOfEveryChannel()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c
            .AddHandler<Worker>()
            .AddInMemoryChannel("pings")
            .AddChannel("audit", _ => new InMemoryChannel("audit"), "custom"));
        var registry = flow.Services.GetRequiredService<IChannelRegistry>();

        registry.Names.ShouldBe(["audit", "pings"]);
        registry.TryGet("pings", out var pings).ShouldBeTrue();
        pings.ShouldBeOfType<InMemoryChannel>().Name.ShouldBe("pings");
        registry.TryGet("nope", out _).ShouldBeFalse();
        registry.KindOf("pings").ShouldBe("in-memory");
        registry.KindOf("audit").ShouldBe("custom");
        Should.Throw<KeyNotFoundException>(() => registry.KindOf("nope"));
    }

    [Fact]
    public async Task ChannelOfEndpoint_IsTheChannelAnAsynchronousEndpointReceivesFrom()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Worker>().AddInMemoryChannel("pings"));
        var registry = flow.Services.GetRequiredService<IChannelRegistry>();

        registry.ChannelOfEndpoint("pings.worker").ShouldBe("pings");
        registry.ChannelOfEndpoint("pongs.worker").ShouldBeNull();
        registry.ChannelOfEndpoint("nope").ShouldBeNull();
    }

    [Fact]
    public async Task Serializer_IsResolvableWithTheRegisteredConverters()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Worker>().AddInMemoryChannel("pings"));
        var serializer = flow.Services.GetRequiredService<MessageSerializer>();

        var (body, contentType) = serializer.Serialize(new Ping(7));

        serializer.Deserialize(body, contentType, typeof(Ping)).ShouldBe(new Ping(7));
    }
}
