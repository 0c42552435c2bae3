using System.Buffers.Binary;
using System.Text;
using Mirra.Persistence.Rdb;

namespace Mirra.Tests.Persistence;

/// <summary>The blob decoders and LZF on their own: every encoding, and corruption of every kind.</summary>
public class RdbBlobTests
{
    static List<string> ReadListpack(byte[] blob)
    {
        var list = new List<string>();
        Span<byte> digits = stackalloc byte[24];
        var lp = new Listpack(blob);
        while (lp.Next(out var e)) list.Add((e.IsInteger ? "#" : "") + Encoding.UTF8.GetString(e.AsBytes(digits)));
        return list;
    }

    static List<string> ReadZiplist(byte[] blob)
    {
        var list = new List<string>();
        Span<byte> digits = stackalloc byte[24];
        var zl = new Ziplist(blob);
        while (zl.Next(out var e)) list.Add((e.IsInteger ? "#" : "") + Encoding.UTF8.GetString(e.AsBytes(digits)));
        return list;
    }

    static readonly object[] Elements =
    {
        0L, 127L, 128L, -1L, -4096L, 4095L, 4096L, -4097L, 32767L, -32768L, 32768L, 8388607L, -8388608L, 8388608L,
        int.MaxValue, int.MinValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue,
        "", "a", new string('s', 63), new string('t', 64), new string('u', 4095), new string('v', 4096), new string('w', 20000),
    };

    static string Text(object e) => e is string s ? s : "#" + Convert.ToInt64(e).ToString();

    [Fact]
    public void ListpackDecodesEveryEncoding()
    {
        var blob = RdbTestEncoder.Listpack(Elements);
        Assert.Equal(Elements.Select(Text), ReadListpack(blob));
        Assert.Equal(Elements.Length, Listpack.ValidateAndCount(blob));
        // A 16 KB entry needs a 3-byte back-length (the 2-byte form stops just below 16383).
        var exact = RdbTestEncoder.Listpack(new string('x', 16383 - 5), new string('y', 16383 - 6));
        Assert.Equal(2, Listpack.ValidateAndCount(exact));
    }

    [Fact]
    public void ZiplistDecodesEveryEncoding()
    {
        var values = Elements.Append(12L).Append(13L).Append(-128L).Append(200L).ToArray();
        Assert.Equal(values.Select(Text), ReadZiplist(RdbTestEncoder.Ziplist(values)));
        Assert.Equal(values.Select(Text), ReadZiplist(RdbTestEncoder.Ziplist(values, largePrevlen: true)));
        Assert.Empty(ReadZiplist(RdbTestEncoder.Ziplist()));
    }

    [Fact]
    public void ListpackCorruption()
    {
        var good = RdbTestEncoder.Listpack("abc", 1000L, "de");
        void Bad(Func<byte[], byte[]> change, string what)
        {
            var blob = change(good.ToArray());
            var ex = Assert.Throws<RdbFormatException>(() => Listpack.ValidateAndCount(blob, 77));
            Assert.Equal("Listpack integrity check failed: " + what, ex.Message);
            Assert.Equal(77, ex.Position);
        }
        Bad(b => b[..6], "listpack shorter than its header");
        Bad(b => { b[0]++; return b; }, "listpack size does not match its header");
        Bad(b => { b[^1] = 0; return b; }, "listpack does not end with its end marker");
        Bad(b => { b[4] = 2; return b; }, "element count does not match its header");
        Bad(b => { b[10] = 5; return b; }, "entry back-length does not match"); // "abc" takes 4 bytes
        Bad(b => { b[6] = 0xF5; return b; }, "invalid entry encoding 0xf5");
        Bad(b => { b[6] = 0xBF; return b; }, "entry beyond the end");
        Bad(b => { b[6] = 0xFF; return b; }, "end marker before the end");
        // An unknown count (65535) is fine: the elements are counted.
        var unknown = good.ToArray();
        unknown[4] = 0xFF; unknown[5] = 0xFF;
        Assert.Equal(3, Listpack.ValidateAndCount(unknown));
    }

