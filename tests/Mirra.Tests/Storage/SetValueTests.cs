using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;

namespace Mirra.Tests.Storage;

public class SetValueTests
{
    const long Limit = 512;

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    static List<string> Members(Set set)
    {
        var list = new List<string>();
        Span<byte> scratch = stackalloc byte[24];
        foreach (var m in set) list.Add(Encoding.UTF8.GetString(m.AsBytes(scratch)));
        return list;
    }

    static bool Add(ref Set set, string member, long limit = Limit) => set.Add(B(member), limit);

    [Fact]
    public void StartsAsASixteenBitIntsetKeptSorted()
    {
        var set = Set.New();
        Assert.True(set.IsEmpty);
        Assert.Equal("intset", set.EncodingName);
        Assert.True(Add(ref set, "5"));
        Assert.True(Add(ref set, "-3"));
        Assert.True(Add(ref set, "100"));
        Assert.False(Add(ref set, "5"));
        Assert.Equal(new[] { "-3", "5", "100" }, Members(set));
        Assert.Equal(2, set.IntsetWidth);
        Assert.IsType<IntsetInt16[]>(set.Value);
        Assert.Equal(3, ((IntsetInt16[])set.Value).Length); // exact size, no slack
        Assert.Equal("set", ValueTypes.TypeName(set.Value));
        Assert.Equal("intset", ValueTypes.EncodingName(set.Value));
        Assert.True(set.Contains(B("100")));
        Assert.False(set.Contains(B("0100")));
        Assert.False(set.Contains(B("+5")));
        Assert.False(set.Contains(B("x")));
        Assert.True(set.ContainsInteger(-3));
        Assert.False(set.ContainsInteger(1L << 40));
    }

    [Fact]
    public void WidthsUpgradeFrom16To32To64AndNeverNarrow()
    {
        var set = Set.New();
        Add(ref set, "1");
        Add(ref set, "32767");
        Add(ref set, "-32768");
        Assert.Equal(2, set.IntsetWidth);
        Add(ref set, "32768");                 // past 16 bits, added at the end
        Assert.Equal(4, set.IntsetWidth);
        Assert.IsType<IntsetInt32[]>(set.Value);
        Add(ref set, "-2147483648");
        Add(ref set, "2147483647");
        Assert.Equal(4, set.IntsetWidth);
        Add(ref set, "-2147483649");           // past 32 bits, added at the start
        Assert.Equal(8, set.IntsetWidth);
        Assert.IsType<IntsetInt64[]>(set.Value);
        Add(ref set, "9223372036854775807");
        Add(ref set, "-9223372036854775808");
        Assert.Equal(new[]
        {
            "-9223372036854775808", "-2147483649", "-2147483648", "-32768", "1", "32767", "32768", "2147483647", "9223372036854775807",
        }, Members(set));
        foreach (var v in new[] { "-9223372036854775808", "-2147483649", "-2147483648", "32768", "2147483647", "9223372036854775807" })
            Assert.True(set.Remove(B(v)));
        Assert.Equal(new[] { "-32768", "1", "32767" }, Members(set));
        Assert.Equal(8, set.IntsetWidth);      // like Redis: an intset keeps its width
        Assert.Equal("intset", set.EncodingName);
        // Values beyond the width are found absent without overflow.
        var small = Set.New();
        Add(ref small, "7");
        Assert.False(small.ContainsInteger(long.MaxValue));
        Assert.False(small.ContainsInteger(65543));   // 7 + 2^16 would alias in 16 bits
        Assert.False(small.RemoveInteger(65543));
    }

