using System.Diagnostics.Metrics;

namespace Conveyor.Diagnostics;

/// <summary>The instruments of the <c>Conveyor</c> meter; collect them with OpenTelemetry's <c>AddMeter("Conveyor")</c>.</summary>
internal static class ConveyorMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Conveyor";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Distributed events a service received and acknowledged without a handler that wants them; tags <c>map</c>, <c>service</c>, <c>routing_key</c>.</summary>
    public static readonly Counter<long> DistributedEventsUnwanted = Meter.CreateCounter<long>(
        "conveyor.distributed.events.unhandled", "{event}", "Distributed events received that no [Distributed] handler of the service wants.");
}
