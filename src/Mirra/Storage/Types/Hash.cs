using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mirra.Storage.Types;

/// <summary>A field of a hash in its full ("hashtable") encoding: the field is the table key.</summary>
public sealed class HashField : TableEntry
{
    public byte[] Value;

    public HashField(byte[] field, byte[] value) : base(field) => Value = value;
}

/// <summary>
/// One byte of a compact ("listpack") hash. A compact hash is stored directly as the value of its key,
/// as a <c>HashListpackByte[]</c> with no wrapper object: an array of a one-byte struct is laid out and
/// allocated exactly like a <c>byte[]</c> (24-byte header, one byte per element) yet is a type of its own,
/// so telling a hash from a string stays one exact type test. An <c>sbyte[]</c> would not do: the CLR
/// treats arrays of same-size integers as cast-compatible, so an sbyte[] passes <c>is byte[]</c> and
/// every string check (<see cref="StringValue.IsString"/>...) would take hashes for strings.
/// <see cref="Hash"/> reads and writes the array as bytes.
/// </summary>
public readonly struct HashListpackByte
{
    public readonly byte Value;
}

/// <summary>
/// A hash in its full ("hashtable") encoding: a <see cref="HashTable{T}"/> of <see cref="HashField"/>
/// entries. Used once a hash outgrows hash-max-listpack-entries or hash-max-listpack-value; such hashes
/// are large, so the wrapper object costs little next to them.
/// </summary>
public sealed class HashTableValue : IAggregateValue
{
    public readonly HashTable<HashField> Fields = new();

    public string TypeName => Hash.TypeName;
    public string EncodingName => "hashtable";
    public long Count => Fields.Count;

    public long EstimatedBytes
    {
        get
        {
            long total = 24 + 64 + 8L * Fields.BucketCount;
            foreach (var f in Fields) total += 48 + Hash.ArrayBytes(f.Key.Length) + Hash.ArrayBytes(f.Value.Length);
            return total;
        }
    }

    public IAggregateValue DeepCopy()
    {
        var copy = new HashTableValue();
        foreach (var f in Fields) copy.Fields.Add(new HashField(f.Key.ToArray(), f.Value.ToArray()));
        return copy;
    }
}

