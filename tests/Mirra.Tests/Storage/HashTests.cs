using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;

namespace Mirra.Tests.Storage;

public class HashTests
{
    const int Entries = 128, ValueMax = 64;

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    static bool Set(ref Hash h, string f, string v, int entries = Entries, int value = ValueMax) => h.Set(B(f), B(v), entries, value);

    static string? Get(Hash h, string f) => h.TryGetValue(B(f), out var v) ? S(v) : null;

    static List<(string, string)> Pairs(Hash h)
    {
        var list = new List<(string, string)>();
        foreach (var p in h) list.Add((S(p.Field), S(p.Value)));
        return list;
    }

    [Fact]
    public void StartsCompactAndKeepsInsertionOrder()
    {
        var h = Hash.New();
        Assert.True(h.IsEmpty);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal("hash", ValueTypes.TypeName(h.Value));
        Assert.True(Set(ref h, "b", "1"));
        Assert.True(Set(ref h, "a", "2"));
        Assert.True(Set(ref h, "c", ""));
        Assert.False(Set(ref h, "b", "updated"));
        Assert.Equal(3, h.Count);
        Assert.Equal(new[] { ("b", "updated"), ("a", "2"), ("c", "") }, Pairs(h));
        Assert.Equal("", Get(h, "c"));
        Assert.Null(Get(h, "d"));
        Assert.Equal(7, h.ValueLength(B("b")));
        Assert.Equal(0, h.ValueLength(B("zz")));
        Assert.Equal("listpack", h.EncodingName);
    }

    [Fact]
    public void ReplacingValuesOfOtherSizesMovesTheTail()
    {
        var h = Hash.New();
        Set(ref h, "x", "short");
        Set(ref h, "y", "tail");
        Set(ref h, "x", new string('v', 60));  // grows, and its length prefix stays one byte
        Assert.Equal(new string('v', 60), Get(h, "x"));
        Assert.Equal("tail", Get(h, "y"));
        Set(ref h, "x", "");
        Assert.Equal(new[] { ("x", ""), ("y", "tail") }, Pairs(h));
        // Lengths of 127+ need a two-byte prefix (only reachable with a larger hash-max-listpack-value).
        Set(ref h, "x", new string('w', 200), value: 1000);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal(new string('w', 200), Get(h, "x"));
        Assert.Equal("tail", Get(h, "y"));
        Set(ref h, "x", "1", value: 1000);
        Assert.Equal(new[] { ("x", "1"), ("y", "tail") }, Pairs(h));
    }

    [Fact]
    public void FieldsAndValuesAreBinarySafe()
    {
        var h = Hash.New();
        var field = new byte[] { 0, 1, 0 };
        var value = new byte[] { 0, 0 };
        Assert.True(h.Set(field, value, Entries, ValueMax));
        Assert.True(h.Set(Array.Empty<byte>(), new byte[] { 0 }, Entries, ValueMax));
        Assert.Equal(2, h.Count);
        Assert.True(h.TryGetValue(field, out var v));
        Assert.Equal(value, v.ToArray());
        Assert.True(h.TryGetValue(ReadOnlySpan<byte>.Empty, out v));
        Assert.Equal(new byte[] { 0 }, v.ToArray());
    }

    [Fact]
    public void RemovesFromAnyPosition()
    {
        var h = Hash.New();
        for (int i = 0; i < 5; i++) Set(ref h, "f" + i, "v" + i);
        Assert.True(h.Remove(B("f2")));
        Assert.False(h.Remove(B("f2")));
        Assert.True(h.Remove(B("f0")));
        Assert.True(h.Remove(B("f4")));
        Assert.Equal(new[] { ("f1", "v1"), ("f3", "v3") }, Pairs(h));
        Assert.True(Set(ref h, "f5", "v5"));
        Assert.Equal(new[] { ("f1", "v1"), ("f3", "v3"), ("f5", "v5") }, Pairs(h));
        h.Remove(B("f1")); h.Remove(B("f3")); h.Remove(B("f5"));
        Assert.True(h.IsEmpty);
        Assert.Equal(0, h.Count);
        Assert.Empty(Pairs(h));
        Assert.True(Set(ref h, "again", "1"));
        Assert.Equal("1", Get(h, "again"));
    }

