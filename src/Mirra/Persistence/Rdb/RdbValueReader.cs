using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using Mirra.Config;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// Turns one serialized RDB value (a type byte and what follows) into a Mirra value, for every type a
/// real Redis 7.0/7.2 writes and the older encodings of earlier versions (ziplists, zipmaps, quicklist v1).
/// Values are built in the encoding Mirra itself would choose for that content under the configuration
/// given (hash/set/zset listpack limits, intset limit, list node size), whatever encoding the file used.
/// Every blob is validated completely; duplicate fields or members, NaN scores and malformed data raise
/// <see cref="RdbFormatException"/>. Streams and module values are refused (Mirra has no such types).
/// <para>
/// An aggregate with no elements yields null: Redis skips such keys when loading a file (they could be
/// written by old versions with a bug) and refuses them in RESTORE. One reader serves a whole load and
/// reuses its buffers, so building a value allocates little beyond the value itself.
/// </para>
/// </summary>
public sealed class RdbValueReader
{
    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: compact forms never pass 1 GB.</summary>
    const long CompactSafetyLimit = 1 << 30;

    readonly RdbInput _in;
    readonly ElementList _e = new();
    double[] _scores = new double[64];
    int[] _order = new int[64];
    long[] _ints = new long[64];

    readonly long _hashMaxEntries, _hashMaxValue, _zsetMaxEntries, _zsetMaxValue;
    readonly int _setMaxIntset, _setMaxCompactEntries, _setMaxCompactValue, _listFill;

    public RdbValueReader(RdbInput input, ServerConfig config)
    {
        _in = input;
        _hashMaxEntries = config.HashMaxListpackEntries;
        _hashMaxValue = config.HashMaxListpackValue;
        _zsetMaxEntries = config.ZsetMaxListpackEntries;
        _zsetMaxValue = config.ZsetMaxListpackValue;
        _setMaxIntset = Set.ClampIntsetEntries(config.SetMaxIntsetEntries);
        _setMaxCompactEntries = Set.ClampCompactEntries(config.SetMaxListpackEntries);
        _setMaxCompactValue = Set.ClampCompactValue(config.SetMaxListpackValue);
        _listFill = config.ListMaxListpackSize;
    }

    /// <summary>Redis's rdbIsObjectType (7.2): the type bytes that introduce a value.</summary>
    public static bool IsValueType(int type) => type is >= 0 and <= 7 or >= 9 and <= 21;

    /// <summary>
    /// Reads a value of RDB type <paramref name="type"/>; null for an empty aggregate. Throws
    /// <see cref="RdbFormatException"/> for corrupt data, an unknown type, a stream or a module value.
    /// </summary>
    public object? Read(int type)
    {
        switch (type)
        {
            case RdbConstants.TypeString: return _in.ReadStringValue();
            case RdbConstants.TypeList: return ReadPlainList();
            case RdbConstants.TypeSet: return ReadPlainSet();
            case RdbConstants.TypeZset: return ReadPlainZset(binaryScores: false);
            case RdbConstants.TypeZset2: return ReadPlainZset(binaryScores: true);
            case RdbConstants.TypeHash: return ReadPlainHash();
            case RdbConstants.TypeHashZipmap: return ReadZipmapHash();
            case RdbConstants.TypeListZiplist: return ReadZiplistList();
            case RdbConstants.TypeSetIntset: return ReadIntset();
            case RdbConstants.TypeZsetZiplist: return ReadBlobZset(ziplist: true);
            case RdbConstants.TypeHashZiplist: return ReadBlobHash(ziplist: true);
            case RdbConstants.TypeListQuicklist: return ReadQuicklist(version2: false);
            case RdbConstants.TypeHashListpack: return ReadBlobHash(ziplist: false);
            case RdbConstants.TypeZsetListpack: return ReadBlobZset(ziplist: false);
            case RdbConstants.TypeListQuicklist2: return ReadQuicklist(version2: true);
            case RdbConstants.TypeSetListpack: return ReadListpackSet();
            case RdbConstants.TypeModule:
            case RdbConstants.TypeModule2:
            {
                long at = _in.Position;
                string module = RdbLoader.ModuleName(_in.ReadLength());
                throw new RdbFormatException($"Module values are not supported by Mirra (RDB type {type}, module type '{module}')", at);
            }
            case RdbConstants.TypeStreamListpacks:
            case RdbConstants.TypeStreamListpacks2:
            case RdbConstants.TypeStreamListpacks3:
                throw new RdbFormatException($"Stream values are not supported by Mirra (RDB type {type})", _in.Position);
            default:
                throw new RdbFormatException($"Unknown RDB value type {type}", _in.Position);
        }
    }