    [Fact]
    public void ConvertsToTheTablePastTheEntryLimitAndNeverBack()
    {
        var set = Set.New();
        for (int i = 0; i < 4; i++) Assert.True(Add(ref set, i.ToString(), limit: 4));
        Assert.Equal("intset", set.EncodingName);
        Assert.False(Add(ref set, "3", limit: 4));      // an existing member never converts
        Assert.Equal("intset", set.EncodingName);
        Assert.True(Add(ref set, "4", limit: 4));
        Assert.Equal("hashtable", set.EncodingName);
        Assert.Equal("hashtable", ValueTypes.EncodingName(set.Value));
        Assert.Equal(5, set.Count);
        Assert.True(set.Remove(B("4")));
        Assert.True(set.Remove(B("3")));
        Assert.Equal("hashtable", set.EncodingName);
        Assert.Equal(new[] { "0", "1", "2" }, Members(set).Order());
        Assert.True(set.Contains(B("2")));
        Assert.True(set.ContainsInteger(1));
        Assert.False(set.ContainsInteger(4));
        // A lower limit applies at the next addition only.
        var other = Set.New();
        Add(ref other, "1"); Add(ref other, "2");
        Assert.False(Add(ref other, "2", limit: 1));
        Assert.Equal("intset", other.EncodingName);
        Assert.True(Add(ref other, "3", limit: 1));
        Assert.Equal("hashtable", other.EncodingName);
        // A limit of 0 converts at the first member.
        var none = Set.New();
        Add(ref none, "1", limit: 0);
        Assert.Equal("hashtable", none.EncodingName);
    }

    [Fact]
    public void ConvertsOnANonIntegerMember()
    {
        foreach (var member in new[] { "a", "01", "+1", "-0", " 1", "1 ", "", "9223372036854775808", "1.0" })
        {
            var set = Set.New();
            Add(ref set, "1");
            Add(ref set, "2");
            Assert.True(Add(ref set, member), member);
            Assert.Equal("hashtable", set.EncodingName);
            Assert.Equal(3, set.Count);
            Assert.True(set.Contains(B(member)));
            Assert.True(set.Contains(B("1")));
            Assert.False(Add(ref set, "2"));
            Assert.False(Add(ref set, member));
        }
    }

