using System.Text;
using Mirra.Replication;

namespace Mirra.Tests.Replication;

public class EofMarkScannerTests
{
    static readonly byte[] Mark = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef01234567");

    /// <summary>Feeds <paramref name="data"/> in pieces of the given sizes; returns (total bytes up to the mark's end, bytes left after it).</summary>
    static (long Through, int Leftover) Run(byte[] data, params int[] pieces)
    {
        var scanner = new EofMarkScanner(Mark);
        long offset = 0;
        int i = 0;
        while (offset < data.Length)
        {
            int n = (int)Math.Min(pieces[i % pieces.Length], data.Length - offset);
            i++;
            int end = scanner.Scan(data.AsSpan((int)offset, n));
            if (end >= 0) return (offset + end, n - end);
            offset += n;
        }
        return (-1, 0);
    }

    static byte[] Payload(int rdbBytes, string after = "")
    {
        var rng = new Random(rdbBytes);
        var rdb = new byte[rdbBytes];
        for (int i = 0; i < rdb.Length; i++) rdb[i] = (byte)rng.Next('g', 'z'); // never a mark character run
        return [.. rdb, .. Mark, .. Encoding.ASCII.GetBytes(after)];
    }

    [Theory]
    [InlineData(1000, 16384)]
    [InlineData(1000, 1)]
    [InlineData(1000, 7)]
    [InlineData(1000, 39)]
    [InlineData(1000, 40)]
    [InlineData(1000, 41)]
    [InlineData(0, 3)]
    [InlineData(0, 100)]
    [InlineData(5, 20)]
    public void Finds_the_mark_however_the_bytes_are_cut(int rdbBytes, int piece)
    {
        var data = Payload(rdbBytes);
        Assert.Equal((rdbBytes + 40L, 0), Run(data, piece));
    }

    [Fact]
    public void A_mark_followed_by_more_bytes_in_the_same_read_leaves_them()
    {
        var data = Payload(500, "*1\r\n$4\r\nPING\r\n");
        Assert.Equal((540L, 14), Run(data, 100000));
        // The mark split across reads, the stream glued to its end.
        Assert.Equal((540L, 14), Run(data, 520, 40));
    }

    [Fact]
    public void Nothing_found_without_the_whole_mark()
    {
        var data = Payload(300)[..^1];
        Assert.Equal((-1L, 0), Run(data, 64));
        var wrong = Payload(300);
        wrong[^1] ^= 1;
        Assert.Equal((-1L, 0), Run(wrong, 13));
    }

    [Fact]
    public void A_mark_must_have_forty_bytes() =>
        Assert.Throws<ArgumentException>(() => new EofMarkScanner(new byte[39]));
}
