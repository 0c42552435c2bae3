using System.Buffers.Binary;
using System.Text;
using Mirra.Engine;
using Mirra.Persistence.Rdb;
using Mirra.Replication;
using Mirra.Tests.Persistence;
using Mirra.Tests.Support;
using static Mirra.Tests.Persistence.RdbFixtures;

namespace Mirra.Tests.Commands;

/// <summary>RESTORE, every reply checked against redis-server 7.0.15 (payloads from its DUMP: Persistence/Fixtures).</summary>
public class DumpRestoreCommandsTests
{
    static readonly byte[] Bar = new RdbTestEncoder().Raw(0).String("bar").Payload(); // DUMP of "bar" (00 03 62 61 72 0a 00 + CRC)

    static string Restore(TestServer s, string key, string ttl, byte[] payload, params string[] options) =>
        RunText(s, new[] { B("restore"), B(key), B(ttl), payload }.Concat(options.Select(B)).ToArray());

    [Fact]
    public void DumpRepliesWhatRedisDumpsAndRestoreTakesItBack()
    {
        var s = NewServer();
        s.Run("SET", "s", "hello");
        s.Run("SET", "n", "12");
        // Byte for byte what redis-server 7.0.15 replies to DUMP s / DUMP n (hex of the raw RESP).
        Assert.Equal("2431370D0A000568656C6C6F0A006372DF766534200A0D0A", Convert.ToHexString(RunRaw(s, B("dump"), B("s"))));
        Assert.Equal("2431330D0A00C00C0A003C2AF8515C04BCD50D0A", Convert.ToHexString(RunRaw(s, B("dump"), B("n"))));
        Assert.Equal("$-1\r\n", Encoding.ASCII.GetString(RunRaw(s, B("dump"), B("missing"))));
        s.Run("RPUSH", "l", "a", "b", "1");
        var reply = RunRaw(s, B("dump"), B("l"));
        int start = Array.IndexOf(reply, (byte)'\n') + 1;
        var payload = reply[start..^2];
        Assert.Equal("+OK\r\n", Restore(s, "copy", "0", payload));
        Assert.Equal("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n1\r\n", s.Run("LRANGE", "copy", "0", "-1"));
    }

    [Fact]
    public void ThePayloadOfStringBarIsWhatRedisDumps()
    {
        Assert.Equal("00036261720a00e6be4960ee66fd17", Convert.ToHexString(Bar).ToLowerInvariant());
    }

    [Fact]
    public void EveryPayloadDumpedByRedisRestoresTheSameValue()
    {
        var s = NewServer();
        var expected = Json("alltypes.json").GetProperty("keys").EnumerateArray()
            .ToDictionary(k => (k.GetProperty("db").GetInt32(), k.GetProperty("key").GetString()!));
        int n = 0;
        foreach (var p in Json("payloads.json").EnumerateArray())
        {
            int db = p.GetProperty("db").GetInt32();
            var key = Convert.FromHexString(p.GetProperty("key").GetString()!);
            var want = expected[(db, p.GetProperty("key").GetString()!)];
            long expireAt = want.GetProperty("expireat").GetInt64();
            RunRaw(s, B("select"), B(db.ToString()));
            var argv = new List<byte[]> { B("restore"), key, B(expireAt > 0 ? expireAt.ToString() : "0"), Convert.FromHexString(p.GetProperty("payload").GetString()!) };
            if (expireAt > 0) argv.Add(B("absttl"));
            Assert.Equal("+OK\r\n", RunText(s, argv.ToArray()));
            AssertKeyMatches(s, want);
            n++;
        }
        Assert.Equal(35, n);
    }

