using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Mirra.Storage.Types;

/// <summary>
/// A member of a sorted set in its "skiplist" encoding: one object is both the skiplist node and the
/// member→score table entry (the member is the table key), like Redis sharing one sds between its
/// skiplist and dict. As in Redis's zskiplistNode, the levels live inside the node, so a skiplist hop
/// touches one object: a node of 1 to 4 levels is an instance of the class with exactly that many level
/// fields (<see cref="ZSetNode"/> holds level 0; <see cref="ZSetNode2"/> adds level 1, and so on), and
/// only the rare taller node (1 in 256 with p = 1/4) keeps its levels from 4 up in an array.
/// </summary>
public class ZSetNode : TableEntry
{
    /// <summary>The score (the links pointing to the node keep copies: only the sorted set changes it).</summary>
    public double Score { get; internal set; }
    internal ZSetNode? Backward;
    /// <summary>Level 0: the next node in order (null at the tail).</summary>
    internal ZLevel L0;

    private protected ZSetNode(byte[] member, double score) : base(member) => Score = score;

    /// <summary>A node of <paramref name="levels"/> levels (1 to 32), all links empty.</summary>
    internal static ZSetNode Create(byte[] member, double score, int levels) => levels switch
    {
        1 => new ZSetNode(member, score),
        2 => new ZSetNode2(member, score),
        3 => new ZSetNode3(member, score),
        4 => new ZSetNode4(member, score),
        _ => new ZSetNodeTall(member, score, levels),
    };

    public ReadOnlySpan<byte> Member => Key;

    /// <summary>How many levels the node has (fixed at creation).</summary>
    internal virtual int LevelCount => 1;

    /// <summary>Managed bytes of the node object (its level array included), for memory estimates.</summary>
    internal virtual long ObjectBytes => 72;

    /// <summary>
    /// Level <paramref name="i"/>, which must be below <see cref="LevelCount"/>: the cast to the class
    /// holding that level is unchecked (the level count is what the class is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref ZLevel Level(int i)
    {
        Debug.Assert((uint)i < (uint)LevelCount);
        switch (i)
        {
            case 0: return ref L0;
            case 1: return ref Unsafe.As<ZSetNode2>(this).L1;
            case 2: return ref Unsafe.As<ZSetNode3>(this).L2;
            case 3: return ref Unsafe.As<ZSetNode4>(this).L3;
            default: return ref Unsafe.As<ZSetNodeTall>(this).Upper[i - 4];
        }
    }
}

/// <summary>A skiplist node of 2 levels (or more, through its subclasses).</summary>
internal class ZSetNode2 : ZSetNode
{
    internal ZLevel L1;
    internal ZSetNode2(byte[] member, double score) : base(member, score) { }
    internal override int LevelCount => 2;
    internal override long ObjectBytes => 96;
}

internal class ZSetNode3 : ZSetNode2
{
    internal ZLevel L2;
    internal ZSetNode3(byte[] member, double score) : base(member, score) { }
    internal override int LevelCount => 3;
    internal override long ObjectBytes => 120;
}

internal class ZSetNode4 : ZSetNode3
{
    internal ZLevel L3;
    internal ZSetNode4(byte[] member, double score) : base(member, score) { }
    internal override int LevelCount => 4;
    internal override long ObjectBytes => 144;
}

/// <summary>A node of 5 to 32 levels: levels 4 and up are in <see cref="Upper"/> (level i at i - 4).</summary>
internal sealed class ZSetNodeTall : ZSetNode4
{
    internal readonly ZLevel[] Upper;
    internal ZSetNodeTall(byte[] member, double score, int levels) : base(member, score) => Upper = new ZLevel[levels - 4];
    internal override int LevelCount => 4 + Upper.Length;
    internal override long ObjectBytes => 152 + 24 + 24L * Upper.Length;
}

/// <summary>
/// One level of a skiplist node: the next node at that level, how many level-0 steps it skips, and a copy
/// of that node's score.
/// </summary>
internal struct ZLevel
{
    public ZSetNode? Forward;
    public long Span;
    /// <summary>Forward's score (a copy): a walk decides whether to move on without touching Forward.</summary>
    public double Score;
}

/// <summary>
/// Where <see cref="SortedSetValue.TryGetScore(ReadOnlySpan{byte}, out double, out ZMemberSlot)"/> found a
/// member (its node, or its listpack offset) or, in the skiplist encoding, the member's hash: valid only
/// until the set changes.
/// </summary>
public readonly struct ZMemberSlot
{
    internal readonly ZSetNode? Node;
    internal readonly int Position;
    internal readonly int Hash;
    internal readonly bool Hashed;

    internal ZMemberSlot(ZSetNode? node, int position, int hash, bool hashed)
    {
        Node = node; Position = position; Hash = hash; Hashed = hashed;
    }
}

/// <summary>A range of sorted-set members, by score or by member: what range removals walk with (a struct, so calls inline).</summary>
public interface IMemberRange
{
    bool AboveMin(double score, ReadOnlySpan<byte> member);
    bool BelowMax(double score, ReadOnlySpan<byte> member);
}

/// <summary>A score interval (Redis's zrangespec): "(1" is exclusive, "-inf"/"+inf" unbounded.</summary>
public readonly struct ScoreRange : IMemberRange
{
    public readonly double Min, Max;
    public readonly bool MinExclusive, MaxExclusive;

    public ScoreRange(double min, bool minExclusive, double max, bool maxExclusive)
    {
        Min = min; Max = max; MinExclusive = minExclusive; MaxExclusive = maxExclusive;
    }

    public bool GteMin(double v) => MinExclusive ? v > Min : v >= Min;
    public bool LteMax(double v) => MaxExclusive ? v < Max : v <= Max;
    bool IMemberRange.AboveMin(double score, ReadOnlySpan<byte> member) => GteMin(score);
    bool IMemberRange.BelowMax(double score, ReadOnlySpan<byte> member) => LteMax(score);
    /// <summary>True when no score can be in the range.</summary>
    public bool IsEmpty => Min > Max || (Min == Max && (MinExclusive || MaxExclusive));
}

