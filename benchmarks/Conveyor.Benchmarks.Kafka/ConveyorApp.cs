using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// A Conveyor application on the shared embedded cluster, as a user would build it: <c>UseKafka</c> with the embedded
/// cluster's address (and the session timeouts <c>UseEmbeddedKafka</c> sets), one Kafka channel on the run's topic,
/// the handler class registered with Conveyor's default (scoped) lifetime, every other option at its default.
/// </summary>
internal static class ConveyorApp
{
    public const string Channel = "bench";

    public static ServiceProvider Build(
        EmbeddedKafkaCluster cluster,
        string topic,
        string groupId,
        Action<ConveyorBuilder> handlers,
        Action<IServiceCollection> services,
        KafkaConsumerOptions? consuming = null,
        Action<KafkaChannelOptions>? channel = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        collection.AddSingleton(cluster).AddSingleton<IKafkaTopicCreator>(cluster);
        services(collection);
        collection.AddConveyor(c =>
        {
            c.UseKafka(o =>
            {
                o.BootstrapServers = cluster.BootstrapServers;
                o.CreateMissingTopics = true;
                o.Consumer["session.timeout.ms"] = "2000";
                o.Consumer["heartbeat.interval.ms"] = "500";
            });
            c.AddKafkaChannel(Channel, topic, groupId, o =>
            {
                o.Consuming = consuming;
                channel?.Invoke(o);
            });
            handlers(c);
        });
        var provider = collection.BuildServiceProvider();

        // Resolving a bus builds the runtime: handlers compiled, channels and their producer created.
        _ = provider.GetRequiredService<IEventBus>();
        return provider;
    }

    /// <summary>The retry and dead-letter topics Conveyor creates for the channel, to delete after the run.</summary>
    public static IEnumerable<string> TopicsOf(string topic, string groupId) => [topic, $"{topic}.{groupId}.retry", $"{topic}.dead-letter"];

    /// <summary>
    /// Calls <paramref name="send"/> for 0..<paramref name="messages"/>-1 from one logical flow, so sends start in
    /// sequence order, with up to <paramref name="window"/> of them awaiting their acknowledgement at once. When the
    /// window is full the loop waits until half of it completed, so it does not wake once per acknowledgement. The
    /// count of sends in flight is kept with atomic operations, not a lock that the sending loop and the completing
    /// thread would take twice per message.
    /// </summary>
    public static async Task SendWindowedAsync(int messages, int window, Func<int, ValueTask> send)
    {
        var outstanding = 0;
        var low = window / 2;
        TaskCompletionSource? waiter = null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = messages;
        Exception? failure = null;

        for (var i = 0; i < messages; i++)
        {
            if (Volatile.Read(ref outstanding) >= window)
            {
                var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Interlocked.Exchange(ref waiter, wait);

                // Completions that brought the window down before the waiter was published did not see it: take it
                // back and go on, unless a completion took it meanwhile (then it is set).
                if (Volatile.Read(ref outstanding) > low || Interlocked.Exchange(ref waiter, null) is null)
                {
                    await wait.Task.ConfigureAwait(false);
                }
            }

            Interlocked.Increment(ref outstanding);
            ValueTask pending;
            try
            {
                pending = send(i);
            }
            catch (Exception e)
            {
                pending = ValueTask.FromException(e);
            }

            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult();
                Completed(null);
            }
            else
            {
                _ = Track(pending);
            }
        }

        await done.Task.ConfigureAwait(false);
        if (Volatile.Read(ref failure) is { } error)
        {
            throw new InvalidOperationException($"A send failed: {error.Message}", error);
        }

        async Task Track(ValueTask task)
        {
            Exception? error = null;
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }

            Completed(error);
        }

        void Completed(Exception? error)
        {
            if (error is not null)
            {
                Interlocked.CompareExchange(ref failure, error, null);
            }

            if (Interlocked.Decrement(ref outstanding) <= low && Volatile.Read(ref waiter) is not null)
            {
                Interlocked.Exchange(ref waiter, null)?.TrySetResult();
            }

            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        }
    }
}
