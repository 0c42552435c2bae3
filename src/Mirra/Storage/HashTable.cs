using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mirra.Storage;

/// <summary>
/// An entry of a <see cref="HashTable{T}"/>: a byte key and the chain link. The hash is not stored
/// (8 bytes per key matter at millions of keys); like Redis, rehashing recomputes it.
/// </summary>
public class TableEntry
{
    public byte[] Key;
    internal TableEntry? Next;

    public TableEntry(byte[] key) => Key = key;
}

/// <summary>
/// Redis's dict over byte keys: power-of-two bucket arrays with chaining, incremental rehashing
/// (two tables while growing or shrinking, a few buckets moved per operation), random sampling,
/// and the reverse-binary SCAN cursor that returns every element present for the whole iteration
/// even when the table is resized in between. Not sealed so that a value can be a table itself
/// (a set in its "hashtable" encoding is one object, not a wrapper around a table).
/// </summary>
public class HashTable<T> where T : TableEntry
{
    const int InitialSize = 4;
    TableEntry?[] _t0 = Array.Empty<TableEntry?>();
    TableEntry?[] _t1 = Array.Empty<TableEntry?>();
    int _used0, _used1;
    int _rehashIndex = -1; // -1 = not rehashing
    /// <summary>Pauses rehashing while a walk (snapshot) must see a stable bucket layout.</summary>
    public int PauseRehash;

    public int Count => _used0 + _used1;
    public bool IsRehashing => _rehashIndex >= 0;
    public int BucketCount => _t0.Length + _t1.Length;
    /// <summary>The bucket arrays (table 0, and table 1 while rehashing): a snapshot walks them while rehashing is paused.</summary>
    internal TableEntry?[] Buckets0 => _t0;
    internal TableEntry?[] Buckets1 => _t1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HashOf(ReadOnlySpan<byte> key)
    {
        var h = new HashCode();
        h.AddBytes(key);
        return h.ToHashCode();
    }

    public T? Find(ReadOnlySpan<byte> key) => Find(key, HashOf(key));

    public T? Find(ReadOnlySpan<byte> key, int hash)
    {
        if (Count == 0) return null;
        if (IsRehashing) RehashStep(1);
        for (int table = 0; table < 2; table++)
        {
            var buckets = table == 0 ? _t0 : _t1;
            if (buckets.Length == 0) break;
            var e = buckets[hash & (buckets.Length - 1)];
            while (e != null)
            {
                if (key.SequenceEqual(e.Key)) return (T)e;
                e = e.Next;
            }
            if (!IsRehashing) break;
        }
        return null;
    }

    /// <summary>
    /// Asks the CPU to start fetching the bucket a key of this hash goes to, so that a lookup or an add issued a
    /// little later (RDB loading: after the value is parsed) does not wait for memory. Only a hint: no effect on
    /// the table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int hash)
    {
        var buckets = IsRehashing ? _t1 : _t0;
        if (!Sse.IsSupported || buckets.Length == 0) return;
        // The address may be stale by the time the CPU uses it (the array can move): a prefetch never faults.
        Sse.Prefetch0(Unsafe.AsPointer(ref buckets[hash & (buckets.Length - 1)]));
    }

    /// <summary>Adds an entry whose key is known to be absent.</summary>
    public void Add(T entry) => Add(entry, HashOf(entry.Key));

    public void Add(T entry, int hash)
    {
        if (IsRehashing) RehashStep(1);
        ExpandIfNeeded();
        if (IsRehashing)
        {
            ref var slot = ref _t1[hash & (_t1.Length - 1)];
            entry.Next = slot;
            slot = entry;
            _used1++;
        }
        else
        {
            ref var slot = ref _t0[hash & (_t0.Length - 1)];
            entry.Next = slot;
            slot = entry;
            _used0++;
        }
    }

    public T? Remove(ReadOnlySpan<byte> key) => Remove(key, HashOf(key));

    public T? Remove(ReadOnlySpan<byte> key, int hash)
    {
        if (Count == 0) return null;
        if (IsRehashing) RehashStep(1);
        for (int table = 0; table < 2; table++)
        {
            var buckets = table == 0 ? _t0 : _t1;
            if (buckets.Length == 0) break;
            int idx = hash & (buckets.Length - 1);
            TableEntry? prev = null, e = buckets[idx];
            while (e != null)
            {
                if (key.SequenceEqual(e.Key))
                {
                    if (prev == null) buckets[idx] = e.Next; else prev.Next = e.Next;
                    e.Next = null;
                    if (table == 0) _used0--; else _used1--;
                    ShrinkIfNeeded();
                    return (T)e;
                }
                prev = e;
                e = e.Next;
            }
            if (!IsRehashing) break;
        }
        return null;
    }

