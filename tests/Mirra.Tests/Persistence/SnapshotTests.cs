using System.Text;
using Mirra.Persistence;
using Mirra.Storage;
using Mirra.Tests.Support;
using Xunit;

namespace Mirra.Tests.Persistence;

/// <summary>
/// The fork-less snapshot must hold the data exactly as of its start, whatever the commands run
/// between its slices do. Each test copies the keyspace eagerly at the start (the expected result),
/// runs the snapshot in small slices with writes in between, loads what the snapshot emitted into
/// a fresh server, and compares both servers key by key.
/// </summary>
public class SnapshotTests
{
    /// <summary>Loads every entry the snapshot emits into another server (values copied at emit time).</summary>
    sealed class LoadingEncoder(Keyspace target) : ISnapshotEncoder
    {
        int _db = -1;
        public readonly List<int> Selects = new();
        public bool Began, Ended;
        public void Begin(SnapshotInfo info) => Began = true;
        public void SelectDb(int db, long keys, long expires) { _db = db; Selects.Add(db); }
        public void Entry(byte[] key, object value, long expireAtMs)
        {
            Assert.True(_db >= 0, "an entry before any SELECT");
            Assert.Null(target[_db].Peek(key)); // each key exactly once
            target[_db].Add(key.ToArray(), ValueTypes.DeepCopy(value), expireAtMs);
        }
        public void End() => Ended = true;
    }

    static TestServer Populated(int keys)
    {
        var s = new TestServer();
        for (int i = 0; i < keys; i++)
        {
            s.Run("SET", $"s:{i}", $"v{i}");
            if (i % 5 == 0) s.Run("HSET", $"h:{i}", "f1", "a", "f2", "b");
            if (i % 7 == 0) s.Run("RPUSH", $"l:{i}", "x", "y", "z");
            if (i % 11 == 0) s.Run("ZADD", $"z:{i}", "1", "m1", "2", "m2");
            if (i % 13 == 0) s.Run("SADD", $"t:{i}", "1", "2", "3");
            if (i % 3 == 0) s.Run("PEXPIRE", $"s:{i}", "100000");
        }
        s.Run("SELECT", "3");
        for (int i = 0; i < keys / 4; i++) s.Run("SET", $"d3:{i}", $"w{i}");
        s.Run("SELECT", "0");
        return s;
    }

    static TestServer CopyOf(TestServer source)
    {
        var copy = new TestServer();
        copy.Server.Clock.FrozenMs = source.Server.Clock.FrozenMs;
        foreach (var db in source.Server.Keyspace.Databases)
            foreach (var e in db.Table.Entries())
                copy.Server.Keyspace[db.Index].Add(e.Key.ToArray(), ValueTypes.DeepCopy(e.Value), db.ExpireAtOf(e));
        return copy;
    }

    /// <summary>Everything a client can see, in a stable order.</summary>
    static string Dump(TestServer s)
    {
        var sb = new StringBuilder();
        var c = s.NewClient();
        for (int db = 0; db < 16; db++)
        {
            s.Run(c, "SELECT", db.ToString());
            var keys = s.Server.Keyspace[db].Table.Entries().Select(e => Encoding.UTF8.GetString(e.Key)).OrderBy(k => k, StringComparer.Ordinal);
            foreach (var k in keys)
            {
                string type = s.Run(c, "TYPE", k);
                string content = type switch
                {
                    "+string\r\n" => s.Run(c, "GET", k),
                    "+hash\r\n" => string.Join("|", s.Run(c, "HGETALL", k).Split("\r\n").Order()),
                    "+list\r\n" => s.Run(c, "LRANGE", k, "0", "-1"),
                    "+set\r\n" => string.Join("|", s.Run(c, "SMEMBERS", k).Split("\r\n").Order()),
                    _ => s.Run(c, "ZRANGE", k, "0", "-1", "WITHSCORES"),
                };
                sb.Append(db).Append(' ').Append(k).Append(' ').Append(type.Trim()).Append(' ').Append(content).Append(' ')
                  .Append(s.Run(c, "PEXPIRETIME", k)).Append('\n');
            }
        }
        return sb.ToString();
    }

    static (TestServer Result, LoadingEncoder Encoder) RunSnapshot(TestServer s, int bucketsPerSlice, Action<int> betweenSlices)
    {
        var result = new TestServer();
        result.Server.Clock.FrozenMs = s.Server.Clock.FrozenMs;
        var encoder = new LoadingEncoder(result.Server.Keyspace);
        var snapshot = new Snapshot(s.Server.Keyspace, encoder, SnapshotJob.Info(s.Server, aofBase: false));
        int slice = 0;
        while (!snapshot.Step(bucketsPerSlice)) betweenSlices(slice++);
        Assert.True(encoder.Began && encoder.Ended);
        Assert.True(snapshot.Finished);
        return (result, encoder);
    }

    [Fact]
    public void WithoutWritesTheSnapshotIsTheKeyspace()
    {
        var s = Populated(500);
        var expected = Dump(s);
        var (result, encoder) = RunSnapshot(s, 7, _ => { });
        Assert.Equal(expected, Dump(result));
        Assert.Equal(new[] { 0, 3 }, encoder.Selects);
    }

