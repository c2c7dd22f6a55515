using Conveyor.Channels;

namespace Conveyor.Tests.Messages;

public sealed class OnDemandHeadersTests
{
    private sealed class Offsets : OnDemandHeaders
    {
        public int Added { get; private set; }

        public override int Count => 2;

        public override bool Provides(string name) => name is "offset" or "gone";

        public override void AddTo(MessageHeaders headers)
        {
            Added++;
            headers.Set("offset", "42");
            headers.Set("gone", null);
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
    public void ManyHeaders_KeepTheirValues()
    {
        var headers = new MessageHeaders();
        for (var i = 0; i < 40; i++)
        {
            headers.Set($"h{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        headers.Set("h3", null);
        headers.Set("h5", "five");

        Assert.Equal(39, headers.Count);
        Assert.Null(headers.Get("h3"));
        Assert.Equal("five", headers["h5"]);
        Assert.Equal("39", headers.Get("h39"));
        Assert.Equal(headers.Count, headers.Clone().Count);
    }

    [Fact]
    public void Removing_KeepsTheOrderOfTheRest()
    {
        var headers = new MessageHeaders([new("a", "1"), new("b", "2"), new("c", "3")]);

        headers.Set("b", null);
        headers.Set("d", "4");

        Assert.Equal(["a", "c", "d"], headers.Keys);
        Assert.Throws<KeyNotFoundException>(() => headers["b"]);
        Assert.Throws<ArgumentException>(() => new MessageHeaders([new("a", "1"), new("a", "2")]));
    }

    [Fact]
    public void ConcurrentFirstReads_MakeThemOnce()
    {
        var (headers, onDemand) = Headers();

        Parallel.For(0, 64, _ => Assert.Equal("42", headers.Get("offset")));

        Assert.Equal(1, onDemand.Added);
    }
}
