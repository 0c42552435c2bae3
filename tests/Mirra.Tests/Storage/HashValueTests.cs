using System.Text;
using Mirra.Storage.Types;

namespace Mirra.Tests.Storage;

public class HashValueTests
{
    const int Entries = 128, ValueMax = 64;

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    static bool Set(HashValue h, string f, string v, int entries = Entries, int value = ValueMax) => h.Set(B(f), B(v), entries, value);

    static string? Get(HashValue h, string f) => h.TryGetValue(B(f), out var v) ? S(v) : null;

    static List<(string, string)> Pairs(HashValue h)
    {
        var list = new List<(string, string)>();
        foreach (var p in h) list.Add((S(p.Field), S(p.Value)));
        return list;
    }

    [Fact]
    public void StartsCompactAndKeepsInsertionOrder()
    {
        var h = new HashValue();
        Assert.True(h.IsEmpty);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal("hash", h.TypeName);
        Assert.True(Set(h, "b", "1"));
        Assert.True(Set(h, "a", "2"));
        Assert.True(Set(h, "c", ""));
        Assert.False(Set(h, "b", "updated"));
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
        var h = new HashValue();
        Set(h, "x", "short");
        Set(h, "y", "tail");
        Set(h, "x", new string('v', 60));  // grows, and its length prefix stays one byte
        Assert.Equal(new string('v', 60), Get(h, "x"));
        Assert.Equal("tail", Get(h, "y"));
        Set(h, "x", "");
        Assert.Equal(new[] { ("x", ""), ("y", "tail") }, Pairs(h));
        // Lengths of 127+ need a two-byte prefix (only reachable with a larger hash-max-listpack-value).
        Set(h, "x", new string('w', 200), value: 1000);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal(new string('w', 200), Get(h, "x"));
        Assert.Equal("tail", Get(h, "y"));
        Set(h, "x", "1", value: 1000);
        Assert.Equal(new[] { ("x", "1"), ("y", "tail") }, Pairs(h));
    }

    [Fact]
    public void FieldsAndValuesAreBinarySafe()
    {
        var h = new HashValue();
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
        var h = new HashValue();
        for (int i = 0; i < 5; i++) Set(h, "f" + i, "v" + i);
        Assert.True(h.Remove(B("f2")));
        Assert.False(h.Remove(B("f2")));
        Assert.True(h.Remove(B("f0")));
        Assert.True(h.Remove(B("f4")));
        Assert.Equal(new[] { ("f1", "v1"), ("f3", "v3") }, Pairs(h));
        Assert.True(Set(h, "f5", "v5"));
        Assert.Equal(new[] { ("f1", "v1"), ("f3", "v3"), ("f5", "v5") }, Pairs(h));
        h.Remove(B("f1")); h.Remove(B("f3")); h.Remove(B("f5"));
        Assert.True(h.IsEmpty);
        Assert.Equal(0, h.Count);
        Assert.Empty(Pairs(h));
        Assert.True(Set(h, "again", "1"));
        Assert.Equal("1", Get(h, "again"));
    }

    [Fact]
    public void ConvertsPastTheEntriesThresholdNotAtIt()
    {
        var h = new HashValue();
        for (int i = 0; i < Entries; i++) Set(h, "field:" + i, "value:" + i);
        Assert.Equal("listpack", h.EncodingName);
        Assert.Equal(Entries, h.Count);
        Assert.False(Set(h, "field:0", "updated")); // an update does not grow it
        Assert.Equal("listpack", h.EncodingName);
        Assert.True(Set(h, "field:" + Entries, "one more"));
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
        var atLimit = new HashValue();
        Set(atLimit, new string('f', ValueMax), new string('v', ValueMax));
        Assert.Equal("listpack", atLimit.EncodingName);

        var longValue = new HashValue();
        Set(longValue, "a", "1");
        Set(longValue, "f", new string('v', ValueMax + 1));
        Assert.Equal("hashtable", longValue.EncodingName);
        Assert.Equal(new string('v', ValueMax + 1), Get(longValue, "f"));
        Assert.Equal("1", Get(longValue, "a"));

        var longField = new HashValue();
        Set(longField, new string('f', ValueMax + 1), "v");
        Assert.Equal("hashtable", longField.EncodingName);

        var byCheck = new HashValue();
        Set(byCheck, "a", "1");
        byCheck.ConvertIfTooLong(ValueMax, ValueMax);
        Assert.Equal("listpack", byCheck.EncodingName);
        byCheck.ConvertIfTooLong(ValueMax + 1, ValueMax);
        Assert.Equal("hashtable", byCheck.EncodingName);
        Assert.Equal("1", Get(byCheck, "a"));
    }

    [Fact]
    public void ThresholdsAreReadAtEachWrite()
    {
        var h = new HashValue();
        Set(h, "a", "1"); Set(h, "b", "2"); Set(h, "c", "3");
        // A lower limit applies at the next write, even an update (like Redis after CONFIG SET).
        Assert.False(Set(h, "a", "9", entries: 2));
        Assert.Equal("hashtable", h.EncodingName);

        var zero = new HashValue();
        Set(zero, "a", "1", entries: 0);
        Assert.Equal("hashtable", zero.EncodingName);

        var empty = new HashValue();
        Set(empty, "", "", value: 0);
        Assert.Equal("listpack", empty.EncodingName);
        Set(empty, "x", "", value: 0);
        Assert.Equal("hashtable", empty.EncodingName);
    }

    [Fact]
    public void DeepCopyIsIndependentInBothEncodings()
    {
        var compact = new HashValue();
        Set(compact, "a", "1"); Set(compact, "b", "2");
        var copy = (HashValue)compact.DeepCopy();
        Set(copy, "a", "changed"); Set(copy, "c", "3"); copy.Remove(B("b"));
        Assert.Equal(new[] { ("a", "1"), ("b", "2") }, Pairs(compact));
        Assert.Equal(new[] { ("a", "changed"), ("c", "3") }, Pairs(copy));
        Assert.Equal("listpack", copy.EncodingName);

        var full = new HashValue();
        for (int i = 0; i < 200; i++) Set(full, "k" + i, "v" + i);
        var fullCopy = (HashValue)full.DeepCopy();
        Assert.Equal("hashtable", fullCopy.EncodingName);
        Set(fullCopy, "k1", "changed");
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
        var h = new HashValue();
        Set(h, "a", "1"); Set(h, "b", "2"); Set(h, "c", "3");
        var positions = h.CompactPairPositions()!;
        Assert.Equal(3, positions.Length);
        Assert.Equal("b", S(h.CompactPairAt(positions[1]).Field));
        Assert.Equal("3", S(h.CompactPairAt(positions[2]).Value));
        for (int i = 0; i < 200; i++) Set(h, "k" + i, "v");
        Assert.Null(h.CompactPairPositions());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(200)]
    public void RandomPairsReachEveryField(int size)
    {
        var h = new HashValue();
        for (int i = 0; i < size; i++) Set(h, "k" + i, "v" + i);
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
        var h = new HashValue();
        h.ReserveCompact(HashValue.EncodedPairSize(6, 5) + HashValue.EncodedPairSize(8, 6) + HashValue.EncodedPairSize(5, 20));
        Set(h, "nombre", "Maria"); Set(h, "apellido", "Garcia"); Set(h, "email", "maria.garcia@mail.es");
        // 24 (object) + 24 (array header) + 56 bytes of pairs rounded up to a multiple of 8.
        Assert.Equal(24 + 24 + 56, h.EstimatedBytes);
    }
}
