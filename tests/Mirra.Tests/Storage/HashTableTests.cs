using System.Text;
using Mirra.Storage;

namespace Mirra.Tests.Storage;

public class HashTableTests
{
    sealed class Entry : TableEntry
    {
        public Entry(string key) : base(Encoding.ASCII.GetBytes(key)) { }
        public string Name => Encoding.ASCII.GetString(Key);
    }

    static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void AddFindRemoveThroughGrowthAndShrink()
    {
        var t = new HashTable<Entry>();
        Assert.Null(t.Find(B("x")));
        Assert.Null(t.Remove(B("x")));
        bool sawRehash = false;
        for (int i = 0; i < 5000; i++)
        {
            t.Add(new Entry("k" + i));
            sawRehash |= t.IsRehashing;
            // Every key added so far is findable, whichever of the two tables holds it.
            if (i % 97 == 0)
                for (int j = 0; j <= i; j += 13) Assert.Equal("k" + j, t.Find(B("k" + j))?.Name);
        }
        Assert.True(sawRehash);
        Assert.Equal(5000, t.Count);
        int peakBuckets = t.BucketCount;

        sawRehash = false;
        for (int i = 0; i < 5000; i += 2)
        {
            Assert.Equal("k" + i, t.Remove(B("k" + i))?.Name);
            sawRehash |= t.IsRehashing;
        }
        for (int i = 4000; i < 5000; i++) t.Remove(B("k" + i));
        Assert.Equal(2000, t.Count);
        for (int i = 0; i < 4000; i++)
            Assert.Equal(i % 2 == 1 ? "k" + i : null, t.Find(B("k" + i))?.Name);
        Assert.Null(t.Remove(B("k0")));

        for (int i = 1; i < 4000; i += 2)
        {
            t.Remove(B("k" + i));
            sawRehash |= t.IsRehashing;
            if (i % 101 == 0)
                for (int j = i + 2; j < 4000; j += 26) Assert.Equal("k" + j, t.Find(B("k" + j))?.Name);
        }
        Assert.True(sawRehash); // shrinking happened in steps too
        while (t.RehashStep(100)) { }
        Assert.Equal(0, t.Count);
        Assert.True(t.BucketCount < peakBuckets, $"table did not shrink: {t.BucketCount} buckets");
    }

    /// <summary>1000 entries, 990 removed, then shrunk to fit: a rehash from 1024 buckets down to 16 has started.</summary>
    static HashTable<Entry> ShrinkingTable()
    {
        var t = new HashTable<Entry>();
        for (int i = 0; i < 1000; i++) t.Add(new Entry("k" + i));
        for (int i = 0; i < 990; i++) t.Remove(B("k" + i));
        while (t.RehashStep(1000)) { }
        t.ResizeToFit();
        Assert.True(t.IsRehashing);
        return t;
    }

    [Fact]
    public void ResizeToFitAndRehashForFinishTheMove()
    {
        var t = ShrinkingTable();
        Assert.True(t.RehashFor(10));
        Assert.False(t.IsRehashing);
        Assert.False(t.RehashFor(10)); // nothing left to do
        Assert.Equal(16, t.BucketCount);
        for (int i = 990; i < 1000; i++) Assert.NotNull(t.Find(B("k" + i)));
    }

    [Fact]
    public void RehashForDoesNothingWhileRehashingIsPaused()
    {
        var t = ShrinkingTable();
        t.PauseRehash++; // a snapshot or a SCAN in progress
        Assert.False(t.RehashFor(10));
        Assert.True(t.IsRehashing);
        t.PauseRehash--;
        Assert.True(t.RehashFor(10));
        Assert.False(t.IsRehashing);
    }

    [Theory]
    [InlineData("yes", false)]
    [InlineData("no", true)]
    public void TheCronRehashesOnlyWithActiveRehashing(string setting, bool stillRehashing)
    {
        var ts = new Mirra.Tests.Support.TestServer("activerehashing", setting);
        var table = ts.Server.Keyspace[0].Table;
        int added = 0;
        while (!table.IsRehashing && added < 1000) ts.Run("SET", "k" + added++, "v"); // until the table grows
        Assert.True(table.IsRehashing);
        Mirra.Engine.Cron.Tick(ts.Server);
        Assert.Equal(stillRehashing, table.IsRehashing);
    }

