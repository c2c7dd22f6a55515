using System.Globalization;
using System.Text.Json;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>The throughput payload: about 200 bytes of JSON, the same record on the raw and the Conveyor side.</summary>
[Message("bench.order-placed")]
public sealed record OrderPlaced(
    string OrderId,
    string CustomerId,
    long Sequence,
    decimal Amount,
    string Currency,
    string Sku,
    int Quantity,
    DateTimeOffset PlacedAt,
    string Note)
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The <paramref name="sequence"/>th order of a run; the order id is a 36-character UUID, like Conveyor's default key (the message id).</summary>
    public static OrderPlaced Create(long sequence) => new(
        Guid.CreateVersion7().ToString(),
        "customer-" + (sequence % 10_000).ToString("D5", CultureInfo.InvariantCulture),
        sequence,
        12.5m + (sequence % 1000),
        "EUR",
        "SKU-" + (sequence % 5_000).ToString("D6", CultureInfo.InvariantCulture),
        1 + (int)(sequence % 7),
        Epoch.AddSeconds(sequence),
        "standard delivery, leave at the door");
}

/// <summary>The key-parallel payload: which key, and the message's place in that key's sequence.</summary>
[Message("bench.keyed-work")]
public sealed record KeyedWork(int Key, int Sequence, string Note);

internal static class Json
{
    /// <summary>What Conveyor's default converter uses: System.Text.Json with web defaults.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
