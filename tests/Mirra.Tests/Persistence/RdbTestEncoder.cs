using System.Buffers.Binary;
using System.Text;
using Mirra.Persistence.Rdb;

namespace Mirra.Tests.Persistence;

/// <summary>
/// Builds RDB files, DUMP payloads and the blobs of old encodings (ziplist, zipmap, listpack, intset) for
/// tests, from the format facts (Redis's rdb.c, ziplist.c, zipmap.c, listpack.c, intset.c): the encodings
/// real 7.0 no longer writes can only be tested this way.
/// </summary>
sealed class RdbTestEncoder
{
    readonly MemoryStream _out = new();

    public RdbTestEncoder Raw(params byte[] bytes) { _out.Write(bytes); return this; }
    public RdbTestEncoder Raw(ReadOnlySpan<byte> bytes) { _out.Write(bytes); return this; }

    public static RdbTestEncoder File(int version = 10) => new RdbTestEncoder().Raw(Encoding.ASCII.GetBytes($"REDIS{version:D4}"));

    public RdbTestEncoder Length(ulong n) { _out.Write(EncodeLength(n)); return this; }
    public RdbTestEncoder String(string s) => String(Encoding.UTF8.GetBytes(s));
    public RdbTestEncoder String(byte[] s) { Length((ulong)s.Length); _out.Write(s); return this; }
    public RdbTestEncoder Type(byte t) => Raw(t);

