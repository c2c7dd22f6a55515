using System.Diagnostics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// Starting and ending a span changes <see cref="Activity.Current"/>, an <see cref="AsyncLocal{T}"/>: each change makes
/// the thread a new execution context (two objects) and, once the span has ended, is garbage. This puts the caller's
/// context back as it was before the span started — the captured object itself, as an <c>await</c> does — so that the
/// span's end (which sets <see cref="Activity.Current"/> to the caller's span) finds it there already and writes
/// nothing. A traced Kafka send then changes it once instead of three times, a received message once instead of twice.
/// </summary>
internal readonly struct CallerContext
{
    private readonly ExecutionContext? _context;
    private readonly Activity? _span;

    private CallerContext(ExecutionContext? context, Activity? span)
    {
        _context = context;
        _span = span;
    }

    /// <summary>The context before a span starts (null while its flow is suppressed: then the span is put back by hand).</summary>
    public static CallerContext Capture()
    {
        var context = ExecutionContext.Capture();
        return new CallerContext(context, context is null ? Activity.Current : null);
    }

    /// <summary>Makes the caller's context current again if <paramref name="started"/> changed it.</summary>
    public void Restore(Activity? started)
    {
        if (started is null)
        {
            return;
        }

        if (_context is not null)
        {
            ExecutionContext.Restore(_context);
        }
        else
        {
            Activity.Current = _span;
        }
    }

    /// <summary>
    /// Ends <paramref name="activity"/> on a thread whose context it is not current in (its caller's, restored; or the
    /// thread an acknowledgement arrived on), leaving that context as it was.
    /// </summary>
    public static void End(Activity activity)
    {
        var around = Capture();
        activity.Dispose();
        around.Restore(activity);
    }
}
