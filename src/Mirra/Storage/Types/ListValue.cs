using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Mirra.Storage.Types;

/// <summary>
/// A list: a sequence of compact nodes, like Redis's quicklist. Redis 7.0 reports every list as
/// "quicklist" (the "listpack" encoding for small lists only came with 7.2), and so does this type;
/// inside, a small list is a single node and nothing else.
/// <para>
/// A node is one <c>byte[]</c>: an 8-byte header (element count, then the end of the used bytes, both
/// int32) followed by the elements, each written as a forward varint of its length, its bytes, and the
/// same varint with its bytes in reverse order (so a node can be walked from either end). The unused
/// tail of the array is slack for growth. A node holds as much as list-max-listpack-size allows
/// (negative: 4, 8, 16, 32 or 64 KB of node bytes; positive: that many elements within 8 KB); an
/// element too big for any node gets a node of its own.
/// </para>
/// <para>
/// The value object holds either that single node or a <see cref="NodeRing"/> (a circular array of
/// nodes with the total count), so pushes and pops at both ends touch one node, and index-based
/// commands (LINDEX, LSET, LRANGE) skip whole nodes by their counts, walking from the nearer end.
/// Executor thread only.
/// </para>
/// </summary>
public sealed class ListValue : IAggregateValue
{
    public const string Type = "list";
    internal const int HeaderSize = 8;
    /// <summary>Redis's SIZE_SAFETY_LIMIT: with a positive fill, no node grows past 8 KB.</summary>
    const int SizeSafetyLimit = 8192;
    /// <summary>Redis's FILL_MAX: larger list-max-listpack-size values act like this one.</summary>
    const int FillMax = (1 << 15) - 1;

    /// <summary>byte[] (a single node) or <see cref="NodeRing"/>.</summary>
    object _data;

    /// <summary>The node of every empty list: never written (a first element always needs a bigger array).</summary>
    static readonly byte[] EmptyNode = NewNode(0);

    public ListValue() => _data = EmptyNode;

    /// <summary>
    /// An empty list whose first node has room for <paramref name="bytes"/> bytes of elements (see
    /// <see cref="ElementSize"/>), up to what one node may hold under <paramref name="fill"/>.
    /// </summary>
    public ListValue(long bytes, int fill)
    {
        fill = ClampFill(fill);
        int limit = (fill < 0 ? 4096 << (-fill - 1) : SizeSafetyLimit) - HeaderSize;
        _data = bytes > 0 ? NewNode((int)Math.Min(bytes, limit)) : EmptyNode;
    }

    ListValue(object data) => _data = data;

    string IAggregateValue.TypeName => Type;
    public string EncodingName => "quicklist";

    public long Count => _data is byte[] single ? NCount(single) : ((NodeRing)_data).Total;

    /// <summary>Number of nodes (1 for a small list).</summary>
    public int NodeCount => _data is byte[] ? 1 : ((NodeRing)_data).Count;

    /// <summary>Bytes used by each node, header included (tests, DEBUG-style introspection).</summary>
    public int[] NodeSizes()
    {
        var sizes = new int[NodeCount];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = NUsed(Node(i));
        return sizes;
    }

    /// <summary>Elements in each node.</summary>
    public int[] NodeCounts()
    {
        var counts = new int[NodeCount];
        for (int i = 0; i < counts.Length; i++) counts[i] = NCount(Node(i));
        return counts;
    }

    public long EstimatedBytes
    {
        get
        {
            if (_data is byte[] single) return 24 + ArrayBytes(single.Length);
            var ring = (NodeRing)_data;
            long total = 24 + 40 + ArrayBytes(ring.Nodes.Length * 8);
            for (int i = 0; i < ring.Count; i++) total += ArrayBytes(ring[i].Length);
            return total;
        }
    }

    public IAggregateValue DeepCopy()
    {
        if (_data is byte[] single) return new ListValue(Trimmed(single));
        var ring = (NodeRing)_data;
        var copy = new NodeRing(ring.Count);
        for (int i = 0; i < ring.Count; i++) copy.Insert(i, Trimmed(ring[i]));
        copy.Total = ring.Total;
        return new ListValue(copy);
    }

    static byte[] Trimmed(byte[] node)
    {
        int used = NUsed(node);
        var copy = new byte[RoundUp(used)];
        node.AsSpan(0, used).CopyTo(copy);
        return copy;
    }

