using Mirra.Observability;

namespace Mirra.Tests.Observability;

/// <summary>The numbers INFO latencystats and LATENCY HISTOGRAM print, checked against values seen from redis-server 7.0.15.</summary>
public class LatencyHistogramTests
{
    static string Usec(long nanos) => (nanos / 1000.0).ToString("F3", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(2, "2.007")]
    [InlineData(3, "3.007")]
    [InlineData(4, "4.015")]
    [InlineData(5, "5.023")]
    [InlineData(16, "16.063")]
    [InlineData(22, "22.015")]
    [InlineData(82, "82.431")]
    [InlineData(1118, "1122.303")]
    public void ASingleCallReportsTheTopOfItsSlot(long micros, string expected)
    {
        var h = new LatencyHistogram();
        h.RecordMicros(micros);
        Assert.Equal(expected, Usec(h.ValueAtPercentile(50)));
        Assert.Equal(expected, Usec(h.ValueAtPercentile(99.9)));
    }

    [Fact]
    public void PercentilesRoundTheRankLikeHdr()
    {
        var h = new LatencyHistogram();
        h.RecordMicros(4);
        h.RecordMicros(7);
        Assert.Equal("4.015", Usec(h.ValueAtPercentile(50)));
        Assert.Equal("7.007", Usec(h.ValueAtPercentile(99)));
        Assert.Equal(2, h.TotalCount);
        Assert.Equal(0, new LatencyHistogram().ValueAtPercentile(50));
    }

    [Fact]
    public void ValuesAreClampedToOneSecondAndOneNanosecond()
    {
        var h = new LatencyHistogram();
        h.RecordMicros(0);
        Assert.Equal("0.001", Usec(h.ValueAtPercentile(50)));
        h.Clear();
        h.RecordMicros(5_000_000);
        Assert.True(h.ValueAtPercentile(100) >= LatencyHistogram.MaxValue);
        Assert.True(h.ValueAtPercentile(100) < LatencyHistogram.MaxValue * 1.01);
    }

    [Fact]
    public void CumulativeBucketsByPowersOfTwo()
    {
        var h = new LatencyHistogram();
        h.RecordMicros(5);
        h.RecordMicros(60);
        Assert.Equal([(8L, 1L), (66L, 2L)], h.CumulativeByPowerOfTwo());

        var many = new LatencyHistogram();
        foreach (var us in new long[] { 15, 30, 31, 60, 120, 200 }) many.RecordMicros(us);
        // Bucket labels are the top of the slot of each power of two: 16384 ns → 16, 32768 → 33, 65536 → 66...
        Assert.Equal([(16L, 1L), (33L, 3L), (66L, 4L), (132L, 5L), (264L, 6L)], many.CumulativeByPowerOfTwo());
        Assert.Empty(new LatencyHistogram().CumulativeByPowerOfTwo());
    }

    [Fact]
    public void EquivalentValueRanges()
    {
        Assert.Equal(2000, LatencyHistogram.LowestEquivalent(2003));
        Assert.Equal(2007, LatencyHistogram.HighestEquivalent(2000));
        Assert.Equal(255, LatencyHistogram.HighestEquivalent(255));
        Assert.Equal(16511, LatencyHistogram.HighestEquivalent(16384));
    }
}
