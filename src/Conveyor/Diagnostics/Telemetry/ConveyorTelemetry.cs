namespace Conveyor.Diagnostics;

/// <summary>
/// The names Conveyor's traces and metrics are published under: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="Name"/>. Listen to them with any
/// <see cref="System.Diagnostics.ActivityListener"/> / <see cref="System.Diagnostics.Metrics.MeterListener"/>, or with
/// the OpenTelemetry SDK through the Conveyor.OpenTelemetry package. Nothing is recorded while nothing listens.
/// </summary>
public static class ConveyorTelemetry
{
    /// <summary>The name of Conveyor's activity source and meter.</summary>
    public const string Name = "Conveyor";
}
