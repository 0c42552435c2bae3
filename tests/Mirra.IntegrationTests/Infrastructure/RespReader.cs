using System.Globalization;
using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>
/// Decodes RESP2/RESP3 values from a byte source. Strict: anything that is not well-formed RESP
/// throws <see cref="RespProtocolException"/> showing the offending bytes, so a test sees exactly
/// what the server sent.
/// </summary>
public sealed class RespReader
{
    readonly Func<byte[], int, int, int> _receive;
    readonly byte[] _buf = new byte[64 * 1024];
    int _pos, _len;

    /// <param name="receive">Reads into (buffer, offset, count); returns bytes read, 0 at end of stream.</param>
    public RespReader(Func<byte[], int, int, int> receive) => _receive = receive;

    /// <summary>Bytes already received but not yet decoded.</summary>
    public int Buffered => _len - _pos;

    /// <summary>A reader over a fixed byte array (for decoding captured streams).</summary>
    public static RespReader FromBytes(byte[] data)
    {
        int offset = 0;
        return new RespReader((b, o, c) =>
        {
            int n = Math.Min(c, data.Length - offset);
            Array.Copy(data, offset, b, o, n);
            offset += n;
            return n;
        });
    }

    public RespValue Read()
    {
        byte prefix = ReadByte();
        switch (prefix)
        {
            case (byte)'+': return RespValue.Simple(ReadLine());
            case (byte)'-': return RespValue.Err(ReadLine());
            case (byte)':': return RespValue.Int(ParseLong(ReadLine()));
            case (byte)'$':
            {
                long n = ParseLong(ReadLine());
                if (n == -1) return RespValue.Bulk(null);
                return RespValue.Bulk(ReadBlob(n));
            }
            case (byte)'*':
            {
                long n = ParseLong(ReadLine());
                if (n == -1) return RespValue.Arr(null);
                return RespValue.Arr(ReadItems(n));
            }
            case (byte)'_':
                ExpectEmptyLine();
                return RespValue.Nil;
            case (byte)',': return RespValue.Dbl(ParseDouble(Ascii(ReadLine())));
            case (byte)'#':
            {
                var line = ReadLine();
                if (line.Length == 1 && line[0] == (byte)'t') return RespValue.Bool(true);
                if (line.Length == 1 && line[0] == (byte)'f') return RespValue.Bool(false);
                throw new RespProtocolException($"bad RESP3 boolean '#{Ascii(line)}'");
            }
            case (byte)'(': return RespValue.Big(ReadLine());
            case (byte)'!': return RespValue.Err(ReadBlob(ParseLong(ReadLine())));
            case (byte)'=':
            {
                var blob = ReadBlob(ParseLong(ReadLine()));
                if (blob.Length < 4 || blob[3] != (byte)':')
                    throw new RespProtocolException($"bad RESP3 verbatim string '{Ascii(blob)}' (expected 'fmt:' prefix)");
                return RespValue.Verb(Encoding.ASCII.GetString(blob, 0, 3), blob[4..]);
            }
            case (byte)'%': return RespValue.MapOf(ReadEntries(ParseLong(ReadLine())));
            case (byte)'~': return RespValue.SetOf(ReadItems(ParseLong(ReadLine())));
            case (byte)'>': return RespValue.PushOf(ReadItems(ParseLong(ReadLine())));
            case (byte)'|':
            {
                var attrs = ReadEntries(ParseLong(ReadLine()));
                return Read().WithAttributes(attrs);
            }
            default:
                throw new RespProtocolException(
                    $"unexpected RESP type byte 0x{prefix:x2} ('{(char)prefix}'); following bytes: {Peek(64)}");
        }
    }

    List<RespValue> ReadItems(long n)
    {
        if (n < 0) throw new RespProtocolException($"negative aggregate length {n}");
        var items = new List<RespValue>((int)Math.Min(n, 1024));
        for (long i = 0; i < n; i++) items.Add(Read());
        return items;
    }

    List<KeyValuePair<RespValue, RespValue>> ReadEntries(long n)
    {
        if (n < 0) throw new RespProtocolException($"negative map length {n}");
        var entries = new List<KeyValuePair<RespValue, RespValue>>((int)Math.Min(n, 1024));
        for (long i = 0; i < n; i++)
        {
            var k = Read();
            var v = Read();
            entries.Add(new(k, v));
        }
        return entries;
    }

    byte[] ReadBlob(long n)
    {
        if (n < 0 || n > 1L << 32) throw new RespProtocolException($"bad blob length {n}");
        var data = new byte[n];
        int copied = 0;
        while (copied < n)
        {
            if (_pos == _len) Fill();
            int take = (int)Math.Min(n - copied, _len - _pos);
            Array.Copy(_buf, _pos, data, copied, take);
            _pos += take;
            copied += take;
        }
        byte cr = ReadByte(), lf = ReadByte();
        if (cr != '\r' || lf != '\n')
            throw new RespProtocolException($"blob of {n} bytes not followed by CRLF (got 0x{cr:x2} 0x{lf:x2})");
        return data;
    }

    void ExpectEmptyLine()
    {
        var line = ReadLine();
        if (line.Length != 0) throw new RespProtocolException($"RESP3 null followed by '{Ascii(line)}'");
    }

    byte[] ReadLine()
    {
        var acc = new List<byte>(32);
        while (true)
        {
            byte b = ReadByte();
            if (b == '\r')
            {
                byte lf = ReadByte();
                if (lf != '\n') throw new RespProtocolException($"CR not followed by LF in line '{Ascii(acc.ToArray())}'");
                return acc.ToArray();
            }
            if (b == '\n') throw new RespProtocolException($"bare LF in line '{Ascii(acc.ToArray())}'");
            acc.Add(b);
            if (acc.Count > 1 << 20) throw new RespProtocolException("line longer than 1 MiB without CRLF");
        }
    }

    byte ReadByte()
    {
        if (_pos == _len) Fill();
        return _buf[_pos++];
    }

    void Fill()
    {
        _pos = 0;
        _len = 0;
        int n = _receive(_buf, 0, _buf.Length);
        if (n <= 0) throw new EndOfStreamException("connection closed by the server");
        _len = n;
    }

    string Peek(int max)
    {
        int n = Math.Min(max, _len - _pos);
        return Ascii(_buf.AsSpan(_pos, n).ToArray());
    }

    static long ParseLong(byte[] line)
    {
        if (!long.TryParse(Encoding.ASCII.GetString(line), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new RespProtocolException($"bad integer '{Ascii(line)}'");
        return v;
    }

    internal static double ParseDouble(string s)
    {
        switch (s)
        {
            case "inf": case "+inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
            case "nan": case "-nan": return double.NaN;
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            throw new RespProtocolException($"bad double '{s}'");
        return d;
    }

    static string Ascii(byte[] b)
    {
        var sb = new StringBuilder();
        foreach (var c in b)
        {
            if (c == '\r') sb.Append("\\r");
            else if (c == '\n') sb.Append("\\n");
            else if (c >= 0x20 && c < 0x7f) sb.Append((char)c);
            else sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

public sealed class RespProtocolException(string message) : Exception(message);
