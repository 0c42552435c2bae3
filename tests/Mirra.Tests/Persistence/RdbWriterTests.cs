using System.Buffers.Binary;
using Mirra.Persistence;
using Mirra.Persistence.Rdb;
using Mirra.Storage;
using Mirra.Tests.Support;
using Xunit;

namespace Mirra.Tests.Persistence;

public class RdbWriterTests
{
    static string Hex(Action<RdbValueWriter> write, bool compression = true)
    {
        var w = new RdbValueWriter(null, compression);
        write(w);
        return Convert.ToHexStringLower(w.Buffered);
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(63UL, "3f")]
    [InlineData(64UL, "4040")]
    [InlineData(300UL, "412c")]
    [InlineData(16383UL, "7fff")]
    [InlineData(16384UL, "8000004000")]          // 32-bit lengths are big-endian
    [InlineData(4294967295UL, "80ffffffff")]
    [InlineData(4294967296UL, "810000000100000000")]
    public void LengthEncodings(ulong len, string hex) => Assert.Equal(hex, Hex(w => w.WriteLength(len)));

    [Theory]
    [InlineData("0", "c000")]
    [InlineData("-128", "c080")]
    [InlineData("-129", "c17fff")]
    [InlineData("65535", "c2ffff0000")]
    [InlineData("-2147483648", "c200000080")]
    [InlineData("2147483648", "0a32313437343833363438")] // > 32 bits: text
    [InlineData("12345678901", "0b3132333435363738393031")]
    [InlineData("01", "023031")]                  // not canonical
    [InlineData("-0", "022d30")]
    [InlineData(" 1", "022031")]
    [InlineData("", "00")]
    public void StringEncodings(string text, string hex) =>
        Assert.Equal(hex, Hex(w => w.WriteString(System.Text.Encoding.ASCII.GetBytes(text))));

    [Theory]
    [InlineData(0L, "c000")]
    [InlineData(-1L, "c0ff")]
    [InlineData(40000L, "c2409c0000")]
    [InlineData(long.MinValue, "142d39323233333732303336383534373735383038")]
    public void IntegerValues(long v, string hex) => Assert.Equal(hex, Hex(w => w.WriteInteger(v)));

    [Fact]
    public void TwentyByteStringsAreNeverCompressedLongerOnesWhenItSavesFourBytes()
    {
        var twenty = new byte[20];
        Assert.Equal("14" + new string('0', 40), Hex(w => w.WriteString(twenty)));
        var zeros = new byte[21];
        var hex = Hex(w => w.WriteString(zeros));
        Assert.StartsWith("c3", hex);                                // LZF, compressed length, original length (21)
        Assert.Equal("15", hex.Substring(4, 2));
        Assert.Equal("15" + new string('0', 42), Hex(w => w.WriteString(zeros), compression: false));
        var random = new byte[100];
        new Random(1).NextBytes(random);
        Assert.Equal("40" + "64" + Convert.ToHexStringLower(random), Hex(w => w.WriteString(random)));
    }

    [Fact]
    public void DoublesAndTimesAreLittleEndian()
    {
        Assert.Equal("000000000000f83f", Hex(w => w.WriteBinaryDouble(1.5)));
        Assert.Equal("000000000000f0ff", Hex(w => w.WriteBinaryDouble(double.NegativeInfinity)));
        Assert.Equal("0807060504030201", Hex(w => w.WriteMillisecondTime(0x0102030405060708)));
    }

    static readonly SnapshotInfo Info = new(1700000000, 123456, -1, null!, 0, false);