    // ---- Node ring access ----

    byte[] Node(int i) => _data is byte[] single ? single : ((NodeRing)_data)[i];

    void SetNode(int i, byte[] node)
    {
        if (_data is byte[]) _data = node;
        else ((NodeRing)_data)[i] = node;
    }

    void InsertNode(int i, byte[] node)
    {
        if (_data is byte[] single)
        {
            var ring = new NodeRing(4);
            ring.Insert(0, single);
            ring.Total = NCount(single);
            _data = ring;
        }
        var r = (NodeRing)_data;
        r.Insert(i, node);
        r.Total += NCount(node);
    }

    /// <summary>Removes an (empty) node; a list back to one node drops the ring.</summary>
    void RemoveNode(int i)
    {
        if (_data is byte[]) { _data = EmptyNode; return; }
        var ring = (NodeRing)_data;
        ring.Total -= NCount(ring[i]);
        ring.RemoveAt(i);
        if (ring.Count == 1) _data = ring[0];
        else if (ring.Count == 0) _data = EmptyNode;
    }

    void AddTotal(long delta)
    {
        if (_data is NodeRing ring) ring.Total += delta;
    }

    // ---- Node format ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NCount(byte[] n) => BinaryPrimitives.ReadInt32LittleEndian(n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NUsed(byte[] n) => BinaryPrimitives.ReadInt32LittleEndian(n.AsSpan(4));

    static void SetHeader(byte[] n, int count, int used)
    {
        BinaryPrimitives.WriteInt32LittleEndian(n, count);
        BinaryPrimitives.WriteInt32LittleEndian(n.AsSpan(4), used);
    }

    static byte[] NewNode(int capacity)
    {
        var n = new byte[RoundUp(HeaderSize + capacity)];
        SetHeader(n, 0, HeaderSize);
        return n;
    }

    static byte[] NodeWith(ReadOnlySpan<byte> value)
    {
        var n = NewNode(ElementSize(value.Length));
        int size = WriteElement(n.AsSpan(HeaderSize), value);
        SetHeader(n, 1, HeaderSize + size);
        return n;
    }

    internal static long ArrayBytes(int length) => 24 + ((length + 7) & ~7);

    static int RoundUp(int n) => (int)Math.Min(Array.MaxLength, ((long)n + 7) & ~7L);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int VarintSize(int v)
    {
        uint u = (uint)v;
        int n = 1;
        while (u >= 0x80) { u >>= 7; n++; }
        return n;
    }

    /// <summary>Bytes an element of <paramref name="length"/> bytes takes in a node.</summary>
    public static int ElementSize(int length) => 2 * VarintSize(length) + length;

    static int WriteElement(Span<byte> dest, ReadOnlySpan<byte> value)
    {
        uint v = (uint)value.Length;
        int k = VarintSize(value.Length);
        int p = 0;
        uint u = v;
        while (u >= 0x80) { dest[p++] = (byte)(u | 0x80); u >>= 7; }
        dest[p++] = (byte)u;
        value.CopyTo(dest[p..]);
        p += value.Length;
        // The same varint backwards: its first byte last, so a reader walking back meets it first.
        for (int i = 0; i < k; i++) dest[p + k - 1 - i] = dest[i];
        return p + k;
    }

    /// <summary>Reads the element starting at <paramref name="pos"/>: where its bytes are and where the next one starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ReadElement(byte[] n, int pos, out int offset, out int length)
    {
        uint v = n[pos++];
        if (v >= 0x80)
        {
            v &= 0x7F;
            int shift = 7;
            byte b;
            do
            {
                b = n[pos++];
                v |= (uint)(b & 0x7F) << shift;
                shift += 7;
            } while (b >= 0x80);
        }
        offset = pos;
        length = (int)v;
        return pos + (int)v + VarintSize((int)v);
    }

    /// <summary>Where the element ending at <paramref name="end"/> starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int PreviousStart(byte[] n, int end)
    {
        int p = end - 1;
        uint b = n[p];
        uint v = b & 0x7F;
        int shift = 7, k = 1;
        while (b >= 0x80)
        {
            b = n[--p];
            v |= (b & 0x7F) << shift;
            shift += 7;
            k++;
        }
        return end - 2 * k - (int)v;
    }

