using Conveyor.Channels;

namespace Conveyor.Tests.Messages;

public sealed class OnDemandHeadersTests
{
    private sealed class Offsets : OnDemandHeaders
    {
        public int Added { get; private set; }

        public override int Count => 2;

        public override bool Provides(string name) => name is "offset" or "gone";

        public override void AddTo(IDictionary<string, string> values)
        {
            Added++;
            values["offset"] = "42";
            values.Remove("gone");
        }
    }

    private static (MessageHeaders Headers, Offsets OnDemand) Headers()
    {
        var onDemand = new Offsets();
        var headers = new MessageHeaders(2, onDemand);
        headers.Set(MessageHeaderNames.MessageId, "m-1");
        return (headers, onDemand);
    }

    [Fact]
    public void ReadingOtherHeaders_DoesNotMakeThem()
    {
        var (headers, onDemand) = Headers();

        Assert.Equal("m-1", headers.MessageId);
        Assert.Null(headers.Get("other"));
        headers.Set("note", "n");

        Assert.Equal(0, onDemand.Added);
    }

    [Fact]
    public void ReadingOneByName_MakesThemOnce()
    {
        var (headers, onDemand) = Headers();

        Assert.Equal("42", headers.Get("offset"));
        Assert.True(headers.TryGetValue("offset", out _));
        Assert.Equal("42", headers["offset"]);

        Assert.Equal(1, onDemand.Added);
        Assert.Equal("m-1", headers.MessageId);
    }

    [Fact]
    public void EnumeratingCountingOrCopying_SeesThem()
    {
        foreach (var read in new Func<MessageHeaders, IReadOnlyDictionary<string, string>>[]
                 {
                     h => h.ToDictionary(e => e.Key, e => e.Value),
                     h => h.Clone(),
                 })
        {
            var (headers, _) = Headers();
            var seen = read(headers);
            Assert.Equal("42", seen["offset"]);
            Assert.Equal("m-1", seen[MessageHeaderNames.MessageId]);
        }

        Assert.Equal(2, Headers().Headers.Count);
    }

    [Fact]
    public void SettingOne_ReplacesTheMadeValue()
    {
        var (headers, onDemand) = Headers();

        headers.Set("offset", "7");

        Assert.Equal("7", headers.Get("offset"));
        Assert.Equal(1, onDemand.Added);
    }

    [Fact]
    public void ConcurrentFirstReads_MakeThemOnce()
    {
        var (headers, onDemand) = Headers();

        Parallel.For(0, 64, _ => Assert.Equal("42", headers.Get("offset")));

        Assert.Equal(1, onDemand.Added);
    }
}
