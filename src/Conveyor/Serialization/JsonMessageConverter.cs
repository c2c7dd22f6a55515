using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Serialization;

/// <summary>
/// The default converter: System.Text.Json with web defaults (camelCase, case-insensitive reads), strict about what
/// a payload must hold and writing text as UTF-8. A body is read as the handler's type only when every constructor
/// parameter without a default value is present and no member declared non-nullable is <c>null</c>; members the type
/// does not have are ignored, so a producer may add fields before its consumers know them.
/// </summary>
/// <param name="options">The serializer options, used as given; <see cref="CreateDefaultOptions"/> when null.</param>
public sealed class JsonMessageConverter(JsonSerializerOptions? options = null) : IMessageConverter
{
    /// <summary>The media type written: <c>application/json</c>.</summary>
    public const string MediaType = "application/json";

    private readonly JsonSerializerOptions _options = options ?? CreateDefaultOptions();

    /// <inheritdoc />
    public string ContentType => MediaType;

    /// <summary>
    /// The options the converter uses when given none, as a starting point for your own: web defaults, required
    /// constructor parameters and nullable annotations respected, unknown members skipped, non-ASCII text unescaped.
    /// </summary>
    /// <returns>New, mutable options.</returns>
    public static JsonSerializerOptions CreateDefaultOptions() => new(JsonSerializerDefaults.Web)
    {
        // A payload of the wrong shape ({} or {"foo":1} for a record of required values) must fail to convert and
        // go to the dead letter, never reach a handler as an object with nulls in members declared non-nullable.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,

        // Skipped, not disallowed: a producer that adds a field (a compatible schema change) must not dead-letter
        // every message of consumers deployed before it.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,

        // Payloads go to brokers and other services, not into HTML, so HTML-safe escaping buys nothing: foreign
        // consumers (kcat, Java, log viewers) would see "caf\u00E9" instead of "café", and every non-ASCII character
        // would take 6 bytes instead of 2 or 3, against message.max.bytes and the topic's retention. JSON's own
        // rules still escape quotes, backslashes and control characters.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <inheritdoc />
    public bool CanRead(string contentType) =>
        contentType.StartsWith(MediaType, StringComparison.OrdinalIgnoreCase)
        || contentType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public byte[] Serialize(object payload, Type declaredType) => JsonSerializer.SerializeToUtf8Bytes(payload, declaredType, _options);

    /// <inheritdoc />
    public object? Deserialize(ReadOnlyMemory<byte> body, Type targetType) => JsonSerializer.Deserialize(body.Span, targetType, _options);
}
