namespace Conveyor.Serialization;

/// <summary>A payload could not be converted to or from bytes. Never retried: the same bytes fail the same way.</summary>
public sealed class MessageConversionException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="inner">The converter's exception.</param>
    public MessageConversionException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