    [Fact]
    public void RandomEntryReachesEveryEntryIncludingWhileRehashing()
    {
        var rng = new Random(7);
        var t = new HashTable<Entry>();
        Assert.Null(t.RandomEntry(rng));
        for (int i = 0; i < 8; i++) t.Add(new Entry("k" + i));
        t.Add(new Entry("k8")); // 9 entries in 8 buckets: a resize starts and stays in progress
        Assert.True(t.IsRehashing);
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000; i++)
        {
            var e = t.RandomEntry(rng);
            Assert.NotNull(e);
            seen.Add(e!.Name);
        }
        Assert.True(t.IsRehashing); // sampling does not move buckets
        Assert.Equal(9, seen.Count);
    }

    [Fact]
    public void ScanOfAnEmptyTableEndsAtOnce()
    {
        var t = new HashTable<Entry>();
        var output = new List<Entry>();
        Assert.Equal(0UL, t.Scan(0, output));
        Assert.Empty(output);
    }

    [Fact]
    public void ScanOfAStableTableReturnsEachEntryOnce()
    {
        var t = new HashTable<Entry>();
        for (int i = 0; i < 777; i++) t.Add(new Entry("k" + i));
        while (t.RehashStep(1000)) { }
        var output = new List<Entry>();
        ulong cursor = 0;
        do cursor = t.Scan(cursor, output); while (cursor != 0);
        Assert.Equal(777, output.Count);
        Assert.Equal(777, output.Select(e => e.Name).Distinct().Count());
    }

    /// <summary>
    /// The SCAN guarantee: an entry present for the whole iteration is returned at least once, even
    /// when the table grows and shrinks (and is caught mid-rehash) between two calls.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ScanReturnsEveryStableEntryAcrossGrowthAndShrink(int seed)
    {
        var rng = new Random(seed);
        var t = new HashTable<Entry>();
        const int stable = 300;
        for (int i = 0; i < stable; i++) t.Add(new Entry("s" + i));

        var temporary = new List<string>();
        int nextTemp = 0;
        var seen = new HashSet<string>();
        var output = new List<Entry>();
        bool scannedWhileRehashing = false, grew = false, shrank = false;
        int buckets = t.BucketCount;
        ulong cursor = 0;
        int calls = 0;
        do
        {
            scannedWhileRehashing |= t.IsRehashing;
            output.Clear();
            cursor = t.Scan(cursor, output);
            foreach (var e in output) seen.Add(e.Name);
            Assert.True(++calls < 1_000_000, "SCAN did not terminate");

            // Mutate between calls: bursts of inserts make the table grow, deleting them makes it shrink.
            int action = rng.Next(4);
            if (action == 0)
            {
                int n = rng.Next(50, 3000);
                for (int i = 0; i < n; i++)
                {
                    var name = "t" + nextTemp++;
                    t.Add(new Entry(name));
                    temporary.Add(name);
                }
            }
            else if (action == 1 && temporary.Count > 0)
            {
                int n = rng.Next(1, temporary.Count + 1);
                for (int i = 0; i < n; i++)
                {
                    int at = temporary.Count - 1;
                    Assert.NotNull(t.Remove(B(temporary[at])));
                    temporary.RemoveAt(at);
                }
            }
            else if (action == 2) t.RehashStep(rng.Next(1, 8));
            grew |= t.BucketCount > buckets;
            shrank |= t.BucketCount < buckets;
            buckets = t.BucketCount;
        } while (cursor != 0);

        Assert.True(grew && shrank && scannedWhileRehashing, $"grew={grew} shrank={shrank} rehashing={scannedWhileRehashing}");
        for (int i = 0; i < stable; i++) Assert.Contains("s" + i, seen);
    }

    [Fact]
    public void ForEachAndEntriesVisitBothTables()
    {
        var t = new HashTable<Entry>();
        for (int i = 0; i < 9; i++) t.Add(new Entry("k" + i));
        Assert.True(t.IsRehashing);
        Assert.Equal(9, t.Entries().Count());
        int n = 0;
        t.ForEach(ref n, static (Entry e, ref int count) => count++);
        Assert.Equal(9, n);
    }
}
