using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mirra.Util;

namespace Mirra.Storage.Types;

// An intset is stored directly as the value of its key, as an array of one of these one-field structs:
// the element type is the encoding width (16, 32 or 64 bits), the array length is the member count, and
// the members are sorted. Such an array is laid out and allocated exactly like a short[], int[] or long[]
// (24-byte header, no slack) yet is a type of its own, so a set never passes for another kind of value
// (a long[] would also pass `is ulong[]`, and other families may store plain arrays).

/// <summary>A member of a 16-bit intset.</summary>
public readonly struct IntsetInt16 { public readonly short Value; }
/// <summary>A member of a 32-bit intset.</summary>
public readonly struct IntsetInt32 { public readonly int Value; }
/// <summary>A member of a 64-bit intset.</summary>
public readonly struct IntsetInt64 { public readonly long Value; }

/// <summary>
/// A set in its full ("hashtable") encoding: a <see cref="HashTable{T}"/> of plain <see cref="TableEntry"/>
/// members (the member is the key), so SSCAN walks it with the table's reverse-binary cursor. The value is the
/// table itself (no wrapper object around it).
/// </summary>
public sealed class SetTableValue : HashTable<TableEntry>, IAggregateValue
{
    /// <summary>The members (this table).</summary>
    public HashTable<TableEntry> Members => this;

    public string TypeName => Set.TypeName;
    public string EncodingName => "hashtable";
    long IAggregateValue.Count => Count;

    public long EstimatedBytes
    {
        get
        {
            long total = 48 + 8L * BucketCount + (BucketCount > 0 ? 48 : 0);
            foreach (var m in this) total += 32 + Set.ArrayBytes(m.Key.Length);
            return total;
        }
    }

    public IAggregateValue DeepCopy()
    {
        var copy = new SetTableValue();
        foreach (var m in this) copy.Add(new TableEntry(m.Key.ToArray()));
        return copy;
    }

    /// <summary>Adds a member known to be absent.</summary>
    internal void AddNew(byte[] member) => Add(new TableEntry(member));
}

/// <summary>
/// A member read from a set: an integer (from an intset) or bytes (from a table, valid until the next write).
/// </summary>
public readonly ref struct SetMember
{
    public readonly ReadOnlySpan<byte> Bytes;
    public readonly long Integer;
    public readonly bool IsInteger;

    public SetMember(long integer) { Integer = integer; IsInteger = true; Bytes = default; }
    public SetMember(ReadOnlySpan<byte> bytes) { Bytes = bytes; Integer = 0; IsInteger = false; }

    /// <summary>The member as text; an integer is formatted into <paramref name="scratch"/> (at least 20 bytes).</summary>
    public ReadOnlySpan<byte> AsBytes(Span<byte> scratch)
    {
        if (!IsInteger) return Bytes;
        Utf8Formatter.TryFormat(Integer, scratch, out int n);
        return scratch[..n];
    }

    public byte[] ToArray()
    {
        Span<byte> scratch = stackalloc byte[24];
        return AsBytes(scratch).ToArray();
    }

    /// <summary>The member as an integer, when it is one (an integer member, or bytes that parse strictly).</summary>
    public bool TryGetInteger(out long value)
    {
        if (IsInteger) { value = Integer; return true; }
        return Numbers.TryParseStrictLong(Bytes, out value);
    }
}

