using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Serializes RDB primitives and Mirra values into a byte buffer: Redis's length encoding, strings the
/// way rdbSaveRawString writes them (small integers as integers, LZF when it saves bytes, else raw),
/// binary doubles, and every value type. With a <see cref="Stream"/> sink the buffer is flushed to it
/// when full and the CRC-64 runs over every flushed byte (an RDB file); without one the buffer grows
/// and holds everything written (a DUMP payload). Buffers (output, LZF, listpack scratch) are reused,
/// so writing a key allocates nothing. Not thread-safe.
/// <para>
/// The RDB type of each value (see <see cref="ChooseType"/>) is the one that makes the smaller output
/// among those Redis 7.0 loads and RESTOREs, which is not always the one Redis itself writes:
/// small hashes and lists are written as plain HASH (4) / LIST (1) records, whose elements cost one
/// length byte each, instead of a listpack blob (a 7-byte header, two bytes per element); larger ones
/// (while compression is on) as listpack / quicklist blobs, which LZF compresses as a whole. Intsets
/// (11) and listpack sorted sets (17) are written as Redis writes them, sets as SET (2), skiplist sorted
/// sets as ZSET_2 (5).
/// </para>
/// </summary>
public sealed class RdbValueWriter
{
    public const int DefaultBufferSize = 64 * 1024;

    /// <summary>Above this many pairs (hashes) or elements (lists) a value goes out as one blob that LZF
    /// can compress as a whole, when compression is on; at or below, as plain records.</summary>
    public const int PlainRecordLimit = 16;

    byte[] _buf;
    int _pos;
    readonly Stream? _sink;
    readonly bool _checksum;
    ulong _crc;
    long _flushed;

    readonly LzfCompressor _lzf = new();
    byte[] _lzfOut = new byte[1024];
    byte[] _lp = new byte[1024];
    int _lpPos, _lpCount;

    /// <summary>rdbcompression: strings over 20 bytes are LZF-compressed when that saves at least 4 bytes... see <see cref="WriteString"/>.</summary>
    public bool Compression { get; }

    /// <param name="sink">Where full buffers go (an RDB file); null keeps everything in memory (DUMP).</param>
    /// <param name="compression">rdbcompression.</param>
    /// <param name="checksum">rdbchecksum: when false <see cref="Checksum"/> is 0.</param>
    public RdbValueWriter(Stream? sink = null, bool compression = true, bool checksum = true, int bufferSize = DefaultBufferSize)
    {
        _sink = sink;
        Compression = compression;
        _checksum = checksum;
        _buf = new byte[Math.Max(bufferSize, 64)];
    }

    /// <summary>Bytes written so far (flushed or still buffered).</summary>
    public long BytesWritten => _flushed + _pos;

    /// <summary>The CRC-64 of every byte written so far (0 when checksums are off).</summary>
    public ulong Checksum => _checksum ? Crc64.Update(_crc, _buf.AsSpan(0, _pos)) : 0;

    /// <summary>The bytes not flushed yet: everything written, for a writer without a sink.</summary>
    public ReadOnlySpan<byte> Buffered => _buf.AsSpan(0, _pos);

    /// <summary>Hands the buffered bytes to the sink (no-op without one). Does not flush the stream itself.</summary>
    public void Flush()
    {
        if (_sink == null || _pos == 0) return;
        var data = _buf.AsSpan(0, _pos);
        if (_checksum) _crc = Crc64.Update(_crc, data);
        _sink.Write(data);
        _flushed += _pos;
        _pos = 0;
    }

    /// <summary>Forgets everything written (a sink-less writer reused for another payload).</summary>
    public void Reset()
    {
        _pos = 0;
        _flushed = 0;
        _crc = 0;
    }

    /// <summary>Capacity of the internal buffer (a cached writer drops itself when it grew large).</summary>
    internal int Capacity => _buf.Length;

