using System.Collections.Concurrent;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// Publishes <see cref="Sequenced"/> commands through a Conveyor bus in the background, one sequential publisher per
/// key: a key's next message is sent once the previous one was acknowledged (or reported failed), so the acknowledged
/// order per key is the order a partition-sequential consumer must keep. Publishing stays at most
/// <c>maxBacklog</c> messages ahead of <c>handled</c>, so partition logs stay short.
/// </summary>
internal sealed class SequencedPublisher : IAsyncDisposable
{
    private const int MaxPerKey = 5_000;
    private readonly CancellationTokenSource _stop = new();
    private readonly int[] _nextSequence;
    private readonly List<Task> _publishers;

    public SequencedPublisher(ICommandBus bus, int keys, Func<int> handled, int maxBacklog)
    {
        Keys = keys;
        _nextSequence = new int[keys];
        _publishers = [.. Enumerable.Range(0, keys).Select(k => Task.Run(() => PublishAsync(bus, k, handled, maxBacklog)))];
    }

    public int Keys { get; }

    public ConcurrentDictionary<string, Sequenced> Acknowledged { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Exception> Failed { get; } = new(StringComparer.Ordinal);

    public static string KeyName(int key) => $"key-{key:D2}";

    public static string MessageId(string key, int sequence) => $"{key}/{sequence:D4}";

    /// <summary>The id of the message a key will publish <paramref name="ahead"/> messages from now.</summary>
    public string IdAhead(int key, int ahead) => MessageId(KeyName(key), Volatile.Read(ref _nextSequence[key]) + ahead);

    /// <summary>Stops publishing and waits for the last sends to be acknowledged or fail.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_publishers).WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_publishers).WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }

    private async Task PublishAsync(ICommandBus bus, int k, Func<int> handled, int maxBacklog)
    {
        for (var sequence = 0; !_stop.IsCancellationRequested && sequence < MaxPerKey; sequence++)
        {
            // Bounded pacing: at most one more message per key per 5 ms while the consumer is behind.
            while (Acknowledged.Count - handled() > maxBacklog && !_stop.IsCancellationRequested)
            {
                await Task.Delay(5);
            }

            var message = new Sequenced(KeyName(k), sequence);
            var id = MessageId(message.Key, sequence);
            try
            {
                await bus.SendAsync(message, new Dictionary<string, string> { [MessageHeaderNames.MessageId] = id, [MessageHeaderNames.PartitionKey] = message.Key });
                Acknowledged[id] = message;
            }
            catch (KafkaPublishException e)
            {
                Failed[id] = e;
            }

            Volatile.Write(ref _nextSequence[k], sequence + 1);
        }
    }
}
