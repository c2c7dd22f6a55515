namespace Conveyor;

/// <summary>The base of Conveyor's exceptions.</summary>
public class ConveyorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause.</param>
    public ConveyorException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// Marks an exception that retrying cannot fix (malformed input, unknown message, missing handler):
/// the message goes straight to the error channel or dead letter.
/// </summary>
public interface INonRetryableException;

/// <summary>Conveyor's configuration is invalid; thrown at start-up with what to fix.</summary>
public sealed class ConveyorConfigurationException : ConveyorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public ConveyorConfigurationException(string message) : base(message)
    {
    }
}

/// <summary>A received message cannot be routed: unknown endpoint, unknown message name, or no handler.</summary>
public sealed class MessageRoutingException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be routed and why.</param>
    public MessageRoutingException(string message) : base(message)
    {
    }
}
