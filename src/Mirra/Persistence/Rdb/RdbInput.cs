using System.Buffers.Binary;
using System.Buffers.Text;
using Mirra.Storage;
using Mirra.Util;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Reads the primitives of the RDB format from a <see cref="Stream"/> (a file, a replication socket) or
/// from a byte array (a DUMP payload), never seeking: lengths, strings in every encoding, doubles,
/// expiry times. It tracks the byte <see cref="Position"/> and, when asked to, the running CRC-64 of
/// everything consumed. Any read past the end of the data raises <see cref="RdbFormatException"/>
/// ("Short read ..."), like every other problem with the data.
/// <para>
/// Reads are buffered (64 KB by default), so the reader takes more bytes from the stream than it has
/// consumed. When something else follows the RDB data on the same stream (the AOF after an RDB preamble,
/// the replication stream after a full sync), either give a <c>limit</c> (the reader then never takes
/// more than that many bytes: use it when the length is known, as in a "$&lt;length&gt;" transfer), or
/// afterwards call <see cref="RewindStream"/> (seekable streams: puts the read-ahead back) or take
/// <see cref="Unconsumed"/> (the read-ahead bytes, for the caller to process first).
/// </para>
/// </summary>
public sealed class RdbInput
{
    public const int DefaultBufferSize = 64 * 1024;
    const int ProgressInterval = 1 << 20;
    /// <summary>Above this size a string whose bytes are not known to be available is read into a growing array,
    /// so that a corrupt length cannot make the reader allocate gigabytes before finding the data too short.</summary>
    const int TrustedAllocation = 16 << 20;

    readonly Stream? _stream;
    readonly long _limit;
    long _taken;
    readonly byte[] _buf;
    readonly bool _ownsBuffer;
    int _pos, _end;
    long _bufBase;           // logical position of _buf[0]
    readonly bool _crcEnabled;
    ulong _crc;
    int _crcPos;             // the CRC covers every consumed byte before _buf[_crcPos]
    long _nextProgress = ProgressInterval;

    byte[] _scratch = new byte[256];
    byte[] _lzfOut = new byte[256];

    /// <summary>Called with the number of bytes consumed so far, about every megabyte.</summary>
    public Action<long>? Progress { get; set; }

    /// <param name="stream">Where the data comes from; read forward only.</param>
    /// <param name="computeCrc">Keep the running CRC-64 (<see cref="Crc"/>).</param>
    /// <param name="limit">At most this many bytes are ever taken from the stream (-1: no limit).</param>
    /// <param name="bufferSize">Size of the read buffer.</param>
    public RdbInput(Stream stream, bool computeCrc = true, long limit = -1, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        _crcEnabled = computeCrc;
        _limit = limit < 0 ? long.MaxValue : limit;
        _buf = new byte[Math.Max(bufferSize, 64)];
        _ownsBuffer = true;
    }

    /// <summary>Reads from memory (a DUMP payload). The array is not modified; positions count from <paramref name="offset"/>.</summary>
    public RdbInput(byte[] data, int offset, int count, bool computeCrc = false)
    {
        _stream = null;
        _crcEnabled = computeCrc;
        _limit = 0;
        _buf = data;
        _ownsBuffer = false;
        _pos = _crcPos = offset;
        _end = offset + count;
        _bufBase = -offset;
    }

    /// <summary>Bytes consumed so far.</summary>
    public long Position => _bufBase + _pos;

    /// <summary>The CRC-64 of every byte consumed so far (0 when the CRC is not computed).</summary>
    public ulong Crc
    {
        get
        {
            UpdateCrc();
            return _crc;
        }
    }

    /// <summary>Bytes taken from the stream but not consumed yet (read ahead by the buffer).</summary>
    public ReadOnlySpan<byte> Unconsumed => _buf.AsSpan(_pos, _end - _pos);

    /// <summary>
    /// Moves a seekable stream back by the read-ahead, so it is positioned right after the last consumed
    /// byte; the buffered bytes are dropped. Returns false (and does nothing) when the stream cannot seek.
    /// </summary>
    public bool RewindStream()
    {
        if (_stream == null || !_stream.CanSeek) return false;
        int unread = _end - _pos;
        if (unread > 0) _stream.Seek(-unread, SeekOrigin.Current);
        _taken -= unread;
        UpdateCrc();
        _bufBase += _pos;
        _pos = _end = _crcPos = 0;
        return true;
    }

