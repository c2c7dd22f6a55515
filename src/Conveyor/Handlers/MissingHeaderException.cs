namespace Conveyor.Handlers;

/// <summary>
/// A header a handler parameter requires is missing. Retrying cannot fix it, so the message goes to the dead letter at
/// once. A header that is present but cannot be read as the parameter's type is an <see cref="InvalidHeaderException"/>.
/// </summary>
public sealed class MissingHeaderException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which header, which parameter, which endpoint.</param>
    public MissingHeaderException(string message) : base(message)
    {
    }
}
