using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Storage;

/// <summary>The compact form of small non-integer sets (a SetListpackByte[]; it answers "hashtable").</summary>
public class SetCompactTests
{
    static readonly Encoding Latin1 = Encoding.Latin1; // one char per byte, every byte value
    static byte[] B(string s) => Latin1.GetBytes(s);

    static HashSet<string> Members(Set set)
    {
        var all = new HashSet<string>();
        Span<byte> scratch = stackalloc byte[24];
        foreach (var m in set) Assert.True(all.Add(Latin1.GetString(m.AsBytes(scratch))), "duplicate member");
        return all;
    }

    [Fact]
    public void WordsMakeOneCompactArrayThatAnswersHashtable()
    {
        var set = Set.New();
        Assert.True(set.Add(B("ab"), 512));
        Assert.True(set.Add(B("cd"), 512));
        Assert.False(set.Add(B("ab"), 512));
        Assert.IsType<SetListpackByte[]>(set.Value);
        Assert.True(set.IsCompact);
        Assert.False(set.IsIntsetEncoded);
        Assert.Null(set.Table);
        Assert.Equal("hashtable", set.EncodingName);
        Assert.Equal("set", ValueTypes.TypeName(set.Value));
        Assert.Equal("hashtable", ValueTypes.EncodingName(set.Value));
        Assert.Equal(2, set.Count);
        Assert.Equal(32, ValueTypes.EstimatedBytes(set.Value)); // 24-byte header + 6 bytes in one word
        Assert.True(Set.IsSet(set.Value));
        Assert.False(Hash.IsHash(set.Value));
        Assert.False(set.Value is byte[]);
        Assert.True(set.Contains(B("cd")));
        Assert.False(set.Contains(B("c")));
        Assert.False(set.Remove(B("zz")));
        Assert.True(set.Remove(B("ab")));
        Assert.Equal(new HashSet<string> { "cd" }, Members(set));
    }

    [Fact]
    public void PastTheEntryLimitBecomesTheTableForGood()
    {
        var set = Set.New();
        for (int i = 0; i < 128; i++) Assert.True(set.Add(B("m" + i), 512, 128, 64));
        Assert.IsType<SetListpackByte[]>(set.Value);
        Assert.Equal(128, set.Count);
        Assert.True(set.Add(B("m128"), 512, 128, 64));
        Assert.IsType<SetTableValue>(set.Value);
        Assert.Equal(129, set.Count);
        for (int i = 0; i < 125; i++) Assert.True(set.Remove(B("m" + i)));
        Assert.IsType<SetTableValue>(set.Value); // never back
        Assert.Equal(new HashSet<string> { "m125", "m126", "m127", "m128" }, Members(set));
        // An existing member does not count as one more.
        var full = Set.New();
        for (int i = 0; i < 3; i++) full.Add(B("w" + i), 512, 3, 64);
        Assert.False(full.Add(B("w1"), 512, 3, 64));
        Assert.IsType<SetListpackByte[]>(full.Value);
    }

    [Fact]
    public void PastTheValueLimitBecomesTheTable()
    {
        var set = Set.New();
        set.Add(B("a"), 512, 128, 64);
        Assert.True(set.Add(B(new string('x', 64)), 512, 128, 64));
        Assert.IsType<SetListpackByte[]>(set.Value);
        Assert.True(set.Add(B(new string('y', 65)), 512, 128, 64));
        Assert.IsType<SetTableValue>(set.Value);
        Assert.Equal(3, set.Count);

        // An intset getting a long member goes straight to the table.
        var ints = Set.New();
        ints.Add(B("1"), 512, 128, 64);
        ints.Add(B(new string('z', 65)), 512, 128, 64);
        Assert.IsType<SetTableValue>(ints.Value);
        Assert.Equal(new HashSet<string> { "1", new string('z', 65) }, Members(ints));

        // So does one whose integers are longer than the value limit.
        var wide = Set.New();
        wide.Add(B("123456"), 512, 128, 3);
        wide.Add(B("ab"), 512, 128, 3);
        Assert.IsType<SetTableValue>(wide.Value);

        // Lengths the one-byte prefix cannot hold stay out of the compact form whatever the config says.
        var huge = Set.New();
        huge.Add(B("a"), 512, 128, 10_000);
        huge.Add(B(new string('q', 254)), 512, 128, 10_000);
        Assert.IsType<SetListpackByte[]>(huge.Value);
        huge.Add(B(new string('q', 255)), 512, 128, 10_000);
        Assert.IsType<SetTableValue>(huge.Value);
        Assert.Equal(3, huge.Count);
    }

