using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Conveyor.Storage;

/// <summary>
/// Writes message headers as one blob and reads them back exactly: a format byte, the count, then each name and value
/// as its UTF-16 code units with their length. Not UTF-8 text, so that every string comes back unchanged, a lone
/// surrogate (a transport's non-UTF-8 header kept as it was) included.
/// </summary>
/// <remarks>
/// Public in core, and narrow, rather than a source file each store package compiles: every database store (SQLite,
/// PostgreSQL, those to come) writes headers in this one format, so a row is read the same by any of them, a format
/// change is made once, and a tool that reads a store's rows (a migration from SQLite to PostgreSQL) can decode them.
/// </remarks>
public static class StoredHeaders
{
    private const byte Format = 1;

    /// <summary>Writes <paramref name="headers"/> as one blob.</summary>
    /// <param name="headers">The headers.</param>
    /// <returns>The blob.</returns>
    public static byte[] Encode(MessageHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var size = 1 + 4;
        foreach (var (name, value) in headers)
        {
            size += 8 + (2 * (name.Length + value.Length));
        }

        var buffer = new byte[size];
        buffer[0] = Format;
        var span = buffer.AsSpan(1);
        BinaryPrimitives.WriteInt32LittleEndian(span, headers.Count);
        span = span[4..];
        foreach (var (name, value) in headers)
        {
            span = Write(span, name);
            span = Write(span, value);
        }

        return buffer;
    }

    /// <summary>Reads headers written by <see cref="Encode"/>.</summary>
    /// <param name="blob">The blob.</param>
    /// <returns>The headers, exactly as written.</returns>
    /// <exception cref="InvalidDataException">The blob is not in this format.</exception>
    public static MessageHeaders Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 5 || blob[0] != Format)
        {
            throw new InvalidDataException($"A stored header blob has format {(blob.Length > 0 ? blob[0] : -1)}, not {Format}: the database was written by another version of Conveyor.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(blob[1..]);
        blob = blob[5..];
        var headers = new MessageHeaders(count);
        for (var i = 0; i < count; i++)
        {
            var name = Read(ref blob);
            headers.Set(name, Read(ref blob));
        }

        return headers;
    }

    private static Span<byte> Write(Span<byte> span, string text)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span, text.Length);
        var bytes = MemoryMarshal.AsBytes(text.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(span[4..]);
        }
        else
        {
            for (var i = 0; i < text.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[(4 + (2 * i))..], text[i]);
            }
        }

        return span[(4 + bytes.Length)..];
    }

    private static string Read(ref ReadOnlySpan<byte> span)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(span);
        var bytes = span.Slice(4, 2 * length);
        span = span[(4 + bytes.Length)..];
        return string.Create(length, bytes, static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]);
            }
        });
    }
}
