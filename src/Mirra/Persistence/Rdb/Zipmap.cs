using System.Buffers.Binary;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Reader of the zipmap blobs of very old RDB files (hashes of Redis 2.4 and earlier), validating as it goes.
/// <code>
/// zmlen (1 byte: the pair count when below 254) then pairs, then 0xFF:
///   len field len free value [free bytes]
///   len: 1 byte (0..253), or 254 followed by 4 bytes LE
///   free: 1 byte, the number of unused bytes after the value
/// </code>
/// Usage: <c>var zm = new Zipmap(blob); while (zm.Next(out var field, out var value)) ...;</c>
/// A zipmap without pairs is corrupt (as Redis's validation says).
/// </summary>
public ref struct Zipmap
{
    const byte BigLen = 254;
    public const byte End = 255;

    readonly ReadOnlySpan<byte> _zm;
    readonly long _at;
    int _pos, _count;
    bool _done;

    public Zipmap(ReadOnlySpan<byte> blob, long position = -1)
    {
        _zm = blob;
        _at = position;
        if (blob.Length < 2) throw Corrupt("zipmap shorter than its header");
        if (blob[^1] != End) throw Corrupt("zipmap does not end with its end marker");
        _pos = 1;
        _count = 0;
        _done = false;
    }

    public readonly int Count => _count;

    readonly RdbFormatException Corrupt(string what) => new($"Zipmap integrity check failed: {what}", _at);

    /// <summary>Reads a length at <c>_pos</c> and moves past it.</summary>
    int ReadLength()
    {
        var zm = _zm;
        int last = zm.Length - 1;
        byte b = zm[_pos];
        if (b < BigLen)
        {
            if (_pos + 1 > last) throw Corrupt("entry beyond the end");
            _pos += 1;
            return b;
        }
        if (b != BigLen || _pos + 5 > last) throw Corrupt("entry beyond the end");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(zm.Slice(_pos + 1));
        _pos += 5;
        if (len > (uint)(last - _pos)) throw Corrupt("entry beyond the end");
        return (int)len;
    }

    /// <summary>Reads the next pair; false at the end of a valid zipmap.</summary>
    public bool Next(out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        field = value = default;
        if (_done) return false;
        var zm = _zm;
        int last = zm.Length - 1;
        if (zm[_pos] == End)
        {
            if (_pos != last) throw Corrupt("end marker before the end");
            if (_count == 0) throw Corrupt("empty zipmap");
            if (zm[0] < BigLen && zm[0] != _count) throw Corrupt("pair count does not match its header");
            _done = true;
            return false;
        }
        int flen = ReadLength();
        if (flen > last - _pos) throw Corrupt("entry beyond the end");
        field = zm.Slice(_pos, flen);
        _pos += flen;
        int vlen = ReadLength();
        int free = zm[_pos];
        _pos += 1;
        if ((long)vlen + free > last - _pos) throw Corrupt("entry beyond the end");
        value = zm.Slice(_pos, vlen);
        _pos += vlen + free;
        _count++;
        return true;
    }
}
