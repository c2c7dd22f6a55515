namespace Conveyor.Tests.Messages;

public sealed class MessageIdsTests
{
    [Fact]
    public void New_IsAVersion7UuidWithTheCurrentTime()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = Guid.Parse(MessageIds.New());
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        id.Version.ShouldBe(7);
        (id.Variant & 0xC).ShouldBe(0x8);
        var bytes = id.ToByteArray(bigEndian: true);
        var millis = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        millis.ShouldBeInRange(before, after);
    }

    [Fact]
    public void New_ManyIdsFromSeveralThreads_AllDistinct()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 100_000, _ => ids.Add(MessageIds.New()));

        ids.Distinct().Count().ShouldBe(100_000);
    }
}
