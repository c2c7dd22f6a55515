namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// A record key compared by content, for key-ordered dispatch. A null key is a key of its own (records
/// without a key are ordered among themselves) and differs from an empty one.
/// </summary>
internal readonly struct RecordKey : IEquatable<RecordKey>
{
    private readonly byte[]? _bytes;
    private readonly int _hash;

    private RecordKey(byte[] bytes)
    {
        _bytes = bytes;
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        _hash = hash.ToHashCode();
    }

    /// <summary>The null key; also the single key every record shares in partition-sequential mode.</summary>
    public static RecordKey Null => default;

    public static RecordKey From(byte[]? bytes) => bytes is null ? default : new RecordKey(bytes);

    public bool Equals(RecordKey other) =>
        _bytes is null || other._bytes is null
            ? _bytes is null && other._bytes is null
            : _hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is RecordKey other && Equals(other);

    public override int GetHashCode() => _hash;

    public static bool operator ==(RecordKey left, RecordKey right) => left.Equals(right);

    public static bool operator !=(RecordKey left, RecordKey right) => !left.Equals(right);
}
