using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Conveyor.Failures.DeadLetters;

/// <summary>
/// Where a dead letter is in the listing order: (<see cref="FailedAt"/>, then <see cref="Id"/> in ordinal order). A
/// page's <see cref="DeadLetterPage.Next"/> token is the position of its last entry; a store lists what comes after it.
/// </summary>
/// <param name="FailedAt">When the dead letter failed.</param>
/// <param name="Id">Its id.</param>
public sealed record DeadLetterPosition(DateTimeOffset FailedAt, string Id) : IComparable<DeadLetterPosition>
{
    /// <summary>The position of <paramref name="deadLetter"/>.</summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <returns>Its position.</returns>
    public static DeadLetterPosition Of(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return new DeadLetterPosition(deadLetter.FailedAt, deadLetter.Id);
    }

    /// <summary>Reads a token made by <see cref="ToToken"/>.</summary>
    /// <param name="token">The token.</param>
    /// <returns>The position.</returns>
    /// <exception cref="FormatException">Not such a token.</exception>
    public static DeadLetterPosition Parse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw Invalid(token);
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw Invalid(token);
        }

        return new DeadLetterPosition(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
    }

    /// <summary>
    /// The position as a token to pass as <see cref="DeadLetterQuery.After"/>: opaque, and safe to copy into a shell
    /// command (base64url of the UTC ticks and the id).
    /// </summary>
    /// <returns>The token.</returns>
    public string ToToken() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{FailedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{Id}"));

    /// <inheritdoc />
    public int CompareTo(DeadLetterPosition? other) =>
        other is null ? 1
        : FailedAt.UtcTicks != other.FailedAt.UtcTicks ? FailedAt.UtcTicks.CompareTo(other.FailedAt.UtcTicks)
        : string.CompareOrdinal(Id, other.Id);

    private static FormatException Invalid(string token) =>
        new($"'{token}' is not a dead-letter page token: pass the 'Next' token a listing returned.");
}
