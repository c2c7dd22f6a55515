using Conveyor.Testing;

namespace Conveyor.Tests.Outgoing;

public sealed class DelayedHandlerTests
{
    public sealed record Remind(string Id);

    public sealed record Note(string Id);

    public sealed class Handled
    {
        public List<string> Ids { get; } = [];
    }

    public sealed class Reminders(Handled handled)
    {
        [Asynchronous("reminders")]
        [CommandHandler(EndpointId = "remind")]
        [Delayed("00:10:00")]
        public void Remind(Remind command) => handled.Ids.Add("remind " + command.Id);

        [Asynchronous("reminders")]
        [CommandHandler(EndpointId = "note")]
        public void Note(Note command) => handled.Ids.Add("note " + command.Id);
    }

    public sealed class Misplaced
    {
        [CommandHandler]
        [Delayed(1000)]
        public void Handle(Note command)
        {
        }
    }

    [Fact]
    public async Task DelayedHandler_TenMinutes_WaitsForTheClockWithoutHoldingLaterMessages()
    {
        var handled = new Handled();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Reminders>().AddInMemoryChannel("reminders"), s => s.AddSingleton(handled));

        await flow.SendAsync(new Remind("r-1"));
        await flow.SendAsync(new Note("n-1"));
        await flow.RunAsync("reminders");
        handled.Ids.ShouldBe(["note n-1"], "the note sent after the reminder is handled while the reminder waits");

        flow.AdvanceTime(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        await flow.RunAsync("reminders");
        handled.Ids.ShouldBe(["note n-1"]);

        flow.AdvanceTime(TimeSpan.FromMilliseconds(1));
        await flow.RunAsync("reminders");
        handled.Ids.ShouldBe(["note n-1", "remind r-1"]);
    }

    [Fact]
    public void DelayedOnASynchronousHandler_FailsAtStartUp()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandler<Misplaced>()));
        error.Message.ShouldContain("[Delayed] works on asynchronous command and event handlers only");
    }
}
