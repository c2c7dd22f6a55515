using System.Globalization;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Embedded.Native;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>The embedded cluster must call into the one librdkafka Confluent.Kafka loaded, never a second copy.</summary>
public sealed class LibRdKafkaBindingTests
{
    [LinuxFact]
    public async Task Imports_ResolveToTheLibrdkafkaConfluentKafkaLoaded_AndOnlyOneIsMapped()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 1 });
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            var delivered = await producer.ProduceAsync("binding", new Message<Null, string> { Value = "through Confluent.Kafka" });
            delivered.Status.ShouldBe(PersistenceStatus.Persisted);
        }

        var mappings = ReadLibrdkafkaMappings();
        mappings.Select(m => m.Path).Distinct().ShouldHaveSingleItem("exactly one librdkafka file mapped into the process");
        var path = mappings[0].Path;
        LoadedLibRdKafka.Path.ShouldBe(path);

        // The address our imports call must lie inside that mapping, not in some other copy.
        var entryPoint = (ulong)NativeLibrary.GetExport(NativeLibrary.Load(path), "rd_kafka_mock_cluster_new");
        mappings.ShouldContain(m => m.Start <= entryPoint && entryPoint < m.End);

        LibRdKafka.Version().ShouldBe(Library.Version, "our import and Confluent.Kafka report the same build");
    }

    private static List<(ulong Start, ulong End, string Path)> ReadLibrdkafkaMappings() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && Path.GetFileName(fields[5].Trim()).Contains("librdkafka", StringComparison.Ordinal))
            .Select(fields =>
            {
                var range = fields[0].Split('-');
                return (ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        fields[5].Trim());
            })
            .ToList();
}