    // ---- Raw output ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    Span<byte> Reserve(int n)
    {
        if (_buf.Length - _pos < n) MakeRoom(n);
        var s = _buf.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    void MakeRoom(int n)
    {
        if (_sink != null)
        {
            Flush();
            if (_buf.Length >= n) return;
        }
        long size = Math.Max((long)_buf.Length * 2, (long)_pos + n);
        Array.Resize(ref _buf, (int)Math.Min(size, Array.MaxLength));
        if (_buf.Length - _pos < n) throw new InvalidOperationException("RDB value too large for one buffer");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte b)
    {
        if (_pos == _buf.Length) MakeRoom(1);
        _buf[_pos++] = b;
    }

    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        if (data.Length <= _buf.Length - _pos)
        {
            data.CopyTo(_buf.AsSpan(_pos));
            _pos += data.Length;
            return;
        }
        if (_sink != null && data.Length >= _buf.Length / 2)
        {
            // Large: straight to the sink, past the buffer.
            Flush();
            if (_checksum) _crc = Crc64.Update(_crc, data);
            _sink.Write(data);
            _flushed += data.Length;
            return;
        }
        while (data.Length > 0)
        {
            if (_pos == _buf.Length) MakeRoom(Math.Min(data.Length, _buf.Length));
            int n = Math.Min(data.Length, _buf.Length - _pos);
            data[..n].CopyTo(_buf.AsSpan(_pos));
            _pos += n;
            data = data[n..];
        }
    }

    // ---- Primitives ----

    /// <summary>rdbSaveLen: 6-bit (00xxxxxx), 14-bit (01xxxxxx xxxxxxxx), 32-bit (0x80 + 4 bytes big-endian)
    /// or 64-bit (0x81 + 8 bytes big-endian).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLength(ulong len)
    {
        if (len < 64) { WriteByte((byte)len); return; }
        WriteLongLength(len);
    }

    void WriteLongLength(ulong len)
    {
        if (len < 16384)
        {
            var s = Reserve(2);
            s[0] = (byte)(0x40 | (len >> 8));
            s[1] = (byte)len;
        }
        else if (len <= uint.MaxValue)
        {
            var s = Reserve(5);
            s[0] = RdbConstants.Len32Bit;
            BinaryPrimitives.WriteUInt32BigEndian(s[1..], (uint)len);
        }
        else
        {
            var s = Reserve(9);
            s[0] = RdbConstants.Len64Bit;
            BinaryPrimitives.WriteUInt64BigEndian(s[1..], len);
        }
    }