/// <summary>
/// A set stored as a key's value, in Redis 7.0's two encodings (7.0 has no listpack sets):
/// <list type="bullet">
/// <item>"intset": a sorted array of integers in the smallest width (16, 32 or 64 bits) that fits them all
/// (an <see cref="IntsetInt16"/>[], <see cref="IntsetInt32"/>[] or <see cref="IntsetInt64"/>[]), looked up by
/// binary search. Used while every member is an integer in Redis's strict form (string2ll: "10", not "010"
/// or "+1") and there are at most set-max-intset-entries of them. Like Redis, an intset is upgraded to a
/// wider type when a member needs it and never narrowed. The arrays are never changed in place: a write
/// makes a new exact-size array (an intset is realloc'ed to its exact size on every write in Redis too).</item>
/// <item>"hashtable": a <see cref="SetTableValue"/>, after a non-integer member or one member too many.
/// Like Redis, a set never converts back (only SPOP's rebuild and the STORE commands make new sets, which
/// start as intsets).</item>
/// </list>
/// This stack-only view is how commands use a set: <see cref="TryOpen"/> a key's value, read or write
/// through it, then store <see cref="Value"/> back in the key if it changed. All access happens on the
/// executor thread.
/// </summary>
public ref struct Set
{
    public const string TypeName = "set";

    /// <summary>Redis limits intsets to 2^30 entries whatever set-max-intset-entries says.</summary>
    public const long IntsetSafetyLimit = 1L << 30;

    object _value; // IntsetInt16[] / IntsetInt32[] / IntsetInt64[] (intset) or SetTableValue; null in default(Set)

    Set(object value) => _value = value;

    /// <summary>A new empty set (an empty intset); fill it before storing its <see cref="Value"/>.</summary>
    public static Set New() => new(Array.Empty<IntsetInt16>());

    public static bool IsSet(object value) => IsIntset(value) || value is SetTableValue;

    public static bool IsIntset(object value) => value is IntsetInt16[] || value is IntsetInt32[] || value is IntsetInt64[];

    /// <summary>Views a key's value as a set: false for any other type.</summary>
    public static bool TryOpen(object value, out Set set)
    {
        set = IsSet(value) ? new Set(value) : default;
        return set._value != null;
    }

    /// <summary>The object to store as the key's value; it changes with every write to an intset.</summary>
    public readonly object Value => _value;

    /// <summary>False for <c>default(Set)</c>, which stands for a missing key.</summary>
    public readonly bool Exists => _value != null;

    public readonly bool IsIntsetEncoded => _value is not SetTableValue;
    public readonly string EncodingName => _value is SetTableValue ? "hashtable" : "intset";

    /// <summary>The full table, or null while the set is an intset (SSCAN walks it with its cursor).</summary>
    public readonly HashTable<TableEntry>? Table => (_value as SetTableValue)?.Members;

    public readonly long Count => _value is SetTableValue t ? t.Members.Count : IntsetLength(_value);
    public readonly bool IsEmpty => Count == 0;

    /// <summary>The width in bytes of the intset's integers (2, 4 or 8); 0 for a table.</summary>
    public readonly int IntsetWidth => IntsetWidthOf(_value);

    // ---- Values as stored (for ValueTypes) ----

    /// <summary>MEMORY USAGE of an intset: its array, nothing else.</summary>
    public static long IntsetEstimatedBytes(object intset) => ArrayBytes(IntsetLength(intset) * IntsetWidthOf(intset));

    /// <summary>An independent copy of an intset array.</summary>
    public static object IntsetCopy(object intset) => intset switch
    {
        IntsetInt16[] a => a.Length == 0 ? a : a.Clone(),
        IntsetInt32[] a => a.Length == 0 ? a : a.Clone(),
        IntsetInt64[] a => a.Length == 0 ? a : a.Clone(),
        _ => throw new ArgumentException("not an intset"),
    };

    /// <summary>What the GC takes for an array of <paramref name="bytes"/> bytes of elements.</summary>
    internal static long ArrayBytes(long bytes) => 24 + ((bytes + 7) & ~7L);

    /// <summary>An independent copy (COPY, snapshots).</summary>
    public readonly Set DeepCopy() => new(ValueTypes.DeepCopy(_value));

    // ---- Reads ----

    public readonly bool Contains(ReadOnlySpan<byte> member)
    {
        if (_value is SetTableValue t) return t.Members.Find(member) != null;
        return Numbers.TryParseStrictLong(member, out long v) && IntsetSearch(_value, v) >= 0;
    }

    public readonly bool ContainsInteger(long v)
    {
        if (_value is SetTableValue t)
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            return t.Members.Find(scratch[..n]) != null;
        }
        return IntsetSearch(_value, v) >= 0;
    }

    /// <summary>Membership of a member read from another set.</summary>
    public readonly bool Contains(in SetMember m) => m.IsInteger ? ContainsInteger(m.Integer) : Contains(m.Bytes);

    /// <summary>The member at a position of an intset (random picks by index).</summary>
    public readonly long IntsetAt(int index) => IntsetGet(_value, index);

    /// <summary>A random member (the set must not be empty).</summary>
    public readonly SetMember RandomMember(Random rng)
    {
        if (_value is SetTableValue t) return new SetMember(t.Members.RandomEntry(rng)!.Key);
        return new SetMember(IntsetGet(_value, rng.Next(IntsetLength(_value))));
    }

    // ---- Writes ----

    /// <summary>
    /// SADD of one member (Redis's setTypeAdd): true when it is new. A non-integer member converts an
    /// intset to the table; so does an addition that leaves more than <paramref name="maxIntsetEntries"/>.
    /// </summary>
    public bool Add(ReadOnlySpan<byte> member, long maxIntsetEntries)
    {
        if (_value is SetTableValue t)
        {
            int hash = HashTable<TableEntry>.HashOf(member);
            if (t.Members.Find(member, hash) != null) return false;
            t.Members.Add(new TableEntry(member.ToArray()), hash);
            return true;
        }
        if (Numbers.TryParseStrictLong(member, out long v)) return AddInteger(v, maxIntsetEntries);
        ConvertToTable();
        ((SetTableValue)_value).AddNew(member.ToArray());
        return true;
    }

    /// <summary>Adds an integer member (in its decimal form): true when it is new.</summary>
    public bool AddInteger(long v, long maxIntsetEntries)
    {
        if (_value is SetTableValue t)
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            var member = scratch[..n];
            int hash = HashTable<TableEntry>.HashOf(member);
            if (t.Members.Find(member, hash) != null) return false;
            t.Members.Add(new TableEntry(member.ToArray()), hash);
            return true;
        }
        int at = IntsetSearch(_value, v);
        if (at >= 0) return false;
        _value = IntsetInsert(_value, ~at, v);
        if (IntsetLength(_value) > ClampIntsetEntries(maxIntsetEntries)) ConvertToTable();
        return true;
    }

    /// <summary>
    /// Adds several integer members at once (SADD of integers to an intset): one new array instead of one
    /// per member. <paramref name="values"/> is sorted in place. Returns how many were new. The result is
    /// the one of adding them one by one: converted to the table when it ends up past the limit.
    /// </summary>
    public int AddIntegers(Span<long> values, long maxIntsetEntries)
    {
        if (_value is SetTableValue)
        {
            int added = 0;
            foreach (long v in values) if (AddInteger(v, maxIntsetEntries)) added++;
            return added;
        }
        values.Sort();
        int fresh = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (fresh > 0 && values[fresh - 1] == values[i]) continue;
            if (IntsetSearch(_value, values[i]) >= 0) continue;
            values[fresh++] = values[i];
        }
        if (fresh == 0) return 0;
        _value = IntsetMerge(_value, values[..fresh]);
        if (IntsetLength(_value) > ClampIntsetEntries(maxIntsetEntries)) ConvertToTable();
        return fresh;
    }

    /// <summary>SREM of one member: true when it was there. An intset keeps its width (Redis never narrows).</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_value is SetTableValue t) return t.Members.Remove(member) != null;
        if (!Numbers.TryParseStrictLong(member, out long v)) return false;
        return RemoveInteger(v);
    }

    public bool RemoveInteger(long v)
    {
        if (_value is SetTableValue t)
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            return t.Members.Remove(scratch[..n]) != null;
        }
        int at = IntsetSearch(_value, v);
        if (at < 0) return false;
        _value = IntsetRemoveAt(_value, at);
        return true;
    }

    public bool Remove(in SetMember m) => m.IsInteger ? RemoveInteger(m.Integer) : Remove(m.Bytes);

    /// <summary>Converts an intset to the table for good (Redis's setTypeConvert).</summary>
    public void ConvertToTable()
    {
        if (_value is SetTableValue) return;
        var table = new SetTableValue();
        int n = IntsetLength(_value);
        Span<byte> scratch = stackalloc byte[24];
        for (int i = 0; i < n; i++)
        {
            Utf8Formatter.TryFormat(IntsetGet(_value, i), scratch, out int len);
            table.AddNew(scratch[..len].ToArray());
        }
        _value = table;
    }

    internal static int ClampIntsetEntries(long max) => (int)Math.Clamp(max, 0, IntsetSafetyLimit);

    // ---- Enumeration ----

    /// <summary>Walks the members without allocating (intsets in ascending order). No writes while walking.</summary>
    public readonly Enumerator GetEnumerator() => new(_value);

    public ref struct Enumerator
    {
        readonly ReadOnlySpan<short> _s16;
        readonly ReadOnlySpan<int> _s32;
        readonly ReadOnlySpan<long> _s64;
        readonly int _width, _length;
        int _index;
        HashTable<TableEntry>.Enumerator _entries;

        internal Enumerator(object value)
        {
            _s16 = default; _s32 = default; _s64 = default; _entries = default;
            _index = -1;
            switch (value)
            {
                case IntsetInt16[] a: _s16 = Span16(a); _width = 2; _length = a.Length; break;
                case IntsetInt32[] a: _s32 = Span32(a); _width = 4; _length = a.Length; break;
                case IntsetInt64[] a: _s64 = Span64(a); _width = 8; _length = a.Length; break;
                default: _entries = ((SetTableValue)value).Members.GetEnumerator(); _width = 0; _length = 0; break;
            }
        }

        public bool MoveNext() => _width == 0 ? _entries.MoveNext() : ++_index < _length;

        public readonly SetMember Current => _width switch
        {
            0 => new SetMember(_entries.Current.Key),
            2 => new SetMember(_s16[_index]),
            4 => new SetMember(_s32[_index]),
            _ => new SetMember(_s64[_index]),
        };
    }

    // ---- The intset ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Span<short> Span16(IntsetInt16[] a) => MemoryMarshal.Cast<IntsetInt16, short>(a.AsSpan());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Span<int> Span32(IntsetInt32[] a) => MemoryMarshal.Cast<IntsetInt32, int>(a.AsSpan());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Span<long> Span64(IntsetInt64[] a) => MemoryMarshal.Cast<IntsetInt64, long>(a.AsSpan());

    static int IntsetLength(object a) => a switch
    {
        IntsetInt16[] x => x.Length,
        IntsetInt32[] x => x.Length,
        IntsetInt64[] x => x.Length,
        _ => 0,
    };

    static int IntsetWidthOf(object a) => a switch
    {
        IntsetInt16[] => 2,
        IntsetInt32[] => 4,
        IntsetInt64[] => 8,
        _ => 0,
    };

    /// <summary>The smallest width (bytes) that holds <paramref name="v"/> (Redis's _intsetValueEncoding).</summary>
    internal static int WidthFor(long v) => v < int.MinValue || v > int.MaxValue ? 8 : v < short.MinValue || v > short.MaxValue ? 4 : 2;

    static long IntsetGet(object a, int i) => a switch
    {
        IntsetInt16[] x => x[i].Value,
        IntsetInt32[] x => x[i].Value,
        _ => ((IntsetInt64[])a)[i].Value,
    };

    /// <summary>Binary search: the index of <paramref name="v"/>, or the bitwise complement of where it would go.</summary>
    static int IntsetSearch(object a, long v)
    {
        switch (a)
        {
            case IntsetInt16[] x:
                if (v < short.MinValue) return ~0;
                if (v > short.MaxValue) return ~x.Length;
                return ((ReadOnlySpan<short>)Span16(x)).BinarySearch((short)v);
            case IntsetInt32[] x:
                if (v < int.MinValue) return ~0;
                if (v > int.MaxValue) return ~x.Length;
                return ((ReadOnlySpan<int>)Span32(x)).BinarySearch((int)v);
            default:
                return ((ReadOnlySpan<long>)Span64((IntsetInt64[])a)).BinarySearch(v);
        }
    }

    static object Allocate(int width, int length) => width switch
    {
        2 => length == 0 ? Array.Empty<IntsetInt16>() : new IntsetInt16[length],
        4 => length == 0 ? Array.Empty<IntsetInt32>() : new IntsetInt32[length],
        _ => length == 0 ? Array.Empty<IntsetInt64>() : new IntsetInt64[length],
    };

    /// <summary>Copies <paramref name="count"/> integers between intsets, widening when the target is wider.</summary>
    static void Copy(object src, int srcStart, object dst, int dstStart, int count)
    {
        if (count == 0) return;
        switch (src, dst)
        {
            case (IntsetInt16[] s, IntsetInt16[] d): Array.Copy(s, srcStart, d, dstStart, count); return;
            case (IntsetInt32[] s, IntsetInt32[] d): Array.Copy(s, srcStart, d, dstStart, count); return;
            case (IntsetInt64[] s, IntsetInt64[] d): Array.Copy(s, srcStart, d, dstStart, count); return;
        }
        for (int i = 0; i < count; i++) Put(dst, dstStart + i, IntsetGet(src, srcStart + i));
    }

    static void Put(object a, int i, long v)
    {
        switch (a)
        {
            case IntsetInt16[] x: Span16(x)[i] = (short)v; break;
            case IntsetInt32[] x: Span32(x)[i] = (int)v; break;
            default: Span64((IntsetInt64[])a)[i] = v; break;
        }
    }

    /// <summary>A new intset with <paramref name="v"/> inserted at <paramref name="at"/>, widened if <paramref name="v"/> needs it.</summary>
    static object IntsetInsert(object a, int at, long v)
    {
        int n = IntsetLength(a);
        var next = Allocate(Math.Max(IntsetWidthOf(a), WidthFor(v)), n + 1);
        Copy(a, 0, next, 0, at);
        Put(next, at, v);
        Copy(a, at, next, at + 1, n - at);
        return next;
    }

    static object IntsetRemoveAt(object a, int at)
    {
        int n = IntsetLength(a);
        var next = Allocate(IntsetWidthOf(a), n - 1);
        Copy(a, 0, next, 0, at);
        Copy(a, at + 1, next, at, n - at - 1);
        return next;
    }

    /// <summary>Merges sorted distinct integers that are all absent from the intset into a new intset.</summary>
    static object IntsetMerge(object a, ReadOnlySpan<long> sortedNew)
    {
        int n = IntsetLength(a);
        int width = Math.Max(IntsetWidthOf(a), Math.Max(WidthFor(sortedNew[0]), WidthFor(sortedNew[^1])));
        var next = Allocate(width, n + sortedNew.Length);
        int i = 0, j = 0, k = 0;
        while (i < n || j < sortedNew.Length)
        {
            if (j == sortedNew.Length || (i < n && IntsetGet(a, i) < sortedNew[j])) Put(next, k++, IntsetGet(a, i++));
            else Put(next, k++, sortedNew[j++]);
        }
        return next;
    }

    /// <summary>An intset holding sorted distinct integers, in the smallest width that fits them.</summary>
    internal static object IntsetFromSorted(ReadOnlySpan<long> sorted)
    {
        int width = sorted.Length == 0 ? 2 : Math.Max(WidthFor(sorted[0]), WidthFor(sorted[^1]));
        var a = Allocate(width, sorted.Length);
        switch (a)
        {
            case IntsetInt16[] x: { var s = Span16(x); for (int i = 0; i < sorted.Length; i++) s[i] = (short)sorted[i]; break; }
            case IntsetInt32[] x: { var s = Span32(x); for (int i = 0; i < sorted.Length; i++) s[i] = (int)sorted[i]; break; }
            case IntsetInt64[] x: sorted.CopyTo(Span64(x)); break;
        }
        return a;
    }
}

