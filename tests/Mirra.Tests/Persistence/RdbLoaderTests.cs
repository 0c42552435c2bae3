using System.Text;
using Mirra.Persistence.Rdb;
using Mirra.Storage;
using Mirra.Tests.Support;
using static Mirra.Tests.Persistence.RdbFixtures;

namespace Mirra.Tests.Persistence;

public class RdbLoaderTests
{
    static RdbLoadOptions Options(TestServer s, bool skipExpired = true, bool verify = true) =>
        new(s.Server.Clock.NowMs(), skipExpired, verify);

    static RdbLoadResult Load(TestServer s, byte[] file, bool skipExpired = true, bool verify = true) =>
        RdbLoader.Load(new MemoryStream(file), s.Server.Keyspace, s.Server.Config, Options(s, skipExpired, verify));

    /// <summary>Loads into a bare keyspace (no server around it): for the loops over many corrupt files.</summary>
    static void LoadBare(ServerConfigHolder config, byte[] file, bool verify = true) =>
        RdbLoader.Load(new MemoryStream(file), new Keyspace(16), config.Config, new RdbLoadOptions(config.Now, true, verify));

    sealed class ServerConfigHolder
    {
        public readonly Mirra.Config.ServerConfig Config;
        public readonly long Now;
        public ServerConfigHolder(TestServer s) { Config = s.Server.Config; Now = s.Server.Clock.NowMs(); }
    }

    static RdbFormatException Refused(byte[] file, params string[] config)
    {
        var s = new TestServer(config);
        return Assert.Throws<RdbFormatException>(() => Load(s, file));
    }

    // ---- A real file ----

    [Fact]
    public void LoadsEveryKeyOfAFileWrittenByRedis()
    {
        var s = NewServer();
        var file = Bytes("alltypes.rdb");
        var result = Load(s, file);
        var expected = Json("alltypes.json");
        var keys = expected.GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal(10, result.Version);
        Assert.Equal(keys.Count, result.Keys);
        Assert.Equal(1, result.ExpiredSkipped);
        Assert.Equal(0, result.EmptyKeysSkipped);
        Assert.Equal(file.Length, result.BytesRead);
        Assert.Equal("7.0.15", result.RedisVer);
        Assert.Equal("7.0.15", Encoding.ASCII.GetString(result.Aux["redis-ver"]));
        Assert.Equal("64", Encoding.ASCII.GetString(result.Aux["redis-bits"]));
        Assert.True(result.CTime > 1_600_000_000);
        Assert.False(result.AofBase);
        Assert.Null(result.ReplId);
        Assert.Equal(-1, result.ReplOffset);

        foreach (var key in keys) AssertKeyMatches(s, key);
        Assert.Equal(keys.Count(k => k.GetProperty("db").GetInt32() == 0), s.Server.Keyspace[0].Count);
        Assert.Equal(2, s.Server.Keyspace[1].Count);
        Assert.Equal(1, s.Server.Keyspace[5].Count);
        s.Run("select", "0");
        // The PLAIN quicklist node (3000 bytes) and the LZF-compressed nodes came through.
        Assert.Equal("$3000\r\n" + new string('P', 3000) + "\r\n", s.Run("lindex", "list:plain", "1"));
        Assert.Equal(":60\r\n", s.Run("llen", "list:compressed"));
        Assert.Equal(":50\r\n", s.Run("pfcount", "hll:dense"));
        Assert.Equal(":4\r\n", s.Run("pfcount", "hll:sparse"));
        AssertWellFormed(s.Server.Keyspace);
    }

    /// <summary>Checks the structure of every list and sorted set, and that loaded lists carry no spare room.</summary>
    static void AssertWellFormed(Keyspace keyspace)
    {
        foreach (var db in keyspace.Databases)
            foreach (var e in db.Table.Entries())
            {
                if (e.Value is Mirra.Storage.Types.ListValue list)
                {
                    list.Validate();
                    Assert.Equal(list.DeepCopy().EstimatedBytes, list.EstimatedBytes);
                }
                if (e.Value is Mirra.Storage.Types.SortedSetValue z) z.Validate();
            }
    }

