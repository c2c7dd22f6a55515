using System.Text.Json;

namespace Conveyor.Serialization;

/// <summary>The default converter: System.Text.Json with web defaults (camelCase, case-insensitive reads).</summary>
/// <param name="options">The serializer options; <see cref="JsonSerializerDefaults.Web"/> when null.</param>
public sealed class JsonMessageConverter(JsonSerializerOptions? options = null) : IMessageConverter
{
    /// <summary>The media type written: <c>application/json</c>.</summary>
    public const string MediaType = "application/json";

    private readonly JsonSerializerOptions _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public string ContentType => MediaType;

    /// <inheritdoc />
    public bool CanRead(string contentType) =>
        contentType.StartsWith(MediaType, StringComparison.OrdinalIgnoreCase)
        || contentType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public byte[] Serialize(object payload, Type declaredType) => JsonSerializer.SerializeToUtf8Bytes(payload, declaredType, _options);

    /// <inheritdoc />
    public object? Deserialize(ReadOnlyMemory<byte> body, Type targetType) => JsonSerializer.Deserialize(body.Span, targetType, _options);
}
