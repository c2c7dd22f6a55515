using System.Diagnostics;
using System.Text;
using Conveyor.Diagnostics.Telemetry;

namespace Conveyor.Tests.Diagnostics;

/// <summary>A <c>traceparent</c> read from a transport's bytes is read as .NET reads the same header as a string.</summary>
public sealed class TraceContextTests
{
    public static TheoryData<string> TraceParents() =>
    [
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03", // a later version, same length
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", // version ff is invalid
        "00-00000000000000000000000000000000-b7ad6b7169203331-01", // all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // all-zero span id
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", // upper case
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",  // too short
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-", // too long
        "0x-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "",
    ];

    [Theory]
    [MemberData(nameof(TraceParents))]
    public void TryParse_FromBytes_AgreesWithActivityContextTryParse(string traceParent)
    {
        var expected = ActivityContext.TryParse(traceParent, "vendor=1", isRemote: true, out var fromString);

        var parsed = TraceContext.TryParse(Encoding.UTF8.GetBytes(traceParent), "vendor=1", out var fromBytes);

        parsed.ShouldBe(expected);
        fromBytes.ShouldBe(fromString);
        if (parsed)
        {
            fromBytes.TraceId.ToHexString().ShouldBe(traceParent[3..35]);
            fromBytes.SpanId.ToHexString().ShouldBe(traceParent[36..52]);
            fromBytes.TraceState.ShouldBe("vendor=1");
            fromBytes.IsRemote.ShouldBeTrue();
        }
    }
}
