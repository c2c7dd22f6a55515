namespace Conveyor;

/// <summary>
/// What an orchestrator step returns to change headers for the rest of the flow: the next step's input and the headers
/// to set. Every later step sees them (<see cref="HeaderAttribute"/>, <see cref="HandlerContext.Headers"/>), on this
/// process or after a hop through a channel. A step that only passes its output on returns it as it is.
/// </summary>
public sealed class StepResult
{
    /// <summary>Creates a step result.</summary>
    /// <param name="payload">The next step's input.</param>
    /// <param name="headers">The headers to set, e.g. <c>new Dictionary&lt;string, string&gt; { ["tier"] = "gold" }</c>.</param>
    public StepResult(object payload, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(headers);
        Payload = payload;
        Headers = headers;
    }

    /// <summary>The next step's input.</summary>
    public object Payload { get; }

    /// <summary>The headers to set for the rest of the flow.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }
}
