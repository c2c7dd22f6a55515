using System.Globalization;

namespace Conveyor.Handlers;

/// <summary>
/// A header a handler parameter binds (<c>[Header("name")]</c>) is present, but its value cannot be read as the
/// parameter's type: <c>attempt = "two"</c> for an <c>int</c>. Retrying cannot fix it, so the message goes to the dead
/// letter at once, with this message naming the header, its value and the type expected.
/// </summary>
public sealed class InvalidHeaderException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="headerName">The header.</param>
    /// <param name="value">Its value as received.</param>
    /// <param name="expectedType">The type it had to be read as.</param>
    /// <param name="parameter">The handler parameter bound to it.</param>
    /// <param name="endpointId">The endpoint whose handler has the parameter.</param>
    /// <param name="inner">Why the conversion failed.</param>
    public InvalidHeaderException(string headerName, string value, Type expectedType, string parameter, string endpointId, Exception? inner = null)
        : base(Describe(headerName, value, expectedType, parameter, endpointId), inner)
    {
        HeaderName = headerName;
        Value = value;
        ExpectedType = expectedType;
    }

    /// <summary>The header.</summary>
    public string HeaderName { get; }

    /// <summary>Its value as received.</summary>
    public string Value { get; }

    /// <summary>The type it had to be read as.</summary>
    public Type ExpectedType { get; }

    private static string Describe(string headerName, string value, Type expectedType, string parameter, string endpointId)
    {
        ArgumentNullException.ThrowIfNull(expectedType);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Header '{headerName}' = '{value}' cannot be read as {expectedType.Name} for parameter '{parameter}' of endpoint '{endpointId}'. Fix the producer to send a valid {expectedType.Name}, or declare the parameter as string and parse it in the handler.");
    }
}
