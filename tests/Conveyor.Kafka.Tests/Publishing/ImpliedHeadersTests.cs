using Conveyor.Channels;
using Conveyor.Kafka.Publishing;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>The implied target endpoint is the routing's answer, asked once per question while it repeats.</summary>
public sealed class ImpliedHeadersTests
{
    private sealed class CountingRouting : IChannelRouting
    {
        public int Questions { get; private set; }

        public bool ImpliesTargetEndpoint(string channel, string endpointId, string? name)
        {
            Questions++;
            return endpointId == "a" && channel == "orders";
        }
    }

    [Fact]
    public void AnswersEachQuestionAsTheRoutingDoes_AskingItOnceWhileTheQuestionRepeats()
    {
        var routing = new CountingRouting();
        var implied = new ImpliedHeaders("orders", routing);
        var names = Enumerable.Range(0, 40).Select(i => $"name-{i}").ToArray();

        foreach (var name in names)
        {
            implied.TargetEndpoint("a", name).ShouldBeTrue();
            implied.TargetEndpoint("b", name).ShouldBeFalse();
        }

        var asked = routing.Questions;
        asked.ShouldBe(80);
        for (var i = 0; i < 100; i++)
        {
            implied.TargetEndpoint("a", names[0]).ShouldBeTrue();
        }

        routing.Questions.ShouldBeInRange(asked, asked + 1, "asked again at most once (its slot may have been taken since), then answered from the channel");

        // An equal string that is another object is asked again, and answered the same.
        implied.TargetEndpoint(new string("a".AsSpan()), new string(names[0].AsSpan())).ShouldBeTrue();
    }

    [Fact]
    public void WithoutRouting_NothingIsImplied() =>
        new ImpliedHeaders("orders", routing: null).TargetEndpoint("a", "name").ShouldBeFalse();
}
