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
    /// window is full the loop waits until half of it completed, so it does not wake once per acknowledgement.
    /// </summary>
    public static async Task SendWindowedAsync(int messages, int window, Func<int, ValueTask> send)
    {
        var gate = new Lock();
        var outstanding = 0;
        var low = window / 2;
        TaskCompletionSource? waiter = null;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = messages;
        Exception? failure = null;

        for (var i = 0; i < messages; i++)
        {
            Task? wait = null;
            lock (gate)
            {
                if (outstanding >= window)
                {
                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = waiter.Task;
                }
            }

            if (wait is not null)
            {
                await wait.ConfigureAwait(false);
            }

            lock (gate)
            {
                outstanding++;
            }

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
        if (failure is not null)
        {
            throw new InvalidOperationException($"A send failed: {failure.Message}", failure);
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
            TaskCompletionSource? wake = null;
            lock (gate)
            {
                failure ??= error;
                outstanding--;
                if (waiter is not null && outstanding <= low)
                {
                    wake = waiter;
                    waiter = null;
                }
            }

            wake?.TrySetResult();
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        }
    }
}