    /// <summary>How many more bytes the data certainly has (known limit or seekable stream), or -1 when unknown.</summary>
    long KnownRemaining
    {
        get
        {
            long buffered = _end - _pos;
            if (_stream == null) return buffered;
            long fromStream = _limit == long.MaxValue ? -1 : _limit - _taken;
            if (_stream.CanSeek)
            {
                try
                {
                    long left = Math.Max(0, _stream.Length - _stream.Position);
                    fromStream = fromStream < 0 ? left : Math.Min(fromStream, left);
                }
                catch (NotSupportedException) { }
            }
            return fromStream < 0 ? -1 : buffered + fromStream;
        }
    }

    // ---- Buffer management ----

    void UpdateCrc()
    {
        if (_crcEnabled && _pos > _crcPos) _crc = Crc64.Update(_crc, _buf.AsSpan(_crcPos, _pos - _crcPos));
        _crcPos = _pos;
    }

    RdbFormatException ShortRead() => new("Short read loading RDB: unexpected end of the data", Position);

    /// <summary>Makes at least <paramref name="need"/> (≤ buffer size) bytes available at <c>_pos</c>.</summary>
    void Fill(int need)
    {
        if (_end - _pos >= need) return;
        if (_stream == null || !_ownsBuffer) throw ShortRead();
        UpdateCrc();
        ReportProgress();
        int keep = _end - _pos;
        if (keep > 0 && _pos > 0) Buffer.BlockCopy(_buf, _pos, _buf, 0, keep);
        _bufBase += _pos;
        _pos = _crcPos = 0;
        _end = keep;
        while (_end < need)
        {
            int room = (int)Math.Min(_buf.Length - _end, _limit - _taken);
            if (room <= 0) throw ShortRead();
            int n = _stream.Read(_buf, _end, room);
            if (n <= 0) throw ShortRead();
            _end += n;
            _taken += n;
        }
    }

    void ReportProgress()
    {
        if (Progress == null || Position < _nextProgress) return;
        Progress(Position);
        _nextProgress = Position + ProgressInterval;
    }

    /// <summary>Fills <paramref name="dest"/> with the next bytes.</summary>
    public void ReadExact(Span<byte> dest)
    {
        int buffered = Math.Min(_end - _pos, dest.Length);
        _buf.AsSpan(_pos, buffered).CopyTo(dest);
        _pos += buffered;
        int done = buffered;
        while (done < dest.Length)
        {
            int left = dest.Length - done;
            if (left < _buf.Length / 2 || _stream == null || !_ownsBuffer)
            {
                Fill(Math.Min(left, _buf.Length));
                int n = Math.Min(left, _end - _pos);
                _buf.AsSpan(_pos, n).CopyTo(dest.Slice(done));
                _pos += n;
                done += n;
                continue;
            }
            // A big read goes straight from the stream into the destination.
            UpdateCrc();
            ReportProgress();
            _bufBase += _end;
            _pos = _end = _crcPos = 0;
            var target = dest.Slice(done);
            // At most a progress interval per read, so that progress is reported during a long value too.
            int room = (int)Math.Min(Math.Min(target.Length, ProgressInterval), _limit - _taken);
            if (room <= 0) throw ShortRead();
            int got = _stream.Read(target.Slice(0, room));
            if (got <= 0) throw ShortRead();
            _taken += got;
            _bufBase += got;
            if (_crcEnabled) _crc = Crc64.Update(_crc, target.Slice(0, got));
            done += got;
        }
    }