    [Fact]
    public void ConvertsPastTheEntriesThresholdNotAtIt()
    {
        var h = Hash.New();
        for (int i = 0; i < Entries; i++) Set(ref h, "field:" + i, "value:" + i);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal(Entries, h.Count);
        Assert.False(Set(ref h, "field:0", "updated")); // an update does not grow it
        Assert.Equal("listpack", h.EncodingName);
        Assert.True(Set(ref h, "field:" + Entries, "one more"));
        Assert.Equal("hashtable", h.EncodingName);
        Assert.Equal(Entries + 1, h.Count);
        Assert.NotNull(h.Table);

        // Every pair survived the conversion, and enumeration sees each exactly once.
        var pairs = Pairs(h).ToDictionary(p => p.Item1, p => p.Item2);
        Assert.Equal(Entries + 1, pairs.Count);
        Assert.Equal("updated", pairs["field:0"]);
        Assert.Equal("value:77", pairs["field:77"]);
        Assert.Equal("one more", pairs["field:128"]);

        // Never converts back, even when it shrinks.
        for (int i = 0; i < Entries; i++) Assert.True(h.Remove(B("field:" + i)));
        Assert.Equal(1, h.Count);
        Assert.Equal("hashtable", h.EncodingName);
        Assert.False(h.IsEmpty);
        Assert.True(h.Remove(B("field:128")));
        Assert.True(h.IsEmpty);
    }

    [Fact]
    public void ConvertsWhenAFieldOrValueIsLongerThanTheLimit()
    {
        var atLimit = Hash.New();
        Set(ref atLimit, new string('f', ValueMax), new string('v', ValueMax));
        Assert.Equal("listpack", atLimit.EncodingName);

        var longValue = Hash.New();
        Set(ref longValue, "a", "1");
        Set(ref longValue, "f", new string('v', ValueMax + 1));
        Assert.Equal("hashtable", longValue.EncodingName);
        Assert.Equal(new string('v', ValueMax + 1), Get(longValue, "f"));
        Assert.Equal("1", Get(longValue, "a"));

        var longField = Hash.New();
        Set(ref longField, new string('f', ValueMax + 1), "v");
        Assert.Equal("hashtable", longField.EncodingName);

        var byCheck = Hash.New();
        Set(ref byCheck, "a", "1");
        byCheck.ConvertIfTooLong(ValueMax, ValueMax);
        Assert.Equal("listpack", byCheck.EncodingName);
        byCheck.ConvertIfTooLong(ValueMax + 1, ValueMax);
        Assert.Equal("hashtable", byCheck.EncodingName);
        Assert.Equal("1", Get(byCheck, "a"));
    }

    [Fact]
    public void ThresholdsAreReadAtEachWrite()
    {
        var h = Hash.New();
        Set(ref h, "a", "1"); Set(ref h, "b", "2"); Set(ref h, "c", "3");
        // A lower limit applies at the next write, even an update (like Redis after CONFIG SET).
        Assert.False(Set(ref h, "a", "9", entries: 2));
        Assert.Equal("hashtable", h.EncodingName);

        var zero = Hash.New();
        Set(ref zero, "a", "1", entries: 0);
        Assert.Equal("hashtable", zero.EncodingName);

        var empty = Hash.New();
        Set(ref empty, "", "", value: 0);
        Assert.Equal("listpack", empty.EncodingName);
        Set(ref empty, "x", "", value: 0);
        Assert.Equal("hashtable", empty.EncodingName);
    }

    [Fact]
    public void DeepCopyIsIndependentInBothEncodings()
    {
        var compact = Hash.New();
        Set(ref compact, "a", "1"); Set(ref compact, "b", "2");
        var copy = compact.DeepCopy();
        Set(ref copy, "a", "changed"); Set(ref copy, "c", "3"); copy.Remove(B("b"));
        Assert.Equal(new[] { ("a", "1"), ("b", "2") }, Pairs(compact));
        Assert.Equal(new[] { ("a", "changed"), ("c", "3") }, Pairs(copy));
        Assert.Equal("listpack", copy.EncodingName);

        var full = Hash.New();
        for (int i = 0; i < 200; i++) Set(ref full, "k" + i, "v" + i);
        var fullCopy = full.DeepCopy();
        Assert.Equal("hashtable", fullCopy.EncodingName);
        Set(ref fullCopy, "k1", "changed");
        fullCopy.Remove(B("k2"));
        Assert.Equal("v1", Get(full, "k1"));
        Assert.Equal("v2", Get(full, "k2"));
        Assert.Equal(200, full.Count);
        Assert.Equal(199, fullCopy.Count);
        Assert.Equal("changed", Get(fullCopy, "k1"));
    }

