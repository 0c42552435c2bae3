using System.Runtime.CompilerServices;

namespace Mirra.Storage.Types;

/// <summary>A field of a hash in its full ("hashtable") encoding: the field is the table key.</summary>
public sealed class HashField : TableEntry
{
    public byte[] Value;

    public HashField(byte[] field, byte[] value) : base(field) => Value = value;
}

/// <summary>
/// A hash, in one of Redis's two encodings:
/// <list type="bullet">
/// <item>"listpack": ONE byte array holding every field and value one after the other, each written
/// as a varint (length + 1) followed by its bytes; a 0 byte (or the end of the array) ends the data, and
/// everything after the end is zero. Lookups are linear, like Redis's listpack, which is fine for the
/// few entries (at most hash-max-listpack-entries) of short strings (at most hash-max-listpack-value bytes)
/// it may hold. Fields keep their insertion order.</item>
/// <item>"hashtable": a <see cref="HashTable{T}"/> of <see cref="HashField"/> entries, used once the hash
/// outgrows either threshold. Like Redis, a hash never converts back.</item>
/// </list>
/// The object itself holds one reference (24 bytes), so a small hash costs this object plus one array.
/// Integers are stored as their text. All access happens on the executor thread.
/// </summary>
public sealed class HashValue : IAggregateValue
{
    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB.</summary>
    const int CompactSafetyLimit = 1 << 30;

    object _data; // byte[] (listpack) or HashTable<HashField> (hashtable)

    public HashValue() => _data = Array.Empty<byte>();

    HashValue(object data) => _data = data;

    public string TypeName => "hash";
    public string EncodingName => _data is byte[] ? "listpack" : "hashtable";
    public bool IsCompact => _data is byte[];

    /// <summary>The full table, or null while the hash is compact (HSCAN walks it with its cursor).</summary>
    public HashTable<HashField>? Table => _data as HashTable<HashField>;

    /// <summary>Number of fields (a linear count in the compact form, like lpLength).</summary>
    public long Count => _data is byte[] lp ? CompactCount(lp) : ((HashTable<HashField>)_data).Count;

    public bool IsEmpty => _data is byte[] lp ? lp.Length == 0 || lp[0] == 0 : ((HashTable<HashField>)_data).Count == 0;

    public long EstimatedBytes
    {
        get
        {
            if (_data is byte[] lp) return 24 + ArrayBytes(lp.Length);
            var table = (HashTable<HashField>)_data;
            long total = 24 + 64 + 8L * table.BucketCount;
            foreach (var f in table) total += 48 + ArrayBytes(f.Key.Length) + ArrayBytes(f.Value.Length);
            return total;
        }
    }

    static long ArrayBytes(int length) => 24 + ((length + 7) & ~7);

    public IAggregateValue DeepCopy()
    {
        if (_data is byte[] lp)
        {
            int used = CompactEnd(lp);
            var copy = new byte[RoundUp(used)];
            lp.AsSpan(0, used).CopyTo(copy);
            return new HashValue(copy);
        }
        var table = new HashTable<HashField>();
        foreach (var f in (HashTable<HashField>)_data) table.Add(new HashField(f.Key.ToArray(), f.Value.ToArray()));
        return new HashValue(table);
    }

    // ---- Reads ----