    // ---- Counts ----

    /// <summary>An element count: refused beyond what any value can hold.</summary>
    long ReadCount(string what)
    {
        long at = _in.Position;
        ulong n = _in.ReadLength();
        if (n > int.MaxValue) throw new RdbFormatException($"{what} length {n} is too large", at);
        return (long)n;
    }

    // ---- Lists ----
    // Nodes are filled as pushes would fill them under list-max-listpack-size. The first node is sized for the
    // first blob's elements, and the spare room pushes leave in the others is given back at the end.

    object? ReadPlainList()
    {
        long n = ReadCount("List");
        if (n == 0) return null;
        var list = new ListValue();
        for (long i = 0; i < n; i++) list.PushTail(_in.ReadStringSpan(), _listFill);
        list.TrimExcess();
        return list;
    }

    object? ReadZiplistList()
    {
        long at = _in.Position;
        LoadBlob(_in.ReadStringSpan(), ziplist: true, at);
        if (_e.Count == 0) return null;
        var list = new ListValue(ElementsSize(), _listFill);
        AppendElements(list);
        list.TrimExcess();
        return list;
    }

    long ElementsSize()
    {
        long size = 0;
        for (int i = 0; i < _e.Count; i++) size += ListValue.ElementSize(_e.Length(i));
        return size;
    }

    void AppendElements(ListValue list)
    {
        for (int i = 0; i < _e.Count; i++) list.PushTail(_e[i], _listFill);
    }

    object? ReadQuicklist(bool version2)
    {
        long nodes = ReadCount("Quicklist");
        if (nodes == 0) return null;
        ListValue? list = null;
        for (long i = 0; i < nodes; i++)
        {
            ulong container = RdbConstants.QuicklistNodePacked;
            long at = _in.Position;
            if (version2)
            {
                container = _in.ReadLength();
                if (container != RdbConstants.QuicklistNodePacked && container != RdbConstants.QuicklistNodePlain)
                    throw new RdbFormatException("Quicklist integrity check failed.", at);
                at = _in.Position;
            }
            var data = _in.ReadStringSpan();
            if (data.Length == 0) throw new RdbFormatException("Quicklist integrity check failed: empty node", at);
            if (container == RdbConstants.QuicklistNodePlain)
            {
                list ??= new ListValue(ListValue.ElementSize(data.Length), _listFill);
                list.PushTail(data, _listFill);
                continue;
            }
            // Empty nodes are skipped, as Redis does; an empty list as a whole is an empty key.
            LoadBlob(data, ziplist: !version2, at);
            if (_e.Count == 0) continue;
            list ??= new ListValue(ElementsSize(), _listFill);
            AppendElements(list);
        }
        if (list == null) return null;
        if (nodes > 1) list.TrimExcess();
        return list;
    }

    // ---- Hashes ----

