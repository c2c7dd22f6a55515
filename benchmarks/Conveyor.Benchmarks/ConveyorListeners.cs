using System.Diagnostics;
using System.Diagnostics.Metrics;
using Conveyor.Diagnostics;

namespace Conveyor.Benchmarks;

/// <summary>
/// Listens to Conveyor's activity source (recording every activity, as a sampled-in trace does) and enables every
/// instrument of its meter: what an application with the OpenTelemetry SDK wired costs, without an exporter's work.
/// </summary>
internal sealed class ConveyorListeners : IDisposable
{
    private readonly ActivityListener _activities = new()
    {
        ShouldListenTo = source => source.Name == ConveyorTelemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private readonly MeterListener _meters = new()
    {
        InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConveyorTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        },
    };

    public ConveyorListeners()
    {
        ActivitySource.AddActivityListener(_activities);
        _meters.Start();
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
