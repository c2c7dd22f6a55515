namespace Conveyor.Kafka.ConsumerApp;

/// <summary>
/// The work message and the names the consumer app and its publishers share. The reliability tests link this file,
/// so the test's publisher and this app agree on the wire without referencing each other.
/// </summary>
public static class WorkContract
{
    /// <summary>The Conveyor channel the work travels on.</summary>
    public const string Channel = "work";

    /// <summary>The handler's endpoint id: the message's target on the wire and the deduplication scope.</summary>
    public const string EndpointId = "reliability.work.apply";

    /// <summary>The message name on the wire.</summary>
    public const string MessageName = "reliability.work";
}

/// <summary>One unit of work: its effect is one row in the <c>effects</c> table.</summary>
/// <param name="Key">The partition key (also recorded with the effect).</param>
/// <param name="Sequence">The publisher's sequence number for the key.</param>
[Message(WorkContract.MessageName)]
public sealed record DoWork(string Key, int Sequence);