    [Fact]
    public void IntsetBecomesCompactThenTable()
    {
        var set = Set.New();
        foreach (var v in new[] { "3", "-70000", "1" }) set.Add(B(v), 512, 5, 64);
        Assert.Equal("intset", set.EncodingName);
        Assert.True(set.Add(B("x"), 512, 5, 64));
        Assert.IsType<SetListpackByte[]>(set.Value);
        Assert.Equal("hashtable", ValueTypes.EncodingName(set.Value));
        Assert.Equal(new HashSet<string> { "-70000", "1", "3", "x" }, Members(set));
        Assert.True(set.ContainsInteger(-70000));
        Assert.True(set.Contains(B("3")));
        Assert.False(set.Contains(B("03")));
        Assert.False(set.AddInteger(1, 512, 5, 64));
        Assert.True(set.RemoveInteger(1));
        Assert.True(set.AddInteger(7, 512, 5, 64));
        Assert.Equal(2, set.AddIntegers(new long[] { 8, 3, 8, 9 }, 512, 5, 64)); // 8 and 9: past 5 members
        Assert.IsType<SetTableValue>(set.Value);
        Assert.Equal(new HashSet<string> { "-70000", "3", "x", "7", "8", "9" }, Members(set));

        // An intset past set-max-intset-entries becomes compact too when it fits.
        var many = Set.New();
        for (int i = 0; i < 5; i++) many.AddInteger(i, 4, 128, 64);
        Assert.IsType<SetListpackByte[]>(many.Value);
        Assert.Equal(5, many.Count);
        var batch = Set.New();
        Assert.Equal(6, batch.AddIntegers(new long[] { 6, 5, 4, 3, 2, 1 }, 4, 128, 64));
        Assert.IsType<SetListpackByte[]>(batch.Value);
        Assert.Equal(new HashSet<string> { "1", "2", "3", "4", "5", "6" }, Members(batch));
        var tooMany = Set.New();
        for (int i = 0; i < 5; i++) tooMany.AddInteger(i, 4, 4, 64);
        Assert.IsType<SetTableValue>(tooMany.Value);
    }

    [Fact]
    public void MembersWithEveryByteValueAndTheEmptyString()
    {
        var set = Set.New();
        var model = new HashSet<string> { "" };
        Assert.True(set.Add(ReadOnlySpan<byte>.Empty, 512, 1000, 64));
        Assert.IsType<SetListpackByte[]>(set.Value);
        for (int b = 0; b < 256; b++)
        {
            var one = new[] { (byte)b };
            Assert.True(set.Add(one, 512, 1000, 64));
            var two = new[] { (byte)b, (byte)0 };
            Assert.True(set.Add(two, 512, 1000, 64));
            model.Add(Latin1.GetString(one));
            model.Add(Latin1.GetString(two));
        }
        Assert.IsType<SetListpackByte[]>(set.Value);
        Assert.Equal(model.Count, set.Count);
        Assert.Equal(model, Members(set));
        Assert.True(set.Contains(ReadOnlySpan<byte>.Empty));
        Assert.False(set.Add(ReadOnlySpan<byte>.Empty, 512, 1000, 64));
        var copy = set.DeepCopy();
        Assert.Equal(model, Members(copy));
        foreach (var m in model.ToList())
        {
            if (m.Length != 1) continue;
            Assert.True(set.Remove(B(m)));
            model.Remove(m);
        }
        Assert.Equal(model, Members(set));
        Assert.True(set.Contains(ReadOnlySpan<byte>.Empty));
        Assert.True(set.Remove(ReadOnlySpan<byte>.Empty));
        Assert.False(set.Contains(ReadOnlySpan<byte>.Empty));
        Assert.Equal(513, Members(copy).Count); // the copy is independent
    }

    [Fact]
    public void RandomOperationsMatchAModel()
    {
        var rng = new Random(12345);
        string[] words = ["", "a", "b", "\0", "\u00ff", "hello", "10", "-5", "0", "007", "+1", "1.5", new string('w', 20), new string('v', 21)];
        string Pick() => rng.Next(4) switch
        {
            0 => rng.Next(-40, 40).ToString(),
            1 => words[rng.Next(words.Length)],
            2 => "k" + rng.Next(30),
            _ => Latin1.GetString(Enumerable.Range(0, rng.Next(4)).Select(_ => (byte)rng.Next(256)).ToArray()),
        };
        long intsetMax = 8, lpEntries = 24, lpValue = 20;
        var set = Set.New();
        var model = new HashSet<string>(StringComparer.Ordinal);
        int compactSeen = 0, tableSeen = 0;
        for (int op = 0; op < 6000; op++)
        {
            var m = Pick();
            switch (model.Count > 30 ? rng.Next(2) + 3 : rng.Next(6))
            {
                case 0: case 1: case 2:
                    Assert.Equal(model.Add(m), set.Add(B(m), intsetMax, lpEntries, lpValue));
                    break;
                case 3: case 4:
                    Assert.Equal(model.Remove(m), set.Remove(B(m)));
                    break;
                default:
                    Assert.Equal(model.Contains(m), set.Contains(B(m)));
                    break;
            }
            Assert.Equal(model.Count, set.Count);
            if (set.IsCompact) compactSeen++;
            if (set.Table != null) tableSeen++;
            if (set.IsCompact)
            {
                Assert.True(set.Count <= lpEntries);
                foreach (var x in Members(set)) Assert.True(x.Length <= lpValue);
            }
            if (op % 97 == 0 || model.Count == 0)
            {
                Assert.Equal(model, Members(set));
                if (model.Count > 0)
                {
                    Assert.Contains(Latin1.GetString(set.RandomMember(rng).ToArray()), model);
                    Assert.Equal(model, Members(set.DeepCopy()));
                }
            }
            // An emptied key is deleted and the next SADD starts anew; a table is dropped now and then so the
            // walk keeps going through the small forms.
            if (model.Count == 0 || (set.Table != null && rng.Next(60) == 0)) { model.Clear(); set = Set.New(); }
        }
        Assert.True(compactSeen > 1000, $"compact {compactSeen}");
        Assert.True(tableSeen > 100, $"table {tableSeen}");
    }

