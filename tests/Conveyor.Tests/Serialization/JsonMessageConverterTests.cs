using System.Text;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Testing;

namespace Conveyor.Tests.Serialization;

public sealed class JsonMessageConverterTests
{
    [Message("parcel.weighed")]
    public sealed record ParcelWeighed(string ParcelId, int Grams);

    public sealed record Note(string Id, string? Comment, int Priority = 3);

    private static object? Read<T>(string json) => new JsonMessageConverter().Deserialize(Encoding.UTF8.GetBytes(json), typeof(T));

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"foo":1}""")]
    [InlineData("""{"grams":5}""")]
    public void Bug_WrongShapeObject_IsRejectedNamingTheMissingParameter(string json)
    {
        var error = Should.Throw<JsonException>(() => Read<ParcelWeighed>(json));

        error.Message.ShouldContain("parcelId");
    }

    [Fact]
    public void Bug_NullForNonNullableMember_IsRejected()
    {
        var error = Should.Throw<JsonException>(() => Read<ParcelWeighed>("""{"parcelId":null,"grams":5}"""));

        error.Message.ShouldContain("parcelId");
    }

    [Fact]
    public void NullableMembersMayBeNull_AndParametersWithDefaultsMissing()
    {
        Read<Note>("""{"id":"n-1","comment":null}""").ShouldBe(new Note("n-1", null));
        Read<Note>("""{"id":"n-2","comment":"c"}""").ShouldBe(new Note("n-2", "c", 3));
    }

    [Fact]
    public void UnknownMembers_AreIgnored_SoProducersMayAddFields()
    {
        Read<ParcelWeighed>("""{"parcelId":"p-1","grams":5,"addedInV2":true}""").ShouldBe(new ParcelWeighed("p-1", 5));
    }

    [Fact]
    public void Bug_NonAsciiText_IsWrittenAsUtf8_NotEscaped()
    {
        var bytes = new JsonMessageConverter().Serialize(new Note("café <ü> & 日本", null), typeof(Note));

        var json = Encoding.UTF8.GetString(bytes);
        json.ShouldContain("café <ü> & 日本");
        json.ShouldNotContain("\\u");
    }

    [Fact]
    public void Utf8Text_RoundTrips()
    {
        var converter = new JsonMessageConverter();
        var note = new Note("Grüße, café, 日本, 😀 \"quoted\" \\ \n", "x");

        converter.Deserialize(converter.Serialize(note, typeof(Note)), typeof(Note)).ShouldBe(note);
    }

    public sealed class Weighed
    {
        public List<ParcelWeighed> Handled { get; } = [];
    }

    public sealed class Scale(Weighed weighed)
    {
        [Asynchronous("scale")]
        [EventHandler(EndpointId = "scale.weighed")]
        public void On(ParcelWeighed e) => weighed.Handled.Add(e);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"foo":1}""")]
    [InlineData("""{"parcelId":null,"grams":1}""")]
    public async Task Bug_WrongShapePayload_IsDeadLettered_NotHandledWithNulls(string json)
    {
        var weighed = new Weighed();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Scale>().AddInMemoryChannel("scale"), s => s.AddSingleton(weighed));
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, MessageIds.New());
        headers.Set(MessageHeaderNames.TargetEndpoint, "scale.weighed");
        headers.Set(MessageHeaderNames.ContentType, JsonMessageConverter.MediaType);
        await flow.Channel("scale").SendAsync(new TransportMessage(headers, Encoding.UTF8.GetBytes(json)), CancellationToken.None);

        await flow.RunAsync("scale", expectFailures: true);

        weighed.Handled.ShouldBeEmpty();
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionType.ShouldBe(typeof(MessageConversionException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("ParcelWeighed");
        deadLetter.ExceptionMessage.ShouldContain("parcelId");
    }
}
