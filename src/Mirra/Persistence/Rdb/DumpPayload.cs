using System.Buffers.Binary;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// The payload DUMP returns and RESTORE takes (Redis's createDumpPayload): the value's RDB type byte and
/// serialization, the RDB version as 2 bytes little-endian, then the CRC-64 of everything before it as
/// 8 bytes little-endian.
/// </summary>
public static class DumpPayload
{
    /// <summary>A writer kept per thread (DUMP runs on the executor), dropped after an unusually large payload.</summary>
    [ThreadStatic] static RdbValueWriter? t_compressing, t_plain;

    const int KeepCapacity = 1 << 20;

    /// <param name="value">A stored value (string, hash, list, set, sorted set in any encoding).</param>
    /// <param name="compress">rdbcompression: LZF for strings and blobs over 20 bytes that shrink.</param>
    public static byte[] Create(object value, bool compress = true)
    {
        ref RdbValueWriter? slot = ref compress ? ref t_compressing : ref t_plain;
        var w = slot ?? new RdbValueWriter(null, compress, checksum: true, bufferSize: 256);
        slot = null; // not shared with a nested call while in use
        try
        {
            w.Reset();
            w.WriteObject(value);
            w.WriteByte((byte)RdbConstants.Version);
            w.WriteByte((byte)(RdbConstants.Version >> 8));
            ulong crc = w.Checksum;
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(tail, crc);
            w.WriteRaw(tail);
            return w.Buffered.ToArray();
        }
        finally
        {
            if (w.Capacity <= KeepCapacity) slot = w;
        }
    }
}
