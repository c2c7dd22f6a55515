namespace Conveyor.Failures.DeadLetters;

/// <summary>Formats and parses <see cref="DeadLetter.Id"/>: <c>&lt;message id&gt;/&lt;endpoint id&gt;</c>, each part escaped.</summary>
internal static class DeadLetterId
{
    public static string Format(string messageId, string endpointId) => $"{Escape(messageId)}/{Escape(endpointId)}";

    /// <summary>Splits an id made by <see cref="Format"/>; false for any other text.</summary>
    public static bool TryParse(string id, out string messageId, out string endpointId)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || id.IndexOf('/', slash + 1) >= 0)
        {
            (messageId, endpointId) = ("", "");
            return false;
        }

        (messageId, endpointId) = (Unescape(id[..slash]), Unescape(id[(slash + 1)..]));
        return true;
    }

    // '%' first, so the '%' of an escaped '/' is never escaped again.
    private static string Escape(string part) =>
        part.Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal);

    private static string Unescape(string part) =>
        part.Replace("%2F", "/", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal);
}