    object? ReadPlainHash()
    {
        long at = _in.Position;
        long n = ReadCount("Hash");
        if (n == 0) return null;
        if (n > _hashMaxEntries)
        {
            // Too many fields for the compact form whatever their sizes: straight into the table.
            var table = new HashTableValue();
            for (long i = 0; i < n; i++)
            {
                var field = _in.ReadStringBytes();
                var value = _in.ReadStringBytes();
                int hash = HashTable<HashField>.HashOf(field);
                if (table.Fields.Find(field, hash) != null) throw new RdbFormatException("Duplicate hash fields detected", at);
                table.Fields.Add(new HashField(field, value), hash);
            }
            return table;
        }
        _e.Clear();
        for (long i = 0; i < 2 * n; i++) _e.Add(_in.ReadStringSpan());
        return BuildHash(at);
    }

    object? ReadZipmapHash()
    {
        long at = _in.Position;
        var blob = _in.ReadStringSpan();
        _e.Clear();
        var zm = new Zipmap(blob, at);
        while (zm.Next(out var field, out var value))
        {
            _e.Add(field);
            _e.Add(value);
        }
        return BuildHash(at);
    }

    object? ReadBlobHash(bool ziplist)
    {
        long at = _in.Position;
        var blob = _in.ReadStringSpan();
        LoadBlob(blob, ziplist, at);
        if ((_e.Count & 1) != 0) throw new RdbFormatException("Hash listpack integrity check failed: odd number of elements", at);
        return BuildHash(at);
    }

    /// <summary>A hash from the field/value pairs in the element list.</summary>
    object? BuildHash(long at)
    {
        var e = _e;
        int pairs = e.Count / 2;
        if (pairs == 0) return null;
        if (pairs <= _hashMaxEntries && e.MaxLength <= _hashMaxValue)
        {
            long size = 0;
            for (int i = 0; i < e.Count; i++) size += VarintSize((uint)e.Length(i) + 1) + e.Length(i);
            if (size <= CompactSafetyLimit)
            {
                if (e.HasDuplicate(0, 2)) throw new RdbFormatException("Duplicate hash fields detected", at);
                var lp = Hash.NewCompactArray((int)size);
                int pos = 0;
                for (int i = 0; i < e.Count; i += 2) pos = Hash.AppendCompactPair(lp, pos, e[i], e[i + 1]);
                return lp;
            }
        }
        var table = new HashTableValue();
        for (int i = 0; i < e.Count; i += 2)
        {
            var field = e[i];
            int hash = HashTable<HashField>.HashOf(field);
            if (table.Fields.Find(field, hash) != null) throw new RdbFormatException("Duplicate hash fields detected", at);
            table.Fields.Add(new HashField(field.ToArray(), e[i + 1].ToArray()), hash);
        }
        return table;
    }

