namespace Mirra.Storage;

/// <summary>
/// The numbered databases and what every key access shares: the current time of the command
/// being run, the LRU clock, and the hooks that let expiry, WATCH and snapshots observe writes.
/// </summary>
public sealed class Keyspace
{
    public Database[] Databases { get; private set; }

    /// <summary>The time of the command being executed (Redis caches it per command too).</summary>
    public long NowMs;
    /// <summary>Seconds since server start, for OBJECT IDLETIME.</summary>
    public uint LruClock;

    /// <summary>When true (a replica), expired keys are hidden from readers but only the master deletes them.</summary>
    public bool ExpiryDisabled;

    /// <summary>True while the dataset is loaded from disk (AOF): like Redis, nothing expires then, even keys whose time is past.</summary>
    public bool Loading;

    /// <summary>True while a replica runs a command of its master's stream: the master decides expiry, so no key is expired for it.</summary>
    public bool ApplyingMasterStream;

    public long ExpiredKeys;

    /// <summary>Called with (db, key) when a key is deleted because it expired: propagation and notifications.</summary>
    public Action<Database, byte[]>? KeyExpired;
    /// <summary>Called with (db, key) when a key is created (keyspace event "new").</summary>
    public Action<Database, byte[]>? KeyAdded;
    /// <summary>Called before any write to a key (WATCH invalidation, snapshot copy-on-write).</summary>
    public Action<Database, byte[]>? KeyWriting;
    /// <summary>Called before a database is emptied.</summary>
    public Action<Database>? DatabaseFlushing;
    /// <summary>Called before SWAPDB exchanges the contents of two databases (WATCH, blocked clients).</summary>
    public Action<Database, Database>? DatabasesSwapping;

    public Keyspace(int databases)
    {
        Databases = new Database[databases];
        for (int i = 0; i < databases; i++) Databases[i] = new Database(this, i);
    }

    public Database this[int index] => Databases[index];

    /// <summary>Deletes an expired key found by a lookup. Returns true when the key must be treated as absent.</summary>
    internal bool ExpireIfNeeded(Database db, KeyEntry e)
    {
        if (Loading || ApplyingMasterStream) return false;
        if (ExpiryDisabled) return true;
        DeleteExpired(db, e);
        return true;
    }

    internal void DeleteExpired(Database db, KeyEntry e)
    {
        var key = e.Key;
        db.Delete(key);
        ExpiredKeys++;
        KeyExpired?.Invoke(db, key);
    }

    internal void BeforeWrite(Database db, byte[] key) => KeyWriting?.Invoke(db, key);
    internal void BeforeFlush(Database db) => DatabaseFlushing?.Invoke(db);

    public long TotalKeys()
    {
        long n = 0;
        foreach (var db in Databases) n += db.Count;
        return n;
    }
}