    /// <summary>The next <paramref name="count"/> bytes, valid until the next read.</summary>
    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        if (count <= _end - _pos || (count <= _buf.Length && _ownsBuffer))
        {
            Fill(count);
            var span = new ReadOnlySpan<byte>(_buf, _pos, count);
            _pos += count;
            return span;
        }
        if (_scratch.Length < count)
        {
            // Allocated once the bytes are known to exist (or as they arrive): see ReadNewArray.
            _scratch = ReadNewArray(count);
            return _scratch;
        }
        ReadExact(_scratch.AsSpan(0, count));
        return new ReadOnlySpan<byte>(_scratch, 0, count);
    }

    public void Skip(long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, _buf.Length);
            ReadSpan(n);
            count -= n;
        }
    }

    /// <summary>Refuses a length the data certainly does not have (before allocating for it).</summary>
    void EnsureAvailable(long count)
    {
        long known = KnownRemaining;
        if (known >= 0 && count > known) { _pos = _end; throw ShortRead(); }
    }

    /// <summary>A new array holding the next <paramref name="count"/> bytes.</summary>
    byte[] ReadNewArray(int count)
    {
        if (count == 0) return Array.Empty<byte>();
        if (count <= _end - _pos || count <= 1 << 20)
        {
            var small = new byte[count];
            ReadExact(small);
            return small;
        }
        long known = KnownRemaining;
        if (known >= 0 && count > known) { _pos = _end; throw ShortRead(); }
        if (known >= 0 || count <= TrustedAllocation)
        {
            var a = new byte[count];
            ReadExact(a);
            return a;
        }
        // Unknown amount of data left: grow as the bytes actually arrive.
        var buf = new byte[TrustedAllocation];
        int filled = 0;
        while (true)
        {
            ReadExact(buf.AsSpan(filled));
            filled = buf.Length;
            if (filled == count) return buf;
            Array.Resize(ref buf, (int)Math.Min(count, 2L * buf.Length));
        }
    }

    // ---- Primitives ----

    public byte ReadByte()
    {
        if (_pos == _end) Fill(1);
        return _buf[_pos++];
    }

    /// <summary>Redis's rdbLoadLenByRef: a length, or (<paramref name="encoded"/>) a special string encoding number.</summary>
    public ulong ReadLength(out bool encoded)
    {
        byte b = ReadByte();
        encoded = false;
        switch (b >> 6)
        {
            case RdbConstants.EncodedValue:
                encoded = true;
                return (ulong)(b & 0x3F);
            case RdbConstants.Len6Bit:
                return (ulong)(b & 0x3F);
            case RdbConstants.Len14Bit:
                return (ulong)(((b & 0x3F) << 8) | ReadByte());
        }
        if (b == RdbConstants.Len32Bit) return BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));
        if (b == RdbConstants.Len64Bit) return BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8));
        throw new RdbFormatException($"Unknown length encoding {b >> 6} in rdbLoadLen()", Position - 1);
    }

    /// <summary>A length (Redis's rdbLoadLen, which ignores the encoded flag).</summary>
    public ulong ReadLength() => ReadLength(out _);

    /// <summary>A length that must fit what an array can hold (strings, blobs).</summary>
    int ReadSize(ulong length, long at)
    {
        if (length > (ulong)Array.MaxLength) throw new RdbFormatException($"String length {length} is too large", at);
        return (int)length;
    }

    enum StringKind { Raw, Integer, Lzf }

    /// <summary>Reads a string header: raw (length), integer (its value) or LZF (both lengths).</summary>
    StringKind ReadStringHeader(out int length, out long integer, out int compressedLength)
    {
        long at = Position;
        ulong len = ReadLength(out bool encoded);
        integer = 0;
        compressedLength = 0;
        if (!encoded)
        {
            length = ReadSize(len, at);
            return StringKind.Raw;
        }
        switch ((int)len)
        {
            case RdbConstants.EncInt8:
                integer = (sbyte)ReadByte();
                length = 0;
                return StringKind.Integer;
            case RdbConstants.EncInt16:
                integer = BinaryPrimitives.ReadInt16LittleEndian(ReadSpan(2));
                length = 0;
                return StringKind.Integer;
            case RdbConstants.EncInt32:
                integer = BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4));
                length = 0;
                return StringKind.Integer;
            case RdbConstants.EncLzf:
                ulong clen = ReadLength();
                ulong ulen = ReadLength();
                compressedLength = ReadSize(clen, at);
                length = ReadSize(ulen, at);
                if ((ulong)length > (ulong)compressedLength * LzfDecompressor.MaxExpansion + 32)
                    throw new RdbFormatException("Invalid LZF compressed string", at);
                if (compressedLength > 1 << 20) EnsureAvailable(compressedLength);
                return StringKind.Lzf;
            default:
                throw new RdbFormatException($"Unknown RDB string encoding type {len}", at);
        }
    }

    /// <summary>The next string as bytes (integers as their decimal text), valid until the next read.</summary>
    public ReadOnlySpan<byte> ReadStringSpan()
    {
        switch (ReadStringHeader(out int length, out long integer, out int clen))
        {
            case StringKind.Raw:
                return ReadSpan(length);
            case StringKind.Integer:
                Utf8Formatter.TryFormat(integer, _lzfOut, out int n);
                return new ReadOnlySpan<byte>(_lzfOut, 0, n);
            default:
                long at = Position;
                var compressed = ReadSpan(clen);
                if (_lzfOut.Length < length) _lzfOut = new byte[Math.Max(length, Math.Min(Array.MaxLength, 2 * _lzfOut.Length))];
                LzfDecompressor.Decompress(compressed, _lzfOut.AsSpan(0, length), at);
                return new ReadOnlySpan<byte>(_lzfOut, 0, length);
        }
    }

    /// <summary>The next string as a new array (integers as their decimal text).</summary>
    public byte[] ReadStringBytes()
    {
        switch (ReadStringHeader(out int length, out long integer, out int clen))
        {
            case StringKind.Raw:
                return ReadNewArray(length);
            case StringKind.Integer:
                Span<byte> digits = stackalloc byte[24];
                Utf8Formatter.TryFormat(integer, digits, out int n);
                return digits[..n].ToArray();
            default:
                long at = Position;
                var compressed = ReadSpan(clen);
                var result = length == 0 ? Array.Empty<byte>() : new byte[length];
                LzfDecompressor.Decompress(compressed, result, at);
                return result;
        }
    }

    /// <summary>
    /// The next string as a string value the way Redis's tryObjectEncoding stores it: a (shared or boxed)
    /// long when it is a canonical integer, otherwise the bytes.
    /// </summary>
    public object ReadStringValue()
    {
        switch (ReadStringHeader(out int length, out long integer, out int clen))
        {
            case StringKind.Integer:
                return StringValue.FromLong(integer);
            case StringKind.Raw when length <= 20:
                var span = ReadSpan(length);
                if (Numbers.TryParseStrictLong(span, out long v)) return StringValue.FromLong(v);
                return span.ToArray();
            case StringKind.Raw:
                return ReadNewArray(length);
            default:
                long at = Position;
                var compressed = ReadSpan(clen);
                var result = length == 0 ? Array.Empty<byte>() : new byte[length];
                LzfDecompressor.Decompress(compressed, result, at);
                return StringValue.FromBytes(result);
        }
    }

    /// <summary>Skips a string without materializing it.</summary>
    public void SkipString()
    {
        switch (ReadStringHeader(out int length, out _, out int clen))
        {
            case StringKind.Raw: Skip(length); break;
            case StringKind.Lzf: Skip(clen); break;
        }
    }

    /// <summary>
    /// The old text form of a double (sorted set type 3): a length byte (253 NaN, 254 +inf, 255 -inf)
    /// followed by that many ASCII characters, read like sscanf("%lg").
    /// </summary>
    public double ReadStringDouble()
    {
        long at = Position;
        byte len = ReadByte();
        switch (len)
        {
            case 255: return double.NegativeInfinity;
            case 254: return double.PositiveInfinity;
            case 253: return double.NaN;
        }
        var text = ReadSpan(len);
        int used = Numbers.Strtod(text, out double value, out _);
        if (used == 0) throw new RdbFormatException("Invalid double value", at);
        return value;
    }

    /// <summary>A binary64 double, little-endian (RDB 8 and later).</summary>
    public double ReadBinaryDouble() => BinaryPrimitives.ReadDoubleLittleEndian(ReadSpan(8));

    /// <summary>An absolute time in milliseconds, 8 bytes little-endian (EXPIRETIME_MS).</summary>
    public long ReadMillisecondTime() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));

    /// <summary>An absolute time in seconds, 4 bytes little-endian (the old EXPIRETIME).</summary>
    public long ReadSecondTime() => BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4));

    /// <summary>A 64-bit little-endian integer (the CRC after EOF).</summary>
    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8));
}
