namespace Conveyor.Kafka.ExactlyOnceApp;

/// <summary>What the exactly-once app and the test that kills it agree on.</summary>
public static class ExactlyOnceContract
{
    /// <summary>The <c>[KafkaConsumer]</c> endpoint, also the consumer's name.</summary>
    public const string Endpoint = "eos.work";

    /// <summary>The Kafka channel the handler publishes <see cref="Done"/> to.</summary>
    public const string Output = "eos.done";

    /// <summary>Printed when the consumer runs.</summary>
    public const string Ready = "ready";

    /// <summary>Printed, with the number, after each record's handler returned.</summary>
    public const string Handled = "handled ";
}

/// <summary>The input record's JSON value, written by the test as a foreign producer would.</summary>
public sealed record Work(int Number);

/// <summary>What handling a <see cref="Work"/> publishes, with the process that handled it.</summary>
public sealed record Done(int Number, int Instance);
