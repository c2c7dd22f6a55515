namespace Conveyor.Failures.DeadLetters;

/// <summary>A message that finally failed, with why, where and how often.</summary>
/// <param name="Id">The dead letter's id (the failed message's id).</param>
/// <param name="Message">The original message, headers and body as received.</param>
/// <param name="EndpointId">The endpoint that failed, or the one it was addressed to when routing failed.</param>
/// <param name="ChannelName">The channel it was received from.</param>
/// <param name="Position">Where in the channel it was (e.g. topic, partition and offset).</param>
/// <param name="ExceptionType">The exception's type name.</param>
/// <param name="ExceptionMessage">The exception's message: the reason.</param>
/// <param name="Attempts">How many times handling was attempted.</param>
/// <param name="FailedAt">When it was dead-lettered.</param>
public sealed record DeadLetter(
    string Id,
    TransportMessage Message,
    string EndpointId,
    string ChannelName,
    string Position,
    string ExceptionType,
    string ExceptionMessage,
    int Attempts,
    DateTimeOffset FailedAt);