    [Fact]
    public void ExpiredKeysAreKeptWhenNotSkipping()
    {
        var s = NewServer();
        var result = Load(s, Bytes("alltypes.rdb"), skipExpired: false);
        Assert.Equal(0, result.ExpiredSkipped);
        Assert.Equal(2, s.Server.Keyspace[5].Count);
        var e = s.Server.Keyspace[5].Peek("db5:expired"u8)!;
        Assert.True(s.Server.Keyspace[5].ExpireAtOf(e) < s.Server.Clock.NowMs());
    }

    [Fact]
    public void EncodingsFollowTheConfigurationOfTheLoadingServer()
    {
        // Default thresholds (larger than the fixture's): Mirra picks the compact forms, as Redis's loader does for
        // the hashtable hash, the skiplist zset and the hashtable set of integers.
        var s = new TestServer();
        Load(s, Bytes("alltypes.rdb"));
        Assert.Equal("$8\r\nlistpack\r\n", s.Run("object", "encoding", "hash:table"));
        Assert.Equal("$8\r\nlistpack\r\n", s.Run("object", "encoding", "zset:skiplist"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "set:bigints"));
        // Values longer than the limits keep the full forms.
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "hash:longvalue"));
        Assert.Equal("$8\r\nskiplist\r\n", s.Run("object", "encoding", "zset:longmember"));

        // Smaller thresholds: compact forms in the file become full ones.
        var t = new TestServer("hash-max-listpack-entries", "2", "zset-max-listpack-entries", "2", "set-max-intset-entries", "2",
            "hash-max-listpack-value", "4");
        Load(t, Bytes("alltypes.rdb"));
        Assert.Equal("$9\r\nhashtable\r\n", t.Run("object", "encoding", "hash:listpack"));
        Assert.Equal("$8\r\nlistpack\r\n", t.Run("object", "encoding", "ttl:hash"));
        Assert.Equal("$8\r\nskiplist\r\n", t.Run("object", "encoding", "zset:listpack"));
        Assert.Equal("$9\r\nhashtable\r\n", t.Run("object", "encoding", "set:intset16"));
        Assert.Equal(":10\r\n", t.Run("hlen", "hash:listpack"));
        Assert.Equal("$5\r\n20000\r\n", t.Run("hget", "hash:listpack", "i16"));
        Assert.Equal(":1\r\n", t.Run("sismember", "set:intset16", "32767"));
    }

    [Fact]
    public void StopsRightAfterTheChecksum()
    {
        var file = Bytes("small.rdb");
        var tail = "*1\r\n$4\r\nPING\r\n"u8.ToArray();
        var data = file.Concat(tail).ToArray();

        // Seekable: the stream is left right after the CRC.
        var s = new TestServer();
        var stream = new MemoryStream(data);
        var result = RdbLoader.Load(stream, s.Server.Keyspace, s.Server.Config, Options(s));
        Assert.Equal(file.Length, result.BytesRead);
        Assert.Equal(file.Length, stream.Position);

        // Not seekable, with a limit: never reads past it.
        var t = new TestServer();
        var guarded = new ForwardOnlyStream(data, file.Length);
        var input = new RdbInput(guarded, limit: file.Length);
        RdbLoader.Load(input, t.Server.Keyspace, t.Server.Config, Options(t));
        Assert.Equal(file.Length, guarded.Consumed);
        Assert.Equal(0, input.Unconsumed.Length);

        // Not seekable, no limit: the read-ahead is the start of the tail, untouched; the stream has the rest.
        var u = new TestServer();
        var forward = new ForwardOnlyStream(data, data.Length);
        var input2 = new RdbInput(forward);
        var r2 = RdbLoader.Load(input2, u.Server.Keyspace, u.Server.Config, Options(u));
        Assert.Equal(file.Length, r2.BytesRead);
        Assert.Equal(tail, input2.Unconsumed.ToArray().Concat(data[forward.Consumed..]).ToArray());
        Assert.Equal(7, u.Server.Keyspace.TotalKeys());
    }

    /// <summary>A stream that cannot seek, hands out few bytes per read, and fails a read past <c>allowed</c> bytes.</summary>
    sealed class ForwardOnlyStream(byte[] data, int allowed) : Stream
    {
        public int Consumed;
        public override int Read(byte[] buffer, int offset, int count)
        {
            Assert.True(Consumed < allowed || count == 0, "read past the allowed end");
            int n = Math.Min(Math.Min(count, 7), Math.Min(data.Length, allowed) - Consumed);
            Array.Copy(data, Consumed, buffer, offset, n);
            Consumed += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // ---- Checksum, header, databases ----

    [Fact]
    public void AWrongChecksumIsRefusedWithRedisMessage()
    {
        var file = Bytes("small.rdb");
        ulong stored = BitConverter.ToUInt64(file, file.Length - 8);
        var bad = file.ToArray();
        bad[^1] ^= 0x01;
        var ex = Refused(bad);
        Assert.Equal($"Wrong RDB checksum expected: ({stored:x}) but got ({stored ^ (1UL << 56):x}). Aborting now.", ex.Message);

        // Not checked when disabled by the caller or by rdbchecksum, nor when the file has a zero CRC.
        Assert.Equal(7, Load(new TestServer(), bad, verify: false).Keys);
        Assert.Equal(7, Load(new TestServer("rdbchecksum", "no"), bad).Keys);
        var zero = file.ToArray();
        Array.Clear(zero, zero.Length - 8, 8);
        Assert.Equal(7, Load(new TestServer(), zero).Keys);
    }

    [Fact]
    public void BadSignaturesAndVersionsAreRefused()
    {
        var file = Bytes("small.rdb");
        var wrongMagic = file.ToArray();
        wrongMagic[0] = (byte)'X';
        Assert.Equal("Wrong signature trying to load DB from file", Refused(wrongMagic).Message);
        foreach (var (digits, version) in new[] { ("0012", 12), ("0000", 0), ("abcd", 0), ("9999", 9999) })
        {
            var v = file.ToArray();
            Encoding.ASCII.GetBytes(digits).CopyTo(v, 5);
            Assert.Equal($"Can't handle RDB format version {version}", Refused(v).Message);
        }
        Assert.StartsWith("Short read", Refused("REDIS00"u8.ToArray()).Message);
    }

    [Fact]
    public void ADatabaseIndexBeyondTheConfiguredCountIsFatal()
    {
        var ex = Refused(Bytes("alltypes.rdb"), "databases", "4");
        Assert.Equal("FATAL: Data file was created with a Redis server configured to handle more than 4 databases. Exiting", ex.Message);
    }

    [Fact]
    public void ADuplicatedKeyIsRefused()
    {
        var file = RdbTestEncoder.File().SelectDb(3).StringKey("k", "1").StringKey("k", "2").End();
        Assert.Equal("RDB has duplicated key 'k' in DB 3", Refused(file).Message);
    }

    [Fact]
    public void AuxFieldsAreCollected()
    {
        var s = new TestServer();
        var file = RdbTestEncoder.File(11)
            .Aux("repl-stream-db", "3").Aux("repl-id", new string('a', 40)).Aux("repl-offset", "123456789012")
            .Aux("aof-base", "1").Aux("ctime", "1700000000").Aux("redis-ver", "7.2.4").Aux("%custom", "info")
            .SelectDb(0).ResizeDb(1, 0).StringKey("k", "v").End();
        var r = Load(s, file);
        Assert.Equal(11, r.Version);
        Assert.Equal(3, r.ReplStreamDb);
        Assert.Equal(new string('a', 40), r.ReplId);
        Assert.Equal(123456789012, r.ReplOffset);
        Assert.True(r.AofBase);
        Assert.Equal(1700000000, r.CTime);
        Assert.Equal("7.2.4", r.RedisVer);
        Assert.Equal("info"u8.ToArray(), r.Aux["%custom"]);
        Assert.Equal(1, r.Keys);

        // A repl-id that is not 40 characters is ignored, as Redis does.
        var t = new TestServer();
        Assert.Null(Load(t, RdbTestEncoder.File().Aux("repl-id", "short").End()).ReplId);
    }

    // ---- Expiry, idle, freq ----

    [Fact]
    public void ExpiryOpcodesInMillisecondsAndSeconds()
    {
        var s = new TestServer();
        long now = s.Server.Clock.NowMs();
        var file = RdbTestEncoder.File()
            .ExpireMs(now + 5000).StringKey("ms", "1")
            .ExpireSeconds((int)(now / 1000) + 100).StringKey("sec", "2")
            .ExpireMs(now - 1).StringKey("past", "3")
            .ExpireMs(now).StringKey("now", "4") // not yet expired: a key expires once the time is past
            .StringKey("none", "5")
            .End();
        var r = Load(s, file);
        Assert.Equal(4, r.Keys);
        Assert.Equal(1, r.ExpiredSkipped);
        Assert.Equal($":{now + 5000}\r\n", s.Run("pexpiretime", "ms"));
        Assert.Equal($":{(now / 1000 + 100) * 1000}\r\n", s.Run("pexpiretime", "sec"));
        Assert.Equal(":-1\r\n", s.Run("pexpiretime", "none"));
        Assert.Equal(":0\r\n", s.Run("exists", "past"));
    }

    [Fact]
    public void IdleSetsTheAccessTimeAndFreqIsIgnored()
    {
        var s = new TestServer();
        var file = RdbTestEncoder.File()
            .Raw(RdbConstants.OpIdle).Length(1000).StringKey("idle", "1")
            .Raw(RdbConstants.OpFreq, 200).StringKey("freq", "2")
            .StringKey("plain", "3")
            .End();
        Load(s, file);
        Assert.Equal(":1000\r\n", s.Run("object", "idletime", "idle"));
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "freq"));
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "plain"));
    }

    // ---- What Mirra refuses ----

    [Fact]
    public void StreamsModulesAndFunctionsAreRefusedClearly()
    {
        foreach (byte t in new byte[] { 15, 19, 21 })
        {
            var file = RdbTestEncoder.File(11).Type(t).String("st").Length(0).End();
            Assert.Equal($"Stream values are not supported by Mirra (RDB type {t})", Refused(file).Message);
        }
        // Module ids pack a 9-character type name: "ReJSON-RL" with encoding version 3.
        ulong id = ModuleId("ReJSON-RL", 3);
        var module = RdbTestEncoder.File().Type(RdbConstants.TypeModule2).String("m").Length(id).End();
        Assert.Equal("Module values are not supported by Mirra (RDB type 7, module type 'ReJSON-RL')", Refused(module).Message);
        var aux = RdbTestEncoder.File().Raw(RdbConstants.OpModuleAux).Length(id).End();
        Assert.Equal("The RDB file contains AUX module data I can't load: no matching module 'ReJSON-RL' (Mirra has no modules)", Refused(aux).Message);
        var function = RdbTestEncoder.File().Raw(RdbConstants.OpFunction2).String("#!lua name=lib\nredis.register_function('f', function() return 1 end)").End();
        Assert.Contains("functions", Refused(function).Message);
        Assert.Equal("Unknown RDB value type 8", Refused(RdbTestEncoder.File().Type(8).String("x").End()).Message);
        Assert.Equal("Unknown RDB value type 22", Refused(RdbTestEncoder.File().Type(22).String("x").End()).Message);
    }

    static ulong ModuleId(string name, int version)
    {
        const string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        ulong id = 0;
        foreach (char c in name) id = (id << 6) | (uint)charset.IndexOf(c);
        return (id << 10) | (uint)version;
    }

    [Fact]
    public void EmptyAggregatesAreSkippedLikeRedisDoes()
    {
        // Redis 7.0.15 logs "rdbLoadObject skipping empty key" and goes on (verified with a real server).
        var s = new TestServer();
        var file = RdbTestEncoder.File()
            .Type(RdbConstants.TypeSet).String("emptyset").Length(0)
            .Type(RdbConstants.TypeList).String("emptylist").Length(0)
            .BlobKey(RdbConstants.TypeHashListpack, "emptyhash", RdbTestEncoder.Listpack())
            .BlobKey(RdbConstants.TypeSetIntset, "emptyintset", RdbTestEncoder.Intset(2))
            .Type(RdbConstants.TypeListQuicklist2).String("emptyql").Length(1).Length(2).String(RdbTestEncoder.Listpack())
            .StringKey("k", "v")
            .End();
        var r = Load(s, file);
        Assert.Equal(1, r.Keys);
        Assert.Equal(5, r.EmptyKeysSkipped);
    }

    // ---- Encodings real 7.0 no longer writes, built from the format ----

    [Fact]
    public void OldEncodingsLoad()
    {
        var s = new TestServer();
        var big = new string('z', 300);
        var file = RdbTestEncoder.File(6)
            .BlobKey(RdbConstants.TypeListZiplist, "zl:list", RdbTestEncoder.Ziplist("a", 0L, 12L, 13L, -1L, 200L, -200L, 40000L, -8388608L, 8388607L, 3000000000L, long.MinValue, big, ""))
            .BlobKey(RdbConstants.TypeHashZiplist, "zl:hash", RdbTestEncoder.Ziplist("f1", "v1", "f2", 2L, "f3", big))
            .BlobKey(RdbConstants.TypeZsetZiplist, "zl:zset", RdbTestEncoder.Ziplist("b", "2.5", "a", 1L, "c", "inf", "d", "-3e2"))
            .BlobKey(RdbConstants.TypeHashZipmap, "zm:hash", RdbTestEncoder.Zipmap(2, "name", "mirra", "n", "1", "long", big))
            .BlobKey(RdbConstants.TypeSetIntset, "is:set", RdbTestEncoder.Intset(8, -5, 0, 7, 1L << 40))
            .Type(RdbConstants.TypeListQuicklist).String("ql:list").Length(2)
                .String(RdbTestEncoder.Ziplist("x", 1L)).String(RdbTestEncoder.Ziplist(new object[] { "y", 2L }, largePrevlen: true))
            .Type(RdbConstants.TypeZset).String("z1:zset").Length(4)
                .String("inf").Raw(254).String("ninf").Raw(255).String("half").Raw(3).Raw("0.5"u8).String("int").Raw(2).Raw("10"u8)
            .End();
        var r = Load(s, file);
        Assert.Equal(7, r.Keys);
        Assert.Equal(Bulks("a", "0", "12", "13", "-1", "200", "-200", "40000", "-8388608", "8388607", "3000000000", long.MinValue.ToString(), big, ""), s.Run("lrange", "zl:list", "0", "-1"));
        Assert.Equal(":3\r\n", s.Run("hlen", "zl:hash"));
        Assert.Equal("$2\r\nv1\r\n", s.Run("hget", "zl:hash", "f1"));
        Assert.Equal("$1\r\n2\r\n", s.Run("hget", "zl:hash", "f2"));
        Assert.Equal($"$300\r\n{big}\r\n", s.Run("hget", "zl:hash", "f3"));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "zl:hash")); // a 300-byte value
        Assert.Equal(Bulks("d", "-300", "a", "1", "b", "2.5", "c", "inf"), s.Run("zrange", "zl:zset", "0", "-1", "withscores"));
        Assert.Equal("$8\r\nlistpack\r\n", s.Run("object", "encoding", "zl:zset"));
        Assert.Equal("$5\r\nmirra\r\n", s.Run("hget", "zm:hash", "name"));
        Assert.Equal(":3\r\n", s.Run("hlen", "zm:hash"));
        Assert.Equal(Bulks("-5", "0", "7", "1099511627776"), s.Run("smembers", "is:set"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "is:set"));
        Assert.Equal(Bulks("x", "1", "y", "2"), s.Run("lrange", "ql:list", "0", "-1"));
        Assert.Equal(Bulks("ninf", "-inf", "half", "0.5", "int", "10", "inf", "inf"), s.Run("zrange", "z1:zset", "0", "-1", "withscores"));
        AssertWellFormed(s.Server.Keyspace);
    }

    [Fact]
    public void Version11EncodingsLoad()
    {
        // Redis 7.2: listpack sets (type 20), and plain sets that Mirra keeps compact ("hashtable" to OBJECT ENCODING).
        var s = new TestServer();
        var file = RdbTestEncoder.File(11)
            .BlobKey(RdbConstants.TypeSetListpack, "lp:strings", RdbTestEncoder.Listpack("a", "b", 5L, "c"))
            .BlobKey(RdbConstants.TypeSetListpack, "lp:ints", RdbTestEncoder.Listpack(3L, 1L, -2L, 1000000L))
            .End();
        Load(s, file);
        Assert.Equal(Bulks("5", "a", "b", "c"), Sorted(s.Run("smembers", "lp:strings")));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "lp:strings"));
        Assert.Equal(Bulks("-2", "1", "3", "1000000"), s.Run("smembers", "lp:ints"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "lp:ints"));
    }

    [Fact]
    public void QuicklistNodesFollowTheLoadingServersNodeSize()
    {
        var s = new TestServer("list-max-listpack-size", "2");
        var file = RdbTestEncoder.File()
            .Type(RdbConstants.TypeListQuicklist2).String("l").Length(2)
                .Length(2).String(RdbTestEncoder.Listpack("a", "b", "c", "d", "e"))
                .Length(1).String("plain element")
            .End();
        Load(s, file);
        Assert.Equal(Bulks("a", "b", "c", "d", "e", "plain element"), s.Run("lrange", "l", "0", "-1"));
        var list = (Mirra.Storage.Types.ListValue)s.Server.Keyspace[0].Peek("l"u8)!.Value;
        Assert.Equal(new[] { 2, 2, 2 }, list.NodeCounts());
        AssertWellFormed(s.Server.Keyspace);
    }

    [Fact]
    public void CanonicalIntegerStringsBecomeIntegers()
    {
        var s = new TestServer();
        var file = RdbTestEncoder.File()
            .StringKey("raw-int", "123").StringKey("shared", "7").StringKey("not", "0123").StringKey("neg", "-9223372036854775808")
            .Type(0).String("enc8").Raw(0xC0, 0x85) // int8 -123
            .Type(0).String("enc16").Raw(0xC1, 0x39, 0x30) // 12345
            .Type(0).String("enc32").Raw(0xC2, 0x00, 0x94, 0x35, 0x77) // 2000000000
            .End();
        Load(s, file);
        Assert.Equal("$3\r\nint\r\n", s.Run("object", "encoding", "raw-int"));
        Assert.Equal("$6\r\nembstr\r\n", s.Run("object", "encoding", "not"));
        Assert.Equal("$3\r\nint\r\n", s.Run("object", "encoding", "neg"));
        Assert.Equal("$4\r\n-123\r\n", s.Run("get", "enc8"));
        Assert.Equal("$5\r\n12345\r\n", s.Run("get", "enc16"));
        Assert.Equal("$10\r\n2000000000\r\n", s.Run("get", "enc32"));
        Assert.Same(StringValue.FromLong(7), s.Server.Keyspace[0].Peek("shared"u8)!.Value);
    }

    [Fact]
    public void DuplicatesAndBadScoresAreCorruption()
    {
        var cases = new (byte[] File, string Message)[]
        {
            (RdbTestEncoder.File().Type(2).String("s").Length(2).String("a").String("a").End(), "Duplicate set members detected"),
            (RdbTestEncoder.File().Type(2).String("s").Length(2).String("1").String("1").End(), "Duplicate set members detected"),
            (RdbTestEncoder.File().Type(4).String("h").Length(2).String("f").String("1").String("f").String("2").End(), "Duplicate hash fields detected"),
            (RdbTestEncoder.File().BlobKey(16, "h", RdbTestEncoder.Listpack("f", "1", "f", "2")).End(), "Duplicate hash fields detected"),
            (RdbTestEncoder.File().BlobKey(16, "h", RdbTestEncoder.Listpack("f", "1", "g")).End(), "Hash listpack integrity check failed: odd number of elements"),
            (RdbTestEncoder.File().BlobKey(17, "z", RdbTestEncoder.Listpack("m", 1L, "m", 2L)).End(), "Duplicate zset fields detected"),
            (RdbTestEncoder.File().BlobKey(17, "z", RdbTestEncoder.Listpack("m", "x1")).End(), "Zset listpack integrity check failed: invalid score"),
            (RdbTestEncoder.File().BlobKey(17, "z", RdbTestEncoder.Listpack("m", "nan")).End(), "Zset listpack integrity check failed: invalid score"),
            (RdbTestEncoder.File().Type(3).String("z").Length(1).String("m").Raw(253).End(), "Zset with NAN score detected"),
            (RdbTestEncoder.File().Type(5).String("z").Length(1).String("m").Raw(BitConverter.GetBytes(double.NaN)).End(), "Zset with NAN score detected"),
            (RdbTestEncoder.File().BlobKey(20, "s", RdbTestEncoder.Listpack("a", "b", "a")).End(), "Duplicate set members detected"),
            (RdbTestEncoder.File().BlobKey(9, "h", RdbTestEncoder.Zipmap(0, "a", "1", "a", "2")).End(), "Duplicate hash fields detected"),
            (RdbTestEncoder.File().BlobKey(11, "s", RdbTestEncoder.Intset(2, 1, 1)).End(), "Intset integrity check failed: integers not sorted or not unique"),
            (RdbTestEncoder.File().BlobKey(11, "s", RdbTestEncoder.Intset(2, 2, 1)).End(), "Intset integrity check failed: integers not sorted or not unique"),
            (RdbTestEncoder.File().Type(18).String("l").Length(1).Length(3).String("x").End(), "Quicklist integrity check failed."),
        };
        foreach (var (file, message) in cases) Assert.Equal(message, Refused(file).Message);

        // Many duplicates beyond the small-count path, and in the full forms.
        var members = Enumerable.Range(0, 30).Select(i => (object)("m" + i)).Append("m7").ToArray();
        Assert.Equal("Duplicate set members detected", Refused(RdbTestEncoder.File().BlobKey(20, "s", RdbTestEncoder.Listpack(members)).End()).Message);
        var big = RdbTestEncoder.File().Type(2).String("s").Length(2000);
        for (int i = 0; i < 2000; i++) big.String("x" + (i == 1999 ? 5 : i));
        Assert.Equal("Duplicate set members detected", Refused(big.End()).Message);
    }

    [Fact]
    public void ProgressIsReportedEveryMegabyte()
    {
        var s = new TestServer();
        var value = new string('q', 3 << 20);
        var file = RdbTestEncoder.File().StringKey("big", value).StringKey("small", "x").End();
        var reports = new List<long>();
        RdbLoader.Load(new MemoryStream(file), s.Server.Keyspace, s.Server.Config, new RdbLoadOptions(0, true, true, reports.Add));
        Assert.InRange(reports.Count, 2, 4);
        Assert.True(reports.SequenceEqual(reports.Order()));
        Assert.Equal($":{3 << 20}\r\n", s.Run("strlen", "big"));
    }

    // ---- Corruption ----

    [Fact]
    public void EveryTruncationIsAFormatError()
    {
        foreach (var name in new[] { "small.rdb", "alltypes.rdb" })
        {
            var file = Bytes(name);
            var config = new ServerConfigHolder(NewServer());
            for (int cut = 0; cut < file.Length; cut++)
            {
                var ex = Record.Exception(() => LoadBare(config, file[..cut]));
                Assert.True(ex is RdbFormatException, $"{name} cut at {cut}: {ex?.GetType().Name} {ex?.Message}");
            }
        }
    }

    [Fact]
    public void EveryFlippedByteIsAFormatErrorAndNeverAnotherException()
    {
        var file = Bytes("small.rdb");
        var config = new ServerConfigHolder(new TestServer());
        foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF, 0x3C })
        {
            for (int at = 0; at < file.Length; at++)
            {
                var bad = file.ToArray();
                bad[at] ^= mask;
                var ex = Record.Exception(() => LoadBare(config, bad));
                // A flipped version digit can make a valid version below 5, which has no checksum (Redis reads it with atoi too).
                bool versionDigit = at is >= 5 and < 9;
                Assert.True(ex is RdbFormatException || (versionDigit && ex is null), $"flip {mask:x2} at {at}: {ex?.GetType().Name} {ex?.Message}");
                // Without the checksum, corruption may go unnoticed, but never as another kind of exception.
                var ex2 = Record.Exception(() => LoadBare(config, bad, verify: false));
                Assert.True(ex2 is null or RdbFormatException, $"flip {mask:x2} at {at} (no CRC): {ex2?.GetType().Name} {ex2?.Message}");
            }
        }
    }

    [Fact]
    public void RandomCorruptionOfTheBigFileNeverThrowsAnythingElse()
    {
        var file = Bytes("alltypes.rdb");
        var rng = new Random(1234);
        var config = new ServerConfigHolder(NewServer());
        // MIRRA_FUZZ_ROUNDS=100000 for a longer run.
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("MIRRA_FUZZ_ROUNDS"), out int r) ? r : 2000;
        for (int round = 0; round < rounds; round++)
        {
            var bad = file.ToArray();
            int flips = 1 + rng.Next(4);
            for (int i = 0; i < flips; i++) bad[rng.Next(bad.Length)] = (byte)rng.Next(256);
            var ex = Record.Exception(() => LoadBare(config, bad, verify: false));
            Assert.True(ex is null or RdbFormatException, $"round {round}: {ex?.GetType().Name} {ex?.Message}\n{ex?.StackTrace}");
        }
    }

    [Fact]
    public void HugeLengthsFailWithoutAllocatingThem()
    {
        // A 4 GB string length and a 2^62 element count in a tiny file.
        var s = new TestServer();
        var str = RdbTestEncoder.File().Type(0).String("k").Raw(0x80, 0x7F, 0xFF, 0xFF, 0xF0).Raw("abc"u8).End(checksumBytes: false);
        Assert.IsType<RdbFormatException>(Record.Exception(() => Load(s, str)));
        var count = RdbTestEncoder.File().Type(1).String("k").Raw(0x81, 0x40, 0, 0, 0, 0, 0, 0, 0).End(checksumBytes: false);
        Assert.IsType<RdbFormatException>(Record.Exception(() => Load(s, count)));
        var lzf = RdbTestEncoder.File().Type(0).String("k").Raw(0xC3).Length(4).Length(1u << 30).Raw(0, 1, 2, 3).End();
        Assert.Equal("Invalid LZF compressed string", Refused(lzf).Message);
    }

    [Fact]
    public void VersionsBelowFiveHaveNoChecksum()
    {
        var s = new TestServer();
        var file = RdbTestEncoder.File(3).StringKey("k", "v").End(checksumBytes: false);
        var r = Load(s, file);
        Assert.Equal(1, r.Keys);
        Assert.Equal(file.Length, r.BytesRead);
    }

    static string Bulks(params string[] items)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(items.Length).Append("\r\n");
        foreach (var i in items) sb.Append('$').Append(Encoding.UTF8.GetByteCount(i)).Append("\r\n").Append(i).Append("\r\n");
        return sb.ToString();
    }

    static string Sorted(string bulkArray)
    {
        var items = Elements(Encoding.UTF8.GetBytes(bulkArray)).Select(b => Encoding.UTF8.GetString(b)).Order(StringComparer.Ordinal).ToArray();
        return Bulks(items);
    }
}
