using Conveyor.Testing;

namespace Conveyor.Tests.Aggregates;

public sealed class AsynchronousAggregateTests
{
    public sealed record RegisterDevice(int DeviceId, string Site);

    public sealed record RenameDevice(int DeviceId, string Name);

    public sealed record RetireDevice(string Reason);

    public sealed record DeviceRenamed(int DeviceId, string Name);

    [Aggregate(Name = "device")]
    public sealed class Device : AggregateRoot
    {
        [Identifier]
        public int DeviceId { get; private set; }

        [Identifier]
        public string Site { get; private set; } = "";

        public string? Name { get; private set; }

        public bool Retired { get; private set; }

        [Asynchronous("devices")]
        [CommandHandler(EndpointId = "device.register")]
        public static Device Register(RegisterDevice command) => new() { DeviceId = command.DeviceId, Site = command.Site };

        [Asynchronous("devices")]
        [CommandHandler("device.rename", EndpointId = "device.rename")]
        [IdentifierMapping("Site", "header.site")]
        public void Rename(RenameDevice command)
        {
            Name = command.Name;
            RecordThat(new DeviceRenamed(DeviceId, command.Name), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = "by-hand" });
        }

        [Asynchronous("devices")]
        [CommandHandler(EndpointId = "device.retire")]
        [IdentifierMapping("DeviceId", "header.device")]
        [IdentifierMapping("Site", "header.site")]
        [AggregateNotFound(AggregateNotFoundPolicy.Drop)]
        public void Retire(RetireDevice command) => Retired = true;
    }

    public sealed class DeviceProjection
    {
        [Asynchronous("device-events")]
        [EventHandler(EndpointId = "device.renamed")]
        public void On(DeviceRenamed renamed)
        {
        }
    }

    private static ConveyorFlow Start() => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Device>().AddHandler<DeviceProjection>().AddInMemoryChannel("devices").AddInMemoryChannel("device-events"),
        options: new ConveyorFlowOptions { });

    private static Dictionary<string, string> Headers(params (string Name, string Value)[] headers) => headers.ToDictionary(h => h.Name, h => h.Value);

    [Fact]
    public async Task Commands_OverAChannel_CarryTheCompositeIdentifierAsPartitionKey()
    {
        await using var flow = Start();

        await flow.SendAsync(new RegisterDevice(7, "ams"));
        await flow.SendAsync(new RenameDevice(7, "scanner"), Headers(("site", "ams")));

        flow.RecordedMessages("devices").Select(m => m.Headers.Get(MessageHeaderNames.PartitionKey)).ShouldBe(["""["7","ams"]""", """["7","ams"]"""]);
    }

    [Fact]
    public async Task Bug_ASendByRoutingKeyWithASerializedBody_FailedToReadThePartitionKeyFromIt()
    {
        await using var flow = Start();
        await flow.SendAsync(new RegisterDevice(7, "ams"));

        await flow.CommandBus.SendWithRoutingAsync("device.rename", """{"deviceId":7,"name":"scanner"}""", Headers(("site", "ams")));
        (await flow.RunAsync("devices")).Finished.ShouldBe(2);

        flow.RecordedMessages("devices")[1].Headers.Get(MessageHeaderNames.PartitionKey).ShouldNotBe("""["7","ams"]""", "the body is not read to key the message");
        (await flow.LoadAsync<Device>("""["7","ams"]"""))!.Name.ShouldBe("scanner");
    }

    [Fact]
    public async Task ExplicitPartitionKey_WinsOverTheIdentifier()
    {
        await using var flow = Start();

        await flow.SendAsync(new RegisterDevice(7, "ams"), Headers((MessageHeaderNames.PartitionKey, "mine")));

        flow.RecordedMessages("devices").ShouldHaveSingleItem().Headers.Get(MessageHeaderNames.PartitionKey).ShouldBe("mine");
    }

    [Fact]
    public async Task AsynchronousCommands_LoadAndSave_EventsLeaveWithTheirHeaders_AnExplicitPartitionKeyWins()
    {
        await using var flow = Start();
        await flow.SendAsync(new RegisterDevice(7, "ams"));
        await flow.SendAsync(new RenameDevice(7, "scanner"), Headers(("site", "ams")));

        (await flow.RunAsync("devices")).Finished.ShouldBe(2);

        (await flow.LoadAsync<Device>("""["7","ams"]""")).ShouldNotBeNull().Name.ShouldBe("scanner");
        var renamed = flow.RecordedMessages("device-events").ShouldHaveSingleItem();
        renamed.Headers.Get(MessageHeaderNames.AggregateId).ShouldBe("""["7","ams"]""");
        renamed.Headers.Get(MessageHeaderNames.AggregateType).ShouldBe("device");
        renamed.Headers.Get(MessageHeaderNames.PartitionKey).ShouldBe("by-hand");
    }

    [Fact]
    public async Task NotFound_GoesToTheDeadLetterWithTheReason()
    {
        await using var flow = Start();
        await flow.SendAsync(new RenameDevice(9, "x"), Headers(("site", "ams")));

        await flow.RunAsync("devices", expectFailures: true);

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.EndpointId.ShouldBe("device.rename");
        deadLetter.ExceptionType.ShouldBe(typeof(AggregateNotFoundException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("""no device has identifier '["9","ams"]'""");
        deadLetter.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task NotFound_WithTheDropPolicy_IsHandledWithoutADeadLetter()
    {
        await using var flow = Start();
        await flow.SendAsync(new RetireDevice("old"), Headers(("device", "9"), ("site", "ams")));

        (await flow.RunAsync("devices")).Finished.ShouldBe(1);

        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
        (await flow.LoadAsync<Device>("""["9","ams"]""")).ShouldBeNull();
    }

    [Theory]
    [InlineData("not-a-number", "is 'not-a-number', which is not a valid Int32")]
    [InlineData("", "is missing or empty")]
    public async Task MalformedIdentifier_GoesToTheDeadLetterWithTheReason(string device, string reason)
    {
        await using var flow = Start();
        await flow.SendAsync(new RegisterDevice(7, "ams"));
        await flow.SendAsync(new RetireDevice("old"), Headers(("device", device), ("site", "ams")));

        await flow.RunAsync("devices", expectFailures: true);

        var retire = flow.RecordedMessages("devices")[1];
        retire.Headers.Get(MessageHeaderNames.PartitionKey).ShouldNotBe("""["7","ams"]""");
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.EndpointId.ShouldBe("device.retire");
        deadLetter.ExceptionType.ShouldBe(typeof(AggregateIdentifierException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("identifier DeviceId from header 'device' " + reason);
        (await flow.LoadAsync<Device>("""["7","ams"]"""))!.Retired.ShouldBeFalse();
    }
}