    [Fact]
    public void CompactPositionsGiveEveryPair()
    {
        var h = Hash.New();
        Set(ref h, "a", "1"); Set(ref h, "b", "2"); Set(ref h, "c", "3");
        var positions = h.CompactPairPositions()!;
        Assert.Equal(3, positions.Length);
        Assert.Equal("b", S(h.CompactPairAt(positions[1]).Field));
        Assert.Equal("3", S(h.CompactPairAt(positions[2]).Value));
        for (int i = 0; i < 200; i++) Set(ref h, "k" + i, "v");
        Assert.Null(h.CompactPairPositions());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(200)]
    public void RandomPairsReachEveryField(int size)
    {
        var h = Hash.New();
        for (int i = 0; i < size; i++) Set(ref h, "k" + i, "v" + i);
        var rng = new Random(7);
        var seen = new HashSet<string>();
        for (int i = 0; i < size * 50; i++)
        {
            var p = h.RandomPair(rng);
            Assert.Equal("v" + S(p.Field)[1..], S(p.Value));
            seen.Add(S(p.Field));
        }
        Assert.Equal(size, seen.Count);
    }

    [Fact]
    public void ASmallHashIsOneSmallArray()
    {
        var h = Hash.New();
        h.ReserveCompact(Hash.EncodedPairSize(6, 5) + Hash.EncodedPairSize(8, 6) + Hash.EncodedPairSize(5, 20));
        var reserved = h.Value;
        Set(ref h, "nombre", "Maria"); Set(ref h, "apellido", "Garcia"); Set(ref h, "email", "maria.garcia@mail.es");
        // The value IS the array (no wrapper object), allocated once: 24 (array header) + 56 bytes of pairs
        // rounded up to a multiple of 8.
        Assert.Same(reserved, h.Value);
        var array = Assert.IsType<HashListpackByte[]>(h.Value);
        Assert.Equal(56, array.Length);
        Assert.Equal(24 + 56, h.EstimatedBytes);
        Assert.Equal(24 + 56, ValueTypes.EstimatedBytes(h.Value));
    }

    [Fact]
    public void TheCompactArrayIsAHashValueNotAString()
    {
        var h = Hash.New();
        Set(ref h, "a", "1");
        Assert.False(StringValue.IsString(h.Value));
        Assert.True(Hash.IsHash(h.Value));
        Assert.Equal("hash", ValueTypes.TypeName(h.Value));
        Assert.Equal("listpack", ValueTypes.EncodingName(h.Value));
        Assert.True(Hash.TryOpen(h.Value, out var reopened));
        Assert.Equal("1", Get(reopened, "a"));
        Assert.False(Hash.TryOpen("a"u8.ToArray(), out var notHash));
        Assert.False(notHash.Exists);

        for (int i = 0; i < 200; i++) Set(ref h, "k" + i, "v");
        Assert.IsType<HashTableValue>(h.Value);
        Assert.Equal("hash", ValueTypes.TypeName(h.Value));
        Assert.Equal("hashtable", ValueTypes.EncodingName(h.Value));
        Assert.True(Hash.TryOpen(h.Value, out reopened));
        Assert.Equal(201, reopened.Count);
    }

    [Fact]
    public void WritesMoveTheCompactArrayOnlyWhenItMustGrowOrShrink()
    {
        var h = Hash.New();
        Set(ref h, "a", "12345");                // 2 + 6 bytes: exactly one 8-byte word
        var first = h.Value;
        Assert.Equal(8, ((HashListpackByte[])first).Length);
        Set(ref h, "a", "54321");                // same size: in place
        Assert.Same(first, h.Value);
        Set(ref h, "b", "2");                    // no room: a bigger array, with slack
        var grown = Assert.IsType<HashListpackByte[]>(h.Value);
        Assert.NotSame(first, grown);
        Assert.Equal(new[] { ("a", "54321"), ("b", "2") }, Pairs(h));
        for (int i = 0; i < 20; i++) Set(ref h, "k" + i, new string('x', 40));
        var big = h.Value;
        for (int i = 0; i < 20; i++) h.Remove(B("k" + i));
        Assert.NotSame(big, h.Value);            // most of it unused: trimmed
        Assert.True(((HashListpackByte[])h.Value).Length < ((HashListpackByte[])big).Length / 4);
        Assert.Equal(new[] { ("a", "54321"), ("b", "2") }, Pairs(h));
    }
}
