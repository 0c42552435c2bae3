using System.Buffers.Binary;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// An intset blob (RDB type 11): encoding (uint32 LE: 2, 4 or 8 bytes per integer), length (uint32 LE),
/// then the integers, little-endian, strictly ascending. The constructor validates all of it (sizes, and
/// that the integers are sorted and unique) and throws <see cref="RdbFormatException"/> otherwise.
/// </summary>
public readonly ref struct IntsetBlob
{
    public const int HeaderSize = 8;

    readonly ReadOnlySpan<byte> _contents;

    /// <summary>Bytes per integer: 2, 4 or 8.</summary>
    public readonly int Width;
    public readonly int Count;

    public IntsetBlob(ReadOnlySpan<byte> blob, long position = -1)
    {
        if (blob.Length < HeaderSize) throw Corrupt(position, "intset shorter than its header");
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (width != 2 && width != 4 && width != 8) throw Corrupt(position, $"invalid encoding {width}");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if ((ulong)count * width != (ulong)(blob.Length - HeaderSize)) throw Corrupt(position, "size does not match its length");
        Width = (int)width;
        Count = (int)count;
        _contents = blob[HeaderSize..];
        for (int i = 1; i < Count; i++)
            if (this[i - 1] >= this[i]) throw Corrupt(position, "integers not sorted or not unique");
    }

    static RdbFormatException Corrupt(long position, string what) => new($"Intset integrity check failed: {what}", position);

    /// <summary>The integers as stored (little-endian, <see cref="Width"/> bytes each).</summary>
    public ReadOnlySpan<byte> Contents => _contents;

    public long this[int i] => Width switch
    {
        2 => BinaryPrimitives.ReadInt16LittleEndian(_contents.Slice(2 * i)),
        4 => BinaryPrimitives.ReadInt32LittleEndian(_contents.Slice(4 * i)),
        _ => BinaryPrimitives.ReadInt64LittleEndian(_contents.Slice(8 * i)),
    };
}
