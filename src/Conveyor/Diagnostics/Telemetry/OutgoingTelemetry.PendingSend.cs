using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Diagnostics.Telemetry;

internal sealed partial class OutgoingTelemetry
{
    /// <summary>
    /// A traced send waiting for the transport to complete it (a broker's acknowledgement): ends the span then and
    /// completes the caller's wait. Pooled, so that a send window of thousands of traced records in flight allocates no
    /// state per record (an async method's state machine would be one per record: the pooling builder's cache holds a
    /// few per thread, and acknowledgements complete on other threads than the sends). It keeps the span and what the
    /// metrics need, not the message: a transport that has handed the record over (Kafka) lets the message go while the
    /// broker's acknowledgement is awaited, and so does a traced send. Like every
    /// <see cref="ValueTask"/>, the one it returns is awaited once; the outgoing path does.
    /// </summary>
    private sealed class PendingSend : IValueTaskSource
    {
        // Enough for a producer's send window; beyond it, a finished instance is left to the garbage collector.
        private const int PoolLimit = 4_096;
        private static readonly ConcurrentQueue<PendingSend> Pool = new();
        private static int _pooled;

        private readonly Action _onCompleted;
        private ManualResetValueTaskSourceCore<bool> _core;
        private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _sending;
        private OutgoingTelemetry? _telemetry;
        private DeadLetter? _deadLetter;
        private Activity? _activity;
        private ChannelTelemetry? _channel;
        private Operation _operation;

        private PendingSend() => _onCompleted = Completed;

        /// <summary>Waits for <paramref name="sending"/> (not completed yet), then records the send as sent or failed.</summary>
        public static ValueTask Await(
            ValueTask sending, OutgoingTelemetry telemetry, DeadLetter? deadLetter, Activity? activity, ChannelTelemetry channel, Operation operation)
        {
            if (Pool.TryDequeue(out var pending))
            {
                Interlocked.Decrement(ref _pooled);
            }
            else
            {
                pending = new PendingSend();
            }

            pending._telemetry = telemetry;
            pending._deadLetter = deadLetter;
            pending._activity = activity;
            pending._channel = channel;
            pending._operation = operation;
            pending._sending = sending.ConfigureAwait(false).GetAwaiter();
            var version = pending._core.Version;

            // Unsafe: the sender's execution context does not flow to the acknowledgement. The span ends wherever the
            // acknowledgement arrives, leaving that thread's context as it found it (CallerContext.End), and the caller's
            // own wait flows its context as every await does.
            pending._sending.UnsafeOnCompleted(pending._onCompleted);
            return new ValueTask(pending, version);
        }

        private void Completed()
        {
            try
            {
                _sending.GetResult();
            }
            catch (Exception e)
            {
                _telemetry!.Failed(_activity, _channel!, _operation, e);
                _core.SetException(e);
                return;
            }

            _telemetry!.Sent(_deadLetter, _activity, _channel!, _operation);
            _core.SetResult(true);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public void GetResult(short token)
        {
            try
            {
                _core.GetResult(token);
            }
            finally
            {
                Return();
            }
        }

        private void Return()
        {
            _sending = default;
            _telemetry = null;
            _deadLetter = null;
            _activity = null;
            _channel = null;
            _core.Reset();
            if (Interlocked.Increment(ref _pooled) <= PoolLimit)
            {
                Pool.Enqueue(this);
            }
            else
            {
                Interlocked.Decrement(ref _pooled);
            }
        }
    }
}