    static int NextStart(byte[] n, int pos) => ReadElement(n, pos, out _, out _);

    static ReadOnlySpan<byte> ElementAt(byte[] n, int pos)
    {
        ReadElement(n, pos, out int offset, out int length);
        return new ReadOnlySpan<byte>(n, offset, length);
    }

    // ---- Node size rule (list-max-listpack-size) ----

    static int ClampFill(int fill) => fill > FillMax ? FillMax : fill < -5 ? -5 : fill;

    /// <summary>Whether a node of <paramref name="bytes"/> bytes and <paramref name="count"/> elements is allowed.</summary>
    internal static bool Fits(int bytes, int count, int fill)
    {
        fill = ClampFill(fill);
        if (fill < 0) return bytes <= 4096 << (-fill - 1);
        return bytes <= SizeSafetyLimit && count <= fill;
    }

    static bool AllowInsert(byte[] node, int elementSize, int fill) =>
        Fits(NUsed(node) + elementSize, NCount(node) + 1, fill);

    // ---- Node editing ----

    /// <summary>Opens <paramref name="size"/> bytes at <paramref name="pos"/> (growing the array with slack); returns the node.</summary>
    static byte[] OpenGap(byte[] n, int pos, int size)
    {
        int used = NUsed(n);
        int needed = used + size;
        if (needed > n.Length)
        {
            var bigger = new byte[RoundUp((int)Math.Min(Array.MaxLength, needed + (long)needed / 4))];
            n.AsSpan(0, pos).CopyTo(bigger);
            n.AsSpan(pos, used - pos).CopyTo(bigger.AsSpan(pos + size));
            return bigger;
        }
        n.AsSpan(pos, used - pos).CopyTo(n.AsSpan(pos + size));
        return n;
    }

    static byte[] InsertInto(byte[] n, int pos, ReadOnlySpan<byte> value)
    {
        int size = ElementSize(value.Length);
        int count = NCount(n), used = NUsed(n);
        n = OpenGap(n, pos, size);
        WriteElement(n.AsSpan(pos, size), value);
        SetHeader(n, count + 1, used + size);
        return n;
    }

    /// <summary>Removes the bytes [pos, pos + size) holding <paramref name="elements"/> elements; may move the node to a smaller array.</summary>
    static byte[] RemoveFrom(byte[] n, int pos, int size, int elements)
    {
        int used = NUsed(n);
        n.AsSpan(pos + size, used - pos - size).CopyTo(n.AsSpan(pos));
        int newUsed = used - size;
        n.AsSpan(newUsed, size).Clear();
        SetHeader(n, NCount(n) - elements, newUsed);
        return MaybeShrink(n);
    }

    /// <summary>Gives memory back when much of the array went unused.</summary>
    static byte[] MaybeShrink(byte[] n)
    {
        int used = NUsed(n);
        if (n.Length - used <= Math.Max(64, used)) return n;
        var smaller = new byte[RoundUp(used + used / 4)];
        n.AsSpan(0, used).CopyTo(smaller);
        return smaller;
    }

    // ---- Ends ----

    /// <summary>LPUSH/RPUSH of one element.</summary>
    public void Push(ReadOnlySpan<byte> value, bool head, int fill)
    {
        int size = ElementSize(value.Length);
        int last = NodeCount - 1;
        var node = Node(head ? 0 : last);
        if (NCount(node) == 0)
        {
            SetNode(0, InsertInto(node, HeaderSize, value));
            return;
        }
        if (AllowInsert(node, size, fill))
        {
            SetNode(head ? 0 : last, InsertInto(node, head ? HeaderSize : NUsed(node), value));
            AddTotal(1);
            return;
        }
        InsertNode(head ? 0 : last + 1, NodeWith(value));
    }

    /// <summary>
    /// Gives back the spare room pushes leave at the end of nodes (after building a list in bulk, as RDB
    /// loading does): each node with slack is copied to an array of its used size.
    /// </summary>
    public void TrimExcess()
    {
        for (int i = 0; i < NodeCount; i++)
        {
            var node = Node(i);
            if (NCount(node) > 0 && RoundUp(NUsed(node)) < node.Length) SetNode(i, Trimmed(node));
        }
    }

