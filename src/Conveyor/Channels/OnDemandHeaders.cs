namespace Conveyor.Channels;

/// <summary>
/// Headers a transport computes from what it received only when they are read (Kafka's <c>kafka_offset</c>,
/// <c>kafka_timestamp</c>, <c>kafka_key</c>…), so that a message whose handler reads none of them does not pay for
/// their strings. Passed to <see cref="MessageHeaders(int, OnDemandHeaders)"/>: they are added to the message's headers
/// on the first read of one of them by name, an enumeration, a copy, or a change of one of them, and replace (or, with
/// no value, remove) headers of the same names the message carried.
/// </summary>
public abstract class OnDemandHeaders
{
    /// <summary>How many headers <see cref="AddTo"/> adds at most, to size the headers it adds them to.</summary>
    public abstract int Count { get; }

    /// <summary>Whether <paramref name="name"/> is (or may be) one of these headers: reading it adds them first.</summary>
    /// <param name="name">A header name.</param>
    /// <returns>Whether reading the header needs these headers added.</returns>
    public abstract bool Provides(string name);

    /// <summary>Sets these headers into <paramref name="values"/>, removing the names they have no value for. Called once, holding a lock on this instance.</summary>
    /// <param name="values">The message's other headers.</param>
    public abstract void AddTo(IDictionary<string, string> values);
}
