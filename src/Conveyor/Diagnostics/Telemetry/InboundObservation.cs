using System.Diagnostics;
using Conveyor.Inbound;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>One received message being traced and measured, from receipt to its acknowledgement.</summary>
internal sealed class InboundObservation
{
    private readonly ConveyorMetrics _metrics;
    private readonly Activity? _activity;
    private readonly ChannelTelemetry _channel;
    private readonly long _started = Stopwatch.GetTimestamp();
    private string? _endpoint;
    private bool _retryScheduled;

    public InboundObservation(ConveyorMetrics metrics, Activity? activity, ChannelTelemetry channel)
    {
        _metrics = metrics;
        _activity = activity;
        _channel = channel;
        metrics.InFlight.Add(1, channel.ChannelTags);
    }

    /// <summary>The router found the endpoint.</summary>
    public void Routed(string endpointId)
    {
        _endpoint = endpointId;
        _activity?.AddTag(MessagingAttributes.Endpoint, endpointId);
    }

    /// <summary>The attempt failed and the message will be delivered again later: it is finished as <c>retried</c>.</summary>
    public void RetryScheduled() => _retryScheduled = true;

    /// <summary>The pipeline finished with <paramref name="result"/>; or, with <paramref name="error"/>, threw.</summary>
    public void Finish(ProcessingResult? result, Exception? error = null)
    {
        var outcome = error is not null ? "error" : result!.Value.Outcome switch
        {
            ProcessingOutcome.Duplicate => "duplicate",
            ProcessingOutcome.Failed => "failed",
            _ when _retryScheduled => "retried",
            _ => result.Value.Acknowledgement == Channels.Acknowledgement.Completed ? "handled" : "released",
        };
        if (_activity is not null)
        {
            _activity.AddTag(MessagingAttributes.Outcome, outcome);
            if (error is not null)
            {
                _activity.SetStatus(ActivityStatusCode.Error, error.Message);
                _activity.AddException(error);
            }
            else if (outcome == "failed" && _activity.Status != ActivityStatusCode.Error)
            {
                _activity.SetStatus(ActivityStatusCode.Error);
            }

            _activity.Dispose();
        }

        _metrics.InFlight.Add(-1, _channel.ChannelTags);
        var tags = new TagList(_channel.ChannelTags);
        tags.Add(MessagingAttributes.Endpoint, _endpoint);
        tags.Add(MessagingAttributes.Outcome, outcome);
        if (error is not null)
        {
            tags.Add(MessagingAttributes.ErrorType, error.GetType().FullName);
        }

        _metrics.Consumed.Add(1, tags);
        _metrics.Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
    }
}