    public void PushHead(ReadOnlySpan<byte> value, int fill) => Push(value, true, fill);
    public void PushTail(ReadOnlySpan<byte> value, int fill) => Push(value, false, fill);

    /// <summary>The first (head) or last element; the list must not be empty. Valid until the next write.</summary>
    public ReadOnlySpan<byte> End(bool head)
    {
        if (head) return ElementAt(Node(0), HeaderSize);
        var n = Node(NodeCount - 1);
        return ElementAt(n, PreviousStart(n, NUsed(n)));
    }

    public ReadOnlySpan<byte> First => End(true);
    public ReadOnlySpan<byte> Last => End(false);

    /// <summary>Removes the first or last element (the list must not be empty).</summary>
    public void RemoveEnd(bool head) => RemoveRange(head, 1);

    /// <summary>LPOP/RPOP: removes and returns a copy of the first or last element.</summary>
    public byte[] Pop(bool head)
    {
        var value = End(head).ToArray();
        RemoveEnd(head);
        return value;
    }

    /// <summary>Removes <paramref name="n"/> elements from the head or the tail (LTRIM, LPOP count); whole nodes at once.</summary>
    public void RemoveRange(bool head, long n)
    {
        while (n > 0 && Count > 0)
        {
            int index = head ? 0 : NodeCount - 1;
            var node = Node(index);
            int count = NCount(node);
            if (count <= n)
            {
                n -= count;
                if (NodeCount == 1) { _data = EmptyNode; return; }
                RemoveNode(index);
                continue;
            }
            int k = (int)n;
            int start, end;
            if (head)
            {
                start = HeaderSize;
                end = start;
                for (int i = 0; i < k; i++) end = NextStart(node, end);
            }
            else
            {
                end = NUsed(node);
                start = end;
                for (int i = 0; i < k; i++) start = PreviousStart(node, start);
            }
            SetNode(index, RemoveFrom(node, start, end - start, k));
            AddTotal(-k);
            return;
        }
    }

    // ---- Positions ----

    /// <summary>A position in the list: a node and the byte offset of an element in it.</summary>
    public struct Cursor
    {
        internal int Node;
        internal int Pos;
    }

    /// <summary>The position of element <paramref name="index"/> (0 ≤ index &lt; Count), walking from the nearer end.</summary>
    public Cursor Seek(long index)
    {
        long count = Count;
        if ((ulong)index >= (ulong)count) throw new ArgumentOutOfRangeException(nameof(index));
        int nodes = NodeCount;
        int ni;
        long within;
        if (index < count / 2)
        {
            ni = 0;
            within = index;
            while (within >= NCount(Node(ni))) within -= NCount(Node(ni++));
        }
        else
        {
            ni = nodes - 1;
            long fromEnd = count - 1 - index;
            while (fromEnd >= NCount(Node(ni))) fromEnd -= NCount(Node(ni--));
            within = NCount(Node(ni)) - 1 - fromEnd;
        }
        var node = Node(ni);
        int c = NCount(node);
        int pos;
        if (within <= c / 2)
        {
            pos = HeaderSize;
            for (long i = 0; i < within; i++) pos = NextStart(node, pos);
        }
        else
        {
            pos = NUsed(node);
            for (long i = c; i > within; i--) pos = PreviousStart(node, pos);
        }
        return new Cursor { Node = ni, Pos = pos };
    }

    public ReadOnlySpan<byte> Get(Cursor c) => ElementAt(Node(c.Node), c.Pos);

    /// <summary>Moves to the next element; false past the end.</summary>
    public bool MoveNext(ref Cursor c)
    {
        var node = Node(c.Node);
        c.Pos = NextStart(node, c.Pos);
        if (c.Pos < NUsed(node)) return true;
        if (c.Node + 1 >= NodeCount) return false;
        c.Node++;
        c.Pos = HeaderSize;
        return true;
    }

    /// <summary>Moves to the previous element; false before the start.</summary>
    public bool MovePrevious(ref Cursor c)
    {
        if (c.Pos <= HeaderSize)
        {
            if (c.Node == 0) return false;
            c.Node--;
            c.Pos = NUsed(Node(c.Node));
        }
        c.Pos = PreviousStart(Node(c.Node), c.Pos);
        return true;
    }

