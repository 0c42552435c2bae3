namespace Mirra.Storage;

/// <summary>
/// One of the numbered databases. All access happens on the executor thread. Every mutation goes
/// through these methods so that the keyspace can observe it (expiry, WATCH, snapshots).
/// </summary>
public sealed class Database
{
    public readonly int Index;
    readonly Keyspace _keyspace;
    HashTable<KeyEntry> _keys = new();
    VolatileKeys _volatile = new();

    /// <summary>Redis's db->avg_ttl: a running estimate refreshed by the active expiry cycle.</summary>
    public long AverageTtl;
    /// <summary>Cursor of the active expiry cycle into the volatile list.</summary>
    internal int ExpireCursor;

    public Database(Keyspace keyspace, int index)
    {
        _keyspace = keyspace;
        Index = index;
    }

    public int Count => _keys.Count;
    public int ExpiresCount => _volatile.Count;
    public HashTable<KeyEntry> Table => _keys;
    internal VolatileKeys Volatile => _volatile;

    /// <summary>Finds a live key for reading; an expired key is deleted (on a master) and reported absent.</summary>
    public KeyEntry? Lookup(ReadOnlySpan<byte> key)
    {
        var e = _keys.Find(key);
        if (e == null) return null;
        if (e.VolatileIndex >= 0 && _volatile.ExpireAt(e.VolatileIndex) < _keyspace.NowMs && _keyspace.ExpireIfNeeded(this, e)) return null;
        e.LastAccess = _keyspace.LruClock;
        return e;
    }

    /// <summary>Like <see cref="Lookup"/> but leaves the access time alone (Redis's LOOKUP_NOTOUCH: EXISTS, TYPE, TTL, OBJECT).</summary>
    public KeyEntry? LookupNoTouch(ReadOnlySpan<byte> key)
    {
        var e = _keys.Find(key);
        if (e == null) return null;
        if (e.VolatileIndex >= 0 && _volatile.ExpireAt(e.VolatileIndex) < _keyspace.NowMs && _keyspace.ExpireIfNeeded(this, e)) return null;
        return e;
    }

    /// <summary>Finds a key without expiring it or touching its access time (TYPE checks of OBJECT, SCAN filters).</summary>
    public KeyEntry? Peek(ReadOnlySpan<byte> key) => _keys.Find(key);

    /// <summary>Redis's keyIsExpired: a key expires once the time is past its expiry (not at it).</summary>
    public bool IsLogicallyExpired(KeyEntry e) => e.VolatileIndex >= 0 && _volatile.ExpireAt(e.VolatileIndex) < _keyspace.NowMs;

    /// <summary>The key's absolute expiry in Unix milliseconds, or -1 when it has none.</summary>
    public long ExpireAtOf(KeyEntry e) => _volatile.ExpireAt(e);

    /// <summary>Adds a key that does not exist. The key array is kept (callers pass a private copy).</summary>
    public KeyEntry Add(byte[] key, object value, long expireAtMs = -1)
    {
        var e = new KeyEntry(key, value) { LastAccess = _keyspace.LruClock };
        _keyspace.BeforeWrite(this, key);
        _keys.Add(e);
        if (expireAtMs >= 0) SetExpire(e, expireAtMs);
        _keyspace.KeyAdded?.Invoke(this, key);
        return e;
    }

    /// <summary>
    /// Adds an entry read from an RDB file (Redis's dbAddRDBLoad), unless its key exists: then nothing changes and
    /// false is returned. <paramref name="hash"/> is the key's <see cref="HashTable{T}.HashOf"/>. Like Redis, loading
    /// raises no keyspace event ("new"); <paramref name="announceWrite"/> fires the write hook (WATCH, snapshots,
    /// blocked clients) for loads into a server that may have observers (DEBUG RELOAD), not at startup.
    /// </summary>
    public bool AddLoaded(KeyEntry e, int hash, long expireAtMs, bool announceWrite)
    {
        var key = e.Key;
        if (_keys.Find(key, hash) != null) return false;
        e.LastAccess = _keyspace.LruClock;
        if (announceWrite) _keyspace.BeforeWrite(this, key);
        _keys.Add(e, hash);
        if (expireAtMs >= 0) _volatile.Set(e, expireAtMs);
        return true;
    }

