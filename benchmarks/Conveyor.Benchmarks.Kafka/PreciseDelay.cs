using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// An asynchronous wait that ends close to its due time without holding a thread: a 1 ms handler that models I/O
/// (a database call), so that key-parallel handlers can overlap. <see cref="Task.Delay(int)"/> rounds to the timer
/// queue's millisecond ticks (on Linux a 1 ms delay lasts 1 to 2 ms, see the report's probe), <c>Thread.Sleep</c>
/// blocks a pool thread per handler, and spinning burns a core per handler (on two cores nothing could overlap).
/// Here one ticker thread sleeps 100 µs at a time (libc <c>nanosleep</c>) while waits are pending and completes each
/// wait once its due time passed; continuations run on the thread pool.
/// </summary>
internal sealed partial class PreciseDelay : IDisposable
{
    private static readonly long Tick = Stopwatch.Frequency / 10_000; // 100 µs
    private readonly Lock _gate = new();
    private readonly PriorityQueue<TaskCompletionSource, long> _due = new();
    private readonly ManualResetEventSlim _pending = new(false);
    private readonly Thread _ticker;
    private volatile bool _stopped;

    public PreciseDelay()
    {
        _ticker = new Thread(Run) { IsBackground = true, Name = "precise-delay", Priority = ThreadPriority.AboveNormal };
        _ticker.Start();
    }

    public Task WaitAsync(TimeSpan duration)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var due = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            _due.Enqueue(waiter, due);
        }

        _pending.Set();
        return waiter.Task;
    }

    public void Dispose()
    {
        _stopped = true;
        _pending.Set();
        _ticker.Join();
        _pending.Dispose();
    }

    private void Run()
    {
        var ready = new List<TaskCompletionSource>();
        while (!_stopped)
        {
            var now = Stopwatch.GetTimestamp();
            bool idle;
            lock (_gate)
            {
                while (_due.TryPeek(out var waiter, out var due) && due <= now)
                {
                    ready.Add(_due.Dequeue());
                }

                idle = _due.Count == 0;
            }

            foreach (var waiter in ready)
            {
                waiter.TrySetResult();
            }

            ready.Clear();
            if (idle)
            {
                _pending.Wait();
                _pending.Reset();
            }
            else
            {
                Sleep(Tick);
            }
        }
    }

    private static void Sleep(long stopwatchTicks)
    {
        if (OperatingSystem.IsLinux())
        {
            var request = new Timespec { Seconds = 0, Nanoseconds = (nint)(stopwatchTicks * 1_000_000_000 / Stopwatch.Frequency) };
            _ = NanoSleep(in request, IntPtr.Zero);
        }
        else
        {
            Thread.Sleep(1);
        }
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in Timespec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}
