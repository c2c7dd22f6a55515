namespace Conveyor.Failures.DeadLetters;

/// <summary>
/// A message that finally failed at one endpoint, with why, where and how often. One message that fails at two
/// endpoints (an event fanned out to two subscribers) is two dead letters: they differ in <see cref="EndpointId"/>.
/// </summary>
/// <param name="MessageId">
/// The failed message's id: its <c>id</c> header, else (a foreign record) the position it was read from, which stays
/// the same when a poison record is delivered again, else a new id.
/// </param>
/// <param name="EndpointId">The endpoint that failed, or the one it was addressed to when routing failed.</param>
/// <param name="Message">The original message, headers and body as received.</param>
/// <param name="ChannelName">The channel it was received from.</param>
/// <param name="Position">Where in the channel it was (e.g. topic, partition and offset).</param>
/// <param name="ExceptionType">The exception's full type name.</param>
/// <param name="ExceptionMessage">The exception's message: the reason.</param>
/// <param name="Attempts">How many times handling was attempted.</param>
/// <param name="FailedAt">When it was dead-lettered. A store may keep it to the millisecond only.</param>
public sealed record DeadLetter(
    string MessageId,
    string EndpointId,
    TransportMessage Message,
    string ChannelName,
    string Position,
    string ExceptionType,
    string ExceptionMessage,
    int Attempts,
    DateTimeOffset FailedAt)
{
    /// <summary>
    /// The dead letter's id, unique per (<see cref="MessageId"/>, <see cref="EndpointId"/>) and stable: the same
    /// message failing again at the same endpoint has the same id. Format: <c>&lt;message id&gt;/&lt;endpoint id&gt;</c>,
    /// each part with <c>%</c> written as <c>%25</c> and <c>/</c> as <c>%2F</c>, so two different pairs never make one id
    /// (ordinary ids contain neither and read as they are: <c>0198c3f2-…/billing.charge_card</c>).
    /// </summary>
    public string Id => DeadLetterId.Format(MessageId, EndpointId);
}
