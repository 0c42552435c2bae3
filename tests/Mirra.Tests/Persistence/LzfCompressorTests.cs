using Mirra.Persistence.Rdb;
using Xunit;

namespace Mirra.Tests.Persistence;

public class LzfCompressorTests
{
    /// <summary>A test-only decompressor written from liblzf's format (what lzf_decompress accepts), strict
    /// like it: a back-reference before the start or past the expected length is an error.</summary>
    internal static byte[] Decompress(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int n = ctrl + 1;
                Assert.True(op + n <= length, "literal run past the output");
                Assert.True(ip + n <= input.Length, "literal run past the input");
                input.Slice(ip, n).CopyTo(output.AsSpan(op));
                ip += n;
                op += n;
            }
            else
            {
                int len = ctrl >> 5;
                if (len == 7) len += input[ip++];
                int reference = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
                len += 2;
                Assert.True(reference >= 0, "back-reference before the start");
                Assert.True(op + len <= length, "back-reference past the output");
                for (int i = 0; i < len; i++) output[op++] = output[reference++];
            }
        }
        Assert.Equal(length, op);
        return output;
    }

    static void AssertRoundTrip(LzfCompressor lzf, byte[] data, int? outLen = null)
    {
        var output = new byte[outLen ?? data.Length + data.Length / 16 + 64];
        int n = lzf.Compress(data, output);
        Assert.True(n > 0);
        Assert.Equal(data, Decompress(output.AsSpan(0, n), data.Length));
    }

    static byte[] Text(int size, int seed)
    {
        var words = new[] { "redis", "mirra", "listpack", "hash", "email", "@gmail.com", " ", "user:", "1234", "nombre" };
        var rng = new Random(seed);
        var data = new byte[size];
        for (int i = 0; i < size;)
            foreach (var c in words[rng.Next(words.Length)])
                if (i < size) data[i++] = (byte)c;
        return data;
    }

    [Fact]
    public void RunOfOneByteCompressesToAFewChunks()
    {
        var lzf = new LzfCompressor();
        var data = new byte[100];
        Array.Fill(data, (byte)'a');
        var output = new byte[96];
        int n = lzf.Compress(data, output);
        // One literal, then one back-reference of 99 bytes at distance 1 (overlapping): 00 61 e0 5a 00.
        Assert.Equal("0061e05a00", Convert.ToHexStringLower(output.AsSpan(0, n)));
        Assert.Equal(data, Decompress(output.AsSpan(0, n), 100));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(21)]
    [InlineData(33)]
    [InlineData(264)]
    [InlineData(265)]
    [InlineData(8192)]
    [InlineData(8193)]
    [InlineData(100_000)]
    public void RoundTripsTextRunsAndPatterns(int size)
    {
        var lzf = new LzfCompressor();
        AssertRoundTrip(lzf, Text(size, size));
        var run = new byte[size];
        AssertRoundTrip(lzf, run);
        var pattern = new byte[size];
        for (int i = 0; i < size; i++) pattern[i] = (byte)(i % 7 + i / 9000);
        AssertRoundTrip(lzf, pattern);
    }

    [Fact]
    public void RandomDataRoundTripsGivenRoomAndFailsWithoutIt()
    {
        var lzf = new LzfCompressor();
        var data = new byte[5000];
        new Random(3).NextBytes(data);
        AssertRoundTrip(lzf, data);                              // literal runs: 33/32 of the input
        Assert.Equal(0, lzf.Compress(data, new byte[data.Length - 4])); // Redis's budget: not worth it
    }

    [Fact]
    public void ReturnsZeroWhenTheOutputIsExactlyOneByteShort()
    {
        var lzf = new LzfCompressor();
        foreach (var data in new[] { Text(300, 1), new byte[300], "abcdefghijklmnopqrstuvwxyz"u8.ToArray() })
        {
            var room = new byte[data.Length * 2 + 16];
            int n = lzf.Compress(data, room);
            Assert.Equal(n, lzf.Compress(data, new byte[n]));
            Assert.Equal(0, lzf.Compress(data, new byte[n - 1]));
        }
    }

    [Fact]
    public void EmptyInputGivesZero() => Assert.Equal(0, new LzfCompressor().Compress(ReadOnlySpan<byte>.Empty, new byte[10]));

    [Fact]
    public void ManyCallsOnOneInstanceIgnoreEarlierInputs()
    {
        // The hash table is not cleared between calls; positions of earlier inputs must never match.
        var lzf = new LzfCompressor();
        var rng = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            var data = Text(rng.Next(1, 400), i);
            AssertRoundTrip(lzf, data);
        }
    }

    [Fact]
    public void TableIsClearedWhenPositionsWouldOverflow()
    {
        var lzf = new LzfCompressor();
        AssertRoundTrip(lzf, Text(5000, 1));
        lzf.Base = int.MaxValue - 100; // the next input does not fit above the base: the table is cleared
        AssertRoundTrip(lzf, Text(5000, 2));
        Assert.True(lzf.Base < 10_000);
        AssertRoundTrip(lzf, Text(5000, 1));
    }
}
