namespace Conveyor.Failures.DeadLetters;

/// <summary>
/// Formats and parses <see cref="DeadLetter.Id"/>: <c>&lt;message id&gt;/&lt;endpoint id&gt;</c>, each part escaped, for
/// dead-letter stores that keep the two parts apart.
/// </summary>
public static class DeadLetterId
{
    /// <summary>The id of the dead letter of <paramref name="messageId"/> on <paramref name="endpointId"/>.</summary>
    /// <param name="messageId">The failed message's id.</param>
    /// <param name="endpointId">The endpoint it failed on.</param>
    /// <returns>The id.</returns>
    public static string Format(string messageId, string endpointId) => $"{Escape(messageId)}/{Escape(endpointId)}";

    /// <summary>Splits an id made by <see cref="Format"/>; false for any other text.</summary>
    /// <param name="id">The id.</param>
    /// <param name="messageId">The message id, when it parsed.</param>
    /// <param name="endpointId">The endpoint id, when it parsed.</param>
    /// <returns>Whether it parsed.</returns>
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