/// <summary>
/// A hash stored as a key's value, in one of Redis's two encodings:
/// <list type="bullet">
/// <item>"listpack": a <see cref="HashListpackByte"/>[] holding every field and value one after the other,
/// each written as a varint (length + 1) followed by its bytes; a 0 byte (or the end of the array) ends the
/// data, and everything after the end is zero. Lookups are linear, like Redis's listpack, which is fine for
/// the few entries (at most hash-max-listpack-entries) of short strings (at most hash-max-listpack-value
/// bytes) it may hold. Fields keep their insertion order. A small hash is this one array and nothing else.</item>
/// <item>"hashtable": a <see cref="HashTableValue"/>, once the hash outgrows either threshold. Like Redis,
/// a hash never converts back.</item>
/// </list>
/// This stack-only view is how commands use a hash: <see cref="TryOpen"/> a key's value, read or write
/// through it, then store <see cref="Value"/> back in the key if it changed (writes may move the compact
/// data to a bigger or smaller array, or convert it to the table). Keep one view per hash and pass it by
/// ref: a copy goes stale after a write. Integers are stored as their text. All access happens on the
/// executor thread.
/// </summary>
public ref struct Hash
{
    public const string TypeName = "hash";

    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB.</summary>
    const int CompactSafetyLimit = 1 << 30;

    object _value; // HashListpackByte[] (listpack) or HashTableValue (hashtable); null in default(Hash)

    Hash(object value) => _value = value;

    /// <summary>A new empty (compact) hash; fill it before storing its <see cref="Value"/> (a key is never an empty hash).</summary>
    public static Hash New() => new(Array.Empty<HashListpackByte>());

    public static bool IsHash(object value) => value is HashListpackByte[] || value is HashTableValue;

    /// <summary>Views a key's value as a hash: false for any other type.</summary>
    public static bool TryOpen(object value, out Hash hash)
    {
        hash = IsHash(value) ? new Hash(value) : default;
        return hash._value != null;
    }

    /// <summary>The object to store as the key's value; it changes when a write moves or converts the data.</summary>
    public readonly object Value => _value;

    /// <summary>False for <c>default(Hash)</c>, which stands for a missing key.</summary>
    public readonly bool Exists => _value != null;

    public readonly string EncodingName => _value is HashListpackByte[] ? "listpack" : "hashtable";
    public readonly bool IsCompact => _value is HashListpackByte[];

    /// <summary>The full table, or null while the hash is compact (HSCAN walks it with its cursor).</summary>
    public readonly HashTable<HashField>? Table => (_value as HashTableValue)?.Fields;

    /// <summary>Number of fields (a linear count in the compact form, like lpLength).</summary>
    public readonly long Count => _value is HashListpackByte[] lp ? CompactCount(Bytes(lp)) : ((HashTableValue)_value).Fields.Count;

    public readonly bool IsEmpty => _value is HashListpackByte[] lp ? lp.Length == 0 || lp[0].Value == 0 : ((HashTableValue)_value).Fields.Count == 0;

    public readonly long EstimatedBytes => ValueTypes.EstimatedBytes(_value);

    /// <summary>An independent copy (COPY, snapshots).</summary>
    public readonly Hash DeepCopy() => new(ValueTypes.DeepCopy(_value));

    // ---- The compact array as a value (for ValueTypes) ----

    /// <summary>MEMORY USAGE of a compact hash: its array, nothing else.</summary>
    public static long CompactEstimatedBytes(HashListpackByte[] lp) => ArrayBytes(lp.Length);

    /// <summary>A copy trimmed to the used bytes (rounded up to the GC's 8-byte granularity).</summary>
    public static HashListpackByte[] CompactCopy(HashListpackByte[] lp)
    {
        int used = CompactEnd(Bytes(lp));
        var copy = new HashListpackByte[RoundUp(used)];
        lp.AsSpan(0, used).CopyTo(copy);
        return copy;
    }

    /// <summary>What the GC takes for a byte array of <paramref name="length"/> elements.</summary>
    internal static long ArrayBytes(int length) => 24 + ((length + 7) & ~7);

    /// <summary>The compact array's elements as bytes (same size and layout, so a reinterpretation, not a copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Span<byte> Bytes(HashListpackByte[] lp) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<HashListpackByte, byte>(ref MemoryMarshal.GetArrayDataReference(lp)), lp.Length);

    // ---- Reads ----

    /// <summary>HGET: the value of a field, if present. The span is valid until the next write.</summary>
    public readonly bool TryGetValue(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_value is HashListpackByte[] arr)
        {
            var lp = Bytes(arr);
            if (CompactFind(lp, field, out _, out int vo, out int vl, out _))
            {
                value = lp.Slice(vo, vl);
                return true;
            }
            value = default;
            return false;
        }
        var e = ((HashTableValue)_value).Fields.Find(field);
        value = e?.Value;
        return e != null;
    }

    public readonly bool Contains(ReadOnlySpan<byte> field) => TryGetValue(field, out _);

    /// <summary>HSTRLEN: the length of a field's value, 0 when absent.</summary>
    public readonly int ValueLength(ReadOnlySpan<byte> field) => TryGetValue(field, out var v) ? v.Length : 0;

    // ---- Writes ----

    /// <summary>
    /// Converts a compact hash to the full table when a string of <paramref name="length"/> bytes is about
    /// to be written and is longer than hash-max-listpack-value (Redis's hashTypeTryConversion).
    /// </summary>
    public void ConvertIfTooLong(long length, int maxValue)
    {
        if (_value is HashListpackByte[] && length > maxValue) ConvertToTable();
    }

    /// <summary>
    /// Before <paramref name="bytes"/> more bytes of encoded pairs (see <see cref="EncodedPairSize"/>) are
    /// written: converts the hash when the compact form would pass Redis's 1 GB listpack safety limit,
    /// and sizes the array of a new (empty) hash exactly, so a multi-pair HSET allocates it once.
    /// </summary>
    public void ReserveCompact(long bytes)
    {
        if (_value is not HashListpackByte[] lp) return;
        if (lp.Length + bytes > CompactSafetyLimit && CompactEnd(Bytes(lp)) + bytes > CompactSafetyLimit) { ConvertToTable(); return; }
        if (lp.Length == 0 || lp[0].Value == 0) Resize(0, (int)bytes);
    }

    /// <summary>The compact-form size of one field and its value.</summary>
    public static long EncodedPairSize(int fieldLength, int valueLength) =>
        VarintSize((uint)fieldLength + 1) + fieldLength + VarintSize((uint)valueLength + 1) + valueLength;

    /// <summary>
    /// HSET of one field (Redis's hashTypeSet): true when the field is new. Converts to the full table
    /// when the field or value is longer than <paramref name="maxValue"/> or when the hash then has more
    /// than <paramref name="maxEntries"/> fields.
    /// </summary>
    public bool Set(scoped ReadOnlySpan<byte> field, scoped ReadOnlySpan<byte> value, int maxEntries, int maxValue)
    {
        if (_value is HashListpackByte[] && (field.Length > maxValue || value.Length > maxValue)) ConvertToTable();
        if (_value is HashListpackByte[])
        {
            bool created = CompactSet(field, value, out int count);
            if (count > maxEntries) ConvertToTable();
            return created;
        }
        var table = ((HashTableValue)_value).Fields;
        int hash = HashTable<HashField>.HashOf(field);
        var e = table.Find(field, hash);
        if (e != null) { e.Value = value.ToArray(); return false; }
        table.Add(new HashField(field.ToArray(), value.ToArray()), hash);
        return true;
    }

    /// <summary>HDEL of one field: true when it existed.</summary>
    public bool Remove(scoped ReadOnlySpan<byte> field)
    {
        if (_value is HashListpackByte[] arr)
        {
            var lp = Bytes(arr);
            if (!CompactFind(lp, field, out int start, out int vo, out int vl, out _)) return false;
            int pairEnd = vo + vl;
            int end = CompactEnd(lp, pairEnd);
            int removed = pairEnd - start;
            lp[pairEnd..end].CopyTo(lp[start..]);
            int newEnd = end - removed;
            lp.Slice(newEnd, removed).Clear();
            // Give memory back when much of the array went unused (listpacks shrink on delete too).
            if (lp.Length - newEnd > Math.Max(16, newEnd / 2)) Resize(newEnd, newEnd);
            return true;
        }
        return ((HashTableValue)_value).Fields.Remove(field) != null;
    }

    /// <summary>Converts to the full table for good (Redis's hashTypeConvert).</summary>
    public void ConvertToTable()
    {
        if (_value is not HashListpackByte[] arr) return;
        ReadOnlySpan<byte> lp = Bytes(arr);
        var full = new HashTableValue();
        int pos = 0;
        while (NextElement(lp, ref pos, out int fo, out int fl))
        {
            NextElement(lp, ref pos, out int vo, out int vl);
            full.Fields.Add(new HashField(lp.Slice(fo, fl).ToArray(), lp.Slice(vo, vl).ToArray()));
        }
        _value = full;
    }

    // ---- Building from loaded data (RDB, RESTORE) ----

    /// <summary>
    /// An empty compact array with room for <paramref name="bytes"/> bytes of encoded pairs (the sum of their
    /// <see cref="EncodedPairSize"/>), to fill with <see cref="AppendCompactPair"/> and store as a key's value.
    /// The caller guarantees distinct fields, the listpack limits, and at least one pair.
    /// </summary>
    public static HashListpackByte[] NewCompactArray(int bytes) => new HashListpackByte[RoundUp(bytes)];

    /// <summary>Writes a pair at <paramref name="position"/> of an array made by <see cref="NewCompactArray"/>; returns where the next one goes.</summary>
    public static int AppendCompactPair(HashListpackByte[] lp, int position, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        var span = Bytes(lp);
        position += WriteElement(span[position..], field);
        return position + WriteElement(span[position..], value);
    }

    // ---- Enumeration ----

    /// <summary>Walks the fields and values without allocating: <c>foreach (var p in hash) use(p.Field, p.Value)</c>.
    /// The hash must not be modified while walking.</summary>
    public readonly Enumerator GetEnumerator() => new(_value);

    public readonly ref struct Pair
    {
        public readonly ReadOnlySpan<byte> Field;
        public readonly ReadOnlySpan<byte> Value;

        public Pair(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) { Field = field; Value = value; }
    }

    public ref struct Enumerator
    {
        readonly ReadOnlySpan<byte> _lp;
        readonly bool _compact;
        int _pos, _fo, _fl, _vo, _vl;
        HashTable<HashField>.Enumerator _entries;

        internal Enumerator(object value)
        {
            _pos = _fo = _fl = _vo = _vl = 0;
            if (value is HashListpackByte[] arr)
            {
                _lp = Bytes(arr);
                _compact = true;
                _entries = default;
            }
            else
            {
                _lp = default;
                _compact = false;
                _entries = ((HashTableValue)value).Fields.GetEnumerator();
            }
        }

        public bool MoveNext()
        {
            if (_compact)
            {
                if (!NextElement(_lp, ref _pos, out _fo, out _fl)) return false;
                NextElement(_lp, ref _pos, out _vo, out _vl);
                return true;
            }
            return _entries.MoveNext();
        }

        public readonly ReadOnlySpan<byte> Field => _compact ? _lp.Slice(_fo, _fl) : _entries.Current.Key;
        public readonly ReadOnlySpan<byte> Value => _compact ? _lp.Slice(_vo, _vl) : _entries.Current.Value;
        public readonly Pair Current => new(Field, Value);
    }

    /// <summary>
    /// The positions of the pairs of a compact hash (for random picks by index, HRANDFIELD); null in the
    /// hashtable form. Read a pair with <see cref="CompactPairAt"/>.
    /// </summary>
    public readonly int[]? CompactPairPositions()
    {
        if (_value is not HashListpackByte[] arr) return null;
        ReadOnlySpan<byte> lp = Bytes(arr);
        var positions = new int[CompactCount(lp)];
        int pos = 0, i = 0;
        while (pos < lp.Length && lp[pos] != 0)
        {
            positions[i++] = pos;
            NextElement(lp, ref pos, out _, out _);
            NextElement(lp, ref pos, out _, out _);
        }
        return positions;
    }

    /// <summary>A random field and its value (the hash must not be empty).</summary>
    public readonly Pair RandomPair(Random rng)
    {
        if (_value is HashTableValue full)
        {
            var e = full.Fields.RandomEntry(rng)!;
            return new Pair(e.Key, e.Value);
        }
        ReadOnlySpan<byte> lp = Bytes((HashListpackByte[])_value);
        int skip = rng.Next(CompactCount(lp)) * 2, pos = 0;
        while (skip-- > 0) NextElement(lp, ref pos, out _, out _);
        return CompactPairAt(pos);
    }

    public readonly Pair CompactPairAt(int position)
    {
        ReadOnlySpan<byte> lp = Bytes((HashListpackByte[])_value);
        NextElement(lp, ref position, out int fo, out int fl);
        NextElement(lp, ref position, out int vo, out int vl);
        return new Pair(lp.Slice(fo, fl), lp.Slice(vo, vl));
    }

    // ---- The compact form ----

    /// <summary>Reads the element at <paramref name="pos"/>: false at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool NextElement(ReadOnlySpan<byte> lp, ref int pos, out int offset, out int length)
    {
        int p = pos;
        if ((uint)p >= (uint)lp.Length || lp[p] == 0) { offset = length = 0; return false; }
        uint v = lp[p++];
        if (v >= 0x80)
        {
            v &= 0x7F;
            int shift = 7;
            byte b;
            do
            {
                b = lp[p++];
                v |= (uint)(b & 0x7F) << shift;
                shift += 7;
            } while (b >= 0x80);
        }
        offset = p;
        length = (int)v - 1;
        pos = p + length;
        return true;
    }

    static int VarintSize(uint v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    static int WriteVarint(Span<byte> dest, uint v)
    {
        int n = 0;
        while (v >= 0x80) { dest[n++] = (byte)(v | 0x80); v >>= 7; }
        dest[n++] = (byte)v;
        return n;
    }

    static int WriteElement(Span<byte> dest, ReadOnlySpan<byte> s)
    {
        int n = WriteVarint(dest, (uint)s.Length + 1);
        s.CopyTo(dest[n..]);
        return n + s.Length;
    }

    /// <summary>Where the data ends (the first byte after the last element), scanning from a known element start.</summary>
    static int CompactEnd(ReadOnlySpan<byte> lp, int from = 0)
    {
        int pos = from;
        while (NextElement(lp, ref pos, out _, out _)) { }
        return pos;
    }

    static int CompactCount(ReadOnlySpan<byte> lp)
    {
        int pos = 0, elements = 0;
        while (NextElement(lp, ref pos, out _, out _)) elements++;
        return elements / 2;
    }

    /// <summary>Finds a field: the start of its pair and where its value is; otherwise the end of the data.</summary>
    static bool CompactFind(ReadOnlySpan<byte> lp, ReadOnlySpan<byte> field, out int pairStart, out int valueOffset, out int valueLength, out int endOrCount)
    {
        int pos = 0, count = 0;
        while (true)
        {
            int start = pos;
            if (!NextElement(lp, ref pos, out int fo, out int fl)) break;
            NextElement(lp, ref pos, out int vo, out int vl);
            if (fl == field.Length && field.SequenceEqual(lp.Slice(fo, fl)))
            {
                pairStart = start; valueOffset = vo; valueLength = vl; endOrCount = count;
                return true;
            }
            count++;
        }
        pairStart = pos; valueOffset = valueLength = 0; endOrCount = count;
        return false;
    }

    /// <summary>Replaces or appends a pair in the compact form; reports the field count afterwards.</summary>
    bool CompactSet(scoped ReadOnlySpan<byte> field, scoped ReadOnlySpan<byte> value, out int count)
    {
        var lp = Bytes((HashListpackByte[])_value);
        if (CompactFind(lp, field, out int pairStart, out int vo, out int vl, out int pairsBefore))
        {
            // The value element starts at its varint; replace it, moving the tail if the size changes.
            int elementStart = vo - VarintSize((uint)vl + 1);
            int oldSize = vo + vl - elementStart;
            int newSize = VarintSize((uint)value.Length + 1) + value.Length;
            if (newSize != oldSize)
            {
                int end = CompactEnd(lp, vo + vl);
                int newEnd = end - oldSize + newSize;
                if (newEnd > lp.Length) lp = Resize(end, WithSlack(newEnd));
                lp[(elementStart + oldSize)..end].CopyTo(lp[(elementStart + newSize)..]);
                if (newEnd < end) lp[newEnd..end].Clear();
            }
            WriteElement(lp[elementStart..], value);
            count = CompactCount(lp);
            return false;
        }
        // Not found: pairStart is the end of the data and pairsBefore the number of pairs.
        int dataEnd = pairStart;
        int size = (int)EncodedPairSize(field.Length, value.Length);
        if (dataEnd + size > lp.Length) lp = Resize(dataEnd, dataEnd == 0 ? size : WithSlack(dataEnd + size));
        int at = dataEnd + WriteElement(lp[dataEnd..], field);
        WriteElement(lp[at..], value);
        count = pairsBefore + 1;
        return true;
    }

    /// <summary>
    /// Moves the data to a new array of <paramref name="capacity"/> bytes (rounded up to whole 8-byte words,
    /// which the GC allocates anyway), which becomes <see cref="Value"/>; returns it as bytes.
    /// </summary>
    Span<byte> Resize(int used, int capacity)
    {
        var old = (HashListpackByte[])_value;
        var next = capacity == 0 ? Array.Empty<HashListpackByte>() : new HashListpackByte[RoundUp(capacity)];
        old.AsSpan(0, used).CopyTo(next);
        _value = next;
        return Bytes(next);
    }

    static int RoundUp(int n) => n == 0 ? 0 : (int)Math.Min(Array.MaxLength, ((long)n + 7) & ~7L);

    /// <summary>Growth with a quarter of slack (a listpack is realloc'ed into allocator size classes, about as loose).</summary>
    static int WithSlack(int needed) => (int)Math.Min(Array.MaxLength, needed + (long)needed / 4);
}