    /// <summary>The cursor of the first or last element (the list must not be empty).</summary>
    public Cursor EndCursor(bool head)
    {
        if (head) return new Cursor { Node = 0, Pos = HeaderSize };
        int ni = NodeCount - 1;
        var n = Node(ni);
        return new Cursor { Node = ni, Pos = PreviousStart(n, NUsed(n)) };
    }

    /// <summary>LINDEX: the element at an index (negative counts from the tail); false when out of range.</summary>
    public bool TryGet(long index, out ReadOnlySpan<byte> value)
    {
        long count = Count;
        if (index < 0) index += count;
        if (index < 0 || index >= count) { value = default; return false; }
        value = Get(Seek(index));
        return true;
    }

    // ---- Middle edits ----

    /// <summary>LSET: replaces the element at the cursor.</summary>
    public void Set(Cursor c, ReadOnlySpan<byte> value, int fill)
    {
        int ni = c.Node;
        var node = Node(ni);
        ReadElement(node, c.Pos, out _, out int oldLength);
        int oldSize = ElementSize(oldLength), newSize = ElementSize(value.Length);
        int count = NCount(node), used = NUsed(node);
        if (count == 1 || Fits(used - oldSize + newSize, count, fill))
        {
            if (newSize > oldSize) node = OpenGap(node, c.Pos + oldSize, newSize - oldSize);
            else if (newSize < oldSize)
                node.AsSpan(c.Pos + oldSize, used - c.Pos - oldSize).CopyTo(node.AsSpan(c.Pos + newSize));
            WriteElement(node.AsSpan(c.Pos, newSize), value);
            int newUsed = used - oldSize + newSize;
            if (newUsed < used) node.AsSpan(newUsed, used - newUsed).Clear();
            SetHeader(node, count, newUsed);
            SetNode(ni, newSize < oldSize ? MaybeShrink(node) : node);
            return;
        }
        // Too big for this node: the element leaves it and goes in through the insertion path.
        var at = c;
        bool atEnd = RemoveAt(ref at);
        if (atEnd) InsertAt(EndCursor(false), after: true, value, fill);
        else InsertAt(at, after: false, value, fill);
    }

    /// <summary>LINSERT: inserts before or after the element at the cursor.</summary>
    public void InsertAt(Cursor c, bool after, ReadOnlySpan<byte> value, int fill)
    {
        int ni = c.Node;
        var node = Node(ni);
        int pos = after ? NextStart(node, c.Pos) : c.Pos;
        int size = ElementSize(value.Length);
        int used = NUsed(node);
        if (AllowInsert(node, size, fill))
        {
            SetNode(ni, InsertInto(node, pos, value));
            AddTotal(1);
            return;
        }
        if (pos == HeaderSize && ni > 0 && AllowInsert(Node(ni - 1), size, fill))
        {
            var prev = Node(ni - 1);
            SetNode(ni - 1, InsertInto(prev, NUsed(prev), value));
            AddTotal(1);
            return;
        }
        if (pos == used && ni + 1 < NodeCount && AllowInsert(Node(ni + 1), size, fill))
        {
            SetNode(ni + 1, InsertInto(Node(ni + 1), HeaderSize, value));
            AddTotal(1);
            return;
        }
        if (pos == HeaderSize) { InsertNode(ni, NodeWith(value)); return; }
        if (pos == used) { InsertNode(ni + 1, NodeWith(value)); return; }

        // In the middle of a full node: split it there, then put the element on the side that has room.
        SplitAt(ni, pos);
        var left = Node(ni);
        var right = Node(ni + 1);
        if (AllowInsert(left, size, fill)) { SetNode(ni, InsertInto(left, NUsed(left), value)); AddTotal(1); }
        else if (AllowInsert(right, size, fill)) { SetNode(ni + 1, InsertInto(right, HeaderSize, value)); AddTotal(1); }
        else InsertNode(ni + 1, NodeWith(value));
    }

    /// <summary>Splits node <paramref name="ni"/> at byte offset <paramref name="pos"/> (an element boundary inside it).</summary>
    void SplitAt(int ni, int pos)
    {
        var node = Node(ni);
        int used = NUsed(node), count = NCount(node);
        int leftCount = 0;
        for (int p = HeaderSize; p < pos; p = NextStart(node, p)) leftCount++;
        var right = NewNode(used - pos);
        node.AsSpan(pos, used - pos).CopyTo(right.AsSpan(HeaderSize));
        SetHeader(right, count - leftCount, HeaderSize + used - pos);
        node.AsSpan(pos, used - pos).Clear();
        SetHeader(node, leftCount, pos);
        // The ring's total stays the same: move the right part's count out before inserting it back.
        SetNode(ni, MaybeShrink(node));
        AddTotal(-(count - leftCount));
        InsertNode(ni + 1, right);
    }

