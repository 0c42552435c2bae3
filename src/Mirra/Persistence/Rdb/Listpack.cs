using System.Buffers.Binary;
using System.Buffers.Text;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// One element of a ziplist or listpack blob: a string (a slice of the blob) or an integer.
/// </summary>
public readonly ref struct BlobEntry
{
    public readonly ReadOnlySpan<byte> String;
    public readonly long Integer;
    public readonly bool IsInteger;

    public BlobEntry(ReadOnlySpan<byte> s) { String = s; Integer = 0; IsInteger = false; }
    public BlobEntry(long v) { String = default; Integer = v; IsInteger = true; }

    /// <summary>The element as bytes: an integer is written as its decimal text into <paramref name="scratch"/> (≥ 20 bytes).</summary>
    public ReadOnlySpan<byte> AsBytes(Span<byte> scratch)
    {
        if (!IsInteger) return String;
        Utf8Formatter.TryFormat(Integer, scratch, out int n);
        return scratch[..n];
    }

    /// <summary>The element as an integer: an integer entry, or a string in Redis's strict integer form.</summary>
    public bool TryGetInteger(out long value)
    {
        if (IsInteger) { value = Integer; return true; }
        return Util.Numbers.TryParseStrictLong(String, out value);
    }
}

/// <summary>
/// Reader of Redis 7's listpack blobs (hash, sorted set and set values, quicklist nodes), validating
/// everything as it goes: the header (total bytes, element count or 65535 for "unknown"), each entry's
/// encoding and bounds, each entry's back-length, the count, and the end marker as the last byte.
/// <code>
/// header: total-bytes (uint32 LE) element-count (uint16 LE)
/// entry:  encoding [data] backlen         end: 0xFF
///   0xxxxxxx               7-bit unsigned integer
///   10xxxxxx + n           string of up to 63 bytes
///   110xxxxx yyyyyyyy      13-bit signed integer
///   1110xxxx yyyyyyyy + n  string of up to 4095 bytes
///   11110000 + 4 bytes + n string with a 32-bit length (LE)
///   11110001..11110100     16, 24, 32 and 64-bit signed integers (LE)
/// backlen: the size of encoding+data in 1 to 5 bytes, readable backwards (7 bits per byte, the high bit
///          set on every byte but the first)
/// </code>
/// Usage: <c>var lp = new Listpack(blob); while (lp.Next(out var e)) ...;</c> — <see cref="Next"/> returns
/// false at the end, after the final checks, and throws <see cref="RdbFormatException"/> on any corruption.
/// </summary>
public ref struct Listpack
{
    public const int HeaderSize = 6;
    public const byte End = 0xFF;
    const int UnknownCount = 65535;

    readonly ReadOnlySpan<byte> _lp;
    readonly long _at;
    readonly int _declared;
    int _pos, _count;
    bool _done;

    /// <param name="blob">The whole listpack.</param>
    /// <param name="position">Where the blob is in the file (for error messages), or -1.</param>
    public Listpack(ReadOnlySpan<byte> blob, long position = -1)
    {
        _lp = blob;
        _at = position;
        if (blob.Length < HeaderSize + 1) throw Corrupt("listpack shorter than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(blob) != (uint)blob.Length) throw Corrupt("listpack size does not match its header");
        if (blob[^1] != End) throw Corrupt("listpack does not end with its end marker");
        int n = BinaryPrimitives.ReadUInt16LittleEndian(blob[4..]);
        _declared = n == UnknownCount ? -1 : n;
        _pos = HeaderSize;
        _count = 0;
        _done = false;
    }

    /// <summary>The element count of the header, or -1 when it says "unknown" (65535 or more elements).</summary>
    public readonly int DeclaredCount => _declared;

    /// <summary>Elements read so far.</summary>
    public readonly int Count => _count;

    readonly RdbFormatException Corrupt(string what) => new($"Listpack integrity check failed: {what}", _at);

    /// <summary>Reads the next element; false at the end of a valid listpack.</summary>
    public bool Next(out BlobEntry entry)
    {
        entry = default;
        if (_done) return false;
        var lp = _lp;
        int p = _pos;
        int limit = lp.Length - 1; // the end marker's position: no entry may reach it
        byte b = lp[p];
        if (b == End)
        {
            if (p != limit) throw Corrupt("end marker before the end");
            if (_declared >= 0 && _declared != _count) throw Corrupt("element count does not match its header");
            _done = true;
            return false;
        }
        long size; // encoding + data
        if ((b & 0x80) == 0)
        {
            size = 1;
            entry = new BlobEntry(b & 0x7F);
        }
        else if ((b & 0xC0) == 0x80)
        {
            int len = b & 0x3F;
            size = 1 + len;
            if (size > limit - p) throw Corrupt("entry beyond the end");
            entry = new BlobEntry(lp.Slice(p + 1, len));
        }
        else if ((b & 0xE0) == 0xC0)
        {
            size = 2;
            if (size > limit - p) throw Corrupt("entry beyond the end");
            int v = ((b & 0x1F) << 8) | lp[p + 1];
            if (v >= 1 << 12) v -= 1 << 13;
            entry = new BlobEntry(v);
        }
        else if ((b & 0xF0) == 0xE0)
        {
            if (2 > limit - p) throw Corrupt("entry beyond the end");
            int len = ((b & 0x0F) << 8) | lp[p + 1];
            size = 2 + len;
            if (size > limit - p) throw Corrupt("entry beyond the end");
            entry = new BlobEntry(lp.Slice(p + 2, len));
        }
        else
        {
            switch (b)
            {
                case 0xF0:
                {
                    if (5 > limit - p) throw Corrupt("entry beyond the end");
                    uint len = BinaryPrimitives.ReadUInt32LittleEndian(lp.Slice(p + 1));
                    size = 5L + len;
                    if (size > limit - p) throw Corrupt("entry beyond the end");
                    entry = new BlobEntry(lp.Slice(p + 5, (int)len));
                    break;
                }
                case 0xF1:
                    size = 3;
                    if (size > limit - p) throw Corrupt("entry beyond the end");
                    entry = new BlobEntry(BinaryPrimitives.ReadInt16LittleEndian(lp.Slice(p + 1)));
                    break;
                case 0xF2:
                {
                    size = 4;
                    if (size > limit - p) throw Corrupt("entry beyond the end");
                    int v = lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16);
                    if (v >= 1 << 23) v -= 1 << 24;
                    entry = new BlobEntry(v);
                    break;
                }
                case 0xF3:
                    size = 5;
                    if (size > limit - p) throw Corrupt("entry beyond the end");
                    entry = new BlobEntry(BinaryPrimitives.ReadInt32LittleEndian(lp.Slice(p + 1)));
                    break;
                case 0xF4:
                    size = 9;
                    if (size > limit - p) throw Corrupt("entry beyond the end");
                    entry = new BlobEntry(BinaryPrimitives.ReadInt64LittleEndian(lp.Slice(p + 1)));
                    break;
                default:
                    throw Corrupt($"invalid entry encoding 0x{b:x2}");
            }
        }
        int back = BacklenSize(size);
        if (size + back > limit - p) throw Corrupt("entry beyond the end");
        int next = p + (int)size + back;
        if (DecodeBacklen(lp, next - 1, p + (int)size) != size) throw Corrupt("entry back-length does not match");
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

    /// <summary>How many bytes Redis's lpEncodeBacklen uses for an entry of <paramref name="size"/> bytes.</summary>
    public static int BacklenSize(long size) =>
        size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5;

    /// <summary>Decodes a back-length from its last byte backwards (not below <paramref name="floor"/>); -1 when malformed.</summary>
    static long DecodeBacklen(ReadOnlySpan<byte> lp, int last, int floor)
    {
        long value = 0;
        int shift = 0;
        for (int q = last; q >= floor; q--)
        {
            byte c = lp[q];
            value |= (long)(c & 127) << shift;
            if ((c & 128) == 0) return value;
            shift += 7;
            if (shift > 28) return -1;
        }
        return -1;
    }

    /// <summary>Validates a whole listpack and returns its element count.</summary>
    public static int ValidateAndCount(ReadOnlySpan<byte> blob, long position = -1) => new Listpack(blob, position).Validate();
}
