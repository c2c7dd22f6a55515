namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class ListCommandDynamicChannelTests
{
    public sealed record PlaceOrder(string Id);

    public sealed class Orders
    {
        [Asynchronous("tenant_orders")]
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
            .AddInMemoryChannel("tenant_orders_premium")
            .AddInMemoryChannel("tenant_orders_shared")
            .AddDynamicChannel("tenant_orders", d => d
                .SendByHeader("tenant", new Dictionary<string, string> { ["acme"] = "tenant_orders_premium" }, defaultChannel: "tenant_orders_shared")));

        var result = await CliApp.InvokeAsync(host, "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        var row = result.Row("tenant_orders");
        row.ShouldStartWith("tenant_orders ");
        row.ShouldContain("dynamic");
        row.ShouldContain("sends by header 'tenant': acme->tenant_orders_premium, default tenant_orders_shared");
        row.ShouldContain("receives round robin over tenant_orders_premium, tenant_orders_shared");
    }
}
