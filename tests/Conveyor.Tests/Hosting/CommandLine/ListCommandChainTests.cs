namespace Conveyor.Tests.Hosting.CommandLine;

[Collection(ConsoleCollection.Name)]
public sealed class ListCommandChainTests
{
    public sealed record Notify(string Id);

    public sealed class Notifications
    {
        [Asynchronous("staging", "notifications")]
        [CommandHandler(EndpointId = "notify")]
        public void Handle(Notify command)
        {
        }
    }

    [Fact]
    public async Task List_ChainedEndpoint_ShowsItsChannelsInOrder_AndWhatEachChannelDoesWithIt()
    {
        var app = new CliApp();
        var host = app.BuildHost(c => c.AddHandler<Notifications>().AddInMemoryChannel("staging").AddInMemoryChannel("notifications"));

        var result = await CliApp.InvokeAsync(host, "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Row("notify").ShouldMatch(@"^notify\s+command\s+Notifications\.Handle\s+staging -> notifications\s+async\s+Notify$");
        result.Row("staging").ShouldMatch(@"^staging\s+in-memory\s+-\s+0\s+notify \(forwards to notifications\)$");
        result.Row("notifications").ShouldMatch(@"^notifications\s+in-memory\s+-\s+0\s+notify$");
    }
}
