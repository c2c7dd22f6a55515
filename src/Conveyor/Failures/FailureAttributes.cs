namespace Conveyor;

/// <summary>
/// Retries the handler in-process, at once, up to <paramref name="retryTimes"/> more times when it throws one of
/// <paramref name="exceptionTypes"/> (any exception when none are given).
/// </summary>
/// <param name="retryTimes">How many retries after the first attempt.</param>
/// <param name="exceptionTypes">The exception types worth retrying.</param>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class InstantRetryAttribute(int retryTimes, params Type[] exceptionTypes) : Attribute
{
    /// <summary>How many retries after the first attempt.</summary>
    public int RetryTimes { get; } = retryTimes;

    /// <summary>The exception types worth retrying; empty means all.</summary>
    public IReadOnlyList<Type> ExceptionTypes { get; } = exceptionTypes;
}

/// <summary>
/// Retries a failed asynchronous message later, after a delay that really waits: fixed when
/// <see cref="Multiplier"/> is 1, exponential otherwise, capped at <see cref="MaxDelayMs"/>.
/// </summary>
/// <param name="maxAttempts">How many delayed retries before the message goes to the error channel.</param>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class DelayedRetryAttribute(int maxAttempts) : Attribute
{
    /// <summary>How many delayed retries before giving up.</summary>
    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>The first delay in milliseconds. Default 1000.</summary>
    public int InitialDelayMs { get; set; } = 1000;

    /// <summary>The factor each further delay grows by. Default 2 (exponential); 1 gives a fixed delay.</summary>
    public double Multiplier { get; set; } = 2;

    /// <summary>The longest delay in milliseconds. Default one hour.</summary>
    public int MaxDelayMs { get; set; } = 3_600_000;
}

/// <summary>Sends messages this endpoint finally fails on to <paramref name="channelName"/> instead of the default error channel.</summary>
/// <param name="channelName">A channel name: an internal handler's input channel or an asynchronous channel.</param>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class ErrorChannelAttribute(string channelName) : Attribute
{
    /// <summary>The error channel name.</summary>
    public string ChannelName { get; } = channelName;
}

/// <summary>Overrides the channel's <see cref="Conveyor.FinalFailureStrategy"/> for one endpoint.</summary>
/// <param name="strategy">The strategy.</param>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class FinalFailureAttribute(FinalFailureStrategy strategy) : Attribute
{
    /// <summary>The strategy.</summary>
    public FinalFailureStrategy Strategy { get; } = strategy;
}

/// <summary>
/// What happens to a message when its retries are used up and no error channel took it (no error channel is
/// configured, or sending to it failed).
/// </summary>
public enum FinalFailureStrategy
{
    /// <summary>Redeliver the same message in place, keeping order; the channel backs off between attempts. The default.</summary>
    Release,

    /// <summary>Append the message again at the end of its channel and acknowledge the original, unblocking what follows.</summary>
    Resend,

    /// <summary>Acknowledge the message and go on: it is dropped on purpose.</summary>
    Ignore,

    /// <summary>Stop the consumer without acknowledging the message, so it is delivered again when the consumer restarts.</summary>
    Stop,
}