/// <summary>
/// Collects the members of a new set (SUNION/SINTER/SDIFF and their STORE forms, SPOP's rebuild) and makes
/// the value Redis would have built by adding them one by one to a new intset: an intset (sorted, smallest
/// width) when every member is an integer and there are at most set-max-intset-entries of them, otherwise
/// the table. Integers are gathered in a plain list and sorted once.
/// </summary>
public sealed class SetBuilder
{
    readonly int _maxIntset;
    List<long>? _ints = new();
    SetTableValue? _table;
    int _compactAt;

    public SetBuilder(long maxIntsetEntries)
    {
        _maxIntset = Set.ClampIntsetEntries(maxIntsetEntries);
        _compactAt = Math.Max(1024, 2 * Math.Min(_maxIntset, 1 << 20));
    }

    /// <summary>Number of distinct members so far (exact once in the table; sorts the integers otherwise).</summary>
    public long Count
    {
        get
        {
            if (_table != null) return _table.Members.Count;
            SortUnique();
            return _ints!.Count;
        }
    }

    public void Add(in SetMember m)
    {
        if (m.IsInteger) AddInteger(m.Integer);
        else Add(m.Bytes);
    }

    public void Add(ReadOnlySpan<byte> member)
    {
        if (_table == null && Numbers.TryParseStrictLong(member, out long v)) { AddInteger(v); return; }
        if (_table == null) SwitchToTable();
        if (_table!.Members.Find(member) == null) _table.AddNew(member.ToArray());
    }