    [Fact]
    public void ArgumentErrorsInRedisOrder()
    {
        var s = new TestServer();
        s.Run("set", "foo", "x");
        Assert.Equal("-BUSYKEY Target key name already exists.\r\n", Restore(s, "foo", "0", Bar));
        Assert.Equal("-ERR syntax error\r\n", Restore(s, "foo", "0", Bar, "FREQ", "1", "IDLETIME", "2"));
        Assert.Equal("-ERR syntax error\r\n", Restore(s, "foo", "0", Bar, "IDLETIME", "2", "FREQ", "1"));
        Assert.Equal("-ERR Invalid IDLETIME value, must be >= 0\r\n", Restore(s, "foo", "0", Bar, "IDLETIME", "-2"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", Restore(s, "foo", "0", Bar, "IDLETIME", "x"));
        Assert.Equal("-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", Restore(s, "foo", "0", Bar, "FREQ", "256"));
        Assert.Equal("-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", Restore(s, "foo", "0", Bar, "FREQ", "-1"));
        Assert.Equal("-ERR syntax error\r\n", Restore(s, "foo", "0", Bar, "bogus"));
        Assert.Equal("-ERR syntax error\r\n", Restore(s, "foo", "0", Bar, "IDLETIME"));
        // Options are parsed first, then the key, then the TTL, then the payload.
        Assert.Equal("-BUSYKEY Target key name already exists.\r\n", Restore(s, "foo", "-1", Bar));
        Assert.Equal("-BUSYKEY Target key name already exists.\r\n", Restore(s, "foo", "x", Bar));
        Assert.Equal("-ERR Invalid TTL value, must be >= 0\r\n", Restore(s, "new", "-1", Bar));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", Restore(s, "new", "x", Bar));
        Assert.Equal("-ERR DUMP payload version or checksum are wrong\r\n", Restore(s, "new", "0", B("garbage")));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", Restore(s, "new", "x", B("garbage")));
        Assert.Equal("-ERR wrong number of arguments for 'restore' command\r\n", s.Run("restore", "a", "0"));
        Assert.Equal(":0\r\n", s.Run("exists", "new"));
    }

    [Fact]
    public void PayloadFooterChecks()
    {
        var s = new TestServer();
        Assert.Equal("-ERR DUMP payload version or checksum are wrong\r\n", Restore(s, "a", "0", Bar[..^1]));
        Assert.Equal("-ERR DUMP payload version or checksum are wrong\r\n", Restore(s, "a", "0", Bar[..9]));
        // Redis 7.0 writes version 10 and refuses anything newer (a 7.2 payload), whatever the checksum.
        Assert.Equal("-ERR DUMP payload version or checksum are wrong\r\n", Restore(s, "a", "0", new RdbTestEncoder().Raw(0).String("bar").Payload(11)));
        // A zero CRC is not special in a payload.
        var zero = Bar.ToArray();
        Array.Clear(zero, zero.Length - 8, 8);
        Assert.Equal("-ERR DUMP payload version or checksum are wrong\r\n", Restore(s, "a", "0", zero));
        // Older versions are fine, and bytes after the value are ignored (as Redis does).
        Assert.Equal("+OK\r\n", Restore(s, "v0", "0", new RdbTestEncoder().Raw(0).String("bar").Payload(0)));
        Assert.Equal("+OK\r\n", Restore(s, "extra", "0", new RdbTestEncoder().Raw(0).String("bar").Raw("EXTRA"u8).Payload()));
        Assert.Equal("$3\r\nbar\r\n", s.Run("get", "extra"));
    }

    [Fact]
    public void BadDataFormat()
    {
        var s = new TestServer();
        var cases = new[]
        {
            new RdbTestEncoder().Raw(2).Length(0).Payload(),                          // empty set
            new RdbTestEncoder().Raw(15).Length(0).Payload(),                         // a stream
            new RdbTestEncoder().Raw(7).Length(12345).Payload(),                      // a module value
            new RdbTestEncoder().Raw(8).Length(0).Payload(),                          // not a type
            new RdbTestEncoder().Raw(250).Length(0).Payload(),                        // an opcode
            new RdbTestEncoder().Raw(2).Length(2).String("a").String("a").Payload(), // duplicate members
            new RdbTestEncoder().Raw(4).Length(2).String("a").String("1").String("a").String("2").Payload(), // duplicate fields (Redis accepts it unless sanitizing)
            new RdbTestEncoder().Raw(0).Raw(0x40).Payload(),                          // truncated length
            new RdbTestEncoder().Raw(16).String(new byte[] { 1, 2, 3 }).Payload(),  // not a listpack
            new RdbTestEncoder().Payload(),                                           // nothing
        };
        foreach (var payload in cases) Assert.Equal("-ERR Bad data format\r\n", Restore(s, "k", "0", payload));
        Assert.Equal(0, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void TtlRelativeAbsoluteAndAlreadyPast()
    {
        var s = new TestServer();
        long now = s.Server.Clock.NowMs();
        Assert.Equal("+OK\r\n", Restore(s, "rel", "5000", Bar));
        Assert.Equal($":{now + 5000}\r\n", s.Run("pexpiretime", "rel"));
        Assert.Equal("+OK\r\n", Restore(s, "abs", (now + 9000).ToString(), Bar, "ABSTTL"));
        Assert.Equal($":{now + 9000}\r\n", s.Run("pexpiretime", "abs"));
        Assert.Equal("+OK\r\n", Restore(s, "none", "0", Bar, "absttl"));
        Assert.Equal(":-1\r\n", s.Run("pttl", "none"));

        // A time already past: OK, but no key (and a replaced key is deleted).
        Assert.Equal("+OK\r\n", Restore(s, "past", "1", Bar, "ABSTTL"));
        Assert.Equal(":0\r\n", s.Run("exists", "past"));
        Assert.Equal("+OK\r\n", Restore(s, "rel", (now - 1).ToString(), Bar, "ABSTTL", "REPLACE"));
        Assert.Equal(":0\r\n", s.Run("exists", "rel"));
        // A TTL so large that adding the time overflows wraps into the past, as in Redis.
        Assert.Equal("+OK\r\n", Restore(s, "huge", long.MaxValue.ToString(), Bar));
        Assert.Equal(":0\r\n", s.Run("exists", "huge"));
        Assert.Equal("+OK\r\n", Restore(s, "huge", long.MaxValue.ToString(), Bar, "ABSTTL"));
        Assert.Equal($":{long.MaxValue}\r\n", s.Run("pexpiretime", "huge"));

        // A replica keeps a key whose time is past: its master's DEL will come.
        s.Server.IsReplica = true;
        s.Configure("replica-read-only", "no"); // a writable replica: its own writes are not refused
        Assert.Equal("+OK\r\n", Restore(s, "onreplica", "1", Bar, "ABSTTL"));
        var db = s.Server.Keyspace[0];
        Assert.Equal(1, db.ExpireAtOf(db.Peek("onreplica"u8)!)); // there, though readers do not see it
    }

    [Fact]
    public void ReplaceAndBusyKey()
    {
        var s = new TestServer();
        s.Run("rpush", "k", "a");
        Assert.Equal("-BUSYKEY Target key name already exists.\r\n", Restore(s, "k", "0", Bar));
        Assert.Equal("+OK\r\n", Restore(s, "k", "0", Bar, "REPLACE"));
        Assert.Equal("$3\r\nbar\r\n", s.Run("get", "k"));
        s.Run("set", "t", "1", "px", "100");
        Assert.Equal("+OK\r\n", Restore(s, "k", "0", Bar, "replace", "replace"));
        // A key that is logically expired does not count as existing.
        s.AdvanceTime(200);
        Assert.Equal("+OK\r\n", Restore(s, "t", "0", Bar));
        Assert.Equal(":-1\r\n", s.Run("pttl", "t"));
    }

    [Fact]
    public void IdleTimeAndFreq()
    {
        var s = new TestServer("enable-debug-command", "yes");
        Assert.Equal("+OK\r\n", Restore(s, "i", "0", Bar, "IDLETIME", "1000"));
        Assert.Equal(":1000\r\n", s.Run("object", "idletime", "i"));
        Assert.Contains(" lru_seconds_idle:1000", s.Run("debug", "object", "i"));
        Assert.Equal("+OK\r\n", Restore(s, "f", "0", Bar, "FREQ", "100"));
        Assert.Equal(":0\r\n", s.Run("object", "idletime", "f"));
        Assert.Equal("+OK\r\n", Restore(s, "both", "0", Bar, "idletime", "5", "replace", "absttl"));
        Assert.Equal(":5\r\n", s.Run("object", "idletime", "both"));
    }

    [Fact]
    public void PropagationDirtyAndNotifications()
    {
        var s = new TestServer("notify-keyspace-events", "KEA");
        var events = s.CaptureKeyEvents();
        var stream = new RawConsumer();
        s.Server.Propagation.Consumers.Add(stream);
        s.Run("set", "x", "1");
        stream.Take();
        events.Clear();
        long now = s.Server.Clock.NowMs();
        long dirty = s.Server.Dirty;

        // A relative TTL goes out as the absolute time with ABSTTL appended.
        Assert.Equal("+OK\r\n", Restore(s, "k", "5000", Bar, "REPLACE"));
        Assert.Equal(Resp(B("restore"), B("k"), B((now + 5000).ToString()), Bar, B("REPLACE"), B("ABSTTL")), stream.Take());
        Assert.Equal(new[] { "restore k" }, events);
        Assert.Equal(dirty + 1, s.Server.Dirty);

        // No TTL, or an absolute one: as received.
        Assert.Equal("+OK\r\n", Restore(s, "k2", "0", Bar));
        Assert.Equal(Resp(B("restore"), B("k2"), B("0"), Bar), stream.Take());
        Assert.Equal("+OK\r\n", Restore(s, "k3", "4102444800000", Bar, "absttl"));
        Assert.Equal(Resp(B("restore"), B("k3"), B("4102444800000"), Bar, B("absttl")), stream.Take());

        // Past time replacing a key: DEL, "del" event. Past time without a key: nothing at all.
        events.Clear();
        dirty = s.Server.Dirty;
        Assert.Equal("+OK\r\n", Restore(s, "k", "1", Bar, "ABSTTL", "REPLACE"));
        Assert.Equal(Resp(B("DEL"), B("k")), stream.Take());
        Assert.Equal(new[] { "del k" }, events);
        Assert.Equal(dirty + 1, s.Server.Dirty);
        Assert.Equal("+OK\r\n", Restore(s, "nothing", "1", Bar, "ABSTTL"));
        Assert.Equal("", stream.Take());
        Assert.Equal(dirty + 1, s.Server.Dirty);

        // Errors propagate nothing.
        Assert.Equal("-ERR Bad data format\r\n", Restore(s, "bad", "0", new RdbTestEncoder().Raw(2).Length(0).Payload()));
        Assert.Equal("", stream.Take());
    }

    [Fact]
    public void NewKeyEventIsSentToo()
    {
        var s = new TestServer("notify-keyspace-events", "KEAn");
        var events = s.CaptureKeyEvents();
        Assert.Equal("+OK\r\n", Restore(s, "k", "0", Bar));
        Assert.Equal(new[] { "new k", "restore k" }, events);
    }

    [Fact]
    public void CommandInfoIsRedis()
    {
        var s = new TestServer();
        Assert.Equal("*1\r\n*10\r\n$7\r\nrestore\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
            s.Run("command", "info", "restore"));
        Assert.Equal("*1\r\n$1\r\nk\r\n", s.Run("command", "getkeys", "restore", "k", "0", "x"));
    }

    [Fact]
    public void RestoredValuesTakeTheEncodingOfTheCurrentConfiguration()
    {
        // A listpack hash of 3 fields restored under hash-max-listpack-entries 2 becomes a table.
        var s = new TestServer("hash-max-listpack-entries", "2");
        var payload = new RdbTestEncoder().Raw(RdbConstants.TypeHashListpack).String(RdbTestEncoder.Listpack("a", "1", "b", "2", "c", "3")).Payload();
        Assert.Equal("+OK\r\n", Restore(s, "h", "0", payload));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "h"));
        Assert.Equal("$1\r\n2\r\n", s.Run("hget", "h", "b"));
    }

    static string Resp(params byte[][] argv)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(argv.Length).Append("\r\n");
        foreach (var a in argv) sb.Append('$').Append(a.Length).Append("\r\n").Append(Encoding.Latin1.GetString(a)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>The propagated commands as Latin-1 text (payloads are binary), SELECT left out.</summary>
    sealed class RawConsumer : IStreamConsumer
    {
        readonly StringBuilder _text = new();
        public void Append(ReadOnlySpan<byte> resp)
        {
            var s = Encoding.Latin1.GetString(resp);
            if (!s.StartsWith("*2\r\n$6\r\nSELECT\r\n", StringComparison.Ordinal)) _text.Append(s);
        }
        public string Take()
        {
            var s = _text.ToString();
            _text.Clear();
            return s;
        }
    }
}