    [Fact]
    public void AddIntegersMergesLikeOneByOne()
    {
        var rng = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            long limit = rng.Next(1, 40);
            var one = Set.New();
            var batch = Set.New();
            int before = rng.Next(0, 20);
            for (int i = 0; i < before; i++)
            {
                long v = rng.Next(-100, 100);
                one.AddInteger(v, 1000);
                batch.AddInteger(v, 1000);
            }
            var values = new long[rng.Next(1, 30)];
            for (int i = 0; i < values.Length; i++)
                values[i] = rng.Next(4) == 0 ? rng.NextInt64(long.MinValue, long.MaxValue) : rng.Next(-100, 100);
            int added = 0;
            foreach (var v in values) if (one.AddInteger(v, limit)) added++;
            Assert.Equal(added, batch.AddIntegers(values, limit));
            Assert.Equal(one.EncodingName, batch.EncodingName);
            Assert.Equal(one.Count, batch.Count);
            Assert.Equal(Members(one).Order(), Members(batch).Order());
            if (one.IsIntsetEncoded) Assert.Equal(Members(one), Members(batch));
        }
    }

    [Fact]
    public void DeepCopiesAreIndependent()
    {
        var intset = Set.New();
        Add(ref intset, "1");
        Add(ref intset, "2");
        var copy = intset.DeepCopy();
        Assert.NotSame(intset.Value, copy.Value);
        Add(ref copy, "3");
        copy.Remove(B("1"));
        Add(ref copy, "x");
        Assert.Equal(new[] { "1", "2" }, Members(intset));
        Assert.Equal("intset", intset.EncodingName);

        var table = Set.New();
        Add(ref table, "a");
        Add(ref table, "b");
        var tcopy = table.DeepCopy();
        Assert.Equal("hashtable", tcopy.EncodingName);
        Assert.NotSame(table.Value, tcopy.Value);
        Add(ref tcopy, "c");
        tcopy.Remove(B("a"));
        Assert.Equal(new[] { "a", "b" }, Members(table).Order());
        Assert.Equal(new[] { "b", "c" }, Members(tcopy).Order());
        Assert.IsType<SetListpackByte[]>(ValueTypes.DeepCopy(table.Value)); // a small word set is compact
        table.ConvertToTable();
        Assert.IsType<SetTableValue>(ValueTypes.DeepCopy(table.Value));
        Assert.IsType<IntsetInt16[]>(ValueTypes.DeepCopy(intset.Value));
    }

    [Fact]
    public void AWriteToAnIntsetMakesANewArray()
    {
        // Intsets are never changed in place, so a value handed out (a snapshot, a reply walk) stays as it was.
        var set = Set.New();
        Add(ref set, "1");
        var before = set.Value;
        Add(ref set, "2");
        Assert.NotSame(before, set.Value);
        Assert.Single((IntsetInt16[])before);
        var after = set.Value;
        set.Remove(B("1"));
        Assert.Equal(2, ((IntsetInt16[])after).Length);
        Assert.False(set.Remove(B("9")));
    }

    [Fact]
    public void SmallSetsAreCompact()
    {
        var set = Set.New();
        Add(ref set, "1"); Add(ref set, "2"); Add(ref set, "3");
        Assert.Equal(32, ValueTypes.EstimatedBytes(set.Value));      // one array: 24-byte header + 6 bytes
        for (int i = 4; i <= 512; i++) Add(ref set, i.ToString());
        Assert.Equal("intset", set.EncodingName);
        Assert.Equal(24 + 1024, ValueTypes.EstimatedBytes(set.Value));
    }

    [Fact]
    public void BuilderMakesWhatOneByOneAdditionWould()
    {
        var b = new SetBuilder(4);
        foreach (var v in new long[] { 9, 3, 3, -1 }) b.AddInteger(v);
        b.Add(B("9"));
        Assert.Equal(3, b.Count);
        Assert.True(Set.TryOpen(b.Build()!, out var set));
        Assert.Equal("intset", set.EncodingName);
        Assert.Equal(new[] { "-1", "3", "9" }, Members(set));

        var past = new SetBuilder(2);
        foreach (var v in new long[] { 1, 2, 3 }) past.AddInteger(v);
        Set.TryOpen(past.Build()!, out var table);
        Assert.Equal("hashtable", table.EncodingName);
        Assert.Equal(3, table.Count);

        var words = new SetBuilder(512);
        words.AddInteger(1);
        words.Add(B("x"));
        words.AddInteger(1);
        words.Add(B("x"));
        Set.TryOpen(words.Build()!, out var mixed);
        Assert.Equal("hashtable", mixed.EncodingName);
        Assert.Equal(new[] { "1", "x" }, Members(mixed).Order());

        Assert.Null(new SetBuilder(512).Build());

        // Many repeated integers stay bounded and still give the right set.
        var big = new SetBuilder(512);
        for (int round = 0; round < 50; round++)
            for (int i = 0; i < 1000; i++) big.AddInteger(i);
        Set.TryOpen(big.Build()!, out var thousand);
        Assert.Equal("hashtable", thousand.EncodingName);
        Assert.Equal(1000, thousand.Count);
        var small = new SetBuilder(512);
        for (int round = 0; round < 50; round++)
            for (int i = 0; i < 100; i++) small.AddInteger(100 - i);
        Set.TryOpen(small.Build()!, out var hundred);
        Assert.Equal("intset", hundred.EncodingName);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString()), Members(hundred));
    }

    [Fact]
    public void OtherValuesAreNotSets()
    {
        Assert.False(Set.TryOpen(B("1"), out _));
        Assert.False(Set.TryOpen(42L, out _));
        Assert.False(Set.TryOpen(Hash.New().Value, out _));
        Assert.False(Set.TryOpen(new long[] { 1 }, out _));
        Assert.False(StringValue.IsString(Set.New().Value));
        Assert.False(Hash.IsHash(Set.New().Value));
    }
}
