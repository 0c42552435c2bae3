using System.Buffers.Text;
using System.Text;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Writes an RDB file (version 10, what Redis 7.0 writes) from a snapshot walk:
/// "REDIS0010", the aux fields Redis 7.0 writes (rdbSaveInfoAuxFields: redis-ver, redis-bits, ctime,
/// used-mem, then repl-stream-db, repl-id, repl-offset when the snapshot carries replication info, then
/// aof-base), per database SELECTDB and RESIZEDB, per key an optional EXPIRETIME_MS, the type, the key
/// and the value (see <see cref="RdbValueWriter"/>), and finally EOF and the CRC-64 of everything before
/// it, little-endian (8 zero bytes with rdbchecksum no). Output is buffered (64 KiB) and the checksum
/// runs over each buffer as it is written to the stream. Writing a key allocates nothing.
/// </summary>
public sealed class RdbWriter : ISnapshotEncoder
{
    /// <summary>The version Mirra announces in redis-ver (the Redis it is compatible with).</summary>
    public const string RedisVersion = "7.0.15";

    readonly Stream _stream;
    readonly RdbValueWriter _out;
    readonly bool _checksum;

    /// <param name="stream">Where the file goes; flushed (not closed) by <see cref="End"/>.</param>
    /// <param name="compression">rdbcompression.</param>
    /// <param name="checksum">rdbchecksum.</param>
    public RdbWriter(Stream stream, bool compression = true, bool checksum = true, int bufferSize = RdbValueWriter.DefaultBufferSize)
    {
        _stream = stream;
        _checksum = checksum;
        _out = new RdbValueWriter(stream, compression, checksum, bufferSize);
    }

    /// <summary>Bytes produced so far (written to the stream or still buffered).</summary>
    public long BytesWritten => _out.BytesWritten;

    public void Begin(SnapshotInfo info)
    {
        _out.WriteRaw("REDIS0010"u8); // RdbConstants.Version, four digits

        Aux("redis-ver"u8, Encoding.ASCII.GetBytes(RedisVersion));
        AuxInt("redis-bits"u8, 64);
        AuxInt("ctime"u8, info.CreatedUnixSeconds);
        AuxInt("used-mem"u8, info.UsedMemory);
        if (info.ReplId != null)
        {
            AuxInt("repl-stream-db"u8, info.ReplStreamDb);
            Aux("repl-id"u8, Encoding.ASCII.GetBytes(info.ReplId));
            AuxInt("repl-offset"u8, info.ReplOffset);
        }
        AuxInt("aof-base"u8, info.AofBase ? 1 : 0);
    }

    void Aux(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _out.WriteByte(RdbConstants.OpAux);
        _out.WriteString(key);
        _out.WriteString(value);
    }

    /// <summary>rdbSaveAuxFieldStrInt: the number's decimal text, which the string writer integer-encodes when it can.</summary>
    void AuxInt(ReadOnlySpan<byte> key, long value)
    {
        Span<byte> text = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, text, out int n);
        Aux(key, text[..n]);
    }

    public void SelectDb(int db, long keys, long expires)
    {
        _out.WriteByte(RdbConstants.OpSelectDb);
        _out.WriteLength((ulong)db);
        _out.WriteByte(RdbConstants.OpResizeDb);
        _out.WriteLength((ulong)Math.Max(0, keys));
        _out.WriteLength((ulong)Math.Max(0, expires));
    }

    /// <param name="expireAtMs">Absolute expiry in Unix milliseconds, or -1 for none.</param>
    public void Entry(byte[] key, object value, long expireAtMs)
    {
        if (expireAtMs >= 0)
        {
            _out.WriteByte(RdbConstants.OpExpireTimeMs);
            _out.WriteMillisecondTime(expireAtMs);
        }
        byte type = _out.ChooseType(value);
        _out.WriteByte(type);
        _out.WriteString(key);
        _out.WriteValue(value, type);
    }

    public void End()
    {
        _out.WriteByte(RdbConstants.OpEof);
        ulong crc = _checksum ? _out.Checksum : 0;
        _out.WriteMillisecondTime((long)crc); // 8 bytes little-endian
        _out.Flush();
        _stream.Flush();
    }
}
