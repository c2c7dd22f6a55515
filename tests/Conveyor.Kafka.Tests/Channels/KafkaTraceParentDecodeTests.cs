using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Kafka.Channels;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// A consumed record's <c>traceparent</c> is kept as its bytes, which tracing parses, and is made a string only when
/// the headers are read by name, enumerated or copied — the same value either way.
/// </summary>
public sealed class KafkaTraceParentDecodeTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static ConsumeResult<byte[]?, byte[]?> Record(params (string Name, byte[] Value)[] headers)
    {
        var recordHeaders = new Headers { { MessageHeaderNames.MessageId, "m-1"u8.ToArray() } };
        foreach (var (name, value) in headers)
        {
            recordHeaders.Add(name, value);
        }

        return new ConsumeResult<byte[]?, byte[]?>
        {
            TopicPartitionOffset = new TopicPartitionOffset("orders", 2, 42),
            Message = new Message<byte[]?, byte[]?> { Key = "k"u8.ToArray(), Value = "{}"u8.ToArray(), Headers = recordHeaders },
        };
    }

    [Fact]
    public void TheTraceContext_IsParsedFromTheBytes_AndTheHeaderReadsAsText()
    {
        var (message, error) = KafkaInboundMessage.Decode(Record(("traceparent", Encoding.ASCII.GetBytes(TraceParent)), ("tracestate", "vendor=1"u8.ToArray())));

        error.ShouldBeNull();
        message.Headers.TryGetUtf8("traceparent", out var bytes).ShouldBeTrue("tracing reads the bytes, no string made");
        Encoding.ASCII.GetString(bytes).ShouldBe(TraceParent);
        var context = TraceContext.Extract(message.Headers);
        context.TraceId.ToHexString().ShouldBe("0af7651916cd43dd8448eb211c80319c");
        context.SpanId.ToHexString().ShouldBe("b7ad6b7169203331");
        context.TraceFlags.ShouldBe(ActivityTraceFlags.Recorded);
        context.TraceState.ShouldBe("vendor=1");

        message.Headers.TryGetUtf8("traceparent", out _).ShouldBeTrue("reading the context made no header a string");
        message.Headers.Get("traceparent").ShouldBe(TraceParent);
        message.Headers.TryGetUtf8("traceparent", out _).ShouldBeFalse("once read by name, the header is text like the others");
        TraceContext.Extract(message.Headers).ShouldBe(context);
    }

    [Fact]
    public void ACopy_OrAnEnumeration_CarriesTheTraceParent()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record(("traceparent", Encoding.ASCII.GetBytes(TraceParent))));

        message.Headers.Clone()["traceparent"].ShouldBe(TraceParent);
        message.Headers.ToDictionary(h => h.Key, h => h.Value)["traceparent"].ShouldBe(TraceParent);
    }

    [Fact]
    public void OfTwoTraceParents_TheLastCounts_AsForEveryHeader()
    {
        const string Later = "00-11111111111111111111111111111111-2222222222222222-00";
        var (message, _) = KafkaInboundMessage.Decode(Record(("traceparent", Encoding.ASCII.GetBytes(TraceParent)), ("traceparent", Encoding.ASCII.GetBytes(Later))));

        TraceContext.Extract(message.Headers).TraceId.ToHexString().ShouldBe("11111111111111111111111111111111");
        message.Headers.Get("traceparent").ShouldBe(Later);
    }

    [Fact]
    public void ATraceParentThatIsNotAscii_IsDecodedAsText_AndContinuesNoTrace()
    {
        var (message, error) = KafkaInboundMessage.Decode(Record(("traceparent", Encoding.UTF8.GetBytes("00-é"))));

        error.ShouldBeNull();
        message.Headers.TryGetUtf8("traceparent", out _).ShouldBeFalse();
        message.Headers.Get("traceparent").ShouldBe("00-é");
        TraceContext.Extract(message.Headers).ShouldBe(default);
    }

    [Fact]
    public void AMalformedTraceParent_ContinuesNoTrace_AndIsKeptAsItCame()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record(("traceparent", "00-not-a-trace"u8.ToArray())));

        TraceContext.Extract(message.Headers).ShouldBe(default);
        message.Headers.Get("traceparent").ShouldBe("00-not-a-trace");
    }
}
