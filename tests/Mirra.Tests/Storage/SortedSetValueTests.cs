using System.Text;
using Mirra.Storage.Types;

namespace Mirra.Tests.Storage;

/// <summary>
/// The sorted set value against a naive model (a sorted list): thousands of random inserts, score
/// updates, removals and range removals, checking ranks, rank lookups, score and lex ranges, counts and
/// both walking directions after every step, plus the skiplist's structure (spans, links, member table).
/// </summary>
public class SortedSetValueTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Redis's order: score, then member bytes (memcmp, shorter first on a common prefix).</summary>
    static int Compare((double Score, byte[] Member) a, (double Score, byte[] Member) b) =>
        a.Score < b.Score ? -1 : a.Score > b.Score ? 1 : a.Member.AsSpan().SequenceCompareTo(b.Member);

    sealed class Model
    {
        public readonly List<(double Score, byte[] Member)> Items = new();

        public int IndexOf(byte[] member) => Items.FindIndex(x => x.Member.AsSpan().SequenceEqual(member));

        public void Insert(byte[] member, double score)
        {
            var item = (score, member);
            int i = 0;
            while (i < Items.Count && Compare(Items[i], item) < 0) i++;
            Items.Insert(i, (score, member));
        }

        public void Remove(byte[] member) => Items.RemoveAt(IndexOf(member));
    }

    static void CheckEqual(Model model, SortedSetValue z, Random rng, bool compactScoresNormalized)
    {
        z.Validate();
        Assert.Equal(model.Items.Count, z.Count);
        // Forward and backward walks.
        int i = 0;
        for (var c = z.First(); c.IsValid; c.MoveNext(), i++)
        {
            Assert.True(c.Member.SequenceEqual(model.Items[i].Member));
            Assert.Equal(model.Items[i].Score == 0 && compactScoresNormalized ? 0 : model.Items[i].Score, c.Score);
        }
        Assert.Equal(model.Items.Count, i);
        i = model.Items.Count - 1;
        for (var c = z.Last(); c.IsValid; c.MovePrevious(), i--) Assert.True(c.Member.SequenceEqual(model.Items[i].Member));
        Assert.Equal(-1, i);
        if (model.Items.Count == 0) return;
        // Ranks both ways, rank lookups, scores.
        for (int k = 0; k < 20; k++)
        {
            int r = rng.Next(model.Items.Count);
            var (score, member) = model.Items[r];
            Assert.Equal(r, z.Rank(member, reverse: false));
            Assert.Equal(model.Items.Count - 1 - r, z.Rank(member, reverse: true));
            Assert.True(z.AtRank(r).Member.SequenceEqual(member));
            Assert.True(z.TryGetScore(member, out double s));
            Assert.True(s == score);
        }
        Assert.Equal(-1, z.Rank(B("absent-member"), false));
        Assert.False(z.AtRank(model.Items.Count).IsValid);
        Assert.False(z.AtRank(-1).IsValid);
        // Score ranges: first, last and count agree with a filter of the model.
        for (int k = 0; k < 10; k++)
        {
            var range = RandomScoreRange(rng);
            var inRange = model.Items.Where(x => range.GteMin(x.Score) && range.LteMax(x.Score)).ToList();
            Assert.Equal(inRange.Count, z.CountInRange(range));
            var first = z.FirstInRange(range);
            var last = z.LastInRange(range);
            Assert.Equal(inRange.Count > 0, first.IsValid);
            Assert.Equal(inRange.Count > 0, last.IsValid);
            if (inRange.Count > 0)
            {
                Assert.True(first.Member.SequenceEqual(inRange[0].Member));
                Assert.True(last.Member.SequenceEqual(inRange[^1].Member));
            }
        }
    }

    static ScoreRange RandomScoreRange(Random rng)
    {
        double a = rng.Next(-60, 60) / 2.0, b = rng.Next(-60, 60) / 2.0;
        if (rng.Next(10) == 0) a = double.NegativeInfinity;
        if (rng.Next(10) == 0) b = double.PositiveInfinity;
        if (a > b && rng.Next(4) != 0) (a, b) = (b, a);
        return new ScoreRange(a, rng.Next(3) == 0, b, rng.Next(3) == 0);
    }

    static double RandomScore(Random rng) => rng.Next(8) switch
    {
        0 => rng.Next(-3, 3),             // many equal scores: order by member
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        _ => rng.Next(-50, 50) / 2.0,
    };

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void RandomOperationsMatchASortedList(bool compact, int seed)
    {
        var rng = new Random(seed);
        // A huge listpack limit keeps the compact encoding; 0 makes the skiplist from the start.
        long maxEntries = compact ? 100_000 : 0;
        var z = compact ? SortedSetValue.NewCompact() : SortedSetValue.NewSkiplist();
        var model = new Model();
        for (int step = 0; step < 4000; step++)
        {
            var member = B("m" + rng.Next(300));
            int op = rng.Next(100);
            bool present = z.TryGetScore(member, out _);
            Assert.Equal(model.IndexOf(member) >= 0, present);
            if (op < 45)
            {
                double score = RandomScore(rng);
                if (present)
                {
                    z.UpdateScore(member, score);
                    model.Remove(member);
                }
                else z.Insert(member, score, maxEntries, 1000);
                model.Insert(member, score);
            }
            else if (op < 75)
            {
                Assert.Equal(present, z.Remove(member));
                if (present) model.Remove(member);
            }
            else if (op < 82 && model.Items.Count > 0)
            {
                long start = rng.Next(model.Items.Count), end = start + rng.Next(5);
                long removed = z.RemoveRangeByRank(start, end);
                long expected = Math.Min(end, model.Items.Count - 1) - start + 1;
                Assert.Equal(expected, removed);
                model.Items.RemoveRange((int)start, (int)expected);
            }
            else if (op < 88)
            {
                var range = RandomScoreRange(rng);
                int before = model.Items.Count;
                bool touched = false;
                long removed = z.RemoveRangeByScore(range, () => touched = true);
                model.Items.RemoveAll(x => range.GteMin(x.Score) && range.LteMax(x.Score));
                Assert.Equal(before - model.Items.Count, removed);
                Assert.Equal(removed > 0, touched);
            }
            if (step % 50 == 0 || op >= 88) CheckEqual(model, z, rng, compact);
            Assert.Equal(compact ? "listpack" : "skiplist", z.EncodingName);
        }
        CheckEqual(model, z, rng, compact);
    }

    [Fact]
    public void LexRangesOnEqualScores()
    {
        foreach (bool compact in new[] { true, false })
        {
            var z = compact ? SortedSetValue.NewCompact() : SortedSetValue.NewSkiplist();
            var members = new[] { "", "a", "aa", "ab", "b", "ba", "c", "\u00ff" }.Select(B).ToArray();
            foreach (var m in members.Reverse()) z.Insert(m, 0, 1000, 1000);
            z.Validate();
            var rng = new Random(5);
            var bounds = new[] { "-", "+", "[", "(", "[a", "(a", "[ab", "(ab", "[b", "(c", "[zz" };
            foreach (var lo in bounds)
                foreach (var hi in bounds)
                {
                    var range = new LexRange(Value(lo), Kind(lo), lo != "-" && lo != "+" ? lo[0] == '(' : true,
                                             Value(hi), Kind(hi), hi != "-" && hi != "+" ? hi[0] == '(' : true);
                    var expected = range.IsEmpty ? new List<byte[]>() : members.Where(m => range.GteMin(m) && range.LteMax(m)).ToList();
                    Assert.Equal(expected.Count, z.CountInLexRange(range));
                    var first = z.FirstInLexRange(range);
                    Assert.Equal(expected.Count > 0, first.IsValid);
                    if (expected.Count > 0)
                    {
                        Assert.True(first.Member.SequenceEqual(expected[0]), $"{lo} {hi}");
                        Assert.True(z.LastInLexRange(range).Member.SequenceEqual(expected[^1]), $"{lo} {hi}");
                    }
                }
            var copy = (SortedSetValue)z.DeepCopy();
            var all = new LexRange(Array.Empty<byte>(), LexRange.Bound.Value, false, B("b"), LexRange.Bound.Value, true);
            Assert.Equal(4, copy.RemoveRangeByLex(all)); // "", a, aa, ab
            copy.Validate();
            Assert.Equal(4, copy.Count);
            Assert.Equal(8, z.Count); // the copy is independent
        }

        static byte[] Value(string bound) => bound is "-" or "+" ? Array.Empty<byte>() : B(bound[1..]);
        static LexRange.Bound Kind(string bound) => bound == "-" ? LexRange.Bound.MinusInfinity : bound == "+" ? LexRange.Bound.PlusInfinity : LexRange.Bound.Value;
    }

    [Fact]
    public void ConvertsToSkiplistPastTheThresholdsAndNeverBack()
    {
        var z = SortedSetValue.NewCompact();
        for (int i = 0; i < 128; i++) z.Insert(B($"m{i:D3}"), 128 - i, 128, 64);
        Assert.Equal("listpack", z.EncodingName);
        z.Validate();
        z.Insert(B("m128"), 0.5, 128, 64); // the 129th member
        Assert.Equal("skiplist", z.EncodingName);
        z.Validate();
        Assert.Equal(129, z.Count);
        Assert.Equal(0, z.Rank(B("m128"), false));
        Assert.Equal(1, z.Rank(B("m127"), false));
        Assert.Equal(128, z.Rank(B("m000"), false));
        while (z.Count > 1) z.Remove(z.First().Member.ToArray());
        Assert.Equal("skiplist", z.EncodingName); // no way back

        var longMember = SortedSetValue.NewCompact();
        longMember.Insert(new byte[64], 1, 128, 64);
        Assert.Equal("listpack", longMember.EncodingName);
        longMember.Insert(new byte[65], 2, 128, 64);
        Assert.Equal("skiplist", longMember.EncodingName);
        longMember.Validate();

        // Updating an existing member never converts (Redis checks only new members).
        var small = SortedSetValue.NewCompact();
        small.Insert(B("a"), 1, 1, 64);
        small.UpdateScore(B("a"), 5);
        Assert.Equal("listpack", small.EncodingName);
        small.Insert(B("b"), 1, 1, 64);
        Assert.Equal("skiplist", small.EncodingName);

        Assert.Equal("skiplist", SortedSetValue.NewFor(1, 0, 64).EncodingName);
        Assert.Equal("skiplist", SortedSetValue.NewFor(65, 128, 64).EncodingName);
        Assert.Equal("listpack", SortedSetValue.NewFor(64, 128, 64).EncodingName);
    }

    [Fact]
    public void StoredResultsStartCompactWhenTheyFit()
    {
        var sorted = Enumerable.Range(0, 128).Select(i => (B($"m{i:D3}"), (double)i)).ToList();
        var fits = SortedSetValue.FromSorted(sorted, 128, 64);
        Assert.Equal("listpack", fits.EncodingName);
        fits.Validate();
        Assert.Equal(128, fits.Count);
        sorted.Add((B("m999"), 999));
        Assert.Equal("skiplist", SortedSetValue.FromSorted(sorted, 128, 64).EncodingName);
        var longOne = new List<(byte[], double)> { (new byte[65], 1) };
        Assert.Equal("skiplist", SortedSetValue.FromSorted(longOne, 128, 64).EncodingName);
        Assert.Equal("listpack", SortedSetValue.FromSorted(longOne, 128, 65).EncodingName);
    }

    [Fact]
    public void ListpackKeepsNegativeZeroAsZeroAndTheSkiplistKeepsIt()
    {
        var compact = SortedSetValue.NewCompact();
        compact.Insert(B("a"), -0.0, 128, 64);
        compact.TryGetScore(B("a"), out double s);
        Assert.False(double.IsNegative(s));
        var full = SortedSetValue.NewSkiplist();
        full.Insert(B("a"), -0.0, 128, 64);
        full.TryGetScore(B("a"), out s);
        Assert.True(double.IsNegative(s));
    }

    [Fact]
    public void CompactEntriesWalkBackwardsOverLongMembers()
    {
        // Member lengths needing multi-byte length prefixes (128, 300, 20000 bytes).
        var z = SortedSetValue.NewCompact();
        int[] lengths = { 0, 1, 127, 128, 300, 16383, 16384, 20000 };
        for (int i = 0; i < lengths.Length; i++)
        {
            var m = new byte[lengths[i]];
            Array.Fill(m, (byte)('a' + i));
            z.Insert(m, i, 1000, 100_000);
        }
        Assert.Equal("listpack", z.EncodingName);
        z.Validate();
        int k = lengths.Length - 1;
        for (var c = z.Last(); c.IsValid; c.MovePrevious(), k--) Assert.Equal(lengths[k], c.Member.Length);
        Assert.Equal(-1, k);
        z.ConvertToSkiplist();
        z.Validate();
        Assert.Equal(lengths.Length, z.Count);
        Assert.Equal(3, z.Rank(Enumerable.Repeat((byte)'d', 128).ToArray(), false));
    }

    [Fact]
    public void RandomMembersCoverTheSet()
    {
        foreach (bool compact in new[] { true, false })
        {
            var z = compact ? SortedSetValue.NewCompact() : SortedSetValue.NewSkiplist();
            for (int i = 0; i < 20; i++) z.Insert(B($"m{i}"), i, 128, 64);
            var seen = new HashSet<string>();
            var rng = new Random(1);
            for (int i = 0; i < 2000; i++) seen.Add(Encoding.UTF8.GetString(z.RandomMember(rng).Member));
            Assert.Equal(20, seen.Count);
        }
    }

    sealed class ScoreMemberComparer : IComparer<(double Score, byte[] Member)>
    {
        public static readonly ScoreMemberComparer Instance = new();
        public int Compare((double Score, byte[] Member) a, (double Score, byte[] Member) b) => SortedSetValueTests.Compare(a, b);
    }

    /// <summary>
    /// ZADD's pattern at scale: tens of thousands of members (so nodes of every inline level count and some
    /// taller ones exist), upserts through the slot API with scores that often tie or stay between their
    /// neighbours (the in-place update), removals; the structure is checked level by level along the way
    /// and the final order against a sorted model.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void LargeSkiplistStaysConsistentUnderUpserts(int seed)
    {
        var rng = new Random(seed);
        var z = SortedSetValue.NewSkiplist();
        var scores = new Dictionary<string, double>();
        const int keyspace = 20_000;
        for (int step = 0; step < 60_000; step++)
        {
            string name = "element:" + rng.Next(keyspace).ToString("D12");
            var member = B(name);
            int op = rng.Next(10);
            bool present = z.TryGetScore(member, out double current, out var slot);
            Assert.Equal(scores.ContainsKey(name), present);
            if (present) Assert.Equal(scores[name], current);
            if (op < 8)
            {
                double score = rng.Next(4) switch
                {
                    0 => current + rng.NextDouble() * 1e-9, // usually stays between its neighbours
                    1 => rng.Next(100),                     // many ties: ordered by member
                    _ => rng.Next(keyspace),
                };
                if (present) { if (score != current) z.UpdateScore(slot, member, score); }
                else z.Insert(slot, member, score, 128, 64);
                scores[name] = score;
            }
            else if (present)
            {
                Assert.True(z.Remove(member));
                scores.Remove(name);
            }
            if (step % 20_000 == 0) z.Validate();
        }
        z.Validate();
        var model = new SortedSet<(double Score, byte[] Member)>(scores.Select(kv => (kv.Value, B(kv.Key))), ScoreMemberComparer.Instance);
        Assert.Equal(model.Count, z.Count);
        var c = z.First();
        long rank = 0;
        foreach (var (score, member) in model)
        {
            Assert.True(c.IsValid);
            Assert.Equal(score, c.Score);
            Assert.True(c.Member.SequenceEqual(member));
            if (rank % 997 == 0)
            {
                Assert.Equal(rank, z.Rank(member, reverse: false));
                Assert.True(z.AtRank(rank).Member.SequenceEqual(member));
            }
            c.MoveNext();
            rank++;
        }
        Assert.False(c.IsValid);
    }

    [Fact]
    public void NodeLevelsFollowRedisQuarterProbability()
    {
        var z = SortedSetValue.NewSkiplist();
        const int n = 40_000;
        for (int i = 0; i < n; i++) z.Insert(B("m" + i), i, 128, 64);
        z.Validate();
        var histogram = z.LevelHistogram();
        Assert.Equal(n, histogram.Sum());
        // P(levels = k) = 3/4 * (1/4)^(k-1): 30000, 7500, 1875, 469, 117... expected; nodes of 1 to 4 levels
        // keep their levels inline, taller ones (levels 5+) use an array: all kinds must be present.
        Assert.InRange(histogram[0], 0.72 * n, 0.78 * n);
        Assert.InRange(histogram[1], 0.165 * n, 0.21 * n);
        for (int k = 0; k < 5; k++) Assert.True(histogram[k] > 0, $"no node of {k + 1} levels");
        Assert.InRange(histogram.Skip(4).Sum(), 50, 400); // about n/256 = 156
    }

    [Fact]
    public void SlotsFromTryGetScoreFeedInsertAndUpdateInBothEncodings()
    {
        // Listpack: the slot holds the entry offset; the 3rd insert converts (the slot has no hash then).
        var z = SortedSetValue.NewCompact();
        Assert.False(z.TryGetScore(B("b"), out _, out var slot));
        z.Insert(slot, B("b"), 2, 2, 64);
        Assert.False(z.TryGetScore(B("a"), out _, out slot));
        z.Insert(slot, B("a"), 1, 2, 64);
        Assert.True(z.TryGetScore(B("a"), out double s, out slot));
        Assert.Equal(1, s);
        z.UpdateScore(slot, B("a"), 3);
        Assert.Equal("listpack", z.EncodingName);
        Assert.Equal(1, z.Rank(B("a"), false));
        Assert.False(z.TryGetScore(B("c"), out _, out slot));
        z.Insert(slot, B("c"), 0, 2, 64);
        Assert.Equal("skiplist", z.EncodingName);
        z.Validate();
        // Skiplist: the slot holds the node, or the hash of an absent member.
        Assert.False(z.TryGetScore(B("d"), out _, out slot));
        z.Insert(slot, B("d"), 2.5, 2, 64);
        Assert.True(z.TryGetScore(B("c"), out s, out slot));
        Assert.Equal(0, s);
        z.UpdateScore(slot, B("c"), 10);
        z.Validate();
        var order = new List<string>();
        for (var c = z.First(); c.IsValid; c.MoveNext()) order.Add(Encoding.UTF8.GetString(c.Member) + "=" + c.Score);
        Assert.Equal(new[] { "b=2", "d=2.5", "a=3", "c=10" }, order);
        Assert.True(z.TryGetScore(B("d"), out s));
        Assert.Equal(2.5, s);
    }

    [Fact]
    public void ScoreUpdatesInPlaceAndAcrossNeighbours()
    {
        var z = SortedSetValue.NewSkiplist();
        foreach (var (m, sc) in new[] { ("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 3.0) }) z.Insert(B(m), sc, 128, 64);
        string Order()
        {
            var parts = new List<string>();
            for (var c = z.First(); c.IsValid; c.MoveNext()) parts.Add(Encoding.UTF8.GetString(c.Member) + "=" + c.Score);
            var back = new List<string>();
            for (var c = z.Last(); c.IsValid; c.MovePrevious()) back.Add(Encoding.UTF8.GetString(c.Member) + "=" + c.Score);
            back.Reverse();
            Assert.Equal(parts, back);
            z.Validate();
            return string.Join(" ", parts);
        }
        z.UpdateScore(B("b"), 2.5);     // between its neighbours: in place
        Assert.Equal("a=1 b=2.5 c=3 d=3", Order());
        z.UpdateScore(B("b"), 3);       // ties with c: still before it by member
        Assert.Equal("a=1 b=3 c=3 d=3", Order());
        z.UpdateScore(B("a"), 3);       // ties with b, c, d: stays first by member
        Assert.Equal("a=3 b=3 c=3 d=3", Order());
        z.UpdateScore(B("c"), 3.5);     // past d
        Assert.Equal("a=3 b=3 d=3 c=3.5", Order());
        z.UpdateScore(B("c"), -1);      // to the front
        Assert.Equal("c=-1 a=3 b=3 d=3", Order());
        z.UpdateScore(B("a"), 4);       // to the tail
        Assert.Equal("c=-1 b=3 d=3 a=4", Order());
        Assert.Equal(3, z.Rank(B("a"), false));
        Assert.Equal(0, z.Rank(B("c"), false));
    }
}
