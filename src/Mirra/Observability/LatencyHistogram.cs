namespace Mirra.Observability;

/// <summary>
/// Per-command latency distribution behind INFO latencystats and LATENCY HISTOGRAM. Values are
/// nanoseconds between 1 ns and 1 s, kept with two significant decimal digits: the layout of an
/// HDR histogram with 256 sub-buckets per power of two (the layout Redis uses), so percentiles and
/// bucket bounds come out as the same numbers Redis prints (e.g. a 2 µs call reports p50=2.007).
/// </summary>
public sealed class LatencyHistogram
{
    public const long MinValue = 1;
    public const long MaxValue = 1_000_000_000;

    // 2 significant digits → 2*10^2 = 200 values must be told apart → 256 sub-buckets.
    const int SubBucketBits = 8;
    const int SubBucketCount = 1 << SubBucketBits;      // 256
    const int SubBucketHalfBits = SubBucketBits - 1;
    const int SubBucketHalfCount = 1 << SubBucketHalfBits; // 128
    const long SubBucketMask = SubBucketCount - 1;
    static readonly int BucketCount = ComputeBucketCount();
    static readonly int CountsLength = (BucketCount + 1) * SubBucketHalfCount;

    readonly long[] _counts = new long[CountsLength];
    public long TotalCount { get; private set; }

    static int ComputeBucketCount()
    {
        long smallestUntrackable = SubBucketCount;
        int buckets = 1;
        while (smallestUntrackable <= MaxValue)
        {
            if (smallestUntrackable > long.MaxValue / 2) return buckets + 1;
            smallestUntrackable <<= 1;
            buckets++;
        }
        return buckets;
    }

    /// <summary>Records one call that took <paramref name="micros"/> microseconds.</summary>
    public void RecordMicros(long micros) => Record(micros > MaxValue / 1000 ? MaxValue : micros * 1000);

    /// <summary>Records one value in nanoseconds, clamped to [1 ns, 1 s].</summary>
    public void Record(long nanos)
    {
        if (nanos < MinValue) nanos = MinValue;
        if (nanos > MaxValue) nanos = MaxValue;
        _counts[IndexOf(nanos)]++;
        TotalCount++;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        TotalCount = 0;
    }

    static int BucketIndexOf(long value)
    {
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));
        return bits - (SubBucketHalfBits + 1);
    }

    static int IndexOf(long value)
    {
        int bucket = BucketIndexOf(value);
        int sub = (int)(value >> bucket);
        // Buckets above the first only use their upper half of sub-buckets.
        return ((bucket + 1) << SubBucketHalfBits) + (sub - SubBucketHalfCount);
    }

    static long ValueAt(int index)
    {
        int bucket = (index >> SubBucketHalfBits) - 1;
        int sub = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            sub -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << bucket;
    }

    static long UnitSize(long value) => 1L << BucketIndexOf(value);

    /// <summary>The smallest value that lands in the same slot as <paramref name="value"/>.</summary>
    public static long LowestEquivalent(long value)
    {
        int bucket = BucketIndexOf(value);
        return (value >> bucket) << bucket;
    }

    /// <summary>The largest value that lands in the same slot as <paramref name="value"/>.</summary>
    public static long HighestEquivalent(long value) => LowestEquivalent(value) + UnitSize(value) - 1;

    /// <summary>
    /// The value below which <paramref name="percentile"/> % of the recorded values fall, reported as
    /// the top of its slot (nanoseconds). 0 when nothing was recorded.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (TotalCount == 0) return 0;
        double p = Math.Min(percentile, 100.0);
        long wanted = (long)(p / 100 * TotalCount + 0.5);
        if (wanted < 1) wanted = 1;
        long running = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            running += _counts[i];
            if (running >= wanted)
            {
                long v = ValueAt(i);
                return percentile == 0 ? LowestEquivalent(v) : HighestEquivalent(v);
            }
        }
        return 0;
    }

    /// <summary>
    /// LATENCY HISTOGRAM's cumulative distribution: for each power of two from 1024 ns, the top of
    /// that slot in microseconds and how many calls took no longer; only levels where the count grew.
    /// </summary>
    public List<(long Micros, long Cumulative)> CumulativeByPowerOfTwo()
    {
        var result = new List<(long, long)>();
        if (TotalCount == 0) return result;
        long previous = 0, cumulative = 0;
        int index = 0;
        for (long level = 1024; ; level *= 2)
        {
            long limit = LowestEquivalent(Math.Min(level, MaxValue));
            while (index < _counts.Length && ValueAt(index) <= limit) cumulative += _counts[index++];
            if (cumulative > previous) result.Add((HighestEquivalent(level) / 1000, cumulative));
            previous = cumulative;
            if (cumulative >= TotalCount || index >= _counts.Length) break;
        }
        return result;
    }
}
