namespace Mirra.Persistence.Rdb;

/// <summary>
/// The CRC-64 Redis puts after RDB files and DUMP payloads: Jones polynomial (0xad93d23594c935a9),
/// reflected, initial value 0, no final xor. Check value: "123456789" gives 0xe9c6d914c4b8d9ca.
/// Slicing-by-8 tables, so checksumming a snapshot costs a small fraction of writing it.
/// </summary>
public static class Crc64
{
    const ulong ReflectedPolynomial = 0x95AC9329AC4BC9B5UL;
    static readonly ulong[][] Tables = BuildTables();

    static ulong[][] BuildTables()
    {
        var t = new ulong[8][];
        for (int k = 0; k < 8; k++) t[k] = new ulong[256];
        for (uint i = 0; i < 256; i++)
        {
            ulong crc = i;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            t[0][i] = crc;
        }
        for (int i = 0; i < 256; i++)
            for (int k = 1; k < 8; k++) t[k][i] = t[0][t[k - 1][i] & 0xff] ^ (t[k - 1][i] >> 8);
        return t;
    }

    /// <summary>Continues <paramref name="crc"/> over <paramref name="data"/>; start with 0.</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        ulong[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3],
                t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc ^= System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8));
            crc = t7[crc & 0xff] ^ t6[(crc >> 8) & 0xff] ^ t5[(crc >> 16) & 0xff] ^ t4[(crc >> 24) & 0xff]
                ^ t3[(crc >> 32) & 0xff] ^ t2[(crc >> 40) & 0xff] ^ t1[(crc >> 48) & 0xff] ^ t0[crc >> 56];
        }
        for (; i < data.Length; i++) crc = t0[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
        return crc;
    }

    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);
}