    static int VarintSize(uint v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    // ---- Sets ----

    object? ReadPlainSet()
    {
        long at = _in.Position;
        long n = ReadCount("Set");
        if (n == 0) return null;
        if (n > _setMaxIntset && n > _setMaxCompactEntries)
        {
            // Neither an intset nor compact whatever the members: straight into the table.
            var table = new SetTableValue();
            for (long i = 0; i < n; i++)
            {
                var member = _in.ReadStringBytes();
                int hash = HashTable<TableEntry>.HashOf(member);
                if (table.Find(member, hash) != null) throw new RdbFormatException("Duplicate set members detected", at);
                table.Add(new TableEntry(member), hash);
            }
            return table;
        }
        _e.Clear();
        for (long i = 0; i < n; i++) _e.Add(_in.ReadStringSpan());
        return BuildSet(at);
    }

    object? ReadIntset()
    {
        long at = _in.Position;
        var blob = _in.ReadStringSpan();
        var intset = new IntsetBlob(blob, at);
        if (intset.Count == 0) return null;
        if (intset.Count <= _setMaxIntset)
        {
            // Kept as it is, width included (Redis never narrows an intset either).
            return intset.Width switch
            {
                2 => CopyIntset<IntsetInt16>(intset, 2),
                4 => CopyIntset<IntsetInt32>(intset, 4),
                _ => CopyIntset<IntsetInt64>(intset, 8),
            };
        }
        _e.Clear();
        for (int i = 0; i < intset.Count; i++) _e.AddInteger(intset[i]);
        return BuildSet(at);
    }

    static T[] CopyIntset<T>(IntsetBlob intset, int width) where T : struct
    {
        var a = new T[intset.Count];
        var dest = MemoryMarshal.AsBytes(a.AsSpan());
        if (BitConverter.IsLittleEndian) intset.Contents.CopyTo(dest);
        else
        {
            for (int i = 0; i < intset.Count; i++)
            {
                long v = intset[i];
                switch (width)
                {
                    case 2: BinaryPrimitives.WriteInt16BigEndian(dest.Slice(2 * i), (short)v); break;
                    case 4: BinaryPrimitives.WriteInt32BigEndian(dest.Slice(4 * i), (int)v); break;
                    default: BinaryPrimitives.WriteInt64BigEndian(dest.Slice(8 * i), v); break;
                }
            }
        }
        return a;
    }

    object? ReadListpackSet()
    {
        long at = _in.Position;
        var blob = _in.ReadStringSpan();
        LoadBlob(blob, ziplist: false, at);
        return BuildSet(at);
    }

    /// <summary>
    /// A set from the members in the element list: an intset when they are all integers and few enough,
    /// else the compact form when within the listpack limits, else the table (what SADD would have made).
    /// </summary>
    object? BuildSet(long at)
    {
        var e = _e;
        int n = e.Count;
        if (n == 0) return null;
        if (n <= _setMaxIntset)
        {
            if (_ints.Length < n) _ints = new long[Math.Max(n, 2 * _ints.Length)];
            bool allIntegers = true;
            for (int i = 0; i < n && allIntegers; i++) allIntegers = e.TryGetInteger(i, out _ints[i]);
            if (allIntegers)
            {
                var sorted = _ints.AsSpan(0, n);
                sorted.Sort();
                for (int i = 1; i < n; i++)
                    if (sorted[i - 1] == sorted[i]) throw new RdbFormatException("Duplicate set members detected", at);
                return Set.IntsetFromSorted(sorted);
            }
        }
        if (n <= _setMaxCompactEntries && e.MaxLength <= _setMaxCompactValue)
        {
            if (e.HasDuplicate(0, 1)) throw new RdbFormatException("Duplicate set members detected", at);
            var lp = Set.NewCompactArray((int)(n + e.TotalLength));
            int pos = 0;
            for (int i = 0; i < n; i++) pos = Set.AppendCompactMember(lp, pos, e[i]);
            return lp;
        }
        var table = new SetTableValue();
        for (int i = 0; i < n; i++)
        {
            var member = e[i];
            int hash = HashTable<TableEntry>.HashOf(member);
            if (table.Find(member, hash) != null) throw new RdbFormatException("Duplicate set members detected", at);
            table.Add(new TableEntry(member.ToArray()), hash);
        }
        return table;
    }

    // ---- Sorted sets ----

    object? ReadPlainZset(bool binaryScores)
    {
        long at = _in.Position;
        long n = ReadCount("Zset");
        if (n == 0) return null;
        _e.Clear();
        for (long i = 0; i < n; i++)
        {
            _e.Add(_in.ReadStringSpan());
            long scoreAt = _in.Position;
            double score = binaryScores ? _in.ReadBinaryDouble() : _in.ReadStringDouble();
            if (double.IsNaN(score)) throw new RdbFormatException("Zset with NAN score detected", scoreAt);
            AddScore((int)i, score);
        }
        return BuildZset(at);
    }

    object? ReadBlobZset(bool ziplist)
    {
        long at = _in.Position;
        var blob = _in.ReadStringSpan();
        // Members and scores alternate; scores are integers or text.
        _e.Clear();
        Span<byte> digits = stackalloc byte[24];
        int k = 0;
        if (ziplist)
        {
            var zl = new Ziplist(blob, at);
            while (zl.Next(out var entry)) AddZsetBlobEntry(entry, ref k, digits, at);
        }
        else
        {
            var lp = new Listpack(blob, at);
            while (lp.Next(out var entry)) AddZsetBlobEntry(entry, ref k, digits, at);
        }
        if ((k & 1) != 0) throw new RdbFormatException("Zset listpack integrity check failed: odd number of elements", at);
        return BuildZset(at);
    }

    void AddZsetBlobEntry(in BlobEntry entry, ref int k, Span<byte> digits, long at)
    {
        if ((k & 1) == 0) _e.Add(entry.AsBytes(digits));
        else
        {
            double score;
            if (entry.IsInteger) score = entry.Integer;
            else if (Numbers.Strtod(entry.String, out score, out _) != entry.String.Length || entry.String.Length == 0 || double.IsNaN(score))
                throw new RdbFormatException("Zset listpack integrity check failed: invalid score", at);
            AddScore(k / 2, score);
        }
        k++;
    }

    void AddScore(int i, double score)
    {
        if (_scores.Length <= i) Array.Resize(ref _scores, Math.Max(i + 1, 2 * _scores.Length));
        _scores[i] = score;
    }

    /// <summary>A sorted set from the members in the element list and their scores.</summary>
    object? BuildZset(long at)
    {
        var e = _e;
        int n = e.Count;
        if (n == 0) return null;
        if (n <= _zsetMaxEntries && e.MaxLength <= _zsetMaxValue)
        {
            long size = 0;
            for (int i = 0; i < n; i++) size += SortedSetValue.CompactEntrySize(e.Length(i));
            if (size <= CompactSafetyLimit)
            {
                if (e.HasDuplicate(0, 1)) throw new RdbFormatException("Duplicate zset fields detected", at);
                var order = SortedOrder(n);
                var z = SortedSetValue.NewCompactSized((int)size);
                for (int i = 0; i < n; i++) z.AppendCompactSorted(e[order[i]], _scores[order[i]]);
                return z;
            }
        }
        var full = SortedSetValue.NewSkiplist();
        // Inserting from the highest score down puts every new node at the head of the skiplist, the cheapest
        // place: that is the order of the skiplist form in the file; listpacks are in the other order.
        bool descending = _scores[0] >= _scores[n - 1];
        for (int k = 0; k < n; k++)
        {
            int i = descending ? k : n - 1 - k;
            var member = e[i];
            if (full.Contains(member)) throw new RdbFormatException("Duplicate zset fields detected", at);
            full.Insert(member, _scores[i], long.MaxValue, long.MaxValue);
        }
        return full;
    }

    /// <summary>Indexes of the members in ascending (score, member) order.</summary>
    ReadOnlySpan<int> SortedOrder(int n)
    {
        if (_order.Length < n) _order = new int[Math.Max(n, 2 * _order.Length)];
        var order = _order.AsSpan(0, n);
        for (int i = 0; i < n; i++) order[i] = i;
        bool sorted = true;
        for (int i = 1; i < n && sorted; i++) sorted = Compare(i - 1, i) < 0;
        if (!sorted) order.Sort(Compare);
        return order;
    }

    int Compare(int a, int b)
    {
        double sa = _scores[a], sb = _scores[b];
        if (sa < sb) return -1;
        if (sa > sb) return 1;
        return _e[a].SequenceCompareTo(_e[b]);
    }

    // ---- Blobs into the element list ----

    void LoadBlob(ReadOnlySpan<byte> blob, bool ziplist, long at)
    {
        _e.Clear();
        if (ziplist)
        {
            var zl = new Ziplist(blob, at);
            while (zl.Next(out var entry)) _e.Add(entry);
        }
        else
        {
            var lp = new Listpack(blob, at);
            while (lp.Next(out var entry)) _e.Add(entry);
        }
    }
}

/// <summary>
/// The elements of the value being loaded, copied into one reusable arena (the blob or input buffer they
/// come from is only valid until the next read), with what the builders need to pick an encoding.
/// </summary>
sealed class ElementList
{
    byte[] _arena = new byte[4096];
    int _used;
    int[] _offsets = new int[64], _lengths = new int[64];
    long[] _integers = new long[64];
    bool[] _isInteger = new bool[64];
    int _count, _maxLength;
    long _totalLength;
    int[] _slots = new int[64];

