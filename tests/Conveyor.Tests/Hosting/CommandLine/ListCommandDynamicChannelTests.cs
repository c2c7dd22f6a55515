namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class ListCommandDynamicChannelTests
{
    public sealed record PlaceOrder(string Id);

    public sealed class Orders
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public void Handle(PlaceOrder command)
        {
        }
    }

    [Fact]
    public async Task List_DynamicChannel_ShowsHowItSendsAndReceives_OverItsSubChannels()
    {
        var app = new CliApp();
        var host = app.BuildHost(c => c
            .AddHandler<Orders>()
            .AddInMemoryChannel("orders_premium")
            .AddInMemoryChannel("orders_shared")
            .AddDynamicChannel("orders", d => d
                .SendByHeader("tenant", new Dictionary<string, string> { ["acme"] = "orders_premium" }, defaultChannel: "orders_shared")));

        var result = await CliApp.InvokeAsync(host, "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        var row = result.Row("orders");
        row.ShouldStartWith("orders ");
        row.ShouldContain("dynamic");
        row.ShouldContain("sends by header 'tenant': acme->orders_premium, default orders_shared");
        row.ShouldContain("orders_premium");
        row.ShouldContain("orders_shared");
        row.ShouldContain("receives round robin");
    }
}