    [Fact]
    public void WritesBetweenSlicesAreNotSeen()
    {
        var s = Populated(2000);
        var expected = Dump(CopyOf(s));
        var rng = new Random(11);
        var (result, _) = RunSnapshot(s, 5, slice =>
        {
            for (int n = 0; n < 20; n++)
            {
                int i = rng.Next(2500);
                switch (rng.Next(9))
                {
                    case 0: s.Run("SET", $"s:{i}", "changed"); break;
                    case 1: s.Run("DEL", $"s:{i}"); break;
                    case 2: s.Run("HSET", $"h:{i}", "f1", "changed", "f3", "new"); break;
                    case 3: s.Run("RPUSH", $"l:{i}", "more"); break;
                    case 4: s.Run("ZINCRBY", $"z:{i}", "5", "m1"); break;
                    case 5: s.Run("SADD", $"t:{i}", "99", "word"); break;
                    case 6: s.Run("PEXPIRE", $"s:{i}", "5"); s.Run("PERSIST", $"h:{i}"); break;
                    case 7: s.Run("SET", $"new:{slice}:{n}", "created later"); break;
                    default: s.Run("RENAME", $"s:{i}", $"renamed:{i}"); break;
                }
            }
            // Enough new keys to make the paused table want to grow.
            if (slice % 50 == 0) for (int k = 0; k < 200; k++) s.Run("SET", $"bulk:{slice}:{k}", "x");
        });
        Assert.Equal(expected, Dump(result));
        Assert.NotEqual(expected, Dump(s));
    }

    [Fact]
    public void FlushallAndSwapdbDuringTheWalkKeepTheStartContent()
    {
        var s = Populated(600);
        var expected = Dump(CopyOf(s));
        var (result, _) = RunSnapshot(s, 3, slice =>
        {
            if (slice == 10) s.Run("SWAPDB", "0", "3");
            if (slice == 20) { s.Run("SELECT", "3"); s.Run("SET", "s:1", "in the swapped table"); s.Run("SELECT", "0"); }
            if (slice == 30) s.Run("FLUSHALL");
            if (slice == 31) s.Run("SET", "s:2", "after flush");
        });
        Assert.Equal(expected, Dump(result));
    }

    [Fact]
    public void ExpiryDuringTheWalkDoesNotRemoveKeysFromTheSnapshot()
    {
        var s = Populated(300);
        var expected = Dump(CopyOf(s));
        var (result, _) = RunSnapshot(s, 4, slice =>
        {
            if (slice == 5)
            {
                s.AdvanceTime(200_000); // every TTL passes; lookups and active expiry delete the keys
                for (int i = 0; i < 300; i += 3) s.Run("GET", $"s:{i}");
            }
        });
        Assert.Equal(expected, Dump(result));
    }

    [Fact]
    public void RehashingResumesAfterTheSnapshot()
    {
        var s = Populated(100);
        var table = s.Server.Keyspace[0].Table;
        var snapshot = new Snapshot(s.Server.Keyspace, new LoadingEncoder(new TestServer().Server.Keyspace), SnapshotJob.Info(s.Server, false));
        Assert.True(table.PauseRehash > 0);
        while (!snapshot.Step(10)) { }
        Assert.Equal(0, table.PauseRehash);
    }

    /// <summary>
    /// A full sync's snapshot may run beside a BGSAVE or an AOF rewrite (Mirra does not fork, so nothing forces them
    /// to take turns): two overlapping walks each keep their own start content, and rehashing resumes after both.
    /// </summary>
    [Fact]
    public void TwoOverlappingSnapshotsEachKeepTheirOwnStart()
    {
        var s = Populated(1500);
        var expectedA = Dump(CopyOf(s));
        var resultA = new TestServer();
        resultA.Server.Clock.FrozenMs = s.Server.Clock.FrozenMs;
        var encoderA = new LoadingEncoder(resultA.Server.Keyspace);
        var a = new Snapshot(s.Server.Keyspace, encoderA, SnapshotJob.Info(s.Server, aofBase: false));
        var rng = new Random(5);
        void Writes(int slice)
        {
            for (int n = 0; n < 15; n++)
            {
                int i = rng.Next(2000);
                switch (rng.Next(5))
                {
                    case 0: s.Run("SET", $"s:{i}", $"changed {slice}"); break;
                    case 1: s.Run("DEL", $"s:{i}"); break;
                    case 2: s.Run("HSET", $"h:{i}", "f1", "changed"); break;
                    case 3: s.Run("RPUSH", $"l:{i}", "more"); break;
                    default: s.Run("SET", $"new:{slice}:{n}", "created later"); break;
                }
            }
        }
        for (int slice = 0; slice < 20; slice++) { Assert.False(a.Step(5)); Writes(slice); }

        var expectedB = Dump(CopyOf(s));
        var resultB = new TestServer();
        resultB.Server.Clock.FrozenMs = s.Server.Clock.FrozenMs;
        var encoderB = new LoadingEncoder(resultB.Server.Keyspace);
        var b = new Snapshot(s.Server.Keyspace, encoderB, SnapshotJob.Info(s.Server, aofBase: false));
        bool doneA = false, doneB = false;
        for (int slice = 20; !(doneA && doneB); slice++)
        {
            if (!doneA) doneA = a.Step(4);
            Writes(slice);
            if (!doneB) doneB = b.Step(6);
            if (slice % 40 == 0) for (int k = 0; k < 200; k++) s.Run("SET", $"bulk:{slice}:{k}", "x");
        }
        Assert.Equal(expectedA, Dump(resultA));
        Assert.Equal(expectedB, Dump(resultB));
        Assert.NotEqual(expectedA, expectedB);
        foreach (var db in s.Server.Keyspace.Databases) Assert.Equal(0, db.Table.PauseRehash);
    }
}
