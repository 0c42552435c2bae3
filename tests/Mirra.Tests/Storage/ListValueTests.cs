using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;

namespace Mirra.Tests.Storage;

public class ListValueTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    static List<string> Items(ListValue list)
    {
        var items = new List<string>();
        foreach (var item in list) items.Add(S(item));
        return items;
    }

    static List<string> Backwards(ListValue list)
    {
        var items = new List<string>();
        if (list.Count == 0) return items;
        var c = list.EndCursor(false);
        do items.Add(S(list.Get(c))); while (list.MovePrevious(ref c));
        return items;
    }

    static ListValue Of(int fill, params string[] items)
    {
        var list = new ListValue();
        foreach (var i in items) list.PushTail(B(i), fill);
        return list;
    }

    [Fact]
    public void ASmallListIsOneNodeAndReportsQuicklist()
    {
        var list = Of(-2, "a", "b", "c");
        Assert.Equal("list", ValueTypes.TypeName(list));
        Assert.Equal("quicklist", ValueTypes.EncodingName(list));
        Assert.Equal(3, list.Count);
        Assert.Equal(1, list.NodeCount);
        // Header (8) + three 1-byte elements of 3 bytes each.
        Assert.Equal([17], list.NodeSizes());
        // The value object and one array: no per-element objects.
        Assert.True(list.EstimatedBytes <= 24 + 24 + 32, $"{list.EstimatedBytes} bytes");
        list.Validate();
    }

    [Fact]
    public void APresizedListTakesItsElementsWithoutSlack()
    {
        var list = new ListValue(3 * ListValue.ElementSize(5), -2);
        foreach (var e in new[] { "alpha", "bravo", "gamma" }) list.PushTail(B(e), -2);
        Assert.Equal([29], list.NodeSizes());
        Assert.Equal(24 + 24 + 32, list.EstimatedBytes); // the value object, and one array of 8 + 21 bytes rounded to 32
        // Never more room than one node may use.
        var capped = new ListValue(100_000, -1);
        Assert.Equal(24 + 24 + 4096, capped.EstimatedBytes);
        Assert.Equal(0, capped.Count);
        // The empty list shares one empty node; its first element gets an array of its own.
        var a = new ListValue();
        var b = new ListValue();
        a.PushTail(B("x"), -2);
        Assert.Equal(0, b.Count);
        Assert.Equal(["x"], Items(a));
        b.Validate();
    }

    [Fact]
    public void PushesAndPopsAtBothEnds()
    {
        var list = new ListValue();
        list.PushHead(B("b"), -2);
        list.PushHead(B("a"), -2);
        list.PushTail(B("c"), -2);
        Assert.Equal(["a", "b", "c"], Items(list));
        Assert.Equal("a", S(list.First));
        Assert.Equal("c", S(list.Last));
        Assert.Equal("c", S(list.Pop(false)));
        Assert.Equal("a", S(list.Pop(true)));
        Assert.Equal("b", S(list.Pop(true)));
        Assert.Equal(0, list.Count);
        list.PushTail(B("again"), -2);
        Assert.Equal(["again"], Items(list));
        list.Validate();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(126)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(100_000)]
    public void ElementLengthsAcrossVarintBoundariesWalkBothWays(int length)
    {
        var big = new string('q', length);
        var list = Of(-2, "x", big, "y");
        Assert.Equal(["x", big, "y"], Items(list));
        Assert.Equal(["y", big, "x"], Backwards(list));
        Assert.True(list.TryGet(1, out var v));
        Assert.Equal(big, S(v));
        Assert.Equal(2 * 3 + ListValue.ElementSize(length) + 8 * list.NodeCount, list.NodeSizes().Sum());
        Assert.Equal(length + 6 <= 8192 ? 1 : 3, list.NodeCount);
        list.Validate();
    }

    [Theory]
    [InlineData(-1, 4096)]
    [InlineData(-2, 8192)]
    [InlineData(-3, 16384)]
    [InlineData(-4, 32768)]
    [InlineData(-5, 65536)]
    [InlineData(-100, 65536)] // clamped to -5, like Redis
    public void NegativeFillLimitsNodeBytes(int fill, int limit)
    {
        var list = new ListValue();
        var element = new string('e', 100);
        for (int i = 0; i < 3000; i++) list.PushTail(B(element), fill);
        var sizes = list.NodeSizes();
        Assert.All(sizes, size => Assert.True(size <= limit, $"{size} > {limit}"));
        // Nodes are filled up: all but the last could not take one more element.
        for (int i = 0; i < sizes.Length - 1; i++) Assert.True(sizes[i] + ListValue.ElementSize(100) > limit);
        Assert.Equal(3000, list.Count);
        list.Validate();
    }

    [Fact]
    public void PositiveFillLimitsEntriesAndEightKilobytes()
    {
        var list = new ListValue();
        for (int i = 0; i < 10; i++) list.PushTail(B("v" + i), 3);
        Assert.Equal([3, 3, 3, 1], list.NodeCounts());
        for (int i = 0; i < 3; i++) list.PushHead(B("h" + i), 3);
        Assert.Equal([3, 3, 3, 3, 1], list.NodeCounts());

        // A big fill still stops at 8 KB per node (Redis's SIZE_SAFETY_LIMIT).
        var wide = new ListValue();
        for (int i = 0; i < 100; i++) wide.PushTail(B(new string('w', 1000)), 1000);
        Assert.All(wide.NodeSizes(), size => Assert.True(size <= 8192));
        Assert.Equal(8, wide.NodeCounts()[0]);

        // Fill 0 (or anything below one element) gives every element its own node.
        var single = new ListValue();
        for (int i = 0; i < 5; i++) single.PushTail(B("s"), 0);
        Assert.Equal([1, 1, 1, 1, 1], single.NodeCounts());
        wide.Validate();
        single.Validate();
    }

    [Fact]
    public void AnElementBiggerThanANodeGetsItsOwnNode()
    {
        var list = Of(-1, "a", "b");
        list.PushTail(B(new string('B', 10_000)), -1);
        list.PushTail(B("c"), -1);
        Assert.Equal([2, 1, 1], list.NodeCounts());
        Assert.Equal(["a", "b", new string('B', 10_000), "c"], Items(list));
        list.Validate();
    }

    [Fact]
    public void InsertingIntoAFullNodeSplitsIt()
    {
        var list = new ListValue();
        for (int i = 0; i < 8; i++) list.PushTail(B("e" + i), 4);
        Assert.Equal([4, 4], list.NodeCounts());
        // In the middle of the first node: split at the pivot, then the element joins the left part.
        var c = list.Seek(1);
        list.InsertAt(c, after: true, B("X"), 4);
        Assert.Equal(["e0", "e1", "X", "e2", "e3", "e4", "e5", "e6", "e7"], Items(list));
        Assert.Equal([3, 2, 4], list.NodeCounts());
        // At the head of a full node whose previous neighbour has room: it goes there.
        list.InsertAt(list.Seek(3), after: false, B("Y"), 4);
        Assert.Equal(["e0", "e1", "X", "Y", "e2", "e3", "e4", "e5", "e6", "e7"], Items(list));
        Assert.Equal([3, 3, 4], list.NodeCounts());
        list.Validate();
    }

    [Fact]
    public void InsertAtTheEdgesOfFullNodes()
    {
        var list = new ListValue();
        for (int i = 0; i < 4; i++) list.PushTail(B("e" + i), 2);
        Assert.Equal([2, 2], list.NodeCounts());
        list.InsertAt(list.Seek(0), after: false, B("first"), 2);   // before the head of a full first node: new node
        list.InsertAt(list.EndCursor(false), after: true, B("last"), 2);
        list.InsertAt(list.Seek(2), after: true, B("mid"), 2);     // after the last element of a full node, next full too
        Assert.Equal(["first", "e0", "e1", "mid", "e2", "e3", "last"], Items(list));
        Assert.All(list.NodeCounts(), n => Assert.InRange(n, 1, 2));
        Assert.Equal(7, list.Count);
        list.Validate();
    }

    [Fact]
    public void RemovingMergesNeighboursThatFitTogether()
    {
        var list = new ListValue();
        for (int i = 0; i < 12; i++) list.PushTail(B(i % 4 < 2 ? "x" : "k" + i), 4);
        Assert.Equal([4, 4, 4], list.NodeCounts());
        Assert.Equal(6, list.Remove(B("x"), 0, 4));
        Assert.Equal(["k2", "k3", "k6", "k7", "k10", "k11"], Items(list));
        Assert.Equal([4, 2], list.NodeCounts());
        list.Validate();
    }

    [Fact]
    public void RemoveCountsFromEitherEnd()
    {
        var list = new ListValue();
        foreach (var e in "a b a c a b a".Split(' ')) list.PushTail(B(e), 2);
        Assert.Equal(2, list.Remove(B("a"), -2, 2));
        Assert.Equal(["a", "b", "a", "c", "b"], Items(list));
        Assert.Equal(1, list.Remove(B("a"), 1, 2));
        Assert.Equal(["b", "a", "c", "b"], Items(list));
        Assert.Equal(0, list.Remove(B("zz"), 0, 2));
        Assert.Equal(2, list.Remove(B("b"), long.MinValue, 2));
        Assert.Equal(["a", "c"], Items(list));
        list.Validate();
    }

    [Fact]
    public void SettingABiggerElementThanTheNodeAllowsMovesIt()
    {
        var list = new ListValue();
        for (int i = 0; i < 6; i++) list.PushTail(B("e" + i), -1);
        var huge = new string('H', 5000);
        list.Set(list.Seek(2), B(huge), -1);
        Assert.Equal(["e0", "e1", huge, "e3", "e4", "e5"], Items(list));
        Assert.All(list.NodeSizes(), s => Assert.True(s <= 4096 || s == 8 + ListValue.ElementSize(5000)));
        list.Set(list.Seek(2), B("small"), -1);
        list.Set(list.Seek(5), B("E5"), -1);
        list.Set(list.Seek(0), B(""), -1);
        Assert.Equal(["", "e1", "small", "e3", "e4", "E5"], Items(list));
        list.Validate();
    }

    [Fact]
    public void RemoveRangeDropsWholeNodesFromEitherEnd()
    {
        var list = new ListValue();
        for (int i = 0; i < 100; i++) list.PushTail(B(i.ToString()), 10);
        Assert.Equal(10, list.NodeCount);
        list.RemoveRange(true, 25);
        list.RemoveRange(false, 33);
        Assert.Equal(42, list.Count);
        Assert.Equal("25", S(list.First));
        Assert.Equal("66", S(list.Last));
        Assert.Equal([5, 10, 10, 10, 7], list.NodeCounts());
        list.RemoveRange(true, 1000);
        Assert.Equal(0, list.Count);
        Assert.Equal(1, list.NodeCount);
        list.Validate();
    }

    [Fact]
    public void SeekWalksFromTheNearerEndAndCursorsCrossNodes()
    {
        var list = new ListValue();
        for (int i = 0; i < 1000; i++) list.PushTail(B(i.ToString()), 7);
        for (int i = 0; i < 1000; i += 37)
        {
            Assert.True(list.TryGet(i, out var v));
            Assert.Equal(i.ToString(), S(v));
            Assert.True(list.TryGet(i - 1000, out v));
            Assert.Equal(i.ToString(), S(v));
        }
        Assert.False(list.TryGet(1000, out _));
        Assert.False(list.TryGet(-1001, out _));
        var c = list.Seek(500);
        for (int i = 501; i < 520; i++) { Assert.True(list.MoveNext(ref c)); Assert.Equal(i.ToString(), S(list.Get(c))); }
        for (int i = 518; i >= 480; i--) { Assert.True(list.MovePrevious(ref c)); Assert.Equal(i.ToString(), S(list.Get(c))); }
    }

    [Fact]
    public void DeepCopyIsIndependentAndTrimmed()
    {
        var list = new ListValue();
        for (int i = 0; i < 3000; i++) list.PushTail(B("item" + i), -2);
        var copy = (ListValue)list.DeepCopy();
        list.PushHead(B("new"), -2);
        list.Set(list.Seek(10), B("changed"), -2);
        Assert.Equal(3000, copy.Count);
        Assert.Equal("item0", S(copy.First));
        Assert.True(copy.TryGet(9, out var v));
        Assert.Equal("item9", S(v));
        Assert.True(copy.EstimatedBytes <= list.EstimatedBytes);
        copy.Validate();
        var small = Of(-2, "a");
        var smallCopy = (ListValue)ValueTypes.DeepCopy(small);
        small.PushTail(B("b"), -2);
        Assert.Equal(["a"], Items(smallCopy));
    }

    /// <summary>Random operations checked against a List&lt;string&gt; model, for several node size rules.</summary>
    [Theory]
    [InlineData(-1, 1)]
    [InlineData(-2, 2)]
    [InlineData(1, 3)]
    [InlineData(3, 4)]
    [InlineData(16, 5)]
    [InlineData(0, 6)]
    public void RandomOperationsMatchAModel(int fill, int seed)
    {
        var rng = new Random(seed);
        var list = new ListValue();
        var model = new List<string>();
        string RandomValue() => rng.Next(10) == 0 ? new string('L', rng.Next(100, 3000)) : "v" + rng.Next(50);
        for (int step = 0; step < 4000; step++)
        {
            int op = rng.Next(10);
            if (model.Count == 0) op = 0;
            switch (op)
            {
                case 0:
                case 1:
                {
                    var v = RandomValue();
                    bool head = rng.Next(2) == 0;
                    list.Push(B(v), head, fill);
                    if (head) model.Insert(0, v); else model.Add(v);
                    break;
                }
                case 2:
                {
                    bool head = rng.Next(2) == 0;
                    var v = S(list.Pop(head));
                    Assert.Equal(head ? model[0] : model[^1], v);
                    model.RemoveAt(head ? 0 : model.Count - 1);
                    break;
                }
                case 3:
                {
                    int i = rng.Next(model.Count);
                    var v = RandomValue();
                    list.Set(list.Seek(i), B(v), fill);
                    model[i] = v;
                    break;
                }
                case 4:
                {
                    int i = rng.Next(model.Count);
                    bool after = rng.Next(2) == 0;
                    var v = RandomValue();
                    list.InsertAt(list.Seek(i), after, B(v), fill);
                    model.Insert(after ? i + 1 : i, v);
                    break;
                }
                case 5:
                {
                    var v = model[rng.Next(model.Count)];
                    long count = rng.Next(-3, 4);
                    long removed = list.Remove(B(v), count, fill);
                    long expected = 0;
                    if (count >= 0)
                    {
                        for (int i = 0; i < model.Count && (count == 0 || expected < count);)
                            if (model[i] == v) { model.RemoveAt(i); expected++; } else i++;
                    }
                    else
                    {
                        for (int i = model.Count - 1; i >= 0 && expected < -count; i--)
                            if (model[i] == v) { model.RemoveAt(i); expected++; }
                    }
                    Assert.Equal(expected, removed);
                    break;
                }
                case 6:
                {
                    int n = rng.Next(Math.Min(model.Count, 5) + 1);
                    bool head = rng.Next(2) == 0;
                    list.RemoveRange(head, n);
                    model.RemoveRange(head ? 0 : model.Count - n, n);
                    break;
                }
                case 7:
                {
                    int i = rng.Next(model.Count);
                    var c = list.Seek(i);
                    bool atEnd = list.RemoveAt(ref c);
                    model.RemoveAt(i);
                    Assert.Equal(i == model.Count, atEnd);
                    if (!atEnd) Assert.Equal(model[i], S(list.Get(c)));
                    break;
                }
                default:
                {
                    int i = rng.Next(model.Count);
                    Assert.True(list.TryGet(i, out var v));
                    Assert.Equal(model[i], S(v));
                    break;
                }
            }
            Assert.Equal(model.Count, list.Count);
            if (step % 97 == 0)
            {
                list.Validate();
                Assert.Equal(model, Items(list));
                Assert.Equal(Enumerable.Reverse(model), Backwards(list));
            }
        }
        list.Validate();
        Assert.Equal(model, Items(list));
    }
}