    [Fact]
    public void BuilderMakesCompactResultsWhenTheyFit()
    {
        var words = new SetBuilder(512, 3, 64);
        words.Add(B("x")); words.AddInteger(5); words.Add(B("x"));
        var built = words.Build()!;
        Assert.IsType<SetListpackByte[]>(built);
        Set.TryOpen(built, out var set);
        Assert.Equal(new HashSet<string> { "x", "5" }, Members(set));

        var over = new SetBuilder(512, 2, 64);
        over.Add(B("x")); over.Add(B("y")); over.Add(B("z"));
        Assert.IsType<SetTableValue>(over.Build());

        var longOne = new SetBuilder(512, 128, 4);
        longOne.Add(B("x")); longOne.Add(B("abcde"));
        Assert.IsType<SetTableValue>(longOne.Build());

        var ints = new SetBuilder(2, 128, 64);
        foreach (var v in new long[] { 1, 2, 3 }) ints.AddInteger(v);
        Assert.IsType<SetListpackByte[]>(ints.Build());
    }

    [Fact]
    public void CommandsOnCompactSets()
    {
        var s = new TestServer();
        Assert.Equal(":3\r\n", s.Run("sadd", "k", "a", "b", "c"));
        var entry = s.Server.Keyspace[0].Peek(B("k"))!;
        Assert.IsType<SetListpackByte[]>(entry.Value);
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "k"));
        Assert.Equal("+set\r\n", s.Run("type", "k"));
        Assert.Equal("*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", s.Run("sscan", "k", "0"));
        Assert.Equal("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n", s.Run("sscan", "k", "0", "match", "b"));
        Assert.Equal(":1\r\n", s.Run("sismember", "k", "b"));
        Assert.Equal(":3\r\n", s.Run("scard", "k"));
        var two = s.Run("srandmember", "k", "2");
        Assert.StartsWith("*2\r\n", two);
        Assert.StartsWith("*5\r\n", s.Run("srandmember", "k", "-5"));
        Assert.Equal(":1\r\n", s.Run("smove", "k", "d", "a"));
        Assert.IsType<SetListpackByte[]>(s.Server.Keyspace[0].Peek(B("d"))!.Value);
        Assert.Equal(":1\r\n", s.Run("sadd", "k", "1"));
        Assert.Equal(":3\r\n", s.Run("sinterstore", "i", "k", "k"));
        Assert.IsType<SetListpackByte[]>(s.Server.Keyspace[0].Peek(B("i"))!.Value);
        Assert.Equal(":3\r\n", s.Run("sdiffstore", "i", "k", "d", "nothing"));
        Assert.Equal(":4\r\n", s.Run("sunionstore", "u", "k", "d"));
        Assert.IsType<SetListpackByte[]>(s.Server.Keyspace[0].Peek(B("u"))!.Value);
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "u"));
        Assert.Equal(":1\r\n", s.Run("copy", "u", "u2"));
        Assert.Equal(":1\r\n", s.Run("srem", "u", "a"));
        Assert.Equal(":4\r\n", s.Run("scard", "u2"));

        // Past set-max-listpack-entries (CONFIG SET applies at once) the key holds the table.
        s.Run("config", "set", "set-max-listpack-entries", "3");
        Assert.Equal(":1\r\n", s.Run("sadd", "u2", "zz"));
        Assert.IsType<SetTableValue>(s.Server.Keyspace[0].Peek(B("u2"))!.Value);
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "u2"));

        // SRANDMEMBER's distinct picks by position (a small part of a larger compact set).
        s.Run("config", "set", "set-max-listpack-entries", "128");
        s.Run("sadd", "ten", "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9");
        Assert.IsType<SetListpackByte[]>(s.Server.Keyspace[0].Peek(B("ten"))!.Value);
        for (int round = 0; round < 20; round++)
        {
            var reply = s.Run("srandmember", "ten", "2").Split("\r\n");
            Assert.Equal("*2", reply[0]);
            Assert.Matches("^w[0-9]$", reply[2]);
            Assert.Matches("^w[0-9]$", reply[4]);
            Assert.NotEqual(reply[2], reply[4]);
        }

        // SPOP down to nothing deletes the key.
        Assert.StartsWith("*3\r\n", s.Run("spop", "k", "10"));
        Assert.Equal(":0\r\n", s.Run("exists", "k"));
    }
}
