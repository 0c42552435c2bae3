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
/// One byte of a compact set: a small set whose members are not all integers is stored directly as the
/// value of its key, as a <c>SetListpackByte[]</c> holding its members one after the other, each as one
/// length byte (length + 1) followed by the member's bytes; a 0 byte or the end of the array ends the data.
/// Like <see cref="HashListpackByte"/>, an array of a one-byte struct is laid out like a <c>byte[]</c> but is
/// a type of its own. Redis 7.0 has no listpack sets, so such a set answers "hashtable" to OBJECT ENCODING:
/// the compact form is an internal detail.
/// </summary>
public readonly struct SetListpackByte { public readonly byte Value; }

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
/// <item>"hashtable", internally in two forms. While there are at most set-max-listpack-entries members and
/// none is longer than set-max-listpack-value bytes, a compact <see cref="SetListpackByte"/>[] holding the
/// members one after the other (grown with a quarter of slack, walked linearly); past either limit a
/// <see cref="SetTableValue"/>, for good. An intset that gets a non-integer member (or one member too many)
/// becomes compact when it fits, otherwise the table. Both answer "hashtable" (Redis 7.0 has no listpack sets).
/// Like Redis, a set never converts back (only SPOP's rebuild and the STORE commands make new sets, which
/// start as intsets or compact sets when they fit).</item>
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

    /// <summary>The longest member the compact form can hold (one length byte), whatever set-max-listpack-value says.</summary>
    public const int CompactMaxValue = 254;
    /// <summary>The most members the compact form holds (its operations walk the members), whatever set-max-listpack-entries says.</summary>
    public const int CompactMaxEntries = 1024;
    /// <summary>Defaults of set-max-listpack-entries and set-max-listpack-value.</summary>
    public const long DefaultListpackEntries = 128, DefaultListpackValue = 64;

    object _value; // IntsetInt16[] / IntsetInt32[] / IntsetInt64[] (intset), SetListpackByte[] (compact) or SetTableValue; null in default(Set)

    Set(object value) => _value = value;

    /// <summary>A new empty set (an empty intset); fill it before storing its <see cref="Value"/>.</summary>
    public static Set New() => new(Array.Empty<IntsetInt16>());

    public static bool IsSet(object value) => IsIntset(value) || value is SetListpackByte[] || value is SetTableValue;

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

    public readonly bool IsIntsetEncoded => IsIntset(_value);
    /// <summary>True for the compact form of a small non-integer set (an internal detail: it answers "hashtable").</summary>
    public readonly bool IsCompact => _value is SetListpackByte[];
    public readonly string EncodingName => IsIntset(_value) ? "intset" : "hashtable";

    /// <summary>The full table, or null while the set is an intset or compact (SSCAN walks it with its cursor).</summary>
    public readonly HashTable<TableEntry>? Table => (_value as SetTableValue)?.Members;

    public readonly long Count => _value switch
    {
        SetTableValue t => t.Members.Count,
        SetListpackByte[] lp => CompactCount(LpBytes(lp)),
        _ => IntsetLength(_value),
    };
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

    /// <summary>MEMORY USAGE of a compact set: its array, nothing else.</summary>
    public static long CompactEstimatedBytes(SetListpackByte[] lp) => ArrayBytes(lp.Length);

    /// <summary>A copy of a compact set trimmed to the used bytes (rounded up to whole 8-byte words).</summary>
    public static SetListpackByte[] CompactCopy(SetListpackByte[] lp)
    {
        int used = CompactEnd(LpBytes(lp));
        if (used == 0) return Array.Empty<SetListpackByte>();
        var copy = new SetListpackByte[RoundUp(used)];
        lp.AsSpan(0, used).CopyTo(copy);
        return copy;
    }

    /// <summary>What the GC takes for an array of <paramref name="bytes"/> bytes of elements.</summary>
    internal static long ArrayBytes(long bytes) => 24 + ((bytes + 7) & ~7L);

    /// <summary>An independent copy (COPY, snapshots).</summary>
    public readonly Set DeepCopy() => new(ValueTypes.DeepCopy(_value));

    // ---- Reads ----

    public readonly bool Contains(ReadOnlySpan<byte> member)
    {
        if (_value is SetTableValue t) return t.Members.Find(member) != null;
        if (_value is SetListpackByte[] lp) return CompactFind(LpBytes(lp), member, out _, out _) >= 0;
        return Numbers.TryParseStrictLong(member, out long v) && IntsetSearch(_value, v) >= 0;
    }

    public readonly bool ContainsInteger(long v)
    {
        if (!IsIntset(_value))
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            return Contains(scratch[..n]);
        }
        return IntsetSearch(_value, v) >= 0;
    }

    /// <summary>Membership of a member read from another set.</summary>
    public readonly bool Contains(in SetMember m) => m.IsInteger ? ContainsInteger(m.Integer) : Contains(m.Bytes);

    /// <summary>The member at a position of an intset (random picks by index).</summary>
    public readonly long IntsetAt(int index) => IntsetGet(_value, index);

    /// <summary>The member at a position of an intset or a compact set (random picks by index; a walk for a compact set).</summary>
    public readonly SetMember MemberAt(int index)
    {
        if (_value is SetListpackByte[] arr)
        {
            ReadOnlySpan<byte> lp = LpBytes(arr);
            int pos = 0, offset = 0, length = 0;
            for (int i = 0; i <= index; i++) CompactNext(lp, ref pos, out offset, out length);
            return new SetMember(lp.Slice(offset, length));
        }
        return new SetMember(IntsetGet(_value, index));
    }

    /// <summary>A random member (the set must not be empty).</summary>
    public readonly SetMember RandomMember(Random rng)
    {
        if (_value is SetTableValue t) return new SetMember(t.Members.RandomEntry(rng)!.Key);
        if (_value is SetListpackByte[] lp) return MemberAt(rng.Next(CompactCount(LpBytes(lp))));
        return new SetMember(IntsetGet(_value, rng.Next(IntsetLength(_value))));
    }

    // ---- Writes ----

    /// <summary>
    /// SADD of one member (Redis's setTypeAdd): true when it is new. A non-integer member converts an
    /// intset to the table; so does an addition that leaves more than <paramref name="maxIntsetEntries"/>.
    /// </summary>
    public bool Add(scoped ReadOnlySpan<byte> member, long maxIntsetEntries,
        long maxListpackEntries = DefaultListpackEntries, long maxListpackValue = DefaultListpackValue)
    {
        if (_value is SetTableValue t)
        {
            int hash = HashTable<TableEntry>.HashOf(member);
            if (t.Members.Find(member, hash) != null) return false;
            t.Members.Add(new TableEntry(member.ToArray()), hash);
            return true;
        }
        if (_value is SetListpackByte[]) return CompactAdd(member, maxListpackEntries, maxListpackValue);
        if (Numbers.TryParseStrictLong(member, out long v)) return AddInteger(v, maxIntsetEntries, maxListpackEntries, maxListpackValue);
        ConvertFromIntset(1, member.Length, maxListpackEntries, maxListpackValue);
        if (_value is SetListpackByte[]) return CompactAdd(member, maxListpackEntries, maxListpackValue);
        ((SetTableValue)_value).AddNew(member.ToArray());
        return true;
    }

    /// <summary>Adds an integer member (in its decimal form): true when it is new.</summary>
    public bool AddInteger(long v, long maxIntsetEntries,
        long maxListpackEntries = DefaultListpackEntries, long maxListpackValue = DefaultListpackValue)
    {
        if (!IsIntset(_value))
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            return Add(scratch[..n], maxIntsetEntries, maxListpackEntries, maxListpackValue);
        }
        int at = IntsetSearch(_value, v);
        if (at >= 0) return false;
        _value = IntsetInsert(_value, ~at, v);
        if (IntsetLength(_value) > ClampIntsetEntries(maxIntsetEntries)) ConvertFromIntset(0, 0, maxListpackEntries, maxListpackValue);
        return true;
    }

    /// <summary>
    /// Adds several integer members at once (SADD of integers to an intset): one new array instead of one
    /// per member. <paramref name="values"/> is sorted in place. Returns how many were new. The result is
    /// the one of adding them one by one: converted to the table when it ends up past the limit.
    /// </summary>
    public int AddIntegers(Span<long> values, long maxIntsetEntries,
        long maxListpackEntries = DefaultListpackEntries, long maxListpackValue = DefaultListpackValue)
    {
        if (!IsIntset(_value))
        {
            int added = 0;
            foreach (long v in values) if (AddInteger(v, maxIntsetEntries, maxListpackEntries, maxListpackValue)) added++;
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
        if (IntsetLength(_value) > ClampIntsetEntries(maxIntsetEntries)) ConvertFromIntset(0, 0, maxListpackEntries, maxListpackValue);
        return fresh;
    }

    /// <summary>SREM of one member: true when it was there. An intset keeps its width (Redis never narrows).</summary>
    public bool Remove(scoped ReadOnlySpan<byte> member)
    {
        if (_value is SetTableValue t) return t.Members.Remove(member) != null;
        if (_value is SetListpackByte[]) return CompactRemove(member);
        if (!Numbers.TryParseStrictLong(member, out long v)) return false;
        return RemoveInteger(v);
    }

    public bool RemoveInteger(long v)
    {
        if (!IsIntset(_value))
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            return Remove(scratch[..n]);
        }
        int at = IntsetSearch(_value, v);
        if (at < 0) return false;
        _value = IntsetRemoveAt(_value, at);
        return true;
    }

    public bool Remove(in SetMember m) => m.IsInteger ? RemoveInteger(m.Integer) : Remove(m.Bytes);

    /// <summary>Converts an intset or a compact set to the table for good (Redis's setTypeConvert).</summary>
    public void ConvertToTable()
    {
        if (_value is SetTableValue) return;
        var table = new SetTableValue();
        if (_value is SetListpackByte[] arr)
        {
            ReadOnlySpan<byte> lp = LpBytes(arr);
            int pos = 0;
            while (CompactNext(lp, ref pos, out int offset, out int length)) table.AddNew(lp.Slice(offset, length).ToArray());
            _value = table;
            return;
        }
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
    internal static int ClampCompactEntries(long max) => (int)Math.Clamp(max, 0, CompactMaxEntries);
    internal static int ClampCompactValue(long max) => (int)Math.Clamp(max, 0, CompactMaxValue);

    /// <summary>
    /// Leaves the intset for good: to the compact form when it and <paramref name="extraMembers"/> more members
    /// (the longest <paramref name="extraLength"/> bytes) fit the listpack limits, otherwise to the table.
    /// </summary>
    void ConvertFromIntset(int extraMembers, int extraLength, long maxListpackEntries, long maxListpackValue)
    {
        int n = IntsetLength(_value);
        int maxValue = ClampCompactValue(maxListpackValue);
        if ((long)n + extraMembers > ClampCompactEntries(maxListpackEntries) || extraLength > maxValue) { ConvertToTable(); return; }
        Span<byte> scratch = stackalloc byte[24];
        int size = 0;
        for (int i = 0; i < n; i++)
        {
            Utf8Formatter.TryFormat(IntsetGet(_value, i), scratch, out int len);
            if (len > maxValue) { ConvertToTable(); return; }
            size += 1 + len;
        }
        int capacity = extraMembers == 0 ? size : WithSlack(size + extraMembers * (1 + extraLength));
        var next = capacity == 0 ? Array.Empty<SetListpackByte>() : new SetListpackByte[RoundUp(capacity)];
        var lp = LpBytes(next);
        int pos = 0;
        for (int i = 0; i < n; i++)
        {
            Utf8Formatter.TryFormat(IntsetGet(_value, i), lp[(pos + 1)..], out int len);
            lp[pos] = (byte)(len + 1);
            pos += 1 + len;
        }
        _value = next;
    }

    // ---- The compact form ----

    /// <summary>The compact array's elements as bytes (same size and layout, so a reinterpretation, not a copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Span<byte> LpBytes(SetListpackByte[] lp) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<SetListpackByte, byte>(ref MemoryMarshal.GetArrayDataReference(lp)), lp.Length);

    /// <summary>Reads the member at <paramref name="pos"/> and moves past it; false at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool CompactNext(ReadOnlySpan<byte> lp, ref int pos, out int offset, out int length)
    {
        if ((uint)pos >= (uint)lp.Length || lp[pos] == 0) { offset = length = 0; return false; }
        length = lp[pos] - 1;
        offset = pos + 1;
        pos = offset + length;
        return true;
    }

    static int CompactEnd(ReadOnlySpan<byte> lp)
    {
        int pos = 0;
        while (CompactNext(lp, ref pos, out _, out _)) { }
        return pos;
    }

    static int CompactCount(ReadOnlySpan<byte> lp)
    {
        int pos = 0, n = 0;
        while (CompactNext(lp, ref pos, out _, out _)) n++;
        return n;
    }

    /// <summary>Where the member starts (its length byte), or -1; <paramref name="end"/> is the end of the data
    /// and <paramref name="count"/> the member count when it is absent.</summary>
    static int CompactFind(ReadOnlySpan<byte> lp, ReadOnlySpan<byte> member, out int end, out int count)
    {
        int pos = 0, n = 0;
        while (true)
        {
            int start = pos;
            if (!CompactNext(lp, ref pos, out int offset, out int length)) break;
            if (length == member.Length && member.SequenceEqual(lp.Slice(offset, length))) { end = -1; count = -1; return start; }
            n++;
        }
        end = pos; count = n;
        return -1;
    }

    bool CompactAdd(scoped ReadOnlySpan<byte> member, long maxListpackEntries, long maxListpackValue)
    {
        var lp = LpBytes((SetListpackByte[])_value);
        if (CompactFind(lp, member, out int end, out int count) >= 0) return false;
        if (member.Length > ClampCompactValue(maxListpackValue) || count + 1 > ClampCompactEntries(maxListpackEntries))
        {
            ConvertToTable();
            ((SetTableValue)_value).AddNew(member.ToArray());
            return true;
        }
        int needed = end + 1 + member.Length;
        if (needed > lp.Length) lp = CompactResize(end, end == 0 ? needed : WithSlack(needed));
        lp[end] = (byte)(member.Length + 1);
        member.CopyTo(lp[(end + 1)..]);
        return true;
    }

    bool CompactRemove(scoped ReadOnlySpan<byte> member)
    {
        var lp = LpBytes((SetListpackByte[])_value);
        int start = CompactFind(lp, member, out _, out _);
        if (start < 0) return false;
        int removed = 1 + member.Length;
        int end = CompactEnd(lp);
        lp[(start + removed)..end].CopyTo(lp[start..]);
        int newEnd = end - removed;
        lp[newEnd..end].Clear();
        // Give memory back when much of the array went unused.
        if (lp.Length - newEnd > Math.Max(16, newEnd / 2)) CompactResize(newEnd, newEnd);
        return true;
    }

    /// <summary>Moves the data to a new array of <paramref name="capacity"/> bytes (whole 8-byte words), which becomes <see cref="Value"/>.</summary>
    Span<byte> CompactResize(int used, int capacity)
    {
        var old = (SetListpackByte[])_value;
        var next = capacity == 0 ? Array.Empty<SetListpackByte>() : new SetListpackByte[RoundUp(capacity)];
        old.AsSpan(0, used).CopyTo(next);
        _value = next;
        return LpBytes(next);
    }

    static int RoundUp(int n) => n == 0 ? 0 : (int)Math.Min(Array.MaxLength, ((long)n + 7) & ~7L);

    /// <summary>Growth with a quarter of slack, like compact hashes.</summary>
    static int WithSlack(int needed) => (int)Math.Min(Array.MaxLength, needed + (long)needed / 4);

    /// <summary>
    /// An empty compact array with room for <paramref name="bytes"/> bytes of members (1 + length each), to fill
    /// with <see cref="AppendCompactMember"/> and store as a key's value (RDB loading, RESTORE). The caller
    /// guarantees distinct members, the listpack limits, and at least one member.
    /// </summary>
    public static SetListpackByte[] NewCompactArray(int bytes) => new SetListpackByte[RoundUp(bytes)];

    /// <summary>Writes a member at <paramref name="position"/> of an array made by <see cref="NewCompactArray"/>; returns where the next one goes.</summary>
    public static int AppendCompactMember(SetListpackByte[] lp, int position, ReadOnlySpan<byte> member)
    {
        var span = LpBytes(lp);
        span[position] = (byte)(member.Length + 1);
        member.CopyTo(span[(position + 1)..]);
        return position + 1 + member.Length;
    }

    /// <summary>A compact set holding distinct members (the caller checked the limits).</summary>
    internal static SetListpackByte[] CompactFrom(HashTable<TableEntry> members)
    {
        int size = 0;
        foreach (var m in members) size += 1 + m.Key.Length;
        if (size == 0) return Array.Empty<SetListpackByte>();
        var next = new SetListpackByte[RoundUp(size)];
        var lp = LpBytes(next);
        int pos = 0;
        foreach (var m in members)
        {
            lp[pos] = (byte)(m.Key.Length + 1);
            m.Key.CopyTo(lp[(pos + 1)..]);
            pos += 1 + m.Key.Length;
        }
        return next;
    }

    // ---- Enumeration ----

    /// <summary>Walks the members without allocating (intsets in ascending order). No writes while walking.</summary>
    public readonly Enumerator GetEnumerator() => new(_value);

    public ref struct Enumerator
    {
        readonly ReadOnlySpan<short> _s16;
        readonly ReadOnlySpan<int> _s32;
        readonly ReadOnlySpan<long> _s64;
        readonly ReadOnlySpan<byte> _lp;
        readonly int _width, _length;
        int _index, _offset, _size;
        HashTable<TableEntry>.Enumerator _entries;

        internal Enumerator(object value)
        {
            _s16 = default; _s32 = default; _s64 = default; _entries = default; _lp = default;
            _index = -1; _offset = _size = 0;
            switch (value)
            {
                case SetListpackByte[] a: _lp = LpBytes(a); _width = 1; _length = 0; _index = 0; break;
                case IntsetInt16[] a: _s16 = Span16(a); _width = 2; _length = a.Length; break;
                case IntsetInt32[] a: _s32 = Span32(a); _width = 4; _length = a.Length; break;
                case IntsetInt64[] a: _s64 = Span64(a); _width = 8; _length = a.Length; break;
                default: _entries = ((SetTableValue)value).Members.GetEnumerator(); _width = 0; _length = 0; break;
            }
        }

        public bool MoveNext() => _width switch
        {
            0 => _entries.MoveNext(),
            1 => CompactNext(_lp, ref _index, out _offset, out _size),
            _ => ++_index < _length,
        };

        public readonly SetMember Current => _width switch
        {
            0 => new SetMember(_entries.Current.Key),
            1 => new SetMember(_lp.Slice(_offset, _size)),
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
    readonly int _maxIntset, _maxCompactEntries, _maxCompactValue;
    List<long>? _ints = new();
    SetTableValue? _table;
    int _compactAt, _longest;

    public SetBuilder(long maxIntsetEntries,
        long maxListpackEntries = Set.DefaultListpackEntries, long maxListpackValue = Set.DefaultListpackValue)
    {
        _maxIntset = Set.ClampIntsetEntries(maxIntsetEntries);
        _maxCompactEntries = Set.ClampCompactEntries(maxListpackEntries);
        _maxCompactValue = Set.ClampCompactValue(maxListpackValue);
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
        if (_table!.Members.Find(member) == null)
        {
            _table.AddNew(member.ToArray());
            if (member.Length > _longest) _longest = member.Length;
        }
    }

    public void AddInteger(long v)
    {
        if (_table != null)
        {
            Span<byte> scratch = stackalloc byte[24];
            Utf8Formatter.TryFormat(v, scratch, out int n);
            if (_table.Members.Find(scratch[..n]) == null)
            {
                _table.AddNew(scratch[..n].ToArray());
                if (n > _longest) _longest = n;
            }
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

    /// <summary>The finished value, or null when no member was added. A table small enough for the
    /// listpack limits is made compact (it still answers "hashtable").</summary>
    public object? Build()
    {
        if (_table == null)
        {
            SortUnique();
            var ints = _ints!;
            if (ints.Count == 0) return null;
            if (ints.Count <= _maxIntset) return Set.IntsetFromSorted(CollectionsMarshal.AsSpan(ints));
            SwitchToTable();
        }
        var members = _table!.Members;
        if (members.Count == 0) return null;
        if (members.Count <= _maxCompactEntries && _longest <= _maxCompactValue) return Set.CompactFrom(members);
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
            if (n > _longest) _longest = n;
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
