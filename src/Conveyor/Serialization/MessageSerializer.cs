using System.Text;

namespace Conveyor.Serialization;

/// <summary>
/// Picks the converter for a payload or a received content type. A <see cref="string"/> payload is taken as
/// already serialized (a JSON document unless a content type says otherwise) and byte arrays pass through as
/// <c>application/octet-stream</c>; handlers that ask for <see cref="string"/> or <see cref="byte"/>[] get the
/// raw body (a JSON string literal decoded), so raw payloads from foreign producers reach them untouched.
/// It holds the converters registered with <c>AddConverter</c>; resolve it from DI, e.g. in a transport that turns a
/// foreign record into a payload.
/// </summary>
/// <param name="converters">The converters, tried in order for a content type.</param>
/// <param name="defaultConverter">The converter for a payload without a content type.</param>
public sealed class MessageSerializer(IReadOnlyList<IMessageConverter> converters, IMessageConverter defaultConverter)
{
    /// <summary>The content type of raw bytes.</summary>
    public const string OctetStream = "application/octet-stream";

    /// <summary>The content type of the default converter.</summary>
    public string DefaultContentType => defaultConverter.ContentType;

    /// <summary>Serializes <paramref name="payload"/> with the converter for <paramref name="contentType"/> (the default one when null).</summary>
    /// <param name="payload">The payload; null gives an empty body, a string its UTF-8 bytes, a byte array itself.</param>
    /// <param name="contentType">The content type, or null.</param>
    /// <returns>The body and the content type it is in.</returns>
    /// <exception cref="MessageConversionException">No converter reads <paramref name="contentType"/>.</exception>
    public (byte[] Body, string ContentType) Serialize(object? payload, string? contentType = null)
    {
        switch (payload)
        {
            case null:
                return ([], contentType ?? defaultConverter.ContentType);
            case byte[] bytes:
                return (bytes, contentType ?? OctetStream);
            case string text:
                return (Encoding.UTF8.GetBytes(text), contentType ?? defaultConverter.ContentType);
        }

        var converter = contentType is null ? defaultConverter : Find(contentType);
        return (converter.Serialize(payload, payload.GetType()), converter.ContentType);
    }

    /// <summary>Reads <paramref name="body"/> as <paramref name="targetType"/>; throws <see cref="MessageConversionException"/> naming the problem.</summary>
    /// <param name="body">The body.</param>
    /// <param name="contentType">Its content type; the default converter's when null.</param>
    /// <param name="targetType">The type to read.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="MessageConversionException">The body is not a valid <paramref name="targetType"/>, or no converter reads <paramref name="contentType"/>.</exception>
    public object? Deserialize(ReadOnlyMemory<byte> body, string? contentType, Type targetType)
    {
        if (targetType == typeof(byte[]))
        {
            return body.ToArray();
        }

        if (targetType == typeof(ReadOnlyMemory<byte>))
        {
            return body;
        }

        if (targetType == typeof(string) && !IsJsonStringLiteral(body.Span, contentType))
        {
            return Encoding.UTF8.GetString(body.Span);
        }

        var converter = contentType is null ? defaultConverter : Find(contentType);
        if (body.IsEmpty)
        {
            throw new MessageConversionException($"The message has an empty body but the handler expects a {targetType.Name}.");
        }

        try
        {
            return converter.Deserialize(body, targetType)
                ?? throw new MessageConversionException($"The body deserialized to null but the handler expects a {targetType.Name}.");
        }
        catch (Exception e) when (e is not MessageConversionException)
        {
            throw new MessageConversionException(
                $"The body is not a valid {targetType.Name} for content type '{converter.ContentType}': {e.Message}", e);
        }
    }

    /// <summary>
    /// A string handler gets the body as text, whatever its content type: a JSON object from a foreign producer
    /// arrives as its JSON text. Only a JSON string literal (<c>"..."</c>) under a content type the JSON converter
    /// reads is decoded, so a string sent as JSON comes back as the string.
    /// </summary>
    private bool IsJsonStringLiteral(ReadOnlySpan<byte> body, string? contentType)
    {
        if (contentType is null || !IsReadableBy(contentType, out var converter) || converter is not JsonMessageConverter)
        {
            return false;
        }

        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && body[start] == (byte)'"';
    }

    private IMessageConverter Find(string contentType) =>
        IsReadableBy(contentType, out var converter)
            ? converter
            : throw new MessageConversionException(
                $"No converter reads content type '{contentType}'. Register one with AddConverter(...).");

    private bool IsReadableBy(string contentType, out IMessageConverter converter)
    {
        // By index: a foreach over the interface would allocate an enumerator for every message read.
        for (var i = 0; i < converters.Count; i++)
        {
            if (converters[i].CanRead(contentType))
            {
                converter = converters[i];
                return true;
            }
        }

        converter = defaultConverter;
        return false;
    }
}
