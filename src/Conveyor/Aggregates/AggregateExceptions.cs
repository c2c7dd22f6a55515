namespace Conveyor;

/// <summary>
/// A save found the aggregate or event stream changed since it was loaded (or created twice). It is retryable: an
/// endpoint with <see cref="InstantRetryAttribute"/> or <see cref="DelayedRetryAttribute"/> loads the new state and
/// runs the handler again; without one, the message fails with this reason.
/// </summary>
public sealed class ConcurrencyConflictException : ConveyorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which aggregate or stream, which version was expected and which was found.</param>
    public ConcurrencyConflictException(string message) : base(message)
    {
    }

    /// <summary>The conflict a state store reports: the stored aggregate is not at the version it was loaded at.</summary>
    /// <param name="aggregateType">The aggregate's name.</param>
    /// <param name="id">Its identifier.</param>
    /// <param name="expected">The version it was loaded at.</param>
    /// <param name="found">The version stored (0: none, or unknown).</param>
    /// <returns>The exception.</returns>
    public static ConcurrencyConflictException ForAggregate(string aggregateType, string id, long expected, long found) =>
        new(expected == 0
            ? $"Aggregate {aggregateType} '{id}' exists already (version {found}): a command that creates it ran twice or raced another. Retry the command (e.g. [InstantRetry(3)]) if the second one should fail as not new."
            : $"Aggregate {aggregateType} '{id}' is at version {found}, not {expected} as loaded: another command changed it meanwhile. Retry the command (e.g. [InstantRetry(3)]) to run it on the new state.");

    /// <summary>The conflict an event store reports: the stream is not at the expected version.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version expected.</param>
    /// <param name="found">The version it is at.</param>
    /// <returns>The exception.</returns>
    public static ConcurrencyConflictException ForStream(string streamId, long expected, long found) =>
        new($"Event stream '{streamId}' is at version {found}, not {expected} as expected: another command appended to it meanwhile. Retry the command (e.g. [InstantRetry(3)]) to run it on the new state.");
}

/// <summary>No aggregate has the identifier a command is addressed to. Not retried (see <see cref="AggregateNotFoundAttribute"/>).</summary>
public sealed class AggregateNotFoundException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which aggregate, which identifier, which endpoint.</param>
    public AggregateNotFoundException(string message) : base(message)
    {
    }
}

/// <summary>A command's identifier is missing or cannot be read as the aggregate's identifier type. Not retried: the message goes to the dead letter with this reason.</summary>
public sealed class AggregateIdentifierException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which identifier, where it was read from, and what was wrong.</param>
    public AggregateIdentifierException(string message) : base(message)
    {
    }
}
