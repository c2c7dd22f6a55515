using System.Diagnostics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>The process's one <see cref="ActivitySource"/> named <see cref="ConveyorTelemetry.Name"/>.</summary>
internal static class ConveyorActivitySource
{
    public static readonly ActivitySource Instance = new(ConveyorTelemetry.Name, typeof(ConveyorActivitySource).Assembly.GetName().Version?.ToString());
}
