namespace Conveyor.Tests.Messages;

public sealed class MessageHeadersTests
{
    [Fact]
    public void SetGetAndRemove_KeepTheOrderTheHeadersWereFirstSet()
    {
        var headers = new MessageHeaders(2);
        headers.Set("a", "1");
        headers.Set("b", "2");
        headers.Set("c", "3");
        headers.Set("b", "two");
        headers.Set("a", null);
        headers.Set("d", "4");
        headers.Set("missing", null);

        headers.Select(h => $"{h.Key}={h.Value}").ShouldBe(["b=two", "c=3", "d=4"]);
        headers.Count.ShouldBe(3);
        headers.Get("b").ShouldBe("two");
        headers.Get("a").ShouldBeNull();
        headers.ContainsKey("c").ShouldBeTrue();
        headers.TryGetValue("d", out var d).ShouldBeTrue();
        d.ShouldBe("4");
        headers.TryGetValue("a", out _).ShouldBeFalse();
        headers.Keys.ShouldBe(["b", "c", "d"]);
        headers.Values.ShouldBe(["two", "3", "4"]);
    }

    [Fact]
    public void Names_AreCaseSensitive()
    {
        var headers = new MessageHeaders();
        headers.Set("Name", "upper");
        headers.Set("name", "lower");

        headers["Name"].ShouldBe("upper");
        headers["name"].ShouldBe("lower");
    }

    [Fact]
    public void Indexer_MissingHeader_ThrowsNamingIt()
    {
        var headers = new MessageHeaders();

        Should.Throw<KeyNotFoundException>(() => headers["absent"]).Message.ShouldContain("absent");
    }

    [Fact]
    public void Clone_IsIndependentOfTheOriginal()
    {
        var headers = new MessageHeaders([new("a", "1"), new("b", "2")]);
        var copy = headers.Clone();
        copy.Set("a", "changed");
        copy.Set("c", "3");
        headers.Set("b", null);

        headers.Select(h => h.Key).ShouldBe(["a"]);
        headers["a"].ShouldBe("1");
        copy.Select(h => $"{h.Key}={h.Value}").ShouldBe(["a=changed", "b=2", "c=3"]);
    }

    [Fact]
    public void FromValues_ANameTwice_Throws()
    {
        Should.Throw<ArgumentException>(() => new MessageHeaders([new("a", "1"), new("a", "2")])).Message.ShouldContain("'a'");
    }

    [Fact]
    public void AddingOrRemovingWhileEnumerating_Throws_ChangingAValueDoesNot()
    {
        var headers = new MessageHeaders([new("a", "1"), new("b", "2")]);
        foreach (var (name, _) in headers)
        {
            headers.Set(name, "changed");
        }

        headers.Values.ShouldBe(["changed", "changed"]);
        Should.Throw<InvalidOperationException>(() =>
        {
            foreach (var (name, _) in headers)
            {
                headers.Set(name + "-copy", "x");
            }
        });
    }

    [Fact]
    public void ManyHeaders_AllFound()
    {
        var headers = new MessageHeaders();
        for (var i = 0; i < 100; i++)
        {
            headers.Set($"h{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 99; i >= 0; i -= 2)
        {
            headers.Set($"h{i}", null);
        }

        headers.Count.ShouldBe(50);
        headers.Select(h => h.Key).ShouldBe(Enumerable.Range(0, 50).Select(i => $"h{i * 2}"));
        headers.Get("h98").ShouldBe("98");
        headers.Get("h99").ShouldBeNull();
    }
}
