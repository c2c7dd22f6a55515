namespace Conveyor.Diagnostics;

/// <summary>
/// What Conveyor's spans carry, bound from <c>Conveyor:Tracing</c> (<see cref="ConveyorOptions.Tracing"/>). By default
/// a span has the attributes the OpenTelemetry messaging semantic conventions require and the recommended ones that
/// find a message (its id, partition and offset) and say what became of it (the endpoint, the outcome); each
/// attribute is kept by the runtime in a list node of its own, so a lean span is a cheaper one.
/// </summary>
public sealed class ConveyorTracingOptions
{
    /// <summary>
    /// Also records <c>messaging.message.conversation_id</c> (the correlation id) and <c>messaging.message.body.size</c>
    /// on every span; <c>messaging.kafka.message.key</c> on received Kafka records; <c>conveyor.channel</c> on Consumer
    /// spans (their name has it); <c>conveyor.endpoint</c> on Producer spans (the endpoint a message is for); and
    /// <c>conveyor.attempt</c> on first attempts too (by default only a redelivery, attempt 2 and later, carries it).
    /// Each costs about 40 bytes per span recorded. Default <see langword="false"/>.
    /// </summary>
    public bool RecordMessageDetails { get; set; }
}
