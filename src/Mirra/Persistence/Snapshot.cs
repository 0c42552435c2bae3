using Mirra.Storage;

namespace Mirra.Persistence;

/// <summary>
/// A point-in-time copy of the keyspace without fork and without copying the data set
/// (ARCHITECTURE §4). At the start it records, for every non-empty database, the hash table and its
/// bucket arrays, and pauses their rehashing so that no entry moves between buckets. The walk then
/// serializes the buckets in order, in slices run on the executor. Before any write touches a key
/// (Keyspace.KeyWriting fires before every change: add, delete, in-place update, TTL), the buckets
/// that key maps to in the recorded arrays are serialized first if the walk has not reached them,
/// so the snapshot sees every key exactly as it was at the start and never a key created later.
/// FLUSHALL and SWAPDB need nothing special: a flushed database gets a new table and the recorded
/// one is never modified again; a swapped table is found by identity and keeps its original number.
/// Everything here runs on the executor thread.
/// </summary>
public sealed class Snapshot
{
    /// <summary>One database as it was at the start: its table, bucket arrays and TTLs.</summary>
    sealed class DatabaseCut
    {
        public required int Index;
        public required HashTable<KeyEntry> Table;
        public required VolatileKeys Volatile;
        public required TableEntry?[][] Arrays;
        public required ulong[][] Done; // one bit per bucket: already serialized
        public required long Keys, Expires;
        public bool Announced; // its first SELECT carried the sizes; later ones pass -1
    }

    readonly Keyspace _keyspace;
    readonly ISnapshotEncoder _encoder;
    readonly List<DatabaseCut> _cuts = new();
    int _cut, _array, _bucket; // the walk's position
    int _encoderDb = -1;
    bool _hooked;

    /// <summary>Keys serialized so far (INFO's current_save_keys_processed).</summary>
    public long KeysProcessed { get; private set; }
    /// <summary>Keys in the snapshot (current_save_keys_total).</summary>
    public long KeysTotal { get; }
    /// <summary>Buckets a write forced out of order (they cost the writing command a little latency).</summary>
    public long BucketsForcedByWrites { get; private set; }
    public bool Finished { get; private set; }

    public Snapshot(Keyspace keyspace, ISnapshotEncoder encoder, SnapshotInfo info)
    {
        _keyspace = keyspace;
        _encoder = encoder;
        foreach (var db in keyspace.Databases)
        {
            if (db.Count == 0) continue;
            var table = db.Table;
            table.PauseRehash++;
            var arrays = table.IsRehashing ? new[] { table.Buckets0, table.Buckets1 } : new[] { table.Buckets0 };
            var done = new ulong[arrays.Length][];
            for (int i = 0; i < arrays.Length; i++) done[i] = new ulong[(arrays[i].Length + 63) / 64];
            _cuts.Add(new DatabaseCut
            {
                Index = db.Index, Table = table, Volatile = db.Volatile, Arrays = arrays, Done = done,
                Keys = db.Count, Expires = db.ExpiresCount,
            });
            KeysTotal += db.Count;
        }
        _keyspace.KeyWriting += BeforeKeyWrite;
        _hooked = true;
        _encoder.Begin(info);
    }

    /// <summary>The whole snapshot at once, on the executor (SAVE, a rewrite without a running executor).</summary>
    public static void WriteAll(Keyspace keyspace, ISnapshotEncoder encoder, SnapshotInfo info)
    {
        var snapshot = new Snapshot(keyspace, encoder, info);
        while (!snapshot.Step(int.MaxValue)) { }
    }

    /// <summary>
    /// Serializes up to <paramref name="buckets"/> buckets in walk order. Returns true once everything is
    /// serialized and the encoder has ended.
    /// </summary>
    public bool Step(int buckets)
    {
        if (Finished) return true;
        while (_cut < _cuts.Count)
        {
            var cut = _cuts[_cut];
            while (_array < cut.Arrays.Length)
            {
                var array = cut.Arrays[_array];
                var done = cut.Done[_array];
                while (_bucket < array.Length)
                {
                    int b = _bucket++;
                    if ((done[b >> 6] & (1UL << b)) != 0) continue;
                    Serialize(cut, _array, b);
                    if (--buckets <= 0) return false;
                }
                _array++;
                _bucket = 0;
            }
            _cut++;
            _array = 0;
        }
        Complete();
        _encoder.End();
        return true;
    }

    /// <summary>Stops the snapshot without ending the encoder (the output is abandoned).</summary>
    public void Abort() => Complete();

    void Complete()
    {
        if (!_hooked) return;
        _hooked = false;
        Finished = true;
        _keyspace.KeyWriting -= BeforeKeyWrite;
        foreach (var cut in _cuts) cut.Table.PauseRehash--;
    }

    /// <summary>Before a write: the buckets this key maps to keep their start content in the snapshot.</summary>
    void BeforeKeyWrite(Database db, byte[] key)
    {
        var table = db.Table;
        foreach (var cut in _cuts)
        {
            if (!ReferenceEquals(cut.Table, table)) continue;
            int hash = HashTable<KeyEntry>.HashOf(key);
            for (int a = 0; a < cut.Arrays.Length; a++)
            {
                int b = hash & (cut.Arrays[a].Length - 1);
                if ((cut.Done[a][b >> 6] & (1UL << b)) != 0) continue;
                BucketsForcedByWrites++;
                Serialize(cut, a, b);
            }
            return;
        }
    }

    void Serialize(DatabaseCut cut, int array, int bucket)
    {
        cut.Done[array][bucket >> 6] |= 1UL << bucket;
        var e = cut.Arrays[array][bucket];
        if (e == null) return;
        if (_encoderDb != cut.Index)
        {
            _encoder.SelectDb(cut.Index, cut.Announced ? -1 : cut.Keys, cut.Announced ? -1 : cut.Expires);
            cut.Announced = true;
            _encoderDb = cut.Index;
        }
        for (; e != null; e = e.Next)
        {
            var entry = (KeyEntry)e;
            _encoder.Entry(entry.Key, entry.Value, cut.Volatile.ExpireAt(entry));
            KeysProcessed++;
        }
    }
}
