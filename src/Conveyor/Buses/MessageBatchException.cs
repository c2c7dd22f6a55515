namespace Conveyor;

/// <summary>
/// Some messages of a <see cref="IEventBus.PublishManyAsync"/> or <see cref="ICommandBus.SendManyAsync"/> batch were
/// not sent. Every message of the batch was attempted; the ones not in <see cref="Failures"/> were stored (for Kafka:
/// acknowledged by the broker). Send only the failed ones again, or handle each failure by its exception.
/// </summary>
public sealed class MessageBatchException : ConveyorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="count">How many messages the batch had.</param>
    /// <param name="failures">The messages that were not sent, in batch order.</param>
    public MessageBatchException(int count, IReadOnlyList<MessageBatchFailure> failures)
        : base(Describe(count, failures), failures is [{ Exception: var first }, ..] ? first : null)
    {
        Count = count;
        Failures = failures;
    }

    /// <summary>How many messages the batch had.</summary>
    public int Count { get; }

    /// <summary>The messages that were not sent, in batch order; every other message of the batch was.</summary>
    public IReadOnlyList<MessageBatchFailure> Failures { get; }

    private static string Describe(int count, IReadOnlyList<MessageBatchFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var first = failures.Count > 0 ? $" The first, #{failures[0].Index}: {failures[0].Exception.Message}" : "";
        return $"{failures.Count} of {count} messages of the batch were not sent; the other {count - failures.Count} were.{first} See Failures for each.";
    }
}

/// <summary>One message of a batch that was not sent.</summary>
/// <param name="Index">Its place in the batch, from 0.</param>
/// <param name="Message">The message (event or command) as it was given.</param>
/// <param name="Exception">Why it was not sent: what its single send would have thrown.</param>
public sealed record MessageBatchFailure(int Index, object Message, Exception Exception);