/// <summary>
/// A member interval (Redis's zlexrangespec): "[a" inclusive, "(a" exclusive, "-" below every member and
/// "+" above every member (both count as exclusive, as in Redis).
/// </summary>
public readonly struct LexRange : IMemberRange
{
    public enum Bound : byte { Value, MinusInfinity, PlusInfinity }

    public readonly byte[] Min, Max;
    public readonly Bound MinKind, MaxKind;
    public readonly bool MinExclusive, MaxExclusive;

    public LexRange(byte[] min, Bound minKind, bool minExclusive, byte[] max, Bound maxKind, bool maxExclusive)
    {
        Min = min; MinKind = minKind; MinExclusive = minExclusive;
        Max = max; MaxKind = maxKind; MaxExclusive = maxExclusive;
    }

    /// <summary>Redis's sdscmplex of a member against a bound.</summary>
    static int Compare(ReadOnlySpan<byte> member, byte[] bound, Bound kind) => kind switch
    {
        Bound.MinusInfinity => 1,
        Bound.PlusInfinity => -1,
        _ => member.SequenceCompareTo(bound),
    };

    public bool GteMin(ReadOnlySpan<byte> member)
    {
        int c = Compare(member, Min, MinKind);
        return MinExclusive ? c > 0 : c >= 0;
    }

    public bool LteMax(ReadOnlySpan<byte> member)
    {
        int c = Compare(member, Max, MaxKind);
        return MaxExclusive ? c < 0 : c <= 0;
    }

    bool IMemberRange.AboveMin(double score, ReadOnlySpan<byte> member) => GteMin(member);
    bool IMemberRange.BelowMax(double score, ReadOnlySpan<byte> member) => LteMax(member);

    /// <summary>True when the bounds leave no room (min above max, or equal with an exclusive side).</summary>
    public bool IsEmpty
    {
        get
        {
            int c;
            if (MinKind == MaxKind && MinKind != Bound.Value) c = 0;
            else if (MinKind == Bound.MinusInfinity || MaxKind == Bound.PlusInfinity) c = -1;
            else if (MinKind == Bound.PlusInfinity || MaxKind == Bound.MinusInfinity) c = 1;
            else c = Min.AsSpan().SequenceCompareTo(Max);
            return c > 0 || (c == 0 && (MinExclusive || MaxExclusive));
        }
    }
}

/// <summary>
/// A plain set that ZUNION, ZINTER and ZDIFF accept as an input (every member scores 1), as Redis accepts
/// sets there (see SetMembersView).
/// </summary>
public interface ISetMembers
{
    long Count { get; }
    bool Contains(ReadOnlySpan<byte> member);
    IEnumerable<byte[]> Members();
}

/// <summary>
/// A position in a sorted set (either encoding) for walking it in order: valid until the set is modified.
/// </summary>
public struct ZCursor
{
    readonly byte[]? _lp;
    readonly int _used;
    ZSetNode? _node;
    int _pos, _memberOffset, _memberLength;

    internal ZCursor(ZSetNode? node) { _lp = null; _used = 0; _node = node; _pos = -1; _memberOffset = _memberLength = 0; }

    internal ZCursor(byte[] lp, int used, int pos)
    {
        _lp = lp; _used = used; _node = null; _pos = -1; _memberOffset = _memberLength = 0;
        Load(pos);
    }

    void Load(int pos)
    {
        if (pos < 0 || pos >= _used) { _pos = -1; return; }
        _pos = pos;
        SortedSetValue.ReadEntry(_lp!, pos, out _memberOffset, out _memberLength);
    }

    public readonly bool IsValid => _lp != null ? _pos >= 0 : _node != null;
    public readonly ReadOnlySpan<byte> Member => _lp != null ? _lp.AsSpan(_memberOffset, _memberLength) : _node!.Key;
    public readonly double Score => _lp != null ? BinaryPrimitives.ReadDoubleLittleEndian(_lp.AsSpan(_memberOffset + _memberLength)) : _node!.Score;
    /// <summary>The skiplist node (null in the listpack encoding).</summary>
    public readonly ZSetNode? Node => _node;
    /// <summary>The listpack entry offset (-1 in the skiplist encoding).</summary>
    internal readonly int Position => _pos;

    public void MoveNext()
    {
        if (_lp != null)
        {
            if (_pos >= 0) Load(_memberOffset + _memberLength + 8 + SortedSetValue.BackLengthSize(_memberLength));
        }
        else if (_node != null) _node = _node.L0.Forward;
    }

    public void MovePrevious()
    {
        if (_lp != null)
        {
            if (_pos >= 0) Load(_pos == 0 ? -1 : SortedSetValue.PreviousEntry(_lp, _pos));
        }
        else if (_node != null) _node = _node.Backward;
    }

    /// <summary>Moves one member forward (backward when <paramref name="reverse"/>).</summary>
    public void Advance(bool reverse)
    {
        if (reverse) MovePrevious(); else MoveNext();
    }
}

/// <summary>
/// A sorted set stored as a key's value (TYPE "zset"), in one of Redis 7.0's two encodings:
/// <list type="bullet">
/// <item>"listpack": one byte array holding every member with its score, sorted by score then member
/// bytes. Each entry is a varint member length, the member, the score as 8 little-endian bytes, and the
/// member length again written backwards (so the array can be walked from either end). Used while the set
/// has at most zset-max-listpack-entries members of at most zset-max-listpack-value bytes. As in Redis's
/// listpack (which stores integral scores as integers), a -0 score is kept as 0.</item>
/// <item>"skiplist": a skiplist whose nodes carry level spans (ranks and rank ranges in O(log n)) plus a
/// member→node <see cref="HashTable{T}"/> (O(1) ZSCORE, ZSCAN's cursor). Like Redis, a set never
/// converts back; only a newly stored result (ZRANGESTORE, ZUNIONSTORE...) starts compact again.</item>
/// </list>
/// The wrapper object stays the same across conversions, so a key never needs its value replaced.
/// All access happens on the executor thread.
/// </summary>
public sealed class SortedSetValue : IAggregateValue
{
    public const string Type = "zset";
    const int MaxLevel = 32;
    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: the compact form never grows past 1 GB.</summary>
    const int CompactSafetyLimit = 1 << 30;

    // listpack
    byte[]? _lp;
    int _lpUsed, _lpCount;
    // skiplist
    Full? _full;

