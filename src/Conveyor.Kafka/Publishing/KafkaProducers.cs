using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// Producers shared by every channel and publisher with the same effective configuration: a librdkafka producer is
/// a heavy object (threads, connections, buffers) and is thread-safe, so one serves many senders.
/// </summary>
internal sealed class KafkaProducers : IDisposable
{
    private readonly ILogger<KafkaProducers> _logger;
    private readonly ConcurrentDictionary<string, Lazy<IProducer<byte[]?, byte[]?>>> _producers = new(StringComparer.Ordinal);

    public KafkaProducers(ILogger<KafkaProducers> logger, IOptions<KafkaOptions> options)
    {
        _logger = logger;

        // The options are read here, not first when a producer is built, for the order of disposal: the container
        // disposes singletons in reverse order of creation, so whatever the options are made from (an embedded
        // cluster in this process) is created before the producers and disposed after they flushed and closed.
        // Otherwise the producers outlive the cluster at shutdown and log "Connection refused" for every broker.
        _ = options.Value;
    }

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
            .SetErrorHandler((_, error) => Log.ProducerError(_logger, error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, message) => Log.ClientLog(_logger, message.Facility, message.Message))
            .Build();
}
