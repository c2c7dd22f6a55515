using System.Collections.Frozen;
using Conveyor.Runtime;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// What every span and measurement of one channel shares, built once per channel rather than per message: its
/// <c>messaging.system</c>, its span names (<c>send orders</c>, <c>process orders</c>…) and the tag sets of the
/// measurements whose tags do not vary from message to message. Each is made on first use (two threads may both make
/// one; either is kept).
/// </summary>
internal sealed class ChannelTelemetry
{
    private readonly string?[] _spanNames = new string?[Operations.Count];
    private readonly KeyValuePair<string, object?>[]?[] _sentTags = new KeyValuePair<string, object?>[]?[Operations.Count];
    private string? _processSpanName;
    private long _inFlight;
    private volatile bool _received;

    private ChannelTelemetry(string channel, string system)
    {
        Channel = channel;
        System = system;
        IsKafka = system == "kafka";
        ChannelTags = [new(MessagingAttributes.System, system), new(MessagingAttributes.DestinationName, channel)];
    }

    /// <summary>The channel's name.</summary>
    public string Channel { get; }

    /// <summary>The channel's <c>messaging.system</c> (<see cref="MessagingAttributes.SystemOf"/>).</summary>
    public string System { get; }

    /// <summary>Whether <see cref="System"/> is <c>kafka</c>: a received message's offset is its <c>messaging.kafka.offset</c>.</summary>
    public bool IsKafka { get; }

    /// <summary>The name of the span of a message received from the channel: <c>process &lt;channel&gt;</c>.</summary>
    public string ProcessSpanName => _processSpanName ??= "process " + Channel;

    /// <summary><c>messaging.system</c> and <c>messaging.destination.name</c>: the tags of <c>conveyor.messages.in_flight</c>, and the first of every channel's measurement.</summary>
    public KeyValuePair<string, object?>[] ChannelTags { get; }

    /// <summary>Received messages of the channel the inbound pipeline is working on while it is observed.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Whether a message of the channel was received while observed: only such channels report <see cref="InFlight"/>.</summary>
    public bool Received => _received;

    /// <summary>A received message entered the pipeline.</summary>
    public void Entered()
    {
        _received = true;
        Interlocked.Increment(ref _inFlight);
    }

    /// <summary>A received message the pipeline was working on (<see cref="Entered"/>) is finished.</summary>
    public void Left() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The name of the span of a message leaving to the channel: <c>&lt;operation&gt; &lt;channel&gt;</c>.</summary>
    public string SpanName(Operation operation) => _spanNames[(int)operation] ??= Operations.Names[(int)operation] + " " + Channel;

    /// <summary>The tags of <c>messaging.client.sent.messages</c> for a send that did not fail.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> SentTags(Operation operation) =>
        _sentTags[(int)operation] ??= [.. ChannelTags, new(MessagingAttributes.OperationName, Operations.Names[(int)operation])];

    /// <summary>
    /// Keeps one per registered channel. A name that is no registered channel (a destination a message names) gets a new
    /// one on each call rather than a place in the cache: such names come from messages, and would grow it without bound.
    /// </summary>
    internal sealed class Cache(ConveyorRuntime runtime)
    {
        private FrozenDictionary<string, ChannelTelemetry>? _channels;

        public ChannelTelemetry Of(string channel)
        {
            var channels = _channels ??= runtime.ChannelKinds.ToFrozenDictionary(
                pair => pair.Key, pair => new ChannelTelemetry(pair.Key, MessagingAttributes.SystemOf(pair.Value)), StringComparer.Ordinal);
            return channels.GetValueOrDefault(channel) ?? new ChannelTelemetry(channel, MessagingAttributes.SystemOf(null));
        }

        /// <summary>
        /// <c>conveyor.messages.in_flight</c> as read when collected: each channel a message was received from while
        /// observed, with the count the pipeline keeps (an increment and a decrement per message, rather than two
        /// measurements for the metrics SDK to aggregate).
        /// </summary>
        public IEnumerable<System.Diagnostics.Metrics.Measurement<long>> InFlight()
        {
            foreach (var channel in _channels?.Values ?? [])
            {
                if (channel.Received)
                {
                    yield return new(channel.InFlight, channel.ChannelTags);
                }
            }
        }
    }
}

/// <summary>The <c>messaging.operation.name</c> of a message that leaves.</summary>
internal enum Operation
{
    Send,
    Publish,
    Retry,
    Resend,
    DeadLetter,
}

/// <summary>The names of <see cref="Operation"/>, by value.</summary>
internal static class Operations
{
    public static readonly string[] Names = ["send", "publish", "retry", "resend", "dead_letter"];

    public static int Count => Names.Length;
}