    sealed class Full
    {
        public readonly ZSetNode Header = ZSetNode.Create(Array.Empty<byte>(), 0, MaxLevel);
        public ZSetNode? Tail;
        public long Length;
        public int Level = 1;
        public readonly HashTable<ZSetNode> Dict = new();
    }

    SortedSetValue() { }

    /// <summary>An empty set in the listpack encoding (fill it before storing it in a key).</summary>
    public static SortedSetValue NewCompact() => new() { _lp = Array.Empty<byte>() };

    /// <summary>An empty set in the skiplist encoding.</summary>
    public static SortedSetValue NewSkiplist() => new() { _full = new Full() };

    /// <summary>
    /// What ZADD creates for a new key (Redis 7.0's zaddGenericCommand): a skiplist when listpacks are
    /// disabled (zset-max-listpack-entries 0) or the first member is already too long, else a listpack.
    /// </summary>
    public static SortedSetValue NewFor(long firstMemberLength, long maxEntries, long maxValue) =>
        maxEntries == 0 || firstMemberLength > maxValue ? NewSkiplist() : NewCompact();

    public string TypeName => Type;
    public bool IsCompact => _lp != null;
    public string EncodingName => _lp != null ? "listpack" : "skiplist";
    public long Count => _lp != null ? _lpCount : _full!.Length;

    /// <summary>The member table of the skiplist encoding (ZSCAN walks it); null while compact.</summary>
    public HashTable<ZSetNode>? Table => _full?.Dict;

