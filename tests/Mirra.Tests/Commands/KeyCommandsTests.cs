using System.Text;
using Mirra.Storage;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class KeyCommandsTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A stand-in aggregate until the list family lands: enough for TYPE, OBJECT ENCODING and COPY.</summary>
    sealed class FakeList : IAggregateValue
    {
        public readonly List<string> Items = new();
        public string TypeName => "list";
        public string EncodingName => "quicklist";
        public long Count => Items.Count;
        public long EstimatedBytes => 64;
        public IAggregateValue DeepCopy()
        {
            var c = new FakeList();
            c.Items.AddRange(Items);
            return c;
        }
    }

    [Fact]
    public void DelUnlinkExists()
    {
        KeyspaceScript.Run(new TestServer(), """
            set a 1 => +OK\r\n
            set b 2 => +OK\r\n
            exists a a b nokey a => :4\r\n
            del a nokey a => :1\r\n
            unlink b b => :1\r\n
            exists a b => :0\r\n
            del nokey => :0\r\n
            del => -ERR wrong number of arguments for 'del' command\r\n
            unlink => -ERR wrong number of arguments for 'unlink' command\r\n
            exists => -ERR wrong number of arguments for 'exists' command\r\n
            """);
    }

    [Fact]
    public void TypeOfStringsAndMissingKeys()
    {
        var s = new TestServer();
        KeyspaceScript.Run(s, """
            type nokey => +none\r\n
            set a 1 => +OK\r\n
            type a => +string\r\n
            set b hello => +OK\r\n
            type b => +string\r\n
            type => -ERR wrong number of arguments for 'type' command\r\n
            """);
        s.Server.Keyspace[0].Add(B("l"), new FakeList());
        Assert.Equal("+list\r\n", s.Run("type", "l"));
    }

    [Fact]
    public void RenameSameKeyMissingKeyAndTtl()
    {
        KeyspaceScript.Run(new TestServer(), """
            rename nokey b => -ERR no such key\r\n
            rename nokey nokey => -ERR no such key\r\n
            renamenx nokey nokey => -ERR no such key\r\n
            renamenx nokey b => -ERR no such key\r\n
            set a 1 => +OK\r\n
            rename a a => +OK\r\n
            renamenx a a => :0\r\n
            pexpireat a 4000000000000 => :1\r\n
            rename a b => +OK\r\n
            exists a => :0\r\n
            pexpiretime b => :4000000000000\r\n
            set c x => +OK\r\n
            renamenx b c => :0\r\n
            get c => $1\r\nx\r\n
            renamenx b d => :1\r\n
            pexpiretime d => :4000000000000\r\n
            exists b => :0\r\n
            rename c d => +OK\r\n
            get d => $1\r\nx\r\n
            pexpiretime d => :-1\r\n
            rename d => -ERR wrong number of arguments for 'rename' command\r\n
            """);
    }

    [Fact]
    public void RenameKeepsTheValueObjectAndIsPropagatedOnlyWhenItChangesSomething()
    {
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Run("set", "a", "5");
        stream.Take();
        Assert.Equal("+OK\r\n", s.Run("rename", "a", "a"));
        Assert.Equal(":0\r\n", s.Run("renamenx", "a", "a"));
        Assert.Equal("", stream.Take());
        Assert.Equal("+OK\r\n", s.Run("rename", "a", "b"));
        Assert.Equal(RecordingConsumer.Resp("rename", "a", "b"), stream.Take());
        Assert.Equal(":2147483647\r\n", s.Run("object", "refcount", "b")); // still the shared integer
    }

    [Fact]
    public void CopyOptionsAndErrors()
    {
        KeyspaceScript.Run(new TestServer(), """
            set d hello => +OK\r\n
            pexpireat d 4000000000000 => :1\r\n
            copy d e => :1\r\n
            pexpiretime e => :4000000000000\r\n
            copy d e => :0\r\n
            set d world => +OK\r\n
            copy d e replace => :1\r\n
            get e => $5\r\nworld\r\n
            pexpiretime e => :-1\r\n
            copy d e db 1 replace => :1\r\n
            copy d d => -ERR source and destination objects are the same\r\n
            copy d d db 0 => -ERR source and destination objects are the same\r\n
            copy d d db 1 => :1\r\n
            copy d e db 16 => -ERR DB index is out of range\r\n
            copy d e db -1 => -ERR DB index is out of range\r\n
            copy d e db x => -ERR value is not an integer or out of range\r\n
            copy d e db 99999999999 => -ERR value is out of range, value must between -2147483648 and 2147483647\r\n
            copy d e foo => -ERR syntax error\r\n
            copy d e db => -ERR syntax error\r\n
            copy d e replace foo => -ERR syntax error\r\n
            copy nokey e => :0\r\n
            copy nokey nokey => -ERR source and destination objects are the same\r\n
            copy d f db 1 db 2 => :1\r\n
            select 2 => +OK\r\n
            get f => $5\r\nworld\r\n
            select 1 => +OK\r\n
            exists f => :0\r\n
            get d => $5\r\nworld\r\n
            copy d => -ERR wrong number of arguments for 'copy' command\r\n
            """);
    }

    [Fact]
    public void CopyDuplicatesValuesAndUnsharesIntegers()
    {
        var s = new TestServer();
        KeyspaceScript.Run(s, """
            set n 9999 => +OK\r\n
            object refcount n => :2147483647\r\n
            copy n m => :1\r\n
            object refcount m => :1\r\n
            object encoding m => $3\r\nint\r\n
            get m => $4\r\n9999\r\n
            """);
        var list = new FakeList();
        list.Items.Add("x");
        s.Server.Keyspace[0].Add(B("l"), list);
        Assert.Equal(":1\r\n", s.Run("copy", "l", "l2"));
        var copy = (FakeList)s.Server.Keyspace[0].Peek(B("l2"))!.Value;
        Assert.NotSame(list, copy);
        Assert.Equal(new[] { "x" }, copy.Items);
        Assert.Equal("$9\r\nquicklist\r\n", s.Run("object", "encoding", "l2"));
    }

    [Fact]
    public void MoveBetweenDatabases()
    {
        KeyspaceScript.Run(new TestServer(), """
            set a 1 => +OK\r\n
            move a 0 => -ERR source and destination objects are the same\r\n
            move a 16 => -ERR DB index is out of range\r\n
            move a -1 => -ERR DB index is out of range\r\n
            move a x => -ERR value is not an integer or out of range\r\n
            move a 99999999999 => -ERR value is out of range, value must between -2147483648 and 2147483647\r\n
            move nokey 1 => :0\r\n
            pexpireat a 4000000000000 => :1\r\n
            move a 1 => :1\r\n
            exists a => :0\r\n
            select 1 => +OK\r\n
            pexpiretime a => :4000000000000\r\n
            set b 2 => +OK\r\n
            select 0 => +OK\r\n
            set b 3 => +OK\r\n
            move b 1 => :0\r\n
            get b => $1\r\n3\r\n
            """);
    }

    [Fact]
    public void SwapDbDbSizeFlush()
    {
        KeyspaceScript.Run(new TestServer(), """
            dbsize => :0\r\n
            set a 1 => +OK\r\n
            set b 1 => +OK\r\n
            dbsize => :2\r\n
            swapdb 0 x => -ERR invalid second DB index\r\n
            swapdb x 0 => -ERR invalid first DB index\r\n
            swapdb 99999999999 0 => -ERR invalid first DB index\r\n
            swapdb 0 16 => -ERR DB index is out of range\r\n
            swapdb -1 0 => -ERR DB index is out of range\r\n
            swapdb 0 0 => +OK\r\n
            dbsize => :2\r\n
            swapdb 0 3 => +OK\r\n
            dbsize => :0\r\n
            select 3 => +OK\r\n
            dbsize => :2\r\n
            flushdb foo => -ERR syntax error\r\n
            flushdb sync async => -ERR syntax error\r\n
            flushdb SYNC => +OK\r\n
            dbsize => :0\r\n
            set c 1 => +OK\r\n
            select 0 => +OK\r\n
            set d 1 => +OK\r\n
            flushall foo => -ERR syntax error\r\n
            flushall ASYNC => +OK\r\n
            dbsize => :0\r\n
            select 3 => +OK\r\n
            dbsize => :0\r\n
            flushdb async => +OK\r\n
            flushall sync => +OK\r\n
            swapdb 0 => -ERR wrong number of arguments for 'swapdb' command\r\n
            dbsize x => -ERR wrong number of arguments for 'dbsize' command\r\n
            """);
    }

    [Fact]
    public void FlushCountsChangesAndIsAlwaysPropagated()
    {
        var s = new TestServer("save", ""); // with save points FLUSHALL saves, which resets the count (below)
        var stream = RecordingConsumer.Attach(s);
        s.Run("set", "a", "1");
        s.Run("set", "b", "1");
        s.Run("select", "1");
        s.Run("set", "c", "1");
        stream.Take();
        long dirty = s.Server.Dirty;
        Assert.Equal("+OK\r\n", s.Run("flushall"));
        Assert.Equal(dirty + 3, s.Server.Dirty); // the keys removed (redis-server 7.0.15 adds nothing more)
        Assert.Equal(RecordingConsumer.Resp("flushall"), stream.Take());
        Assert.Equal("+OK\r\n", s.Run("flushall"));
        Assert.Equal(dirty + 3, s.Server.Dirty);
        Assert.Equal(RecordingConsumer.Resp("flushall"), stream.Take());
        Assert.Equal("+OK\r\n", s.Run("flushdb", "async"));
        Assert.Equal(RecordingConsumer.Resp("flushdb", "async"), stream.Take());
        s.Run("set", "x", "1");
        s.Run("flushdb");
        Assert.Equal(dirty + 5, s.Server.Dirty);
    }

    [Fact]
    public void FlushAllWithSavePointsWritesTheEmptySnapshotLikeRedis()
    {
        var s = new TestServer("save", "3600 1");
        s.Run("mset", "a", "1", "b", "2", "c", "3");
        Assert.Equal("+OK\r\n", s.Run("flushall"));
        // redis-server 7.0.15 with save points: rdb_changes_since_last_save:0 and rdb_saves:0 after FLUSHALL.
        Assert.Contains("rdb_changes_since_last_save:0\r\n", s.Run("info", "persistence"));
        Assert.Contains("rdb_saves:0\r\n", s.Run("info", "persistence"));
        Assert.True(File.Exists(Path.Combine(s.Server.Config.Dir, "dump.rdb")));
    }

    [Fact]
    public void SwapDbExchangesContentsForEveryClientAndCallsTheHook()
    {
        var s = new TestServer();
        var other = s.NewClient();
        s.Run("set", "k", "zero");
        s.Run(other, "select", "1");
        s.Run(other, "set", "k", "one");
        s.Run(other, "pexpireat", "k", "4000000000000");
        (int, int)? swapped = null;
        s.Server.Keyspace.DatabasesSwapping = (a, b) => swapped = (a.Index, b.Index);
        var stream = RecordingConsumer.Attach(s);
        Assert.Equal("+OK\r\n", s.Run("swapdb", "0", "1"));
        Assert.Equal((0, 1), swapped);
        Assert.Equal("$3\r\none\r\n", s.Run("get", "k"));
        Assert.Equal(":4000000000000\r\n", s.Run("pexpiretime", "k"));
        Assert.Equal("$4\r\nzero\r\n", s.Run(other, "get", "k"));
        Assert.Equal(RecordingConsumer.Resp("SELECT", "0") + RecordingConsumer.Resp("swapdb", "0", "1"), stream.Take());
        long dirty = s.Server.Dirty;
        s.Run("swapdb", "2", "2");
        Assert.Equal(dirty + 1, s.Server.Dirty);
    }

    [Fact]
    public void KeysMatchesGlobPatterns()
    {
        KeyspaceScript.Run(new TestServer(), """
            keys * => *0\r\n
            set hello 1 => +OK\r\n
            set hallo 1 => +OK\r\n
            set world 1 => +OK\r\n
            keys w* => *1\r\n$5\r\nworld\r\n
            keys h?llo x => -ERR wrong number of arguments for 'keys' command\r\n
            keys h[^e]llo => *1\r\n$5\r\nhallo\r\n
            keys h[a-b]llo => *1\r\n$5\r\nhallo\r\n
            keys H* => *0\r\n
            keys nothing => *0\r\n
            keys => -ERR wrong number of arguments for 'keys' command\r\n
            """);
    }

    [Fact]
    public void KeysReturnsEveryMatchingKeyInAnyOrder()
    {
        var s = new TestServer();
        for (int i = 0; i < 50; i++) s.Run("set", "key:" + i, "v");
        s.Run("set", "other", "v");
        var keys = ParseArray(s.Run("keys", "key:*"));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "key:" + i).OrderBy(x => x), keys.OrderBy(x => x));
        Assert.Equal(51, ParseArray(s.Run("keys", "*")).Count);
        Assert.Equal(new[] { "key:7" }, ParseArray(s.Run("keys", "key:7")));
        // KEYS order follows the hash table, so several results are compared as a set.
        s.Run("set", "hello", "1");
        s.Run("set", "hallo", "1");
        Assert.Equal(new[] { "hallo", "hello" }, ParseArray(s.Run("keys", "h?llo")).OrderBy(x => x));
    }

    [Fact]
    public void ScanArgumentErrors()
    {
        KeyspaceScript.Run(new TestServer(), """
            set a 1 => +OK\r\n
            scan x => -ERR invalid cursor\r\n
            scan " 5" => -ERR invalid cursor\r\n
            scan "1 " => -ERR invalid cursor\r\n
            scan 0x1 => -ERR invalid cursor\r\n
            scan - => -ERR invalid cursor\r\n
            scan 18446744073709551616 => -ERR invalid cursor\r\n
            scan -18446744073709551616 => -ERR invalid cursor\r\n
            scan 0 count 0 => -ERR syntax error\r\n
            scan 0 count -1 => -ERR syntax error\r\n
            scan 0 count x => -ERR value is not an integer or out of range\r\n
            scan 0 count 99999999999999999999 => -ERR value is not an integer or out of range\r\n
            scan 0 count => -ERR syntax error\r\n
            scan 0 match => -ERR syntax error\r\n
            scan 0 type => -ERR syntax error\r\n
            scan 0 foo bar => -ERR syntax error\r\n
            scan => -ERR wrong number of arguments for 'scan' command\r\n
            scan 0 => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan "" => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan +0 => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan -0 => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan 0 match a count 5 type string => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan 0 MATCH * TYPE STRING => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
            scan 0 match b* => *2\r\n$1\r\n0\r\n*0\r\n
            scan 0 type hash => *2\r\n$1\r\n0\r\n*0\r\n
            scan 0 type foo => *2\r\n$1\r\n0\r\n*0\r\n
            """);
    }

    [Theory]
    [InlineData("0", true, 0UL)]
    [InlineData("", true, 0UL)]
    [InlineData("+7", true, 7UL)]
    [InlineData("-1", true, ulong.MaxValue)]
    [InlineData("-18446744073709551615", true, 1UL)]
    [InlineData("18446744073709551615", true, ulong.MaxValue)]
    [InlineData("18446744073709551616", false, 0UL)]
    [InlineData("+", false, 0UL)]
    [InlineData(" 1", false, 0UL)]
    [InlineData("1a", false, 0UL)]
    public void ScanCursorIsReadLikeStrtoul(string text, bool ok, ulong expected)
    {
        Assert.Equal(ok, Mirra.Util.Numbers.TryParseScanCursor(B(text), out ulong cursor));
        if (ok) Assert.Equal(expected, cursor);
    }

    static List<string> ParseArray(string resp)
    {
        var items = new List<string>();
        var lines = resp.Split("\r\n");
        for (int i = 1; i < lines.Length; i++)
            if (lines[i].StartsWith('$')) items.Add(lines[++i]);
        return items;
    }

    static (string Cursor, List<string> Keys) ParseScan(string resp)
    {
        var lines = resp.Split("\r\n");
        Assert.Equal("*2", lines[0]);
        var keys = new List<string>();
        for (int i = 4; i < lines.Length; i++)
            if (lines[i].StartsWith('$')) keys.Add(lines[++i]);
        return (lines[2], keys);
    }

    [Fact]
    public void ScanIteratesEveryKeyWithMatchAndCount()
    {
        var s = new TestServer();
        for (int i = 0; i < 1000; i++) s.Run("set", "k" + i, i.ToString());
        var seen = new HashSet<string>();
        var matched = new HashSet<string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var (next, keys) = ParseScan(s.Run("scan", cursor, "count", "50"));
            foreach (var k in keys) seen.Add(k);
            cursor = next;
            calls++;
        } while (cursor != "0");
        Assert.Equal(1000, seen.Count);
        Assert.InRange(calls, 10, 200); // COUNT is a hint, but it does batch the walk

        cursor = "0";
        do
        {
            var (next, keys) = ParseScan(s.Run("scan", cursor, "match", "k1*"));
            foreach (var k in keys) { Assert.StartsWith("k1", k); matched.Add(k); }
            cursor = next;
        } while (cursor != "0");
        Assert.Equal(111, matched.Count); // k1, k10-k19, k100-k199
    }

    [Fact]
    public void ScanTypeFilterUsesAFullLookup()
    {
        var s = new TestServer();
        s.Server.Keyspace[0].Add(B("l"), new FakeList());
        s.Run("set", "a", "1");
        var stats = s.Server.Stats;
        long hits = stats.KeyspaceHits;
        var (_, lists) = ParseScan(s.Run("scan", "0", "type", "LIST"));
        Assert.Equal(new[] { "l" }, lists);
        Assert.Equal(hits + 2, stats.KeyspaceHits); // like Redis, every candidate is looked up (and counted)
        var (_, strings) = ParseScan(s.Run("scan", "0", "type", "string"));
        Assert.Equal(new[] { "a" }, strings);
    }

    [Fact]
    public void ExpiredKeysAreHiddenDeletedOrSkippedLikeRedis()
    {
        var s = new TestServer();
        var db = s.Server.Keyspace[0];
        s.Run("set", "live", "1");
        s.Run("set", "gone", "1");
        s.Run("pexpire", "gone", "10");
        s.AdvanceTime(50);
        // KEYS hides an expired key but leaves it in place.
        Assert.Equal("*1\r\n$4\r\nlive\r\n", s.Run("keys", "*"));
        Assert.Equal(":2\r\n", s.Run("dbsize"));
        // SCAN deletes it.
        Assert.Equal("*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n", s.Run("scan", "0"));
        Assert.Equal(":1\r\n", s.Run("dbsize"));
        Assert.Equal(1, s.Server.Keyspace.ExpiredKeys);

        // SCAN TYPE none returns an expired key (its lookup deleted it, so its type reads "none"), like redis-server.
        s.Run("set", "gone", "1");
        s.Run("pexpire", "gone", "10");
        s.AdvanceTime(50);
        Assert.Equal("*2\r\n$1\r\n0\r\n*1\r\n$4\r\ngone\r\n", s.Run("scan", "0", "type", "none"));
        Assert.Equal(":1\r\n", s.Run("dbsize"));

        // DEL does not count a key that had already expired.
        s.Run("set", "gone", "1");
        s.Run("pexpire", "gone", "10");
        s.AdvanceTime(50);
        Assert.Equal(":1\r\n", s.Run("del", "gone", "live"));
        Assert.Equal(0, db.Count);
    }

    [Fact]
    public void ExistsTypeTouchCountHitsAndMisses()
    {
        var s = new TestServer();
        var stats = s.Server.Stats;
        s.Run("set", "a", "1");
        long hits = stats.KeyspaceHits, misses = stats.KeyspaceMisses;
        s.Run("exists", "a", "b");
        s.Run("type", "a");
        s.Run("type", "b");
        s.Run("touch", "a", "b");
        s.Run("ttl", "a");
        s.Run("object", "encoding", "b");
        s.Run("copy", "a", "c");
        s.Run("del", "a", "b");
        s.Run("rename", "c", "d");
        s.Run("dbsize");
        s.Run("keys", "*");
        s.Run("scan", "0");
        s.Run("randomkey");
        Assert.Equal(hits + 5, stats.KeyspaceHits);
        Assert.Equal(misses + 4, stats.KeyspaceMisses);
    }

    [Fact]
    public void TouchCountsExistingKeysAndRefreshesTheAccessTime()
    {
        var s = new TestServer();
        var ks = s.Server.Keyspace;
        s.Run("set", "a", "1");
        ks.LruClock += 100;
        Assert.Equal(":100\r\n", s.Run("object", "idletime", "a"));
        Assert.Equal(":1\r\n", s.Run("exists", "a"));
        Assert.Equal(":100\r\n", s.Run("object", "idletime", "a")); // EXISTS is not an access
        Assert.Equal(":2\r\n", s.Run("touch", "a", "b", "a"));
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "a"));
        Assert.Equal("-ERR wrong number of arguments for 'touch' command\r\n", s.Run("touch"));
    }

    [Fact]
    public void RandomKey()
    {
        var s = new TestServer();
        Assert.Equal("$-1\r\n", s.Run("randomkey"));
        s.Run("set", "only", "1");
        Assert.Equal("$4\r\nonly\r\n", s.Run("randomkey"));
        for (int i = 0; i < 20; i++) s.Run("set", "k" + i, "1");
        var seen = new HashSet<string>();
        for (int i = 0; i < 500; i++) seen.Add(ParseArray("*1\r\n" + s.Run("randomkey"))[0]);
        Assert.True(seen.Count > 15, $"only {seen.Count} distinct keys");
        Assert.Equal("-ERR wrong number of arguments for 'randomkey' command\r\n", s.Run("randomkey", "x"));
    }

    [Fact]
    public void RandomKeySkipsAndDeletesExpiredKeys()
    {
        var s = new TestServer();
        for (int i = 0; i < 10; i++) { s.Run("set", "e" + i, "1"); s.Run("pexpire", "e" + i, "10"); }
        s.Run("set", "live", "1");
        s.AdvanceTime(50);
        Assert.Equal("$4\r\nlive\r\n", s.Run("randomkey"));
        s.Run("del", "live");
        for (int i = 0; i < 10; i++) { s.Run("set", "e" + i, "1"); s.Run("pexpire", "e" + i, "10"); }
        s.AdvanceTime(50);
        Assert.Equal("$-1\r\n", s.Run("randomkey"));
        Assert.Equal(0, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void RandomKeyOnAReplicaWhereEveryKeyExpiredGivesUp()
    {
        var s = new TestServer();
        for (int i = 0; i < 3; i++) { s.Run("set", "e" + i, "1"); s.Run("pexpire", "e" + i, "10"); }
        s.AdvanceTime(50);
        s.Server.Keyspace.ExpiryDisabled = true;
        Assert.StartsWith("$2\r\ne", s.Run("randomkey"));
        Assert.Equal(3, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void ObjectSubcommands()
    {
        KeyspaceScript.Run(new TestServer(), """
            set n 1 => +OK\r\n
            set n2 10000 => +OK\r\n
            set n3 9999 => +OK\r\n
            set s hello => +OK\r\n
            set l aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa => +OK\r\n
            object refcount n => :2147483647\r\n
            object refcount n2 => :1\r\n
            object refcount n3 => :2147483647\r\n
            object refcount s => :1\r\n
            object encoding n2 => $3\r\nint\r\n
            object encoding s => $6\r\nembstr\r\n
            object encoding l => $3\r\nraw\r\n
            object encoding nokey => $-1\r\n
            object refcount nokey => $-1\r\n
            object idletime nokey => $-1\r\n
            object freq nokey => $-1\r\n
            object freq n => -ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n
            object idletime n => :0\r\n
            object => -ERR wrong number of arguments for 'object' command\r\n
            object foo => -ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n
            object encoding => -ERR wrong number of arguments for 'object|encoding' command\r\n
            object encoding a b => -ERR wrong number of arguments for 'object|encoding' command\r\n
            object help x => -ERR wrong number of arguments for 'object|help' command\r\n
            object help => *15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n
            """);
    }

    [Fact]
    public void ObjectFreqAndIdleTimeDependOnThePolicy()
    {
        var s = new TestServer();
        s.Run("set", "a", "1");
        s.Configure("maxmemory-policy", "allkeys-lfu");
        Assert.Equal("-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
            s.Run("object", "idletime", "a"));
        Assert.Equal(":5\r\n", s.Run("object", "freq", "a"));
        s.Configure("maxmemory-policy", "volatile-lru");
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "a"));
        // OBJECT does not count as an access.
        s.Server.Keyspace.LruClock += 42;
        s.Run("object", "encoding", "a");
        s.Run("type", "a");
        s.Run("exists", "a");
        s.Run("ttl", "a");
        Assert.Equal(":42\r\n", s.Run("object", "idletime", "a"));
        s.Run("get", "a");
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "a"));
    }

    [Fact]
    public void WritesArePropagatedAsReceivedOnlyWhenTheyChangeSomething()
    {
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Run("set", "a", "1");
        stream.Take();
        s.Run("del", "nokey");
        s.Run("copy", "nokey", "x");
        s.Run("move", "nokey", "1");
        s.Run("exists", "a");
        s.Run("touch", "a");
        Assert.Equal("", stream.Take());
        s.Run("copy", "a", "b");
        s.Run("move", "b", "2");
        s.Run("unlink", "a", "nokey");
        Assert.Equal(RecordingConsumer.Resp("copy", "a", "b") + RecordingConsumer.Resp("move", "b", "2") +
                     RecordingConsumer.Resp("unlink", "a", "nokey"), stream.Take());
    }
}
