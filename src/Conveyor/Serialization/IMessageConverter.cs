namespace Conveyor.Serialization;

/// <summary>
/// Turns payloads into bytes and back for one content type. Register more with
/// <c>ConveyorBuilder.AddConverter</c>; the target type always comes from the handler's parameter,
/// never from the message.
/// </summary>
public interface IMessageConverter
{
    /// <summary>The media type this converter writes, e.g. <c>application/json</c>.</summary>
    string ContentType { get; }

    /// <summary>Whether this converter can read <paramref name="contentType"/>.</summary>
    /// <param name="contentType">The content type of a received message.</param>
    /// <returns><see langword="true"/> if it can.</returns>
    bool CanRead(string contentType);

    /// <summary>Serializes <paramref name="payload"/>.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="declaredType">The type to serialize as.</param>
    /// <returns>The bytes.</returns>
    byte[] Serialize(object payload, Type declaredType);

    /// <summary>Deserializes <paramref name="body"/> into <paramref name="targetType"/>.</summary>
    /// <param name="body">The payload bytes.</param>
    /// <param name="targetType">The type the handler asks for.</param>
    /// <returns>The payload.</returns>
    object? Deserialize(ReadOnlyMemory<byte> body, Type targetType);
}
