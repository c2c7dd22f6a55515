using System.Collections.Concurrent;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// Completes acknowledged sends in batches on the thread pool: the producer's delivery thread only queues a finished
/// <see cref="KafkaDelivery"/> that is awaited, and a drainer on the pool completes every queued one, running its
/// awaiter's continuation in place, instead of one pool hand-off (and often one thread wake-up) per acknowledgement.
/// (A send that nothing awaits yet has no continuation to run, and is completed where its report arrives.)
/// </summary>
/// <remarks>
/// A continuation may block — a caller that waits synchronously on another send (<c>.GetAwaiter().GetResult()</c>)
/// waits for an acknowledgement that comes through this very queue. So a drainer never counts as available while it
/// runs a continuation: before running one it makes sure another drainer is queued if records are waiting, and a
/// delivery queued while no drainer is between continuations queues one. Every queued delivery is thus taken by a
/// drainer that is not blocked (the pool adds threads while its threads are blocked), and none waits on a blocked one.
/// </remarks>
internal static class DeliveryCompletions
{
    private static readonly ConcurrentQueue<KafkaDelivery> Queue = new();

    // Drainers that are between continuations and will look at the queue again before they return.
    private static int _available;

    // 1 while a drainer is queued to the pool and has not started.
    private static int _scheduled;

    /// <summary>Queues <paramref name="delivery"/>, whose result is set, to be completed on the pool.</summary>
    public static void Post(KafkaDelivery delivery)
    {
        Queue.Enqueue(delivery);
        if (Volatile.Read(ref _available) == 0)
        {
            Schedule();
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
        while (true)
        {
            Interlocked.Increment(ref _available);
            if (!Queue.TryDequeue(out var delivery))
            {
                Interlocked.Decrement(ref _available);

                // A delivery queued after the take failed and before the decrement saw this drainer available.
                if (Queue.IsEmpty)
                {
                    return;
                }

                continue;
            }

            if (Interlocked.Decrement(ref _available) == 0 && !Queue.IsEmpty)
            {
                Schedule(); // this drainer may block in the continuation: someone else takes the rest
            }

            delivery.RunCompletion();
        }
    }
}
