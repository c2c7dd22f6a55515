using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Marketplace.Tests;

/// <summary><c>dotnet run -- --telemetry</c>: the host exports Conveyor's traces and metrics; without it, nothing is registered.</summary>
public sealed class TelemetryFlagTests
{
    [Fact]
    public void CreateHost_WithTelemetry_RegistersTracerAndMeterProviders()
    {
        using var host = Program.CreateHost([], telemetry: true);

        host.Services.GetService<TracerProvider>().ShouldNotBeNull();
        host.Services.GetService<MeterProvider>().ShouldNotBeNull();
    }

    [Fact]
    public void CreateHost_WithoutTelemetry_RegistersNoProvider()
    {
        using var host = Program.CreateHost([]);

        host.Services.GetService<TracerProvider>().ShouldBeNull();
    }
}