    /// <summary>
    /// Removes the element at the cursor, which then points at the element that followed it. Returns true
    /// when no element follows (the removed one was the last). Nodes are not merged (that would move the cursor).
    /// </summary>
    public bool RemoveAt(ref Cursor c)
    {
        var node = Node(c.Node);
        int size = NextStart(node, c.Pos) - c.Pos;
        if (NCount(node) == 1)
        {
            RemoveNode(c.Node);
            c.Pos = HeaderSize;
            if (Count == 0) return true;
            return c.Node >= NodeCount;
        }
        node = RemoveFrom(node, c.Pos, size, 1);
        SetNode(c.Node, node);
        AddTotal(-1);
        if (c.Pos < NUsed(node)) return false;
        if (c.Node + 1 >= NodeCount) return true;
        c.Node++;
        c.Pos = HeaderSize;
        return false;
    }

    /// <summary>LREM: removes up to |count| elements equal to <paramref name="value"/> (all when 0), from the tail when negative.</summary>
    public long Remove(ReadOnlySpan<byte> value, long count, int fill)
    {
        bool fromTail = count < 0;
        long limit = count == 0 ? long.MaxValue : count < 0 ? (count == long.MinValue ? long.MaxValue : -count) : count;
        long removed = 0;
        int nodes = NodeCount;
        for (int step = 0; step < nodes && removed < limit; step++)
        {
            int ni = fromTail ? nodes - 1 - step : step;
            var node = Node(ni);
            int used = NUsed(node);
            // Matches in this node; from the tail, only the last ones go.
            int matches = 0;
            for (int p = HeaderSize; p < used;)
            {
                int next = ReadElement(node, p, out int o, out int l);
                if (l == value.Length && value.SequenceEqual(new ReadOnlySpan<byte>(node, o, l))) matches++;
                p = next;
            }
            if (matches == 0) continue;
            long take = Math.Min(matches, limit - removed);
            long skip = fromTail ? matches - take : 0;
            int write = HeaderSize, kept = 0;
            for (int p = HeaderSize; p < used;)
            {
                int next = ReadElement(node, p, out int o, out int l);
                bool match = l == value.Length && value.SequenceEqual(new ReadOnlySpan<byte>(node, o, l));
                if (match && skip > 0) { skip--; match = false; }
                else if (match && take == 0) match = false;
                if (match) { take--; removed++; }
                else
                {
                    if (write != p) node.AsSpan(p, next - p).CopyTo(node.AsSpan(write));
                    write += next - p;
                    kept++;
                }
                p = next;
            }
            AddTotal(kept - NCount(node));
            node.AsSpan(write, used - write).Clear();
            SetHeader(node, kept, write);
            SetNode(ni, MaybeShrink(node));
        }
        if (removed == 0) return 0;
        // Drop emptied nodes, then join neighbours that fit together.
        for (int i = NodeCount - 1; i >= 0 && NodeCount > 1; i--)
            if (NCount(Node(i)) == 0) RemoveNode(i);
        MergeAll(fill);
        return removed;
    }

    /// <summary>Joins node <paramref name="ni"/> with its next neighbour when together they fit the size rule.</summary>
    bool TryMerge(int ni, int fill)
    {
        if (ni < 0 || ni + 1 >= NodeCount) return false;
        var a = Node(ni);
        var b = Node(ni + 1);
        int ua = NUsed(a), ub = NUsed(b);
        if (!Fits(ua + ub - HeaderSize, NCount(a) + NCount(b), fill)) return false;
        int bBytes = ub - HeaderSize;
        var merged = OpenGap(a, ua, bBytes);
        b.AsSpan(HeaderSize, bBytes).CopyTo(merged.AsSpan(ua));
        int countB = NCount(b);
        SetHeader(merged, NCount(a) + countB, ua + bBytes);
        SetNode(ni, merged);
        AddTotal(countB); // b's elements now live in a: RemoveNode must not take them off the total
        RemoveNode(ni + 1);
        return true;
    }

