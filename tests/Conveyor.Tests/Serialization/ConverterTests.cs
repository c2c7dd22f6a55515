using System.Text;
using Conveyor.Serialization;
using Conveyor.Testing;

namespace Conveyor.Tests.Serialization;

public sealed class ConverterTests
{
    public sealed record Temperature(string Sensor, int Celsius);

    /// <summary>A toy format: "sensor;celsius".</summary>
    public sealed class SemicolonConverter : IMessageConverter
    {
        public string ContentType => "text/x-semicolon";

        public bool CanRead(string contentType) => contentType == ContentType;

        public byte[] Serialize(object payload, Type declaredType) =>
            payload is Temperature t ? Encoding.UTF8.GetBytes($"{t.Sensor};{t.Celsius}") : throw new NotSupportedException(declaredType.Name);

        public object? Deserialize(ReadOnlyMemory<byte> body, Type targetType)
        {
            var parts = Encoding.UTF8.GetString(body.Span).Split(';');
            return new Temperature(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public sealed class Readings
    {
        public List<Temperature> All { get; } = [];

        public List<string> Raw { get; } = [];
    }

    public sealed class Sensors(Readings readings)
    {
        [Asynchronous("readings")]
        [EventHandler(EndpointId = "sensors.typed")]
        public void Typed(Temperature t) => readings.All.Add(t);

        [Asynchronous("readings")]
        [EventHandler("Temperature", EndpointId = "sensors.raw")]
        public void Raw(string body) => readings.Raw.Add(body);
    }

    [Fact]
    public async Task CustomDefaultConverter_WritesItsContentType_AndReadsBackForTypedAndRawHandlers()
    {
        var readings = new Readings();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Sensors>().AddInMemoryChannel("readings").AddConverter(new SemicolonConverter(), asDefault: true),
            s => s.AddSingleton(readings));

        await flow.PublishAsync(new Temperature("s-1", 21));
        await flow.RunAsync("readings");

        var sent = flow.RecordedMessages("readings");
        sent.ShouldAllBe(m => m.Headers.ContentType == "text/x-semicolon");
        Encoding.UTF8.GetString(sent[0].Body.Span).ShouldBe("s-1;21");
        readings.All.ShouldBe([new Temperature("s-1", 21)]);
        readings.Raw.ShouldBe(["s-1;21"]);
    }

    [Fact]
    public async Task JsonStillRead_WhenAnotherConverterIsTheDefault()
    {
        var readings = new Readings();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Sensors>().AddInMemoryChannel("readings").AddConverter(new SemicolonConverter(), asDefault: true),
            s => s.AddSingleton(readings));
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.TargetEndpoint, "sensors.typed");
        headers.Set(MessageHeaderNames.ContentType, "application/json");

        await flow.Channel("readings").SendAsync(new TransportMessage(headers, Encoding.UTF8.GetBytes("""{"sensor":"s-2","celsius":5}""")), CancellationToken.None);
        await flow.RunAsync("readings");

        readings.All.ShouldBe([new Temperature("s-2", 5)]);
    }
}