    // ---- Reads ----

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score) => TryGetScore(member, out score, out _);

    /// <summary>
    /// Looks a member up and also returns where it is (or, when absent, its hash), so that ZADD's following
    /// <see cref="UpdateScore(in ZMemberSlot, ReadOnlySpan{byte}, double)"/> or
    /// <see cref="Insert(in ZMemberSlot, ReadOnlySpan{byte}, double, long, long)"/> does not search again.
    /// </summary>
    public bool TryGetScore(ReadOnlySpan<byte> member, out double score, out ZMemberSlot slot)
    {
        if (_lp != null)
        {
            int pos = CompactFind(member, out int mo, out int ml);
            score = pos >= 0 ? ReadScore(mo, ml) : 0;
            slot = new ZMemberSlot(null, pos, 0, hashed: false);
            return pos >= 0;
        }
        int hash = HashTable<ZSetNode>.HashOf(member);
        var node = _full!.Dict.Find(member, hash);
        score = node?.Score ?? 0;
        slot = new ZMemberSlot(node, -1, hash, hashed: true);
        return node != null;
    }

    public bool Contains(ReadOnlySpan<byte> member) => TryGetScore(member, out _);

    /// <summary>ZRANK: the 0-based rank of a member (from the highest score when reversed), or -1 when absent.</summary>
    public long Rank(ReadOnlySpan<byte> member, bool reverse)
    {
        long rank;
        if (_lp != null)
        {
            rank = -1;
            int pos = 0, index = 0;
            while (pos < _lpUsed)
            {
                ReadEntry(_lp, pos, out int mo, out int ml);
                if (ml == member.Length && member.SequenceEqual(_lp.AsSpan(mo, ml))) { rank = index; break; }
                pos = mo + ml + 8 + BackLengthSize(ml);
                index++;
            }
            if (rank < 0) return -1;
        }
        else
        {
            var node = _full!.Dict.Find(member);
            if (node == null) return -1;
            rank = GetRank(node.Score, node.Key) - 1;
        }
        return reverse ? Count - 1 - rank : rank;
    }

    /// <summary>The lowest member (invalid cursor when empty).</summary>
    public ZCursor First() => _lp != null ? new ZCursor(_lp, _lpUsed, _lpUsed > 0 ? 0 : -1) : new ZCursor(_full!.Header.L0.Forward);

    /// <summary>The highest member (invalid cursor when empty).</summary>
    public ZCursor Last() => _lp != null ? new ZCursor(_lp, _lpUsed, _lpUsed > 0 ? PreviousEntry(_lp, _lpUsed) : -1) : new ZCursor(_full!.Tail);

    /// <summary>The member at a 0-based rank in ascending order (O(log n) in the skiplist).</summary>
    public ZCursor AtRank(long rank)
    {
        if (rank < 0 || rank >= Count) return _lp != null ? new ZCursor(_lp, _lpUsed, -1) : new ZCursor(null);
        if (_lp != null)
        {
            // Walk from the nearer end.
            if (rank <= _lpCount / 2)
            {
                var c = First();
                for (long i = 0; i < rank; i++) c.MoveNext();
                return c;
            }
            var back = Last();
            for (long i = _lpCount - 1; i > rank; i--) back.MovePrevious();
            return back;
        }
        return new ZCursor(ElementByRank(rank + 1));
    }

    /// <summary>Redis's z*FirstInRange: the lowest member whose score is in the range, or an invalid cursor.</summary>
    public ZCursor FirstInRange(in ScoreRange range)
    {
        if (_lp != null)
        {
            if (!CompactIsInRange(range)) return new ZCursor(_lp, _lpUsed, -1);
            var c = First();
            for (; c.IsValid; c.MoveNext())
            {
                double s = c.Score;
                if (range.GteMin(s)) return range.LteMax(s) ? c : new ZCursor(_lp, _lpUsed, -1);
            }
            return c;
        }
        var f = _full!;
        if (!SkiplistIsInRange(range)) return new ZCursor(null);
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
            while (x.Level(i).Forward is { } next && !range.GteMin(next.Score)) x = next;
        var first = x.L0.Forward!;
        return new ZCursor(range.LteMax(first.Score) ? first : null);
    }

    /// <summary>Redis's z*LastInRange: the highest member whose score is in the range, or an invalid cursor.</summary>
    public ZCursor LastInRange(in ScoreRange range)
    {
        if (_lp != null)
        {
            if (!CompactIsInRange(range)) return new ZCursor(_lp, _lpUsed, -1);
            var c = Last();
            for (; c.IsValid; c.MovePrevious())
            {
                double s = c.Score;
                if (range.LteMax(s)) return range.GteMin(s) ? c : new ZCursor(_lp, _lpUsed, -1);
            }
            return c;
        }
        var f = _full!;
        if (!SkiplistIsInRange(range)) return new ZCursor(null);
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
            while (x.Level(i).Forward is { } next && range.LteMax(next.Score)) x = next;
        return new ZCursor(range.GteMin(x.Score) ? x : null);
    }

    public ZCursor FirstInLexRange(in LexRange range)
    {
        if (_lp != null)
        {
            if (!CompactIsInLexRange(range)) return new ZCursor(_lp, _lpUsed, -1);
            var c = First();
            for (; c.IsValid; c.MoveNext())
            {
                if (range.GteMin(c.Member)) return range.LteMax(c.Member) ? c : new ZCursor(_lp, _lpUsed, -1);
            }
            return c;
        }
        var f = _full!;
        if (!SkiplistIsInLexRange(range)) return new ZCursor(null);
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
            while (x.Level(i).Forward is { } next && !range.GteMin(next.Key)) x = next;
        var first = x.L0.Forward!;
        return new ZCursor(range.LteMax(first.Key) ? first : null);
    }

    public ZCursor LastInLexRange(in LexRange range)
    {
        if (_lp != null)
        {
            if (!CompactIsInLexRange(range)) return new ZCursor(_lp, _lpUsed, -1);
            var c = Last();
            for (; c.IsValid; c.MovePrevious())
            {
                if (range.LteMax(c.Member)) return range.GteMin(c.Member) ? c : new ZCursor(_lp, _lpUsed, -1);
            }
            return c;
        }
        var f = _full!;
        if (!SkiplistIsInLexRange(range)) return new ZCursor(null);
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
            while (x.Level(i).Forward is { } next && range.LteMax(next.Key)) x = next;
        return new ZCursor(range.GteMin(x.Key) ? x : null);
    }

    /// <summary>ZCOUNT: members whose score is in the range (by ranks in the skiplist, a walk in the listpack).</summary>
    public long CountInRange(in ScoreRange range)
    {
        var first = FirstInRange(range);
        if (!first.IsValid) return 0;
        if (_lp != null)
        {
            long n = 0;
            for (; first.IsValid && range.LteMax(first.Score); first.MoveNext()) n++;
            return n;
        }
        var f = _full!;
        long count = f.Length - (GetRank(first.Node!.Score, first.Node.Key) - 1);
        var last = LastInRange(range);
        if (last.IsValid) count -= f.Length - GetRank(last.Node!.Score, last.Node.Key);
        return count;
    }

    /// <summary>ZLEXCOUNT.</summary>
    public long CountInLexRange(in LexRange range)
    {
        var first = FirstInLexRange(range);
        if (!first.IsValid) return 0;
        if (_lp != null)
        {
            long n = 0;
            for (; first.IsValid && range.LteMax(first.Member); first.MoveNext()) n++;
            return n;
        }
        var f = _full!;
        long count = f.Length - (GetRank(first.Node!.Score, first.Node.Key) - 1);
        var last = LastInLexRange(range);
        if (last.IsValid) count -= f.Length - GetRank(last.Node!.Score, last.Node.Key);
        return count;
    }

    /// <summary>A uniformly random member (the set must not be empty).</summary>
    public ZCursor RandomMember(System.Random rng) =>
        _lp != null ? AtRank(rng.Next(_lpCount)) : new ZCursor(_full!.Dict.RandomEntry(rng));

    // ---- Writes ----

    /// <summary>
    /// Adds a member known to be absent (Redis's zsetAdd for a new element): converts to the skiplist
    /// first when the listpack would pass <paramref name="maxEntries"/> members or the member is longer
    /// than <paramref name="maxValue"/> bytes.
    /// </summary>
    public void Insert(ReadOnlySpan<byte> member, double score, long maxEntries, long maxValue) =>
        Insert(default, member, score, maxEntries, maxValue);

    /// <summary>
    /// <see cref="Insert(ReadOnlySpan{byte}, double, long, long)"/> right after a
    /// <see cref="TryGetScore(ReadOnlySpan{byte}, out double, out ZMemberSlot)"/> that did not find the
    /// member (the set unchanged in between): the member's hash is not computed again.
    /// </summary>
    public void Insert(in ZMemberSlot slot, ReadOnlySpan<byte> member, double score, long maxEntries, long maxValue)
    {
        if (_lp != null)
        {
            if (_lpCount + 1 > maxEntries || member.Length > maxValue ||
                (long)_lpUsed + EntrySize(member.Length) > CompactSafetyLimit)
                ConvertToSkiplist();
            else
            {
                CompactInsert(member, score);
                return;
            }
        }
        var node = SkiplistInsert(score, member.ToArray());
        _full!.Dict.Add(node, slot.Hashed ? slot.Hash : HashTable<ZSetNode>.HashOf(member));
    }

    /// <summary>Changes the score of a present member (Redis's zsetAdd update path).</summary>
    public void UpdateScore(ReadOnlySpan<byte> member, double newScore)
    {
        if (!TryGetScore(member, out _, out var slot)) throw new InvalidOperationException("member not found");
        UpdateScore(slot, member, newScore);
    }

    /// <summary>
    /// <see cref="UpdateScore(ReadOnlySpan{byte}, double)"/> of the member a
    /// <see cref="TryGetScore(ReadOnlySpan{byte}, out double, out ZMemberSlot)"/> just found (the set
    /// unchanged in between), without finding it again.
    /// </summary>
    public void UpdateScore(in ZMemberSlot slot, ReadOnlySpan<byte> member, double newScore)
    {
        if (_lp != null)
        {
            int pos = slot.Position;
            if (pos < 0) throw new InvalidOperationException("member not found");
            Span<byte> copy = member.Length <= 256 ? stackalloc byte[member.Length] : new byte[member.Length];
            member.CopyTo(copy);
            CompactDeleteRange(pos, 1);
            CompactInsert(copy, newScore);
            return;
        }
        SkiplistUpdateScore(slot.Node ?? throw new InvalidOperationException("member not found"), newScore);
    }

    /// <summary>ZREM of one member: true when it was there.</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_lp != null)
        {
            int pos = CompactFind(member, out _, out _);
            if (pos < 0) return false;
            CompactDeleteRange(pos, 1);
            return true;
        }
        var f = _full!;
        var node = f.Dict.Remove(member);
        if (node == null) return false;
        SkiplistDelete(node);
        return true;
    }

    /// <summary>Removes the members of 0-based ranks [start, end] (both within the set); returns how many.</summary>
    public long RemoveRangeByRank(long start, long end)
    {
        if (start < 0) start = 0;
        if (end >= Count) end = Count - 1;
        if (start > end) return 0;
        if (_lp != null)
        {
            var c = AtRank(start);
            CompactDeleteRange(c.Position, (int)(end - start + 1));
            return end - start + 1;
        }
        var f = _full!;
        var path = new NodePath();
        Span<ZSetNode> update = path;
        long traversed = 0;
        var x = f.Header;
        long startRank = start + 1, endRank = end + 1;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (x.Level(i).Forward != null && traversed + x.Level(i).Span < startRank)
            {
                traversed += x.Level(i).Span;
                x = x.Level(i).Forward!;
            }
            update[i] = x;
        }
        traversed++;
        var node = x.L0.Forward;
        long removed = 0;
        while (node != null && traversed <= endRank)
        {
            var next = node.L0.Forward;
            DeleteNode(node, update);
            f.Dict.Remove(node.Key);
            removed++;
            traversed++;
            node = next;
        }
        return removed;
    }

    /// <summary>ZREMRANGEBYSCORE.</summary>
    public long RemoveRangeByScore(in ScoreRange range, Action? beforeWrite = null) =>
        _lp != null ? RemoveCompactRange(FirstInRange(range), range, beforeWrite) : RemoveSkiplistRange(range, beforeWrite);

    /// <summary>ZREMRANGEBYLEX.</summary>
    public long RemoveRangeByLex(in LexRange range, Action? beforeWrite = null) =>
        _lp != null ? RemoveCompactRange(FirstInLexRange(range), range, beforeWrite) : RemoveSkiplistRange(range, beforeWrite);

    /// <summary>Removes the listpack run that starts at <paramref name="first"/> and stays within <paramref name="range"/>.</summary>
    long RemoveCompactRange<TRange>(ZCursor first, in TRange range, Action? beforeWrite) where TRange : struct, IMemberRange
    {
        var c = first;
        if (!c.IsValid) return 0;
        int start = c.Position, n = 0;
        for (; c.IsValid && range.BelowMax(c.Score, c.Member); c.MoveNext()) n++;
        if (n == 0) return 0;
        beforeWrite?.Invoke();
        CompactDeleteRange(start, n);
        return n;
    }

    /// <summary>Walks down to the first node within <paramref name="range"/> and unlinks nodes while they stay in it.</summary>
    long RemoveSkiplistRange<TRange>(in TRange range, Action? beforeWrite) where TRange : struct, IMemberRange
    {
        var f = _full!;
        var path = new NodePath();
        Span<ZSetNode> update = path;
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (x.Level(i).Forward is { } next && !range.AboveMin(next.Score, next.Key)) x = next;
            update[i] = x;
        }
        var node = x.L0.Forward;
        long removed = 0;
        if (node != null && range.BelowMax(node.Score, node.Key)) beforeWrite?.Invoke();
        while (node != null && range.BelowMax(node.Score, node.Key))
        {
            var next = node.L0.Forward;
            DeleteNode(node, update);
            f.Dict.Remove(node.Key);
            removed++;
            node = next;
        }
        return removed;
    }

    /// <summary>Converts to the skiplist encoding for good (Redis's zsetConvert).</summary>
    public void ConvertToSkiplist()
    {
        if (_lp == null) return;
        var lp = _lp;
        int used = _lpUsed;
        _full = new Full();
        _lp = null;
        _lpUsed = _lpCount = 0;
        var f = _full;
        // Entries come in order: each one goes after the current tail.
        int pos = 0;
        while (pos < used)
        {
            ReadEntry(lp, pos, out int mo, out int ml);
            var node = SkiplistInsert(BinaryPrimitives.ReadDoubleLittleEndian(lp.AsSpan(mo + ml)), lp.AsSpan(mo, ml).ToArray());
            f.Dict.Add(node);
            pos = mo + ml + 8 + BackLengthSize(ml);
        }
    }

    /// <summary>
    /// A new set holding <paramref name="count"/> members already sorted by (score, member) and distinct
    /// (ZUNIONSTORE and friends): a listpack when it fits both thresholds, else a skiplist
    /// (Redis's zsetConvertToListpackIfNeeded).
    /// </summary>
    public static SortedSetValue FromSorted(IReadOnlyList<(byte[] Member, double Score)> sorted, long maxEntries, long maxValue)
    {
        int maxLength = 0;
        long total = 0;
        foreach (var (m, _) in sorted)
        {
            maxLength = Math.Max(maxLength, m.Length);
            total += EntrySize(m.Length);
        }
        if (sorted.Count <= maxEntries && maxLength <= maxValue && total <= CompactSafetyLimit)
        {
            var z = NewCompact();
            z._lp = new byte[RoundUp((int)total)];
            foreach (var (m, s) in sorted) z._lpUsed += WriteEntry(z._lp.AsSpan(z._lpUsed), m, s);
            z._lpCount = sorted.Count;
            return z;
        }
        var full = NewSkiplist();
        foreach (var (m, s) in sorted) full._full!.Dict.Add(full.SkiplistInsert(s, m));
        return full;
    }

    /// <summary>
    /// An empty listpack-encoded set with room for <paramref name="bytes"/> bytes of entries (the sum of their
    /// <see cref="CompactEntrySize"/>), to fill with <see cref="AppendCompactSorted"/> (RDB loading, RESTORE).
    /// </summary>
    public static SortedSetValue NewCompactSized(int bytes) => new() { _lp = bytes == 0 ? Array.Empty<byte>() : new byte[RoundUp(bytes)] };

    /// <summary>The listpack-encoding size of a member of <paramref name="memberLength"/> bytes with its score.</summary>
    public static int CompactEntrySize(int memberLength) => EntrySize(memberLength);

    /// <summary>
    /// Appends a member after every other one of a set made by <see cref="NewCompactSized"/>: the caller
    /// guarantees ascending (score, member) order, distinct members, and the room.
    /// </summary>
    public void AppendCompactSorted(ReadOnlySpan<byte> member, double score)
    {
        _lpUsed += WriteEntry(_lp.AsSpan(_lpUsed), member, score);
        _lpCount++;
    }

    // ---- IAggregateValue ----

    public long EstimatedBytes
    {
        get
        {
            if (_lp != null) return 48 + Hash.ArrayBytes(_lp.Length);
            var f = _full!;
            long total = 48 + 64 + 8L * f.Dict.BucketCount + f.Header.ObjectBytes;
            for (var n = f.Header.L0.Forward; n != null; n = n.L0.Forward)
                total += n.ObjectBytes + Hash.ArrayBytes(n.Key.Length);
            return total;
        }
    }

    public IAggregateValue DeepCopy()
    {
        if (_lp != null)
        {
            var copy = NewCompact();
            copy._lp = _lp.AsSpan(0, _lpUsed).ToArray();
            copy._lpUsed = _lpUsed;
            copy._lpCount = _lpCount;
            return copy;
        }
        var full = NewSkiplist();
        for (var n = _full!.Header.L0.Forward; n != null; n = n.L0.Forward)
            full._full!.Dict.Add(full.SkiplistInsert(n.Score, n.Key.ToArray()));
        return full;
    }

    /// <summary>Checks the skiplist's structure (spans, backward links, order, table) — for tests.</summary>
    internal void Validate()
    {
        if (_lp != null)
        {
            int pos = 0, n = 0;
            double prevScore = double.NegativeInfinity;
            byte[]? prevMember = null;
            while (pos < _lpUsed)
            {
                ReadEntry(_lp, pos, out int mo, out int ml);
                double s = ReadScore(mo, ml);
                var m = _lp.AsSpan(mo, ml);
                if (prevMember != null && !(prevScore < s || (prevScore == s && prevMember.AsSpan().SequenceCompareTo(m) < 0)))
                    throw new InvalidOperationException("listpack out of order");
                if (PreviousEntry(_lp, mo + ml + 8 + BackLengthSize(ml)) != pos) throw new InvalidOperationException("bad back length");
                prevScore = s;
                prevMember = m.ToArray();
                pos = mo + ml + 8 + BackLengthSize(ml);
                n++;
            }
            if (pos != _lpUsed || n != _lpCount) throw new InvalidOperationException("listpack length mismatch");
            return;
        }
        var f = _full!;
        if (f.Header.LevelCount != MaxLevel) throw new InvalidOperationException("header is not full height");
        // Level 0 in order, with backward links; each node's 1-based position and the nodes per level.
        var position = new Dictionary<ZSetNode, long>(ReferenceEqualityComparer.Instance);
        var perLevel = new long[MaxLevel];
        int tallest = 1;
        long count = 0;
        ZSetNode? prev = null;
        for (var x = f.Header.L0.Forward; x != null; x = x.L0.Forward)
        {
            if (x.Backward != prev) throw new InvalidOperationException("bad backward link");
            if (prev != null && !Less(prev.Score, prev.Key, x.Score, x.Key)) throw new InvalidOperationException("skiplist out of order");
            if (f.Dict.Find(x.Key) != x) throw new InvalidOperationException("table does not match");
            int levels = x.LevelCount;
            if (levels < 1 || levels > MaxLevel) throw new InvalidOperationException("bad level count");
            tallest = Math.Max(tallest, levels);
            for (int i = 0; i < levels; i++) perLevel[i]++;
            if (!position.TryAdd(x, ++count)) throw new InvalidOperationException("cycle at level 0");
            prev = x;
        }
        if (prev != f.Tail || count != f.Length || f.Dict.Count != count) throw new InvalidOperationException("length/tail mismatch");
        if (f.Level != tallest) throw new InvalidOperationException("level is not the tallest node's");
        // Every level links exactly the nodes that tall in order, each link spanning the level-0 distance
        // it covers; a link at level i only ever reaches a node with a level i (Level(i) relies on it).
        for (int i = 0; i < MaxLevel; i++)
        {
            if (i >= f.Level)
            {
                if (f.Header.Level(i).Forward != null) throw new InvalidOperationException("link above the level");
                continue;
            }
            long rank = 0, linked = 0;
            var x = f.Header;
            while (x.Level(i).Forward is { } next)
            {
                if (next.LevelCount <= i) throw new InvalidOperationException($"level {i} links a node of {next.LevelCount} levels");
                if (!position.TryGetValue(next, out long r) || r <= rank) throw new InvalidOperationException($"level {i} out of order");
                if (r != rank + x.Level(i).Span) throw new InvalidOperationException($"bad span at level {i}");
                if (BitConverter.DoubleToInt64Bits(x.Level(i).Score) != BitConverter.DoubleToInt64Bits(next.Score))
                    throw new InvalidOperationException($"stale score copy at level {i}");
                rank = r;
                x = next;
                linked++;
            }
            if (linked != perLevel[i]) throw new InvalidOperationException($"level {i} skips a node");
        }
    }

    /// <summary>How many nodes have 1, 2, ... levels (index 0 counts single-level nodes) — for tests.</summary>
    internal long[] LevelHistogram()
    {
        var counts = new long[MaxLevel];
        if (_full != null)
            for (var x = _full.Header.L0.Forward; x != null; x = x.L0.Forward) counts[x.LevelCount - 1]++;
        return counts;
    }

    // ---- Skiplist ----

    /// <summary>A search path on the stack: the rightmost node before a place, per level.</summary>
    [InlineArray(MaxLevel)]
    struct NodePath { ZSetNode _first; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Less(double s1, ReadOnlySpan<byte> m1, double s2, ReadOnlySpan<byte> m2) =>
        s1 < s2 || (s1 == s2 && m1.SequenceCompareTo(m2) < 0);

    /// <summary>
    /// True when the node <paramref name="link"/> points to orders before (score, member), judged from the
    /// link's copy of its score: the node itself (and its member bytes) is only read on a score tie, so a
    /// walk touches the nodes it moves to, not the ones it merely compares against.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool LinkLess(ref ZLevel link, double score, ReadOnlySpan<byte> member) =>
        link.Score < score || (link.Score == score && link.Forward!.Key.AsSpan().SequenceCompareTo(member) < 0);

    static int RandomLevel()
    {
        int level = 1;
        while (level < MaxLevel && (System.Random.Shared.Next() & 0xFFFF) < 0x4000) level++;
        return level;
    }

    ZSetNode SkiplistInsert(double score, byte[] member)
    {
        var node = ZSetNode.Create(member, score, RandomLevel());
        LinkNode(node);
        return node;
    }

    /// <summary>Redis's zslInsert, linking an existing node (with its own level count) at its place.</summary>
    [SkipLocalsInit] // rank[] is written at every level before it is read
    void LinkNode(ZSetNode node)
    {
        var f = _full!;
        var path = new NodePath();
        Span<ZSetNode> update = path;
        Span<long> rank = stackalloc long[MaxLevel];
        double score = node.Score;
        var member = node.Key;
        var x = f.Header;
        long traversed = 0;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref ZLevel lv = ref x.Level(i);
                var next = lv.Forward;
                if (next == null || !LinkLess(ref lv, score, member)) break;
                traversed += lv.Span;
                x = next;
            }
            rank[i] = traversed;
            update[i] = x;
        }
        int level = node.LevelCount;
        if (level > f.Level)
        {
            for (int i = f.Level; i < level; i++)
            {
                rank[i] = 0;
                update[i] = f.Header;
                f.Header.Level(i).Span = f.Length;
            }
            f.Level = level;
        }
        for (int i = 0; i < level; i++)
        {
            ref ZLevel prev = ref update[i].Level(i);
            ref ZLevel own = ref node.Level(i);
            own.Forward = prev.Forward;
            own.Score = prev.Score;
            prev.Forward = node;
            prev.Score = score;
            own.Span = prev.Span - (rank[0] - rank[i]);
            prev.Span = rank[0] - rank[i] + 1;
        }
        for (int i = level; i < f.Level; i++) update[i].Level(i).Span++;
        node.Backward = update[0] == f.Header ? null : update[0];
        if (node.L0.Forward is { } after) after.Backward = node;
        else f.Tail = node;
        f.Length++;
    }

    /// <summary>Redis's zslDeleteNode: unlinks a node given the rightmost node before it at each level.</summary>
    void DeleteNode(ZSetNode x, ReadOnlySpan<ZSetNode> update)
    {
        var f = _full!;
        for (int i = 0; i < f.Level; i++)
        {
            ref ZLevel prev = ref update[i].Level(i);
            if (prev.Forward == x)
            {
                ref ZLevel own = ref x.Level(i); // x has level i since a link at level i points to it
                prev.Span += own.Span - 1;
                prev.Forward = own.Forward;
                prev.Score = own.Score;
            }
            else prev.Span -= 1;
        }
        if (x.L0.Forward is { } after) after.Backward = x.Backward;
        else f.Tail = x.Backward;
        while (f.Level > 1 && f.Header.Level(f.Level - 1).Forward == null) f.Level--;
        f.Length--;
    }

    /// <summary>Fills <paramref name="update"/> with, for each level, the rightmost node before <paramref name="node"/>.</summary>
    void FindUpdate(ZSetNode node, Span<ZSetNode> update)
    {
        var f = _full!;
        double score = node.Score;
        var member = node.Key;
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref ZLevel lv = ref x.Level(i);
                var next = lv.Forward;
                if (next == null || next == node || !LinkLess(ref lv, score, member)) break;
                x = next;
            }
            update[i] = x;
        }
    }

    /// <summary>Unlinks a node from the skiplist (the member table is the caller's).</summary>
    void SkiplistDelete(ZSetNode node)
    {
        var path = new NodePath();
        Span<ZSetNode> update = path;
        FindUpdate(node, update);
        DeleteNode(node, update);
    }

    /// <summary>Redis's zslUpdateScore: in place when the order does not change, else unlink and relink.</summary>
    void SkiplistUpdateScore(ZSetNode node, double newScore)
    {
        // The next node's score is copied in the link; the previous node is read only when that passes.
        if ((node.L0.Forward == null || node.L0.Score > newScore) &&
            (node.Backward == null || node.Backward.Score < newScore))
        {
            // The order holds: only the score changes, and its copies in the links that point to the node.
            if (node.LevelCount == 1) (node.Backward ?? _full!.Header).L0.Score = newScore;
            else
            {
                var path = new NodePath();
                Span<ZSetNode> update = path;
                FindUpdate(node, update);
                for (int i = 0, n = node.LevelCount; i < n; i++) update[i].Level(i).Score = newScore;
            }
            node.Score = newScore;
            return;
        }
        SkiplistDelete(node);
        for (int i = 0, n = node.LevelCount; i < n; i++) node.Level(i) = default;
        node.Backward = null;
        node.Score = newScore;
        LinkNode(node);
    }

    /// <summary>Redis's zslGetRank: the 1-based rank of (score, member), 0 when absent.</summary>
    long GetRank(double score, ReadOnlySpan<byte> member)
    {
        var f = _full!;
        long rank = 0;
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref ZLevel lv = ref x.Level(i);
                var next = lv.Forward;
                if (next == null || !(lv.Score < score || (lv.Score == score && next.Key.AsSpan().SequenceCompareTo(member) <= 0))) break;
                rank += lv.Span;
                x = next;
            }
            if (x != f.Header && x.Score == score && member.SequenceEqual(x.Key)) return rank;
        }
        return 0;
    }

    /// <summary>Redis's zslGetElementByRank (1-based).</summary>
    ZSetNode? ElementByRank(long rank)
    {
        var f = _full!;
        long traversed = 0;
        var x = f.Header;
        for (int i = f.Level - 1; i >= 0; i--)
        {
            while (x.Level(i).Forward != null && traversed + x.Level(i).Span <= rank)
            {
                traversed += x.Level(i).Span;
                x = x.Level(i).Forward!;
            }
            if (traversed == rank) return x;
        }
        return null;
    }

    bool SkiplistIsInRange(in ScoreRange range)
    {
        var f = _full!;
        if (range.IsEmpty) return false;
        if (f.Tail == null || !range.GteMin(f.Tail.Score)) return false;
        var first = f.Header.L0.Forward;
        return first != null && range.LteMax(first.Score);
    }

    bool SkiplistIsInLexRange(in LexRange range)
    {
        var f = _full!;
        if (range.IsEmpty) return false;
        if (f.Tail == null || !range.GteMin(f.Tail.Key)) return false;
        var first = f.Header.L0.Forward;
        return first != null && range.LteMax(first.Key);
    }

    // ---- Listpack ----

    bool CompactIsInRange(in ScoreRange range)
    {
        if (range.IsEmpty || _lpUsed == 0) return false;
        if (!range.GteMin(Last().Score)) return false;
        return range.LteMax(First().Score);
    }

    bool CompactIsInLexRange(in LexRange range)
    {
        if (range.IsEmpty || _lpUsed == 0) return false;
        if (!range.GteMin(Last().Member)) return false;
        return range.LteMax(First().Member);
    }

    double ReadScore(int memberOffset, int memberLength) => BinaryPrimitives.ReadDoubleLittleEndian(_lp.AsSpan(memberOffset + memberLength));

    /// <summary>The entry offset of a member (and where its bytes are), or -1.</summary>
    int CompactFind(ReadOnlySpan<byte> member, out int memberOffset, out int memberLength)
    {
        var lp = _lp!;
        int pos = 0;
        while (pos < _lpUsed)
        {
            ReadEntry(lp, pos, out memberOffset, out memberLength);
            if (memberLength == member.Length && member.SequenceEqual(lp.AsSpan(memberOffset, memberLength))) return pos;
            pos = memberOffset + memberLength + 8 + BackLengthSize(memberLength);
        }
        memberOffset = memberLength = 0;
        return -1;
    }

    /// <summary>Inserts at the sorted position (Redis's zzlInsert); -0 is stored as 0 like Redis's listpack.</summary>
    void CompactInsert(ReadOnlySpan<byte> member, double score)
    {
        if (score == 0) score = 0; // -0 → +0
        int pos = 0;
        var lp = _lp!;
        while (pos < _lpUsed)
        {
            ReadEntry(lp, pos, out int mo, out int ml);
            double s = BinaryPrimitives.ReadDoubleLittleEndian(lp.AsSpan(mo + ml));
            if (s > score || (s == score && lp.AsSpan(mo, ml).SequenceCompareTo(member) > 0)) break;
            pos = mo + ml + 8 + BackLengthSize(ml);
        }
        int size = EntrySize(member.Length);
        if (_lpUsed + size > lp.Length)
        {
            int wanted = _lpUsed == 0 ? size : (int)Math.Min(Array.MaxLength, (long)(_lpUsed + size) * 5 / 4);
            var next = new byte[RoundUp(wanted)];
            lp.AsSpan(0, _lpUsed).CopyTo(next);
            _lp = lp = next;
        }
        lp.AsSpan(pos, _lpUsed - pos).CopyTo(lp.AsSpan(pos + size));
        WriteEntry(lp.AsSpan(pos), member, score);
        _lpUsed += size;
        _lpCount++;
    }

    /// <summary>Deletes <paramref name="entries"/> consecutive entries starting at <paramref name="pos"/>.</summary>
    void CompactDeleteRange(int pos, int entries)
    {
        var lp = _lp!;
        int end = pos;
        for (int i = 0; i < entries; i++)
        {
            ReadEntry(lp, end, out int mo, out int ml);
            end = mo + ml + 8 + BackLengthSize(ml);
        }
        lp.AsSpan(end, _lpUsed - end).CopyTo(lp.AsSpan(pos));
        _lpUsed -= end - pos;
        _lpCount -= entries;
        lp.AsSpan(_lpUsed, end - pos).Clear();
        // Give memory back when much of the array went unused.
        if (lp.Length - _lpUsed > Math.Max(64, _lpUsed / 2))
            _lp = _lpUsed == 0 ? Array.Empty<byte>() : lp.AsSpan(0, RoundUp(_lpUsed)).ToArray();
    }

    internal static int EntrySize(int memberLength) => VarintSize((uint)memberLength) + memberLength + 8 + BackLengthSize(memberLength);

    static int WriteEntry(Span<byte> dest, ReadOnlySpan<byte> member, double score)
    {
        if (score == 0) score = 0;
        int n = 0;
        uint v = (uint)member.Length;
        while (v >= 0x80) { dest[n++] = (byte)(v | 0x80); v >>= 7; }
        dest[n++] = (byte)v;
        member.CopyTo(dest[n..]);
        n += member.Length;
        BinaryPrimitives.WriteDoubleLittleEndian(dest[n..], score);
        n += 8;
        // The length again, readable from its last byte backwards: every byte but the first has bit 7 set.
        int back = BackLengthSize(member.Length);
        uint len = (uint)member.Length;
        for (int i = back - 1; i >= 0; i--)
        {
            dest[n + i] = (byte)((len & 0x7F) | (i == 0 ? 0u : 0x80u));
            len >>= 7;
        }
        return n + back;
    }

    /// <summary>Reads the member of the entry at <paramref name="pos"/>; its score follows the member.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ReadEntry(byte[] lp, int pos, out int memberOffset, out int memberLength)
    {
        uint v = lp[pos++];
        if (v >= 0x80)
        {
            v &= 0x7F;
            int shift = 7;
            byte b;
            do
            {
                b = lp[pos++];
                v |= (uint)(b & 0x7F) << shift;
                shift += 7;
            } while (b >= 0x80);
        }
        memberOffset = pos;
        memberLength = (int)v;
    }

    /// <summary>The start of the entry before the one starting at <paramref name="pos"/> (pos &gt; 0).</summary>
    internal static int PreviousEntry(byte[] lp, int pos)
    {
        int p = pos - 1;
        uint len = 0;
        int shift = 0;
        while (true)
        {
            byte b = lp[p];
            len |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
            p--;
        }
        return p - 8 - (int)len - VarintSize(len);
    }

    internal static int BackLengthSize(int length) => VarintSize((uint)length);

    static int VarintSize(uint v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    static int RoundUp(int n) => n == 0 ? 0 : (int)Math.Min(Array.MaxLength, ((long)n + 7) & ~7L);
}
