using System.Collections.Concurrent;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// Completes acknowledged sends in batches on the thread pool: the producer's delivery thread only queues a finished
/// <see cref="KafkaDelivery"/> that is awaited, and a drainer on the pool completes every queued one, running its
/// awaiter's continuation in place, instead of one pool hand-off (and often one thread wake-up) per acknowledgement.
/// (A send that nothing awaits yet has no continuation to run, and is completed where its report arrives.)
/// </summary>
/// <remarks>
/// <para>
/// A continuation may block — a caller that waits synchronously on another send (<c>.GetAwaiter().GetResult()</c>)
/// waits for an acknowledgement that comes through this very queue. So a drainer never counts as available while it
/// runs a continuation: before running one it makes sure another drainer is queued if records are waiting, and a
/// delivery queued while no drainer is between continuations queues one. Every queued delivery is thus taken by a
/// drainer that is not blocked (the pool adds threads while its threads are blocked), and none waits on a blocked one.
/// </para>
/// <para>
/// A drainer that finds the queue empty waits for the next delivery for up to <see cref="ParkTime"/> (one at a time,
/// still counted as available, woken by the delivery) before it gives its thread back: acknowledgements come in bursts,
/// one per produce response, a fraction of a millisecond apart while records flow, and a drainer started per burst
/// cost a pool hand-off and, when its thread went back to the pool, the pool's idle spinning (measured: one drainer
/// per ~32 acknowledgements one by one, and the spinning 0.5–0.8 µs per message; docs/kafka-performance.md). A
/// drainer parks only during its first <see cref="ParkingLifetime"/>, so that it never holds a pool thread for long
/// while acknowledgements keep waking it: past that it drains what is queued and returns, and the next delivery starts
/// a new one.
/// </para>
/// </remarks>
internal static class DeliveryCompletions
{
    /// <summary>How long a drainer with nothing to do waits for the next delivery before it returns its thread to the pool.</summary>
    internal static readonly TimeSpan ParkTime = TimeSpan.FromMilliseconds(2);

    /// <summary>How long after its start a drainer may still park, in milliseconds.</summary>
    internal const long ParkingLifetime = 20;

    private static readonly ConcurrentQueue<KafkaDelivery> Queue = new();

    // Releases the parked drainer: released once per 1 -> 0 change of _parked made by a delivery.
    private static readonly SemaphoreSlim Wake = new(0);

    // Drainers that are between continuations (or parked) and will look at the queue again before they return.
    private static int _available;

    // 1 while a drainer is queued to the pool and has not started.
    private static int _scheduled;

    // 1 while a drainer waits for the next delivery (at most one does).
    private static int _parked;

    /// <summary>Queues <paramref name="delivery"/>, whose result is set, to be completed on the pool.</summary>
    public static void Post(KafkaDelivery delivery)
    {
        Queue.Enqueue(delivery);

        // Ordered before the reads below: a drainer that parks or leaves (with a locked write) then looks at the queue.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _available) == 0)
        {
            Schedule();
        }
        else if (Volatile.Read(ref _parked) == 1 && Interlocked.Exchange(ref _parked, 0) == 1)
        {
            Wake.Release();
        }
    }

    private static void Schedule()
    {
        // Read first: during a burst a drainer asks for a helper before every continuation, and one is nearly always
        // queued already; a failed exchange would still take the cache line from the threads that read it.
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ => Drain(), (object?)null, preferLocal: false);
        }
    }

    private static void Drain()
    {
        Interlocked.Exchange(ref _scheduled, 0);
        var started = Environment.TickCount64;
        Interlocked.Increment(ref _available);
        while (true)
        {
            if (Queue.TryDequeue(out var delivery))
            {
                if (Interlocked.Decrement(ref _available) == 0 && !Queue.IsEmpty)
                {
                    Schedule(); // this drainer may block in the continuation: someone else takes the rest
                }

                delivery.RunCompletion();
                Interlocked.Increment(ref _available);
                continue;
            }

            if (Environment.TickCount64 - started < ParkingLifetime && Park())
            {
                continue;
            }

            Interlocked.Decrement(ref _available);

            // A delivery queued after the take failed and before the decrement saw this drainer available.
            if (Queue.IsEmpty)
            {
                return;
            }

            Interlocked.Increment(ref _available);
        }
    }

    /// <summary>
    /// Waits, still available, for a delivery to be queued, for up to <see cref="ParkTime"/>; false when none came (or
    /// another drainer is parked already), and the drainer leaves.
    /// </summary>
    private static bool Park()
    {
        if (Interlocked.CompareExchange(ref _parked, 1, 0) != 0)
        {
            return false;
        }

        // Queued before the flag was seen: take it back, unless a delivery did (then its release is due).
        if (!Queue.IsEmpty || !Wake.Wait(ParkTime))
        {
            if (Interlocked.Exchange(ref _parked, 0) == 0)
            {
                Wake.Wait();
            }
        }

        return !Queue.IsEmpty;
    }
}