    public RdbTestEncoder Aux(string key, string value) => Raw(RdbConstants.OpAux).String(key).String(value);
    public RdbTestEncoder SelectDb(int db) => Raw(RdbConstants.OpSelectDb).Length((ulong)db);
    public RdbTestEncoder ResizeDb(int keys, int expires) => Raw(RdbConstants.OpResizeDb).Length((ulong)keys).Length((ulong)expires);
    public RdbTestEncoder ExpireMs(long ms) { Raw(RdbConstants.OpExpireTimeMs); Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, ms); return Raw(b); }
    public RdbTestEncoder ExpireSeconds(int s) { Raw(RdbConstants.OpExpireTime); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, s); return Raw(b); }

    /// <summary>A string key whose value is a raw string.</summary>
    public RdbTestEncoder StringKey(string key, string value) => Type(RdbConstants.TypeString).String(key).String(value);

    /// <summary>A key of a blob type (ziplist, listpack, intset, zipmap...).</summary>
    public RdbTestEncoder BlobKey(byte type, string key, byte[] blob) => Type(type).String(key).String(blob);

    /// <summary>EOF, then the CRC of everything (or zeros), unless the version is below 5.</summary>
    public byte[] End(bool crc = true, bool checksumBytes = true)
    {
        Raw(RdbConstants.OpEof);
        if (checksumBytes)
        {
            var data = _out.ToArray();
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, crc ? Crc64.Compute(data) : 0);
            Raw(b);
        }
        return _out.ToArray();
    }

    public byte[] ToArray() => _out.ToArray();

    /// <summary>A DUMP payload: the serialized value, the RDB version (2 bytes LE) and the CRC-64 (8 bytes LE).</summary>
    public byte[] Payload(int version = 10)
    {
        Span<byte> v = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(v, (ushort)version);
        Raw(v);
        var data = _out.ToArray();
        Span<byte> c = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(c, Crc64.Compute(data));
        Raw(c);
        return _out.ToArray();
    }

    public static byte[] EncodeLength(ulong n)
    {
        if (n < 64) return [(byte)n];
        if (n < 16384) return [(byte)(0x40 | (n >> 8)), (byte)n];
        if (n <= uint.MaxValue)
        {
            var b = new byte[5];
            b[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(1), (uint)n);
            return b;
        }
        var l = new byte[9];
        l[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(l.AsSpan(1), n);
        return l;
    }

    // ---- Blobs: elements are strings (string or byte[]) or integers (long / int) ----

    static bool IsInt(object e, out long v)
    {
        switch (e)
        {
            case long l: v = l; return true;
            case int i: v = i; return true;
            default: v = 0; return false;
        }
    }

    static byte[] Str(object e) => e is byte[] b ? b : Encoding.UTF8.GetBytes((string)e);

    /// <summary>A ziplist (Redis ≤ 6.2).</summary>
    public static byte[] Ziplist(params object[] entries) => Ziplist(entries, largePrevlen: false);

    public static byte[] Ziplist(object[] entries, bool largePrevlen)
    {
        var body = new MemoryStream();
        int prev = 0, lastOffset = Mirra.Persistence.Rdb.Ziplist.HeaderSize;
        foreach (var e in entries)
        {
            var entry = new MemoryStream();
            if (prev < 254 && !largePrevlen) entry.WriteByte((byte)prev);
            else { entry.WriteByte(0xFE); entry.Write(LE32((uint)prev)); }
            if (IsInt(e, out long v))
            {
                if (v >= 0 && v <= 12) entry.WriteByte((byte)(0xF1 + v));
                else if (v >= sbyte.MinValue && v <= sbyte.MaxValue) { entry.WriteByte(0xFE); entry.WriteByte((byte)(sbyte)v); }
                else if (v >= short.MinValue && v <= short.MaxValue) { entry.WriteByte(0xC0); entry.Write(BitConverter.GetBytes((short)v)); }
                else if (v >= -(1 << 23) && v < (1 << 23)) { entry.WriteByte(0xF0); entry.Write(BitConverter.GetBytes((int)v).AsSpan(0, 3)); }
                else if (v >= int.MinValue && v <= int.MaxValue) { entry.WriteByte(0xD0); entry.Write(BitConverter.GetBytes((int)v)); }
                else { entry.WriteByte(0xE0); entry.Write(BitConverter.GetBytes(v)); }
            }
            else
            {
                var s = Str(e);
                if (s.Length < 64) entry.WriteByte((byte)s.Length);
                else if (s.Length < 16384) { entry.WriteByte((byte)(0x40 | (s.Length >> 8))); entry.WriteByte((byte)s.Length); }
                else { entry.WriteByte(0x80); var l = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(l, (uint)s.Length); entry.Write(l); }
                entry.Write(s);
            }
            lastOffset = Mirra.Persistence.Rdb.Ziplist.HeaderSize + (int)body.Length;
            prev = (int)entry.Length;
            body.Write(entry.ToArray());
        }
        var zl = new MemoryStream();
        zl.Write(LE32((uint)(10 + body.Length + 1)));
        zl.Write(LE32((uint)lastOffset));
        zl.Write(BitConverter.GetBytes((ushort)Math.Min(entries.Length, 65535)));
        zl.Write(body.ToArray());
        zl.WriteByte(0xFF);
        return zl.ToArray();
    }

    /// <summary>A listpack (Redis 7), with Redis's choice of encoding for each element.</summary>
    public static byte[] Listpack(params object[] entries)
    {
        var body = new MemoryStream();
        foreach (var e in entries)
        {
            var enc = new MemoryStream();
            if (IsInt(e, out long v))
            {
                if (v >= 0 && v <= 127) enc.WriteByte((byte)v);
                else if (v >= -4096 && v <= 4095) { long u = v < 0 ? (1 << 13) + v : v; enc.WriteByte((byte)(0xC0 | (u >> 8))); enc.WriteByte((byte)u); }
                else if (v >= short.MinValue && v <= short.MaxValue) { enc.WriteByte(0xF1); enc.Write(BitConverter.GetBytes((short)v)); }
                else if (v >= -(1 << 23) && v < (1 << 23)) { enc.WriteByte(0xF2); enc.Write(BitConverter.GetBytes((int)v).AsSpan(0, 3)); }
                else if (v >= int.MinValue && v <= int.MaxValue) { enc.WriteByte(0xF3); enc.Write(BitConverter.GetBytes((int)v)); }
                else { enc.WriteByte(0xF4); enc.Write(BitConverter.GetBytes(v)); }
            }
            else
            {
                var s = Str(e);
                if (s.Length < 64) enc.WriteByte((byte)(0x80 | s.Length));
                else if (s.Length < 4096) { enc.WriteByte((byte)(0xE0 | (s.Length >> 8))); enc.WriteByte((byte)s.Length); }
                else { enc.WriteByte(0xF0); enc.Write(LE32((uint)s.Length)); }
                enc.Write(s);
            }
            long size = enc.Length;
            body.Write(enc.ToArray());
            body.Write(Backlen(size));
        }
        var lp = new MemoryStream();
        lp.Write(LE32((uint)(6 + body.Length + 1)));
        lp.Write(BitConverter.GetBytes((ushort)Math.Min(entries.Length, 65535)));
        lp.Write(body.ToArray());
        lp.WriteByte(0xFF);
        return lp.ToArray();
    }

    static byte[] Backlen(long l)
    {
        if (l <= 127) return [(byte)l];
        if (l < 16383) return [(byte)(l >> 7), (byte)((l & 127) | 128)];
        if (l < 2097151) return [(byte)(l >> 14), (byte)(((l >> 7) & 127) | 128), (byte)((l & 127) | 128)];
        if (l < 268435455) return [(byte)(l >> 21), (byte)(((l >> 14) & 127) | 128), (byte)(((l >> 7) & 127) | 128), (byte)((l & 127) | 128)];
        return [(byte)(l >> 28), (byte)(((l >> 21) & 127) | 128), (byte)(((l >> 14) & 127) | 128), (byte)(((l >> 7) & 127) | 128), (byte)((l & 127) | 128)];
    }

    /// <summary>A zipmap (Redis ≤ 2.4 hashes): pairs of strings, with optional free bytes after each value.</summary>
    public static byte[] Zipmap(int free, params string[] pairs)
    {
        var zm = new MemoryStream();
        zm.WriteByte((byte)Math.Min(pairs.Length / 2, 254));
        for (int i = 0; i < pairs.Length; i += 2)
        {
            var f = Encoding.UTF8.GetBytes(pairs[i]);
            var v = Encoding.UTF8.GetBytes(pairs[i + 1]);
            ZipmapLength(zm, f.Length);
            zm.Write(f);
            ZipmapLength(zm, v.Length);
            zm.WriteByte((byte)free);
            zm.Write(v);
            for (int k = 0; k < free; k++) zm.WriteByte(0xAA);
        }
        zm.WriteByte(0xFF);
        return zm.ToArray();
    }

    static void ZipmapLength(MemoryStream zm, int len)
    {
        if (len < 254) zm.WriteByte((byte)len);
        else { zm.WriteByte(254); zm.Write(LE32((uint)len)); }
    }

    /// <summary>An intset of the given width holding these (sorted) integers.</summary>
    public static byte[] Intset(int width, params long[] values)
    {
        var b = new byte[8 + width * values.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var d = b.AsSpan(8 + i * width);
            switch (width)
            {
                case 2: BinaryPrimitives.WriteInt16LittleEndian(d, (short)values[i]); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(d, (int)values[i]); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(d, values[i]); break;
            }
        }
        return b;
    }

    static byte[] LE32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }
}