    public void Clear()
    {
        _t0 = Array.Empty<TableEntry?>();
        _t1 = Array.Empty<TableEntry?>();
        _used0 = _used1 = 0;
        _rehashIndex = -1;
    }

    void ExpandIfNeeded()
    {
        if (IsRehashing) return;
        if (_t0.Length == 0) { _t0 = new TableEntry?[InitialSize]; return; }
        // Like Redis: grow when the load factor reaches 1 (unless rehashing is paused, then at 5).
        if (_used0 >= _t0.Length && (PauseRehash == 0 || _used0 / _t0.Length > 5))
            StartResize(NextPowerOfTwo(_used0 + 1));
    }

    void ShrinkIfNeeded()
    {
        if (IsRehashing || PauseRehash > 0) return;
        // Redis shrinks when fewer than 10% of the buckets are used.
        if (_t0.Length > InitialSize && _used0 * 10 < _t0.Length)
            StartResize(Math.Max(InitialSize, NextPowerOfTwo(_used0)));
    }

    /// <summary>Resizes to the minimal size holding all entries (Redis's dictResize from cron).</summary>
    public void ResizeToFit()
    {
        if (IsRehashing || PauseRehash > 0) return;
        int wanted = Math.Max(InitialSize, NextPowerOfTwo(_used0));
        if (wanted != _t0.Length && _t0.Length > 0) StartResize(wanted);
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> entries at once (Redis's dictExpand, used with the RESIZEDB hint
    /// of an RDB file): an empty table gets its final size directly, so loading never rehashes.
    /// </summary>
    public void Expand(int count)
    {
        if (IsRehashing || PauseRehash > 0 || count <= _t0.Length) return;
        int size = NextPowerOfTwo(count);
        if (Count == 0) _t0 = new TableEntry?[size];
        else StartResize(size);
    }

    void StartResize(int size)
    {
        if (size == _t0.Length) return;
        _t1 = new TableEntry?[size];
        _used1 = 0;
        _rehashIndex = 0;
    }

    static int NextPowerOfTwo(int n)
    {
        int size = InitialSize;
        while (size < n && size < (1 << 30)) size <<= 1;
        return size;
    }

    /// <summary>Moves up to <paramref name="buckets"/> non-empty buckets to the new table. Returns true while more remain.</summary>
    public bool RehashStep(int buckets)
    {
        if (!IsRehashing || PauseRehash > 0) return IsRehashing;
        int emptyVisits = buckets * 10;
        while (buckets-- > 0 && _used0 > 0)
        {
            while (_t0[_rehashIndex] == null)
            {
                _rehashIndex++;
                if (--emptyVisits == 0) return true;
            }
            var e = _t0[_rehashIndex];
            while (e != null)
            {
                var next = e.Next;
                ref var slot = ref _t1[HashOf(e.Key) & (_t1.Length - 1)];
                e.Next = slot;
                slot = e;
                _used0--;
                _used1++;
                e = next;
            }
            _t0[_rehashIndex] = null;
            _rehashIndex++;
        }
        if (_used0 == 0)
        {
            _t0 = _t1;
            _used0 = _used1;
            _t1 = Array.Empty<TableEntry?>();
            _used1 = 0;
            _rehashIndex = -1;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Rehashes for about <paramref name="milliseconds"/> (Redis's incrementallyRehash from cron); false when there
    /// was nothing to do (not rehashing, or rehashing paused). The clock is the precise one: Environment.TickCount64
    /// moves in steps of several milliseconds on Linux, which made "1 ms" last up to 4.
    /// </summary>
    public bool RehashFor(int milliseconds)
    {
        if (!IsRehashing || PauseRehash > 0) return false;
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000;
        while (RehashStep(100) && System.Diagnostics.Stopwatch.GetTimestamp() < deadline) { }
        return true;
    }

    /// <summary>A random entry, or null when empty (like dictGetFairRandomKey, close enough for sampling).</summary>
    public T? RandomEntry(Random rng)
    {
        if (Count == 0) return null;
        TableEntry? bucket = null;
        int guard = 0;
        while (bucket == null)
        {
            if (IsRehashing)
            {
                // Buckets below the rehash index in table 0 are empty.
                long span = _t0.Length + _t1.Length - _rehashIndex;
                long i = _rehashIndex + (long)(rng.NextDouble() * span);
                bucket = i >= _t0.Length ? _t1[i - _t0.Length] : _t0[i];
            }
            else bucket = _t0[rng.Next(_t0.Length)];
            if (++guard > 1_000_000) return FirstEntry();
        }
        int length = 0;
        for (var e = bucket; e != null; e = e.Next) length++;
        int pick = rng.Next(length);
        var chosen = bucket;
        while (pick-- > 0) chosen = chosen!.Next;
        return (T)chosen!;
    }

    T? FirstEntry()
    {
        foreach (var b in _t0) if (b != null) return (T)b;
        foreach (var b in _t1) if (b != null) return (T)b;
        return null;
    }

    /// <summary>
    /// One SCAN step (Redis's dictScan): visits the bucket at <paramref name="cursor"/> (in both tables
    /// while rehashing, including all expansions of it in the larger table) and returns the next cursor;
    /// 0 means the iteration is complete.
    /// </summary>
    public ulong Scan(ulong cursor, List<T> output)
    {
        if (Count == 0) return 0;
        if (!IsRehashing)
        {
            ulong mask = (ulong)_t0.Length - 1;
            for (var e = _t0[cursor & mask]; e != null; e = e.Next) output.Add((T)e);
            cursor |= ~mask;
            cursor = ReverseBits(cursor);
            cursor++;
            cursor = ReverseBits(cursor);
            return cursor;
        }
        var small = _t0.Length <= _t1.Length ? _t0 : _t1;
        var large = _t0.Length <= _t1.Length ? _t1 : _t0;
        ulong m0 = (ulong)small.Length - 1, m1 = (ulong)large.Length - 1;
        for (var e = small[cursor & m0]; e != null; e = e.Next) output.Add((T)e);
        do
        {
            for (var e = large[cursor & m1]; e != null; e = e.Next) output.Add((T)e);
            cursor |= ~m1;
            cursor = ReverseBits(cursor);
            cursor++;
            cursor = ReverseBits(cursor);
        } while ((cursor & (m0 ^ m1)) != 0);
        return cursor;
    }

    static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        v = ((v >> 8) & 0x00FF00FF00FF00FFUL) | ((v & 0x00FF00FF00FF00FFUL) << 8);
        v = ((v >> 16) & 0x0000FFFF0000FFFFUL) | ((v & 0x0000FFFF0000FFFFUL) << 16);
        return (v >> 32) | (v << 32);
    }

    /// <summary>Every entry (for KEYS, FLUSH accounting, RDB). Not safe against modification while enumerating.</summary>
    public IEnumerable<T> Entries()
    {
        foreach (var table in new[] { _t0, _t1 })
            foreach (var b in table)
                for (var e = b; e != null; e = e.Next) yield return (T)e;
    }

    /// <summary>Walks every entry without allocating (foreach). Not safe against modification while walking.</summary>
    public Enumerator GetEnumerator() => new(_t0, _t1);

    public struct Enumerator
    {
        readonly TableEntry?[] _t0, _t1;
        int _bucket;
        bool _second;
        TableEntry? _current;

        internal Enumerator(TableEntry?[] t0, TableEntry?[] t1)
        {
            _t0 = t0; _t1 = t1; _bucket = -1; _second = false; _current = null;
        }

        public readonly T Current => (T)_current!;

        public bool MoveNext()
        {
            if (_current?.Next != null) { _current = _current.Next; return true; }
            while (true)
            {
                var table = _second ? _t1 : _t0;
                while (++_bucket < table.Length)
                    if (table[_bucket] != null) { _current = table[_bucket]; return true; }
                if (_second) { _current = null; return false; }
                _second = true;
                _bucket = -1;
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for each entry without allocating an enumerator.</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<T, TState> visit)
    {
        var t0 = _t0; var t1 = _t1;
        for (int i = 0; i < t0.Length; i++)
            for (var e = t0[i]; e != null; e = e.Next) visit((T)e, ref state);
        for (int i = 0; i < t1.Length; i++)
            for (var e = t1[i]; e != null; e = e.Next) visit((T)e, ref state);
    }
}

public delegate void EntryVisitor<T, TState>(T entry, ref TState state);
