namespace Conveyor.Kafka.Tests.Observability;

/// <summary>
/// The tests that read Conveyor's metrics run alone, after the parallel ones. Every application in the process has its own
/// instance of the Conveyor meter, and OpenTelemetry's SDK feeds the instruments of one identity (meter name, instrument
/// name, unit, description) from every instance into one metric stream; when one of those instruments completes, because
/// its application was disposed, the SDK retires the shared stream at the next collection, and the instruments of the
/// applications still running keep recording into a stream that is never exported again
/// (open-telemetry/opentelemetry-dotnet#6412). Another test class's application disposed while a metrics test waited for
/// its lag gauge silenced the gauge for the rest of the test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}