    /// <summary>HGET: the value of a field, if present. The span is valid until the next write.</summary>
    public bool TryGetValue(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_data is byte[] lp)
        {
            if (CompactFind(lp, field, out _, out int vo, out int vl, out _))
            {
                value = new ReadOnlySpan<byte>(lp, vo, vl);
                return true;
            }
            value = default;
            return false;
        }
        var e = ((HashTable<HashField>)_data).Find(field);
        value = e?.Value;
        return e != null;
    }

    public bool Contains(ReadOnlySpan<byte> field) => TryGetValue(field, out _);

    /// <summary>HSTRLEN: the length of a field's value, 0 when absent.</summary>
    public int ValueLength(ReadOnlySpan<byte> field) => TryGetValue(field, out var v) ? v.Length : 0;

    // ---- Writes ----

    /// <summary>
    /// Converts a compact hash to the full table when a string of <paramref name="length"/> bytes is about
    /// to be written and is longer than hash-max-listpack-value (Redis's hashTypeTryConversion).
    /// </summary>
    public void ConvertIfTooLong(long length, int maxValue)
    {
        if (_data is byte[] && length > maxValue) ConvertToTable();
    }

    /// <summary>
    /// Before <paramref name="bytes"/> more bytes of encoded pairs (see <see cref="EncodedPairSize"/>) are
    /// written: converts the hash when the compact form would pass Redis's 1 GB listpack safety limit,
    /// and sizes the array of a new (empty) hash exactly, so a multi-pair HSET allocates it once.
    /// </summary>
    public void ReserveCompact(long bytes)
    {
        if (_data is not byte[] lp) return;
        if (lp.Length + bytes > CompactSafetyLimit && CompactEnd(lp) + bytes > CompactSafetyLimit) { ConvertToTable(); return; }
        if (lp.Length == 0 || lp[0] == 0) Resize(lp, 0, (int)bytes);
    }

    /// <summary>The compact-form size of one field and its value.</summary>
    public static long EncodedPairSize(int fieldLength, int valueLength) =>
        VarintSize((uint)fieldLength + 1) + fieldLength + VarintSize((uint)valueLength + 1) + valueLength;

    /// <summary>
    /// HSET of one field (Redis's hashTypeSet): true when the field is new. Converts to the full table
    /// when the field or value is longer than <paramref name="maxValue"/> or when the hash then has more
    /// than <paramref name="maxEntries"/> fields.
    /// </summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, int maxEntries, int maxValue)
    {
        if (_data is byte[] && (field.Length > maxValue || value.Length > maxValue)) ConvertToTable();
        if (_data is byte[] lp)
        {
            bool created = CompactSet(lp, field, value, out int count);
            if (count > maxEntries) ConvertToTable();
            return created;
        }
        var table = (HashTable<HashField>)_data;
        int hash = HashTable<HashField>.HashOf(field);
        var e = table.Find(field, hash);
        if (e != null) { e.Value = value.ToArray(); return false; }
        table.Add(new HashField(field.ToArray(), value.ToArray()), hash);
        return true;
    }

    /// <summary>HDEL of one field: true when it existed.</summary>
    public bool Remove(ReadOnlySpan<byte> field)
    {
        if (_data is byte[] lp)
        {
            if (!CompactFind(lp, field, out int start, out int vo, out int vl, out _)) return false;
            int pairEnd = vo + vl;
            int end = CompactEnd(lp, pairEnd);
            int removed = pairEnd - start;
            Buffer.BlockCopy(lp, pairEnd, lp, start, end - pairEnd);
            int newEnd = end - removed;
            Array.Clear(lp, newEnd, removed);
            // Give memory back when much of the array went unused (listpacks shrink on delete too).
            if (lp.Length - newEnd > Math.Max(16, newEnd / 2)) Resize(lp, newEnd, newEnd);
            return true;
        }
        return ((HashTable<HashField>)_data).Remove(field) != null;
    }

    /// <summary>Converts to the full table for good (Redis's hashTypeConvert).</summary>
    public void ConvertToTable()
    {
        if (_data is not byte[] lp) return;
        var table = new HashTable<HashField>();
        int pos = 0;
        while (NextElement(lp, ref pos, out int fo, out int fl))
        {
            NextElement(lp, ref pos, out int vo, out int vl);
            table.Add(new HashField(lp.AsSpan(fo, fl).ToArray(), lp.AsSpan(vo, vl).ToArray()));
        }
        _data = table;
    }

    // ---- Enumeration ----

    /// <summary>Walks the fields and values without allocating: <c>foreach (var p in hash) use(p.Field, p.Value)</c>.
    /// The hash must not be modified while walking.</summary>
    public Enumerator GetEnumerator() => new(this);

    public readonly ref struct Pair
    {
        public readonly ReadOnlySpan<byte> Field;
        public readonly ReadOnlySpan<byte> Value;

        public Pair(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) { Field = field; Value = value; }
    }

    public ref struct Enumerator
    {
        readonly byte[]? _lp;
        int _pos, _fo, _fl, _vo, _vl;
        HashTable<HashField>.Enumerator _entries;

        internal Enumerator(HashValue hash)
        {
            _lp = hash._data as byte[];
            _pos = _fo = _fl = _vo = _vl = 0;
            _entries = _lp == null ? ((HashTable<HashField>)hash._data).GetEnumerator() : default;
        }

        public bool MoveNext()
        {
            if (_lp != null)
            {
                if (!NextElement(_lp, ref _pos, out _fo, out _fl)) return false;
                NextElement(_lp, ref _pos, out _vo, out _vl);
                return true;
            }
            return _entries.MoveNext();
        }

        public ReadOnlySpan<byte> Field => _lp != null ? new ReadOnlySpan<byte>(_lp, _fo, _fl) : _entries.Current.Key;
        public ReadOnlySpan<byte> Value => _lp != null ? new ReadOnlySpan<byte>(_lp, _vo, _vl) : _entries.Current.Value;
        public Pair Current => new(Field, Value);
    }

    /// <summary>
    /// The positions of the pairs of a compact hash (for random picks by index, HRANDFIELD); null in the
    /// hashtable form. Read a pair with <see cref="CompactPairAt"/>.
    /// </summary>
    public int[]? CompactPairPositions()
    {
        if (_data is not byte[] lp) return null;
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
    public Pair RandomPair(Random rng)
    {
        if (_data is HashTable<HashField> table)
        {
            var e = table.RandomEntry(rng)!;
            return new Pair(e.Key, e.Value);
        }
        var lp = (byte[])_data;
        int skip = rng.Next(CompactCount(lp)) * 2, pos = 0;
        while (skip-- > 0) NextElement(lp, ref pos, out _, out _);
        return CompactPairAt(pos);
    }

    public Pair CompactPairAt(int position)
    {
        var lp = (byte[])_data;
        NextElement(lp, ref position, out int fo, out int fl);
        NextElement(lp, ref position, out int vo, out int vl);
        return new Pair(new ReadOnlySpan<byte>(lp, fo, fl), new ReadOnlySpan<byte>(lp, vo, vl));
    }

    // ---- The compact form ----

    /// <summary>Reads the element at <paramref name="pos"/>: false at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool NextElement(byte[] lp, ref int pos, out int offset, out int length)
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
    static int CompactEnd(byte[] lp, int from = 0)
    {
        int pos = from;
        while (NextElement(lp, ref pos, out _, out _)) { }
        return pos;
    }

    static int CompactCount(byte[] lp)
    {
        int pos = 0, elements = 0;
        while (NextElement(lp, ref pos, out _, out _)) elements++;
        return elements / 2;
    }

    /// <summary>Finds a field: the start of its pair and where its value is; otherwise the end of the data.</summary>
    static bool CompactFind(byte[] lp, ReadOnlySpan<byte> field, out int pairStart, out int valueOffset, out int valueLength, out int endOrCount)
    {
        int pos = 0, count = 0;
        while (true)
        {
            int start = pos;
            if (!NextElement(lp, ref pos, out int fo, out int fl)) break;
            NextElement(lp, ref pos, out int vo, out int vl);
            if (fl == field.Length && field.SequenceEqual(new ReadOnlySpan<byte>(lp, fo, fl)))
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
    bool CompactSet(byte[] lp, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, out int count)
    {
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
                if (newEnd > lp.Length) lp = Resize(lp, end, WithSlack(newEnd));
                Buffer.BlockCopy(lp, elementStart + oldSize, lp, elementStart + newSize, end - (elementStart + oldSize));
                if (newEnd < end) Array.Clear(lp, newEnd, end - newEnd);
            }
            WriteElement(lp.AsSpan(elementStart), value);
            count = CompactCount(lp);
            return false;
        }
        // Not found: pairStart is the end of the data and pairsBefore the number of pairs.
        int dataEnd = pairStart;
        int size = (int)EncodedPairSize(field.Length, value.Length);
        if (dataEnd + size > lp.Length) lp = Resize(lp, dataEnd, dataEnd == 0 ? size : WithSlack(dataEnd + size));
        int at = dataEnd + WriteElement(lp.AsSpan(dataEnd), field);
        WriteElement(lp.AsSpan(at), value);
        count = pairsBefore + 1;
        return true;
    }

    /// <summary>Moves the data to an array of <paramref name="capacity"/> bytes (rounded up to whole 8-byte words, which the GC allocates anyway).</summary>
    byte[] Resize(byte[] lp, int used, int capacity)
    {
        var next = capacity == 0 ? Array.Empty<byte>() : new byte[RoundUp(capacity)];
        Buffer.BlockCopy(lp, 0, next, 0, used);
        _data = next;
        return next;
    }

    static int RoundUp(int n) => n == 0 ? 0 : (int)Math.Min(Array.MaxLength, ((long)n + 7) & ~7L);

    /// <summary>Growth with a quarter of slack (a listpack is realloc'ed into allocator size classes, about as loose).</summary>
    static int WithSlack(int needed) => (int)Math.Min(Array.MaxLength, needed + (long)needed / 4);
}