    [Fact]
    public void ZiplistCorruption()
    {
        var good = RdbTestEncoder.Ziplist("abc", 1000L, "de");
        void Bad(Func<byte[], byte[]> change, string what)
        {
            var blob = change(good.ToArray());
            var ex = Assert.Throws<RdbFormatException>(() => Ziplist.ValidateAndCount(blob, 5));
            Assert.Equal("Ziplist integrity check failed: " + what, ex.Message);
        }
        Bad(b => b[..10], "ziplist shorter than its header");
        Bad(b => { b[0]--; return b; }, "ziplist size does not match its header");
        Bad(b => { b[^1] = 1; return b; }, "ziplist does not end with its end marker");
        Bad(b => { b[4]++; return b; }, "tail offset does not point to the last entry");
        Bad(b => { b[8] = 4; return b; }, "element count does not match its header");
        Bad(b => { b[10] = 1; return b; }, "entry previous-length does not match");
        Bad(b => { b[11] = 0xC1; return b; }, "invalid entry encoding 0xc1");
        Bad(b => { b[11] = 0x3F; return b; }, "entry beyond the end");
        Bad(b => { b[10] = 0xFF; return b; }, "end marker before the end");
    }

    [Fact]
    public void ZipmapAndIntsetCorruption()
    {
        var zm = RdbTestEncoder.Zipmap(1, "f", "v", "g", "w");
        var pairs = new List<string>();
        var reader = new Zipmap(zm);
        while (reader.Next(out var f, out var v)) pairs.Add(Encoding.UTF8.GetString(f) + "=" + Encoding.UTF8.GetString(v));
        Assert.Equal(new[] { "f=v", "g=w" }, pairs);

        static string ZipmapError(byte[] blob)
        {
            try
            {
                var r = new Zipmap(blob);
                while (r.Next(out _, out _)) { }
                return "valid";
            }
            catch (RdbFormatException e) { return e.Message; }
        }
        Assert.Equal("Zipmap integrity check failed: empty zipmap", ZipmapError([0, 0xFF]));
        Assert.Equal("Zipmap integrity check failed: zipmap shorter than its header", ZipmapError([0]));
        var wrongCount = zm.ToArray(); wrongCount[0] = 3;
        Assert.Equal("Zipmap integrity check failed: pair count does not match its header", ZipmapError(wrongCount));
        var longFree = zm.ToArray(); longFree[3] = 200;
        Assert.Equal("Zipmap integrity check failed: entry beyond the end", ZipmapError(longFree));

        Assert.Equal(3, new IntsetBlob(RdbTestEncoder.Intset(4, -70000, 0, 70000)).Count);
        Assert.Equal(-70000, new IntsetBlob(RdbTestEncoder.Intset(4, -70000, 0, 70000))[0]);
        Assert.Throws<RdbFormatException>(() => new IntsetBlob([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]));
        Assert.Throws<RdbFormatException>(() => new IntsetBlob(RdbTestEncoder.Intset(2, 1, 2)[..^1]));
        Assert.Throws<RdbFormatException>(() => new IntsetBlob(new byte[5]));
    }