    [Fact]
    public void FileLayoutIsRedis70s()
    {
        var ms = new MemoryStream();
        var rdb = new RdbWriter(ms);
        rdb.Begin(Info);
        rdb.SelectDb(0, 2, 1);
        rdb.Entry("k"u8.ToArray(), "v"u8.ToArray(), -1);
        rdb.Entry("n"u8.ToArray(), StringValue.FromLong(5), 1700000000123);
        rdb.End();
        var file = ms.ToArray();
        Assert.Equal(file.Length, rdb.BytesWritten);

        string expected =
            Convert.ToHexStringLower("REDIS0010"u8)
            + "fa" + "09" + Convert.ToHexStringLower("redis-ver"u8) + "06" + Convert.ToHexStringLower("7.0.15"u8)
            + "fa" + "0a" + Convert.ToHexStringLower("redis-bits"u8) + "c040"
            + "fa" + "05" + Convert.ToHexStringLower("ctime"u8) + "c200f15365"          // 1700000000
            + "fa" + "08" + Convert.ToHexStringLower("used-mem"u8) + "c240e20100"      // 123456
            + "fa" + "08" + Convert.ToHexStringLower("aof-base"u8) + "c000"
            + "fe00" + "fb0201"                                                          // SELECTDB 0, RESIZEDB 2 1
            + "00" + "016b" + "0176"
            + "fc" + "7b68e5cf8b010000" + "00" + "016e" + "c005"
            + "ff";
        Assert.Equal(expected, Convert.ToHexStringLower(file.AsSpan(0, file.Length - 8)));
        Assert.Equal(Crc64.Compute(file.AsSpan(0, file.Length - 8)), BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(file.Length - 8)));
    }

    [Fact]
    public void ReplicationAuxFieldsWhenTheSnapshotHasThem()
    {
        var ms = new MemoryStream();
        var rdb = new RdbWriter(ms);
        string replid = new('a', 40);
        rdb.Begin(new SnapshotInfo(1, 2, 3, replid, 5000000000, true));
        rdb.End();
        string hex = Convert.ToHexStringLower(ms.ToArray());
        string tail =
            "fa" + "0e" + Convert.ToHexStringLower("repl-stream-db"u8) + "c003"
            + "fa" + "07" + Convert.ToHexStringLower("repl-id"u8);
        Assert.Contains(tail, hex);
        // The 40-character id compresses (LZF); repl-offset past 32 bits is text; aof-base 1.
        Assert.Contains("fa" + "0b" + Convert.ToHexStringLower("repl-offset"u8) + "0a" + Convert.ToHexStringLower("5000000000"u8)
            + "fa" + "08" + Convert.ToHexStringLower("aof-base"u8) + "c001" + "ff", hex);
        Assert.True(hex.IndexOf(Convert.ToHexStringLower("repl-stream-db"u8)) > hex.IndexOf(Convert.ToHexStringLower("used-mem"u8)));
    }

    [Fact]
    public void ChecksumOffWritesEightZeroBytes()
    {
        var ms = new MemoryStream();
        var rdb = new RdbWriter(ms, checksum: false);
        rdb.Begin(Info);
        rdb.End();
        var file = ms.ToArray();
        Assert.Equal(new byte[8], file[^8..]);
        Assert.Equal(0xff, file[^9]);
    }

    [Fact]
    public void SmallBuffersAndLargeValuesGiveTheSameFile()
    {
        // The same keyspace through a 64-byte buffer (flush on almost every key, large values past the
        // buffer) and through the default one: byte-identical output and a valid checksum.
        var s = new TestServer();
        s.Run("SET", "big", new string('x', 100_000));
        var rng = new Random(5);
        var random = new byte[70_000];
        rng.NextBytes(random);
        s.Server.Keyspace[0].Set("rnd"u8, random);
        for (int i = 0; i < 300; i++) s.Run("HSET", "h" + i, "f", "v" + i, "n", i.ToString());
        s.Run(["RPUSH", "list", .. Enumerable.Range(0, 5000).Select(i => "item:" + i)]);
        byte[] Write(int bufferSize, bool compression)
        {
            var ms = new MemoryStream();
            var rdb = new RdbWriter(ms, compression, true, bufferSize);
            rdb.Begin(Info);
            var db = s.Server.Keyspace[0];
            rdb.SelectDb(0, db.Count, 0);
            foreach (var e in db.Table) rdb.Entry(e.Key, e.Value, -1);
            rdb.End();
            Assert.Equal(ms.Length, rdb.BytesWritten);
            return ms.ToArray();
        }
        foreach (bool compression in new[] { true, false })
        {
            var a = Write(64, compression);
            var b = Write(RdbValueWriter.DefaultBufferSize, compression);
            Assert.Equal(a, b);
            Assert.Equal(Crc64.Compute(a.AsSpan(0, a.Length - 8)), BinaryPrimitives.ReadUInt64LittleEndian(a.AsSpan(a.Length - 8)));
        }
        Assert.True(Write(4096, true).Length < Write(4096, false).Length - 100_000); // the 'x' run and the list compress
    }

    [Fact]
    public void WritingKeysDoesNotAllocate()
    {
        var s = new TestServer();
        for (int i = 0; i < 200; i++)
        {
            s.Run("HSET", "h" + i, "nombre", "Ana María", "apellido", "García López", "email", "ana.garcia" + i + "@gmail.com");
            s.Run("SET", "s" + i, "value-" + i);
            s.Run("SET", "n" + i, (i * 1000).ToString());
            s.Run("SADD", "i" + i, "1", "2", i.ToString());
            s.Run("ZADD", "z" + i, "1", "a", "2.5", "b");
            s.Run("RPUSH", "l" + i, "a", "b", "c");
        }
        var entries = new List<KeyEntry>();
        foreach (var e in s.Server.Keyspace[0].Table) entries.Add(e);
        var rdb = new RdbWriter(Stream.Null);
        rdb.Begin(Info);
        rdb.SelectDb(0, entries.Count, 0);
        // Warm up: buffers reach their size, and the buffer is flushed at least once (the first flush builds the
        // CRC tables, once per process: whether another test did it first must not matter).
        while (rdb.BytesWritten < 2 * RdbValueWriter.DefaultBufferSize)
            foreach (var e in entries) rdb.Entry(e.Key, e.Value, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 5; round++)
            foreach (var e in entries) rdb.Entry(e.Key, e.Value, 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        rdb.End();
        Assert.Equal(0, allocated);
    }
}