    /// <summary>Sizes the key table for <paramref name="keys"/> keys at once (the RESIZEDB hint of an RDB file being loaded).</summary>
    public void ExpandForLoad(long keys) => _keys.Expand((int)Math.Min(keys, 1 << 30));

    /// <summary>Sets a key to a value (SET semantics): replaces the value and, unless keepTtl, clears the TTL.</summary>
    public KeyEntry Set(ReadOnlySpan<byte> key, object value, long expireAtMs = -1, bool keepTtl = false)
    {
        var e = _keys.Find(key);
        if (e == null) return Add(key.ToArray(), value, expireAtMs);
        _keyspace.BeforeWrite(this, e.Key);
        e.Value = value;
        e.LastAccess = _keyspace.LruClock;
        if (expireAtMs >= 0) SetExpire(e, expireAtMs);
        else if (!keepTtl) RemoveExpire(e);
        return e;
    }

    /// <summary>Replaces the value of an existing entry in place, keeping its TTL.</summary>
    public void Replace(KeyEntry e, object value)
    {
        _keyspace.BeforeWrite(this, e.Key);
        e.Value = value;
    }

    /// <summary>
    /// Swaps a value for an equal one in another representation (Redis's dbUnshareStringValue, e.g.
    /// an int-encoded string made mutable before SETBIT). The content does not change, so this is
    /// not a write: no WATCH invalidation, no snapshot copy. Call <see cref="Touch"/> before then
    /// changing the content.
    /// </summary>
    public void Reencode(KeyEntry e, object sameContent) => e.Value = sameContent;

    /// <summary>
    /// Stores a new value object for an entry whose write this command already announced with
    /// <see cref="Touch"/> (a compact value that had to grow or convert): one write, one announcement.
    /// </summary>
    public void StoreAfterTouch(KeyEntry e, object value) => e.Value = value;

    /// <summary>Announces an in-place change of an entry's value object (HSET on an existing hash...).</summary>
    public void Touch(KeyEntry e) => _keyspace.BeforeWrite(this, e.Key);

    public bool Delete(ReadOnlySpan<byte> key)
    {
        var existing = _keys.Find(key);
        if (existing == null) return false;
        _keyspace.BeforeWrite(this, existing.Key);
        _keys.Remove(key);
        _volatile.Remove(existing);
        return true;
    }

    public void SetExpire(KeyEntry e, long expireAtMs)
    {
        _keyspace.BeforeWrite(this, e.Key);
        _volatile.Set(e, expireAtMs);
    }

    /// <summary>Removes the TTL; returns false when the key had none.</summary>
    public bool RemoveExpire(KeyEntry e)
    {
        if (e.VolatileIndex < 0) return false;
        _keyspace.BeforeWrite(this, e.Key);
        _volatile.Remove(e);
        return true;
    }

    /// <summary>Drops every key; returns how many there were.</summary>
    public long Flush()
    {
        long n = _keys.Count;
        _keyspace.BeforeFlush(this);
        _keys = new HashTable<KeyEntry>();
        _volatile = new VolatileKeys();
        AverageTtl = 0;
        ExpireCursor = 0;
        return n;
    }

    /// <summary>Exchanges the contents of two databases (SWAPDB).</summary>
    public void SwapWith(Database other)
    {
        (_keys, other._keys) = (other._keys, _keys);
        (_volatile, other._volatile) = (other._volatile, _volatile);
        (AverageTtl, other.AverageTtl) = (other.AverageTtl, AverageTtl);
        ExpireCursor = other.ExpireCursor = 0;
    }

    public KeyEntry? RandomEntry(Random rng) => _keys.RandomEntry(rng);
}