    /// <summary>Merges every pair of neighbours that fits in one node.</summary>
    void MergeAll(int fill)
    {
        for (int i = 0; i + 1 < NodeCount;)
            if (!TryMerge(i, fill)) i++;
    }

    // ---- Enumeration ----

    /// <summary>Walks the elements head to tail without allocating. The list must not change meanwhile.</summary>
    public Enumerator GetEnumerator() => new(this);

    public ref struct Enumerator
    {
        readonly ListValue _list;
        int _node, _pos, _offset, _length;
        bool _started;

        internal Enumerator(ListValue list)
        {
            _list = list;
            _node = 0;
            _pos = HeaderSize;
            _offset = _length = 0;
            _started = false;
        }

        public bool MoveNext()
        {
            var n = _list.Node(_node);
            if (_started) _pos = _offset + _length + VarintSize(_length);
            _started = true;
            while (_pos >= NUsed(n))
            {
                if (_node + 1 >= _list.NodeCount) return false;
                n = _list.Node(++_node);
                _pos = HeaderSize;
            }
            ReadElement(n, _pos, out _offset, out _length);
            return true;
        }

        public readonly ReadOnlySpan<byte> Current => new(_list.Node(_node), _offset, _length);
    }

    /// <summary>Checks the structure (tests): headers, element walks in both directions, totals, no empty node.</summary>
    internal void Validate()
    {
        long total = 0;
        for (int i = 0; i < NodeCount; i++)
        {
            var n = Node(i);
            int used = NUsed(n), count = NCount(n), walked = 0, p = HeaderSize;
            if (used > n.Length || used < HeaderSize) throw new InvalidOperationException($"node {i}: used {used} of {n.Length}");
            if (count == 0 && NodeCount > 1) throw new InvalidOperationException($"node {i} is empty");
            while (p < used) { p = NextStart(n, p); walked++; }
            if (p != used || walked != count) throw new InvalidOperationException($"node {i}: walked {walked} to {p}, header {count}/{used}");
            int back = 0;
            for (int q = used; q > HeaderSize; q = PreviousStart(n, q)) back++;
            if (back != count) throw new InvalidOperationException($"node {i}: {back} elements backwards, {count} forwards");
            total += count;
        }
        if (total != Count) throw new InvalidOperationException($"total {Count}, nodes hold {total}");
    }

    /// <summary>A circular array of nodes with the total element count.</summary>
    sealed class NodeRing
    {
        public byte[][] Nodes;
        int _head;
        public int Count;
        public long Total;

        public NodeRing(int capacity) => Nodes = new byte[Math.Max(4, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity))][];

        public byte[] this[int i]
        {
            get => Nodes[(_head + i) & (Nodes.Length - 1)];
            set => Nodes[(_head + i) & (Nodes.Length - 1)] = value;
        }

        public void Insert(int i, byte[] node)
        {
            if (Count == Nodes.Length) Grow();
            int mask = Nodes.Length - 1;
            if (i == 0)
            {
                _head = (_head - 1) & mask;
            }
            else if (i < Count)
            {
                // Shift the nodes after i one slot right (the side is rarely worth choosing: few nodes).
                for (int j = Count; j > i; j--) Nodes[(_head + j) & mask] = Nodes[(_head + j - 1) & mask];
            }
            Nodes[(_head + i) & mask] = node;
            Count++;
        }

        public void RemoveAt(int i)
        {
            int mask = Nodes.Length - 1;
            if (i == 0)
            {
                Nodes[_head] = null!;
                _head = (_head + 1) & mask;
            }
            else
            {
                for (int j = i; j < Count - 1; j++) Nodes[(_head + j) & mask] = Nodes[(_head + j + 1) & mask];
                Nodes[(_head + Count - 1) & mask] = null!;
            }
            Count--;
            if (Nodes.Length > 16 && Count < Nodes.Length / 4) Resize(Nodes.Length / 2);
        }

        void Grow() => Resize(Nodes.Length * 2);

        void Resize(int capacity)
        {
            var next = new byte[capacity][];
            for (int j = 0; j < Count; j++) next[j] = this[j];
            Nodes = next;
            _head = 0;
        }
    }
}
