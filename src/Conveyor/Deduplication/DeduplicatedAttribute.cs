namespace Conveyor;

/// <summary>
/// Handles a message at most once per endpoint within the deduplication window. Asynchronous endpoints are
/// deduplicated by message id by default; this attribute changes the key or turns it off.
/// </summary>
/// <param name="expression">
/// What identifies a duplicate: a header name (<c>"orderId"</c> or <c>"header.orderId"</c>) or a payload property
/// path (<c>"payload.OrderId"</c>). Null means the message id.
/// </param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DeduplicatedAttribute(string? expression = null) : Attribute
{
    /// <summary>The key expression, or null for the message id.</summary>
    public string? Expression { get; } = expression;

    /// <summary>Set to <see langword="false"/> to turn deduplication off for an asynchronous endpoint.</summary>
    public bool Enabled { get; set; } = true;
}
