using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Mirra.Protocol;

/// <summary>
/// Writes RESP2/RESP3 replies into a growable pooled buffer owned by the executor thread.
/// The protocol version decides how maps, sets, doubles, booleans and nulls are encoded,
/// exactly as Redis does when a client switched with HELLO 3.
/// </summary>
public sealed class RespWriter
{
    const int InitialSize = 4096;
    static readonly byte[] Crlf = "\r\n"u8.ToArray();

    byte[] _buffer;
    int _length;

    public int Protocol { get; set; } = 2;
    public bool Resp3 => Protocol == 3;

    public RespWriter() => _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);

    public int Length => _length;
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);
    public byte[] RawBuffer => _buffer;

    /// <summary>Gives the written bytes to someone else (a sender) and starts over with a fresh buffer.</summary>
    public byte[] Detach(out int length)
    {
        var b = _buffer;
        length = _length;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        _length = 0;
        return b;
    }

    public void Clear()
    {
        _length = 0;
        if (_buffer.Length > 64 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    /// <summary>Drops the first <paramref name="count"/> bytes (they were sent).</summary>
    public void Consume(int count)
    {
        if (count >= _length) { Clear(); return; }
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _length - count);
        _length -= count;
    }

    /// <summary>Truncates back to a mark (CLIENT REPLY OFF/SKIP discards what a command wrote).</summary>
    public void Truncate(int mark) => _length = mark;

    public void Release()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = Array.Empty<byte>();
        _length = 0;
    }

    Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length) Grow(size);
        return _buffer.AsSpan(_length);
    }

    void Grow(int size)
    {
        long wanted = Math.Max((long)_buffer.Length * 2, (long)_length + size);
        if (wanted > Array.MaxLength) wanted = Array.MaxLength;
        var next = ArrayPool<byte>.Shared.Rent((int)wanted);
        Buffer.BlockCopy(_buffer, 0, next, 0, _length);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    void WriteRawAscii(string s)
    {
        var span = Reserve(s.Length);
        for (int i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        _length += s.Length;
    }

    void WriteLine(byte prefix, long value)
    {
        var span = Reserve(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int n);
        span[1 + n] = (byte)'\r';
        span[2 + n] = (byte)'\n';
        _length += n + 3;
    }

    public void Ok() => WriteRaw("+OK\r\n"u8);
    public void Queued() => WriteRaw("+QUEUED\r\n"u8);

    public void SimpleString(ReadOnlySpan<byte> s)
    {
        var span = Reserve(s.Length + 3);
        span[0] = (byte)'+';
        s.CopyTo(span[1..]);
        span[1 + s.Length] = (byte)'\r';
        span[2 + s.Length] = (byte)'\n';
        _length += s.Length + 3;
    }

    public void SimpleString(string s) => SimpleString(Encoding.UTF8.GetBytes(s));

    /// <summary>Writes "-&lt;message&gt;\r\n"; like Redis, newlines in the message become spaces.</summary>
    public void Error(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] == '\r' || bytes[i] == '\n') bytes[i] = (byte)' ';
        var span = Reserve(bytes.Length + 3);
        span[0] = (byte)'-';
        bytes.CopyTo(span[1..]);
        span[1 + bytes.Length] = (byte)'\r';
        span[2 + bytes.Length] = (byte)'\n';
        _length += bytes.Length + 3;
    }

    public void Integer(long value)
    {
        if ((ulong)value < (ulong)SmallIntegers.Length) { WriteRaw(SmallIntegers[value]); return; }
        WriteLine((byte)':', value);
    }

    public void Bulk(ReadOnlySpan<byte> value)
    {
        var span = Reserve(value.Length + 16);
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(value.Length, span[1..], out int n);
        span[1 + n] = (byte)'\r';
        span[2 + n] = (byte)'\n';
        value.CopyTo(span[(3 + n)..]);
        int at = 3 + n + value.Length;
        span[at] = (byte)'\r';
        span[at + 1] = (byte)'\n';
        _length += at + 2;
    }

    public void Bulk(string value) => Bulk(Encoding.UTF8.GetBytes(value));

    /// <summary>A number sent as a bulk string (GET of an int-encoded value).</summary>
    public void BulkLong(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out int n);
        Bulk(digits[..n]);
    }

    public void Null() => WriteRaw(Resp3 ? "_\r\n"u8 : "$-1\r\n"u8);
    public void NullArray() => WriteRaw(Resp3 ? "_\r\n"u8 : "*-1\r\n"u8);
    public void EmptyArray() => WriteRaw("*0\r\n"u8);
    public void ArrayHeader(long count) => WriteLine((byte)'*', count);
    public void MapHeader(long pairs) { if (Resp3) WriteLine((byte)'%', pairs); else WriteLine((byte)'*', pairs * 2); }
    public void SetHeader(long count) => WriteLine(Resp3 ? (byte)'~' : (byte)'*', count);
    public void PushHeader(long count) => WriteLine(Resp3 ? (byte)'>' : (byte)'*', count);

    /// <summary>A double as Redis's addReplyDouble writes it: "%.17g" ("inf"/"-inf"), a bulk string in RESP2.</summary>
    public void Double(double value)
    {
        Span<byte> s = stackalloc byte[Util.Numbers.MaxDoubleChars];
        int n = Util.Numbers.FormatDouble(value, s);
        if (Resp3) { WriteRaw(","u8); WriteRaw(s[..n]); WriteRaw(Crlf); }
        else Bulk(s[..n]);
    }

    public void Boolean(bool value)
    {
        if (Resp3) WriteRaw(value ? "#t\r\n"u8 : "#f\r\n"u8);
        else Integer(value ? 1 : 0);
    }

    /// <summary>RESP3 verbatim string (INFO, CLIENT LIST...), a plain bulk string in RESP2.</summary>
    public void Verbatim(string text, string format = "txt")
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!Resp3) { Bulk(bytes); return; }
        WriteLine((byte)'=', bytes.Length + 4);
        WriteRawAscii(format);
        WriteRaw(":"u8);
        WriteRaw(bytes);
        WriteRaw(Crlf);
    }

    /// <summary>Starts an aggregate whose length is known only at the end (KEYS, SCAN...).</summary>
    public int BeginDeferred() => _length;

    /// <summary>Inserts the header of an aggregate begun with <see cref="BeginDeferred"/>.</summary>
    public void EndDeferredArray(int mark, long count) => InsertHeader(mark, (byte)'*', count);
    public void EndDeferredMap(int mark, long pairs) => InsertHeader(mark, Resp3 ? (byte)'%' : (byte)'*', Resp3 ? pairs : pairs * 2);
    public void EndDeferredSet(int mark, long count) => InsertHeader(mark, Resp3 ? (byte)'~' : (byte)'*', count);

    void InsertHeader(int mark, byte prefix, long count)
    {
        Span<byte> header = stackalloc byte[24];
        header[0] = prefix;
        Utf8Formatter.TryFormat(count, header[1..], out int n);
        header[1 + n] = (byte)'\r';
        header[2 + n] = (byte)'\n';
        int h = n + 3;
        Reserve(h);
        Buffer.BlockCopy(_buffer, mark, _buffer, mark + h, _length - mark);
        header[..h].CopyTo(_buffer.AsSpan(mark));
        _length += h;
    }

    static readonly byte[][] SmallIntegers = BuildSmallIntegers();

    static byte[][] BuildSmallIntegers()
    {
        var table = new byte[1024][];
        for (int i = 0; i < table.Length; i++) table[i] = Encoding.ASCII.GetBytes($":{i}\r\n");
        return table;
    }
}
