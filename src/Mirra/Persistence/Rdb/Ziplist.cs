using System.Buffers.Binary;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Reader of the ziplist blobs of RDB files written by Redis 6.2 and older (small lists, hashes and sorted
/// sets, quicklist v1 nodes), validating everything as it goes: header, each entry's previous-length and
/// encoding and bounds, the tail offset, the count, and the end marker as the last byte.
/// <code>
/// header: zlbytes (uint32 LE) zltail (uint32 LE, offset of the last entry) zllen (uint16 LE, 65535 = unknown)
/// entry:  prevlen encoding [data]          end: 0xFF
///   prevlen: 1 byte (0..253), or 0xFE followed by 4 bytes LE: the size of the previous entry
///   00pppppp                     string of up to 63 bytes
///   01pppppp qqqqqqqq            string of up to 16383 bytes (length big-endian)
///   10______ + 4 bytes           string with a 32-bit big-endian length
///   C0 / D0 / E0 / F0 / FE       16, 32, 64, 24 and 8-bit signed integers (LE)
///   F1..FD                       the integers 0..12 (encoding - 0xF1)
/// </code>
/// Usage: <c>var zl = new Ziplist(blob); while (zl.Next(out var e)) ...;</c>
/// </summary>
public ref struct Ziplist
{
    public const int HeaderSize = 10;
    public const byte End = 0xFF;
    const int UnknownCount = 65535;

    readonly ReadOnlySpan<byte> _zl;
    readonly long _at;
    readonly int _declared;
    readonly int _tail;
    int _pos, _count, _prevSize, _lastStart;
    bool _done;

    public Ziplist(ReadOnlySpan<byte> blob, long position = -1)
    {
        _zl = blob;
        _at = position;
        if (blob.Length < HeaderSize + 1) throw Corrupt("ziplist shorter than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(blob) != (uint)blob.Length) throw Corrupt("ziplist size does not match its header");
        if (blob[^1] != End) throw Corrupt("ziplist does not end with its end marker");
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        _tail = tail > int.MaxValue ? -1 : (int)tail;
        int n = BinaryPrimitives.ReadUInt16LittleEndian(blob[8..]);
        _declared = n == UnknownCount ? -1 : n;
        _pos = HeaderSize;
        _count = _prevSize = 0;
        _lastStart = -1;
        _done = false;
    }

    /// <summary>The element count of the header, or -1 when it says "unknown".</summary>
    public readonly int DeclaredCount => _declared;

    public readonly int Count => _count;

    readonly RdbFormatException Corrupt(string what) => new($"Ziplist integrity check failed: {what}", _at);

    /// <summary>Reads the next element; false at the end of a valid ziplist.</summary>
    public bool Next(out BlobEntry entry)
    {
        entry = default;
        if (_done) return false;
        var zl = _zl;
        int p = _pos;
        int limit = zl.Length - 1; // the end marker's position
        if (zl[p] == End)
        {
            if (p != limit) throw Corrupt("end marker before the end");
            if (_lastStart >= 0 && _lastStart != _tail) throw Corrupt("tail offset does not point to the last entry");
            if (_declared >= 0 && _declared != _count) throw Corrupt("element count does not match its header");
            _done = true;
            return false;
        }
        // Previous entry length.
        long prevLen;
        int h = p;
        if (zl[h] < 0xFE)
        {
            prevLen = zl[h];
            h += 1;
        }
        else
        {
            if (5 > limit - h) throw Corrupt("entry beyond the end");
            prevLen = BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(h + 1));
            h += 5;
        }
        if (prevLen != _prevSize) throw Corrupt("entry previous-length does not match");
        if (h >= limit) throw Corrupt("entry beyond the end");
        byte b = zl[h];
        long dataLen;
        int header;
        switch (b >> 6)
        {
            case 0:
                header = 1;
                dataLen = b & 0x3F;
                break;
            case 1:
                header = 2;
                if (header > limit - h) throw Corrupt("entry beyond the end");
                dataLen = ((b & 0x3F) << 8) | zl[h + 1];
                break;
            case 2:
                header = 5;
                if (header > limit - h) throw Corrupt("entry beyond the end");
                dataLen = BinaryPrimitives.ReadUInt32BigEndian(zl.Slice(h + 1));
                break;
            default:
                header = 1;
                dataLen = b switch
                {
                    0xC0 => 2,
                    0xD0 => 4,
                    0xE0 => 8,
                    0xF0 => 3,
                    0xFE => 1,
                    >= 0xF1 and <= 0xFD => 0,
                    _ => throw Corrupt($"invalid entry encoding 0x{b:x2}"),
                };
                break;
        }
        if (header + dataLen > limit - h) throw Corrupt("entry beyond the end");
        int data = h + header;
        int len = (int)dataLen;
        if (b >> 6 != 3)
        {
            entry = new BlobEntry(zl.Slice(data, len));
        }
        else
        {
            var d = zl.Slice(data, len);
            long v = b switch
            {
                0xC0 => BinaryPrimitives.ReadInt16LittleEndian(d),
                0xD0 => BinaryPrimitives.ReadInt32LittleEndian(d),
                0xE0 => BinaryPrimitives.ReadInt64LittleEndian(d),
                0xF0 => (d[0] | (d[1] << 8) | (d[2] << 16)) << 8 >> 8,
                0xFE => (sbyte)d[0],
                _ => (b & 0x0F) - 1,
            };
            entry = new BlobEntry(v);
        }
        int next = data + len;
        _prevSize = next - p;
        _lastStart = p;
        _pos = next;
        _count++;
        return true;
    }

    /// <summary>Reads to the end, validating, and returns the element count.</summary>
    public int Validate()
    {
        while (Next(out _)) { }
        return _count;
    }

    public static int ValidateAndCount(ReadOnlySpan<byte> blob, long position = -1) => new Ziplist(blob, position).Validate();
}
