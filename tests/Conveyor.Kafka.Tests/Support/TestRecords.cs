using Confluent.Kafka;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>Builds consume results by hand for tests that need no broker.</summary>
internal static class TestRecords
{
    public static ConsumeResult<byte[]?, byte[]?> At(long offset, string? key = null, int partition = 0) => new()
    {
        Topic = "test-topic",
        Partition = new Partition(partition),
        Offset = new Offset(offset),
        Message = new Message<byte[]?, byte[]?>
        {
            Key = key is null ? null : System.Text.Encoding.UTF8.GetBytes(key),
            Value = null,
        },
    };

    public static string? KeyOf(ConsumeResult<byte[]?, byte[]?> record) =>
        record.Message.Key is { } key ? System.Text.Encoding.UTF8.GetString(key) : null;
}
