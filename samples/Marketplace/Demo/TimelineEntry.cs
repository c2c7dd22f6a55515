namespace Marketplace.Demo;

/// <summary>One attempt of one endpoint on one message.</summary>
/// <param name="StartedAt">When the attempt started, from the start of the demo.</param>
/// <param name="Channel">The channel it came through, or <c>(in-process)</c>.</param>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="OrderId">The order the message is about.</param>
/// <param name="Message">The message type.</param>
/// <param name="Attempt">1 for the first delivery, 2 for the first retry, …</param>
/// <param name="Error">Why it failed, or null when it was handled.</param>
/// <param name="WillRetry">Whether a delayed retry follows the failure.</param>
public sealed record TimelineEntry(
    TimeSpan StartedAt,
    string Channel,
    string EndpointId,
    string OrderId,
    string Message,
    int Attempt,
    string? Error,
    bool WillRetry)
{
    public bool Handled => Error is null;

    public string Outcome => Handled
        ? $"handled {Message}"
        : $"failed: {Error}{(WillRetry ? " -> delayed retry" : "")}";
}