    public void AddInteger(long v)
    {
        if (_table != null)
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            if (_table.Members.Find(scratch[..n]) == null) _table.AddNew(scratch[..n].ToArray());
            return;
        }
        _ints!.Add(v);
        if (_ints.Count >= _compactAt)
        {
            // Keep the list bounded: past the intset limit the result is a table anyway.
            SortUnique();
            if (_ints.Count > _maxIntset) SwitchToTable();
            else _compactAt = Math.Max(_compactAt, 2 * _ints.Count);
        }
    }

    /// <summary>The finished value, or null when no member was added.</summary>
    public object? Build()
    {
        if (_table != null) return _table.Members.Count == 0 ? null : _table;
        SortUnique();
        var ints = _ints!;
        if (ints.Count == 0) return null;
        if (ints.Count <= _maxIntset) return Set.IntsetFromSorted(CollectionsMarshal.AsSpan(ints));
        SwitchToTable();
        return _table;
    }

    void SortUnique()
    {
        var ints = _ints!;
        var span = CollectionsMarshal.AsSpan(ints);
        span.Sort();
        int n = 0;
        for (int i = 0; i < span.Length; i++)
            if (n == 0 || span[n - 1] != span[i]) span[n++] = span[i];
        ints.RemoveRange(n, ints.Count - n);
    }

    void SwitchToTable()
    {
        var table = new SetTableValue();
        SortUnique();
        Span<byte> scratch = stackalloc byte[24];
        foreach (long v in _ints!)
        {
            Utf8Formatter.TryFormat(v, scratch, out int n);
            table.AddNew(scratch[..n].ToArray());
        }
        _ints = null;
        _table = table;
    }
}

/// <summary>A set seen as ZUNION/ZINTER/ZDIFF input (Redis accepts plain sets there: every member scores 1).</summary>
public sealed class SetMembersView : ISetMembers
{
    readonly object _value;

    public SetMembersView(object setValue) => _value = setValue;

    public long Count => Set.TryOpen(_value, out var set) ? set.Count : 0;

    public bool Contains(ReadOnlySpan<byte> member) => Set.TryOpen(_value, out var set) && set.Contains(member);

    public IEnumerable<byte[]> Members()
    {
        var list = new List<byte[]>();
        if (!Set.TryOpen(_value, out var set)) return list;
        foreach (var m in set) list.Add(m.IsInteger ? System.Text.Encoding.ASCII.GetBytes(m.Integer.ToString()) : m.Bytes.ToArray());
        return list;
    }
}
