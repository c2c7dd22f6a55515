using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// Producers shared by every channel and publisher with the same effective configuration: a librdkafka producer is
/// a heavy object (threads, connections, buffers) and is thread-safe, so one serves many senders.
/// </summary>
internal sealed class KafkaProducers(ILogger<KafkaProducers> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IProducer<byte[]?, byte[]?>>> _producers = new(StringComparer.Ordinal);

    public IProducer<byte[]?, byte[]?> For(ProducerConfig config)
    {
        var key = string.Join('\n', config.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
        return _producers.GetOrAdd(key, _ => new Lazy<IProducer<byte[]?, byte[]?>>(() => Build(config))).Value;
    }

    public void Dispose()
    {
        foreach (var producer in _producers.Values.Where(p => p.IsValueCreated).Select(p => p.Value))
        {
            producer.Flush(TimeSpan.FromSeconds(10));
            producer.Dispose();
        }
    }

    private IProducer<byte[]?, byte[]?> Build(ProducerConfig config) =>
        new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => Log.ProducerError(logger, error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, message) => Log.ClientLog(logger, message.Facility, message.Message))
            .Build();
}
