using System.Text;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>
/// The Java client's default partitioner for keyed records, written from <c>org.apache.kafka.common.utils.Utils</c>:
/// <c>toPositive(murmur2(keyBytes)) % numPartitions</c>. Independent of librdkafka, so a test can check that
/// Conveyor's records land where a Java producer would put them.
/// </summary>
internal static class JavaPartitioner
{
    public static int Partition(string key, int partitions) => Partition(Encoding.UTF8.GetBytes(key), partitions);

    public static int Partition(byte[] key, int partitions) => ToPositive(Murmur2(key)) % partitions;

    /// <summary><c>Utils.toPositive</c>: clears the sign bit (not <c>Math.abs</c>, which fails on int.MinValue).</summary>
    public static int ToPositive(int number) => number & 0x7fffffff;

    /// <summary><c>Utils.murmur2</c>: 32-bit MurmurHash2 with Kafka's seed, Java int arithmetic (wrapping, unsigned shifts).</summary>
    public static int Murmur2(byte[] data)
    {
        var length = data.Length;
        const uint seed = 0x9747b28c;
        const uint m = 0x5bd1e995;
        const int r = 24;

        var h = seed ^ (uint)length;
        var length4 = length / 4;
        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = data[i4 + 0] + ((uint)data[i4 + 1] << 8) + ((uint)data[i4 + 2] << 16) + ((uint)data[i4 + 3] << 24);
            k = unchecked(k * m);
            k ^= k >> r;
            k = unchecked(k * m);
            h = unchecked(h * m);
            h ^= k;
        }

        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h = unchecked(h * m);
                break;
        }

        h ^= h >> 13;
        h = unchecked(h * m);
        h ^= h >> 15;
        return unchecked((int)h);
    }
}
