namespace Conveyor.Channels.ReceiveLoop;

/// <summary>A unit of a receive loop that can be closed and waited for, such as the worker of one Kafka partition.</summary>
public interface IDrainable
{
    /// <summary>Completes once nothing of this unit runs any more after <see cref="BeginClose"/>.</summary>
    Task Drained { get; }

    /// <summary>Starts nothing new and forgets what is queued; what runs goes on.</summary>
    void BeginClose();

    /// <summary>Closes, and cancels the token of what still runs.</summary>
    void Abort();
}
