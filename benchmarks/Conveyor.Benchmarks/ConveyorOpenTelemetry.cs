using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Conveyor.Benchmarks;

/// <summary>
/// The OpenTelemetry SDK wired as an application wires it — <c>AddConveyorInstrumentation()</c> for traces and for
/// metrics — with no exporter: every span is sampled in and recorded (the SDK's default sampler), and every measurement
/// is aggregated by a metric reader whose exporter is never called during a run (its export interval is longer than any
/// run). What this costs is Conveyor's instrumentation plus the SDK's own per-span and per-measurement work; an
/// exporter's batching and sending comes on top. A baseline traced by hand names its own activity source, wired beside
/// Conveyor's the same way.
/// </summary>
internal sealed class ConveyorOpenTelemetry(params string[] moreSources) : IDisposable
{
    private readonly TracerProvider _tracing = Sdk.CreateTracerProviderBuilder().AddConveyorInstrumentation().AddSource(moreSources).Build();

    private readonly MeterProvider _metrics = Sdk.CreateMeterProviderBuilder()
        .AddConveyorInstrumentation()
        .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), exportIntervalMilliseconds: int.MaxValue))
        .Build();

    public void Dispose()
    {
        _tracing.Dispose();
        _metrics.Dispose();
    }

    /// <summary>A metric exporter that drops what it is given (only called when the provider is disposed).</summary>
    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
