using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// The instruments of the meter named <see cref="ConveyorTelemetry.Name"/>, one set per application (service provider),
/// created through the host's <see cref="IMeterFactory"/> when it has one. Every recording is a no-op while nothing listens
/// (<see cref="Instrument.Enabled"/>), so callers check <see cref="ProcessingEnabled"/> before building tags.
/// </summary>
internal sealed class ConveyorMetrics : IDisposable
{
    // The messaging semantic conventions' recommended buckets for messaging.process.duration (seconds).
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ConveyorMetrics(IMeterFactory? factory, ConsumerLagGauge lag, ChannelTelemetry.Cache channels)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(ConveyorTelemetry.Name) ?? new Meter(ConveyorTelemetry.Name);
        Sent = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages sent: to a channel or publisher, again to a channel's consumers (a delayed retry), resent, or to the dead letter.");
        Consumed = _meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages received from a channel and finished by the inbound pipeline, by outcome.");
        Duration = _meter.CreateHistogram<double>(
            "messaging.process.duration", "s", "How long the inbound pipeline took to finish a received message, retries in place included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Retries = _meter.CreateCounter<long>("conveyor.retries", "{retry}", "Retries of a failed handler: instant (in process) and delayed (the message is delivered again later).");
        DeadLetters = _meter.CreateCounter<long>("conveyor.dead_letters", "{message}", "Messages kept in a dead letter after their last attempt failed.");
        DistributedEventsUnhandled = _meter.CreateCounter<long>(
            "conveyor.distributed.events.unhandled", "{event}", "Distributed events a service received that none of its [Distributed] handlers wants: acknowledged, not failed.");
        InFlight = _meter.CreateObservableUpDownCounter("conveyor.messages.in_flight", channels.InFlight, "{message}", "Received messages the inbound pipeline is working on.");
        _meter.CreateObservableGauge("conveyor.consumer.lag", lag.Observe, "{message}", "Messages written to a channel's partition but not yet committed by its consumers (Kafka: high watermark minus committed offset).");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Consumed { get; }

    public Histogram<double> Duration { get; }

    public Counter<long> Retries { get; }

    public Counter<long> DeadLetters { get; }

    /// <summary>Read when collected from the counts each <see cref="ChannelTelemetry"/> keeps.</summary>
    public ObservableUpDownCounter<long> InFlight { get; }

    /// <summary>Distributed events acknowledged without a handler that wants them; tags <c>map</c>, <c>service</c>, <c>routing_key</c>.</summary>
    public Counter<long> DistributedEventsUnhandled { get; }

    /// <summary>Whether anything listens to what the inbound pipeline records.</summary>
    public bool ProcessingEnabled => Consumed.Enabled || Duration.Enabled || InFlight.Enabled || Retries.Enabled;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
