using Conveyor.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OpenTelemetry;

/// <summary>Subscribes OpenTelemetry to Conveyor's activity source and meter, both named <see cref="ConveyorTelemetry.Name"/>.</summary>
public static class ConveyorInstrumentationExtensions
{
    /// <summary>
    /// Records Conveyor's spans: <c>send</c>/<c>publish</c> (kind Producer) for every message that leaves, <c>process</c>
    /// (kind Consumer) for every message received, continuing the trace the message's <c>traceparent</c> header carries.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddConveyorInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(ConveyorTelemetry.Name);
    }

    /// <summary>
    /// Records Conveyor's metrics: <c>messaging.client.sent.messages</c>, <c>messaging.client.consumed.messages</c>,
    /// <c>messaging.process.duration</c>, <c>conveyor.retries</c>, <c>conveyor.dead_letters</c>,
    /// <c>conveyor.messages.in_flight</c> and <c>conveyor.consumer.lag</c>.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddConveyorInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(ConveyorTelemetry.Name);
    }
}