    /// <summary>rdbEncodeInteger: 0xC0 + int8, 0xC1 + int16 LE, 0xC2 + int32 LE; false when it does not fit 32 bits.</summary>
    bool TryWriteEncodedInteger(long v)
    {
        if (v >= sbyte.MinValue && v <= sbyte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = 0xC0;
            s[1] = (byte)v;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            var s = Reserve(3);
            s[0] = 0xC1;
            BinaryPrimitives.WriteInt16LittleEndian(s[1..], (short)v);
        }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            var s = Reserve(5);
            s[0] = 0xC2;
            BinaryPrimitives.WriteInt32LittleEndian(s[1..], (int)v);
        }
        else return false;
        return true;
    }

    /// <summary>
    /// rdbSaveRawString: a string of at most 11 bytes that is a canonical integer (string2ll) fitting 32
    /// bits is written integer-encoded; with compression on, a string over 20 bytes is written LZF-compressed
    /// (0xC3, compressed length, original length, data) when the compressed form fits in length - 4 bytes;
    /// otherwise length + bytes.
    /// </summary>
    public void WriteString(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        if (len <= 11 && len > 0 && Numbers.TryParseStrictLong(s, out long v) && TryWriteEncodedInteger(v)) return;
        if (Compression && len > 20 && TryWriteLzf(s)) return;
        if (len < 64 && _buf.Length - _pos > len)
        {
            // The common case in one bounds check: a 6-bit length and the bytes.
            _buf[_pos] = (byte)len;
            s.CopyTo(_buf.AsSpan(_pos + 1));
            _pos += len + 1;
            return;
        }
        WriteLength((ulong)len);
        WriteRaw(s);
    }

    bool TryWriteLzf(ReadOnlySpan<byte> s)
    {
        int outLen = s.Length - 4;
        if (_lzfOut.Length < outLen) _lzfOut = new byte[Math.Max(outLen, _lzfOut.Length * 2)];
        int n = _lzf.Compress(s, _lzfOut.AsSpan(0, outLen));
        if (n == 0) return false;
        WriteByte(0xC0 | RdbConstants.EncLzf);
        WriteLength((ulong)n);
        WriteLength((ulong)s.Length);
        WriteRaw(_lzfOut.AsSpan(0, n));
        return true;
    }

    /// <summary>rdbSaveLongLongAsStringObject: integer-encoded when it fits 32 bits, else its decimal text.</summary>
    public void WriteInteger(long v)
    {
        if (TryWriteEncodedInteger(v)) return;
        Span<byte> text = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, text, out int n);
        WriteByte((byte)n);
        WriteRaw(text[..n]);
    }

    /// <summary>A string value: a boxed long, a byte[] or a <see cref="MutableString"/>.</summary>
    public void WriteStringValue(object value)
    {
        switch (value)
        {
            case byte[] b: WriteString(b); break;
            case long l: WriteInteger(l); break;
            case MutableString m: WriteString(m.Span); break;
            default: throw new ArgumentException($"not a string value: {value?.GetType().Name}");
        }
    }

    /// <summary>rdbSaveBinaryDoubleValue: IEEE 754 binary64, little-endian.</summary>
    public void WriteBinaryDouble(double d) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), d);

    /// <summary>rdbSaveMillisecondTime: int64 little-endian.</summary>
    public void WriteMillisecondTime(long ms) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), ms);

    // ---- Values ----

    /// <summary>The RDB type this writer uses for <paramref name="value"/> (see the class summary).</summary>
    public byte ChooseType(object value)
    {
        switch (value)
        {
            case byte[] or long or MutableString: return RdbConstants.TypeString;
            case HashListpackByte[]:
                return Compression && CompactPairsExceed(value, PlainRecordLimit) ? RdbConstants.TypeHashListpack : RdbConstants.TypeHash;
            case HashTableValue: return RdbConstants.TypeHash;
            case ListValue list:
                return Compression && list.Count > PlainRecordLimit ? RdbConstants.TypeListQuicklist2 : RdbConstants.TypeList;
            case IntsetInt16[] or IntsetInt32[] or IntsetInt64[]: return RdbConstants.TypeSetIntset;
            case SetListpackByte[] or SetTableValue: return RdbConstants.TypeSet;
            case SortedSetValue z: return z.IsCompact ? RdbConstants.TypeZsetListpack : RdbConstants.TypeZset2;
            default: throw new ArgumentException($"no RDB encoding for {value?.GetType().Name ?? "null"}");
        }
    }

    static bool CompactPairsExceed(object value, int limit)
    {
        Hash.TryOpen(value, out var h);
        int pairs = 0;
        foreach (var _ in h)
            if (++pairs > limit) return true;
        return false;
    }

    /// <summary>Type byte and value: what DUMP serializes (and a key's record after its name).</summary>
    public void WriteObject(object value)
    {
        byte type = ChooseType(value);
        WriteByte(type);
        WriteValue(value, type);
    }

    /// <summary>The value in the form of <paramref name="type"/>, which must come from <see cref="ChooseType"/>.</summary>
    public void WriteValue(object value, byte type)
    {
        switch (type)
        {
            case RdbConstants.TypeString: WriteStringValue(value); break;
            case RdbConstants.TypeHash: WriteHash(value); break;
            case RdbConstants.TypeHashListpack: WriteHashListpack(value); break;
            case RdbConstants.TypeList: WriteList((ListValue)value); break;
            case RdbConstants.TypeListQuicklist2: WriteQuicklist((ListValue)value); break;
            case RdbConstants.TypeSetIntset: WriteIntset(value); break;
            case RdbConstants.TypeSet: WriteSet(value); break;
            case RdbConstants.TypeZsetListpack: WriteZsetListpack((SortedSetValue)value); break;
            case RdbConstants.TypeZset2: WriteZset2((SortedSetValue)value); break;
            default: throw new ArgumentException($"unsupported RDB type {type}");
        }
    }

    void WriteHash(object value)
    {
        Hash.TryOpen(value, out var h);
        WriteLength((ulong)h.Count);
        foreach (var p in h)
        {
            WriteString(p.Field);
            WriteString(p.Value);
        }
    }

    void WriteHashListpack(object value)
    {
        Hash.TryOpen(value, out var h);
        LpStart();
        foreach (var p in h)
        {
            LpAppend(p.Field);
            LpAppend(p.Value);
        }
        WriteString(LpFinish());
    }

    void WriteList(ListValue list)
    {
        WriteLength((ulong)list.Count);
        foreach (var e in list) WriteString(e);
    }

    /// <summary>QUICKLIST_2: the node count, then per node its container (2 = packed) and a listpack of its
    /// elements; Mirra's nodes map one to one onto Redis's (the same list-max-listpack-size limits).</summary>
    void WriteQuicklist(ListValue list)
    {
        int[] counts = list.NodeCounts();
        WriteLength((ulong)counts.Length);
        var e = list.GetEnumerator();
        foreach (int count in counts)
        {
            WriteLength(RdbConstants.QuicklistNodePacked);
            LpStart();
            for (int i = 0; i < count && e.MoveNext(); i++) LpAppend(e.Current);
            WriteString(LpFinish());
        }
    }

    /// <summary>SET_INTSET: Redis's intset blob (encoding = width in bytes, then the length, both uint32 LE,
    /// then the sorted members little-endian), written as a string.</summary>
    void WriteIntset(object value)
    {
        ReadOnlySpan<byte> members;
        int width, length;
        switch (value)
        {
            case IntsetInt16[] a: members = MemoryMarshal.AsBytes(a.AsSpan()); width = 2; length = a.Length; break;
            case IntsetInt32[] a: members = MemoryMarshal.AsBytes(a.AsSpan()); width = 4; length = a.Length; break;
            default:
                var a64 = (IntsetInt64[])value;
                members = MemoryMarshal.AsBytes(a64.AsSpan()); width = 8; length = a64.Length; break;
        }
        int size = 8 + members.Length;
        if (_lp.Length < size) _lp = new byte[Math.Max(size, _lp.Length * 2)];
        var blob = _lp.AsSpan(0, size);
        BinaryPrimitives.WriteUInt32LittleEndian(blob, (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(blob[4..], (uint)length);
        if (BitConverter.IsLittleEndian) members.CopyTo(blob[8..]);
        else
        {
            for (int i = 0; i < length; i++)
            {
                var m = members.Slice(i * width, width);
                for (int b = 0; b < width; b++) blob[8 + i * width + b] = m[width - 1 - b];
            }
        }
        WriteString(blob);
    }

    void WriteSet(object value)
    {
        Set.TryOpen(value, out var set);
        WriteLength((ulong)set.Count);
        foreach (var m in set) WriteString(m.Bytes);
    }

    /// <summary>ZSET_LISTPACK: member, score pairs in order. Scores are entries as Redis makes them: integers
    /// (within ±2^52, -0 included, as Redis 7.0.15 writes it) as integer entries, "inf"/"-inf" as text, other scores as the shortest text that
    /// reads back to the same double (Redis writes 17 digits; strtod reads both the same).</summary>
    void WriteZsetListpack(SortedSetValue z)
    {
        LpStart();
        Span<byte> text = stackalloc byte[32];
        for (var c = z.First(); c.IsValid; c.MoveNext())
        {
            LpAppend(c.Member);
            double score = c.Score;
            if (score > -4503599627370495.0 && score < 4503599627370496.0 && score == Math.Floor(score))
                LpAppendInteger((long)score);
            else if (double.IsPositiveInfinity(score)) LpAppendString("inf"u8);
            else if (double.IsNegativeInfinity(score)) LpAppendString("-inf"u8);
            else LpAppendString(FormatScore(score, text));
        }
        WriteString(LpFinish());
    }

    static ReadOnlySpan<byte> FormatScore(double d, Span<byte> text)
    {
        d.TryFormat(text, out int n, "R", CultureInfo.InvariantCulture);
        for (int i = 0; i < n; i++) if (text[i] == (byte)'E') text[i] = (byte)'e';
        return text[..n];
    }

    /// <summary>ZSET_2: the count, then member and binary score from the highest to the lowest (Redis's order:
    /// loading then always inserts at the head of the skiplist).</summary>
    void WriteZset2(SortedSetValue z)
    {
        WriteLength((ulong)z.Count);
        for (var c = z.Last(); c.IsValid; c.MovePrevious())
        {
            WriteString(c.Member);
            WriteBinaryDouble(c.Score);
        }
    }

    // ---- Redis listpacks (scratch buffer) ----
    // Header: total bytes (uint32 LE), element count (uint16 LE, 65535 = unknown); entries; 0xFF.
    // An entry is its encoding (+ data) followed by its "backlen": the size of encoding + data in 1..5 bytes.

    void LpStart()
    {
        _lpPos = 6;
        _lpCount = 0;
    }

    ReadOnlySpan<byte> LpFinish()
    {
        LpEnsure(1);
        _lp[_lpPos++] = 0xFF;
        BinaryPrimitives.WriteUInt32LittleEndian(_lp, (uint)_lpPos);
        BinaryPrimitives.WriteUInt16LittleEndian(_lp.AsSpan(4), (ushort)Math.Min(_lpCount, ushort.MaxValue));
        return _lp.AsSpan(0, _lpPos);
    }

    void LpEnsure(int n)
    {
        if (_lp.Length - _lpPos < n)
            Array.Resize(ref _lp, (int)Math.Min(Array.MaxLength, Math.Max((long)_lp.Length * 2, (long)_lpPos + n)));
    }

    /// <summary>lpAppend: a string that is a canonical 64-bit integer becomes an integer entry.</summary>
    void LpAppend(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 20 && s.Length > 0 && Numbers.TryParseStrictLong(s, out long v)) LpAppendInteger(v);
        else LpAppendString(s);
    }

    void LpAppendString(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        LpEnsure(len + 10);
        int start = _lpPos;
        var lp = _lp;
        if (len < 64) lp[_lpPos++] = (byte)(0x80 | len);
        else if (len < 4096)
        {
            lp[_lpPos++] = (byte)(0xE0 | (len >> 8));
            lp[_lpPos++] = (byte)len;
        }
        else
        {
            lp[_lpPos++] = 0xF0;
            BinaryPrimitives.WriteUInt32LittleEndian(lp.AsSpan(_lpPos), (uint)len);
            _lpPos += 4;
        }
        s.CopyTo(lp.AsSpan(_lpPos));
        _lpPos += len;
        LpBacklen(_lpPos - start);
    }

    void LpAppendInteger(long v)
    {
        LpEnsure(14);
        var lp = _lp;
        int start = _lpPos;
        if (v >= 0 && v <= 127) lp[_lpPos++] = (byte)v;
        else if (v >= -4096 && v <= 4095)
        {
            int u = (int)v & 0x1FFF;
            lp[_lpPos++] = (byte)(0xC0 | (u >> 8));
            lp[_lpPos++] = (byte)u;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            lp[_lpPos++] = 0xF1;
            BinaryPrimitives.WriteInt16LittleEndian(lp.AsSpan(_lpPos), (short)v);
            _lpPos += 2;
        }
        else if (v >= -8388608 && v <= 8388607)
        {
            lp[_lpPos++] = 0xF2;
            lp[_lpPos++] = (byte)v;
            lp[_lpPos++] = (byte)(v >> 8);
            lp[_lpPos++] = (byte)(v >> 16);
        }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            lp[_lpPos++] = 0xF3;
            BinaryPrimitives.WriteInt32LittleEndian(lp.AsSpan(_lpPos), (int)v);
            _lpPos += 4;
        }
        else
        {
            lp[_lpPos++] = 0xF4;
            BinaryPrimitives.WriteInt64LittleEndian(lp.AsSpan(_lpPos), v);
            _lpPos += 8;
        }
        LpBacklen(_lpPos - start);
    }

    /// <summary>lpEncodeBacklen: big-endian groups of 7 bits, every byte but the first with the top bit set.</summary>
    void LpBacklen(int l)
    {
        var lp = _lp;
        if (l <= 127) lp[_lpPos++] = (byte)l;
        else if (l < 16383)
        {
            lp[_lpPos++] = (byte)(l >> 7);
            lp[_lpPos++] = (byte)((l & 127) | 128);
        }
        else if (l < 2097151)
        {
            lp[_lpPos++] = (byte)(l >> 14);
            lp[_lpPos++] = (byte)(((l >> 7) & 127) | 128);
            lp[_lpPos++] = (byte)((l & 127) | 128);
        }
        else if (l < 268435455)
        {
            lp[_lpPos++] = (byte)(l >> 21);
            lp[_lpPos++] = (byte)(((l >> 14) & 127) | 128);
            lp[_lpPos++] = (byte)(((l >> 7) & 127) | 128);
            lp[_lpPos++] = (byte)((l & 127) | 128);
        }
        else
        {
            lp[_lpPos++] = (byte)(l >> 28);
            lp[_lpPos++] = (byte)(((l >> 21) & 127) | 128);
            lp[_lpPos++] = (byte)(((l >> 14) & 127) | 128);
            lp[_lpPos++] = (byte)(((l >> 7) & 127) | 128);
            lp[_lpPos++] = (byte)((l & 127) | 128);
        }
        _lpCount++;
    }
}