    [Fact]
    public void LzfTokens()
    {
        // Literal "abc", then a back reference of length 6 at distance 3 (overlapping: repeats "abc").
        var output = new byte[9];
        LzfDecompressor.Decompress([2, (byte)'a', (byte)'b', (byte)'c', (4 << 5) | 0, 2], output);
        Assert.Equal("abcabcabc", Encoding.ASCII.GetString(output));
        // Length 7 + extra byte: a run of 1 + 200 + 9 = 210 'z'.
        var run = new byte[1 + 7 + 200 + 2];
        LzfDecompressor.Decompress([0, (byte)'z', 7 << 5, 200, 0], run);
        Assert.All(run, b => Assert.Equal((byte)'z', b));
        // Wrong sizes, a reference before the start, a truncated token.
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([2, 1, 2, 3], new byte[4]));
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([2, 1, 2, 3], new byte[2]));
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([0, 1, 1 << 5, 5], new byte[4]));
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([0, 1, 7 << 5], new byte[20]));
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([5, 1, 2], new byte[6]));
        Assert.Throws<RdbFormatException>(() => LzfDecompressor.Decompress([], new byte[1]));
        LzfDecompressor.Decompress([], []);
    }

    [Fact]
    public void RandomBytesNeverCrashTheDecoders()
    {
        var rng = new Random(99);
        for (int round = 0; round < 20000; round++)
        {
            var input = new byte[rng.Next(1, 64)];
            rng.NextBytes(input);
            if (round % 3 == 0 && input.Length >= 4) BinaryPrimitives.WriteUInt32LittleEndian(input, (uint)input.Length); // a plausible header
            var ex = Record.Exception(() =>
            {
                try { LzfDecompressor.Decompress(input, new byte[rng.Next(0, 300)]); } catch (RdbFormatException) { }
                try { Listpack.ValidateAndCount(input); } catch (RdbFormatException) { }
                try { Ziplist.ValidateAndCount(input); } catch (RdbFormatException) { }
                try { var z = new Zipmap(input); while (z.Next(out _, out _)) { } } catch (RdbFormatException) { }
                try { _ = new IntsetBlob(input).Count; } catch (RdbFormatException) { }
            });
            Assert.True(ex == null, $"round {round}: {Convert.ToHexString(input)} {ex}");
        }
    }

    [Fact]
    public void RdbInputPrimitives()
    {
        var data = new RdbTestEncoder()
            .Length(5).Length(300).Length(70000).Length(5_000_000_000)
            .Raw(0xC0, 0xFF).Raw(0xC1, 0x00, 0x80).Raw(0xC2, 0xFF, 0xFF, 0xFF, 0x7F)
            .Raw(3).Raw("1.5"u8).Raw(253).Raw(254).Raw(255)
            .ToArray();
        var input = new RdbInput(data, 0, data.Length);
        Assert.Equal(5UL, input.ReadLength());
        Assert.Equal(300UL, input.ReadLength());
        Assert.Equal(70000UL, input.ReadLength());
        Assert.Equal(5_000_000_000UL, input.ReadLength());
        Assert.Equal("-1", Encoding.ASCII.GetString(input.ReadStringSpan()));
        Assert.Equal("-32768", Encoding.ASCII.GetString(input.ReadStringBytes()));
        Assert.Equal(int.MaxValue.ToString(), Encoding.ASCII.GetString(input.ReadStringSpan()));
        Assert.Equal(1.5, input.ReadStringDouble());
        Assert.True(double.IsNaN(input.ReadStringDouble()));
        Assert.Equal(double.PositiveInfinity, input.ReadStringDouble());
        Assert.Equal(double.NegativeInfinity, input.ReadStringDouble());
        Assert.Equal(data.Length, input.Position);
        var ex = Assert.Throws<RdbFormatException>(() => input.ReadByte());
        Assert.StartsWith("Short read", ex.Message);
        Assert.Equal(data.Length, ex.Position);

        var bad = new RdbInput([0xC4], 0, 1);
        Assert.Equal("Unknown RDB string encoding type 4", Assert.Throws<RdbFormatException>(() => bad.ReadStringSpan()).Message);
        var badLen = new RdbInput([0x82], 0, 1);
        Assert.Equal("Unknown length encoding 2 in rdbLoadLen()", Assert.Throws<RdbFormatException>(() => badLen.ReadLength()).Message);
    }

    [Fact]
    public void RdbInputCrcAndPositionAcrossBufferRefills()
    {
        var data = new byte[300_000];
        new Random(5).NextBytes(data);
        var input = new RdbInput(new MemoryStream(data), computeCrc: true, bufferSize: 1000);
        int pos = 0;
        var rng = new Random(6);
        while (pos < data.Length)
        {
            int n = Math.Min(data.Length - pos, rng.Next(0, 3) switch { 0 => 1, 1 => rng.Next(1, 900), _ => rng.Next(900, 5000) });
            var span = input.ReadSpan(n);
            Assert.True(span.SequenceEqual(data.AsSpan(pos, n)));
            pos += n;
            Assert.Equal(pos, input.Position);
            if (rng.Next(10) == 0) Assert.Equal(Crc64.Compute(data.AsSpan(0, pos)), input.Crc);
        }
        Assert.Equal(Crc64.Compute(data), input.Crc);
    }
}