    public int Count => _count;
    public int MaxLength => _maxLength;
    public long TotalLength => _totalLength;

    public void Clear()
    {
        _used = _count = _maxLength = 0;
        _totalLength = 0;
    }

    public ReadOnlySpan<byte> this[int i] => new(_arena, _offsets[i], _lengths[i]);
    public int Length(int i) => _lengths[i];

    public void Add(ReadOnlySpan<byte> s)
    {
        int i = Reserve(s.Length);
        s.CopyTo(_arena.AsSpan(_offsets[i]));
        _isInteger[i] = false;
    }

    public void AddInteger(long v)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, digits, out int n);
        int i = Reserve(n);
        digits[..n].CopyTo(_arena.AsSpan(_offsets[i]));
        _isInteger[i] = true;
        _integers[i] = v;
    }

    public void Add(in BlobEntry e)
    {
        if (e.IsInteger) AddInteger(e.Integer);
        else Add(e.String);
    }

    /// <summary>The element as an integer: one that was added as such, or text in Redis's strict integer form.</summary>
    public bool TryGetInteger(int i, out long v)
    {
        if (_isInteger[i]) { v = _integers[i]; return true; }
        v = 0;
        return _lengths[i] <= 20 && Numbers.TryParseStrictLong(this[i], out v);
    }

    int Reserve(int length)
    {
        if (_count == _offsets.Length)
        {
            int size = 2 * _count;
            Array.Resize(ref _offsets, size);
            Array.Resize(ref _lengths, size);
            Array.Resize(ref _integers, size);
            Array.Resize(ref _isInteger, size);
        }
        if (_arena.Length - _used < length)
        {
            long size = Math.Max((long)_used + length, 2L * _arena.Length);
            if (size > Array.MaxLength) size = Math.Max((long)_used + length, Array.MaxLength);
            if (size > Array.MaxLength) throw new RdbFormatException("Value too large to load");
            Array.Resize(ref _arena, (int)size);
        }
        int i = _count++;
        _offsets[i] = _used;
        _lengths[i] = length;
        _used += length;
        if (length > _maxLength) _maxLength = length;
        _totalLength += length;
        return i;
    }

    /// <summary>
    /// True when two of the elements at <paramref name="start"/>, start + stride, ... are equal (fields of a
    /// hash: stride 2). An open-addressing table of indexes: no allocation once warmed up.
    /// </summary>
    public bool HasDuplicate(int start, int stride)
    {
        int n = (_count - start + stride - 1) / stride;
        if (n < 2) return false;
        if (n <= 8)
        {
            for (int a = start; a < _count; a += stride)
                for (int b = a + stride; b < _count; b += stride)
                    if (_lengths[a] == _lengths[b] && this[a].SequenceEqual(this[b])) return true;
            return false;
        }
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * n));
        if (_slots.Length < size) _slots = new int[size];
        var slots = _slots.AsSpan(0, size);
        slots.Clear();
        int mask = size - 1;
        for (int i = start; i < _count; i += stride)
        {
            var s = this[i];
            int h = HashTable<TableEntry>.HashOf(s) & mask;
            while (slots[h] != 0)
            {
                int j = slots[h] - 1;
                if (_lengths[j] == s.Length && this[j].SequenceEqual(s)) return true;
                h = (h + 1) & mask;
            }
            slots[h] = i + 1;
        }
        return false;
    }
}
