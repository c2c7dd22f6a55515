using System.Diagnostics;
using Conveyor.Inbound;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>One received message being traced and measured, from receipt to its acknowledgement.</summary>
internal sealed class InboundObservation
{
    private readonly ConveyorMetrics _metrics;
    private readonly Activity? _activity;
    private readonly CallerContext _caller;
    private readonly ChannelTelemetry _channel;
    private readonly long _started = Stopwatch.GetTimestamp();
    private string? _endpoint;
    private bool _retryScheduled;

    /// <summary>Starts observing a received message whose span (null when none is recorded) <see cref="InboundTelemetry"/> started.</summary>
    /// <param name="metrics">The instruments.</param>
    /// <param name="activity">The <c>process</c> span, or null.</param>
    /// <param name="caller">The context before <paramref name="activity"/> started: the pipeline's, put back when the span ends.</param>
    /// <param name="channel">The channel it was received from.</param>
    public InboundObservation(ConveyorMetrics metrics, Activity? activity, CallerContext caller, ChannelTelemetry channel)
    {
        _metrics = metrics;
        _activity = activity;
        _caller = caller;
        _channel = channel;
        channel.Entered();
    }

    /// <summary>The router found the endpoint.</summary>
    public void Routed(string endpointId)
    {
        _endpoint = endpointId;
        _activity?.AddTag(MessagingAttributes.Endpoint, endpointId);
    }

    /// <summary>The attempt failed and the message will be delivered again later: it is finished as <c>retried</c>.</summary>
    public void RetryScheduled() => _retryScheduled = true;

    /// <summary>The pipeline finished with <paramref name="result"/>; or, with <paramref name="error"/>, threw. Called in the flow <see cref="InboundTelemetry.Start"/> was.</summary>
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

            // Finished in the flow the span started in (the pipeline's): its context goes back to what it was, and the
            // span's end then has nothing to write.
            _caller.Restore(_activity);
            _activity.Dispose();
        }

        _channel.Left();
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
