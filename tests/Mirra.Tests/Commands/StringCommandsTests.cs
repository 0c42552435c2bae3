using Mirra.Config;

namespace Mirra.Tests.Commands;

/// <summary>
/// The string family, every reply verified byte for byte against redis-server 7.0.15. The
/// scenario facts further down were produced by running the same commands on the real server;
/// the first ones check what replies don't show (encodings, TTLs, the replication stream).
/// </summary>
public class StringCommandsTests
{
    [Fact]
    public void EncodingsFollowRedis()
    {
        var t = new StringHarness();
        void Expect(string encoding, string key) => Assert.Equal($"{key}: {encoding}", $"{key}: {t.EncodingOf(key)}");
        t.Run("set", "a", "10"); Expect("int", "a");
        t.Run("set", "b", "010"); Expect("embstr", "b");
        t.Run("set", "c", "12345678901234567890"); Expect("embstr", "c");
        t.Run("set", "d", "9223372036854775807"); Expect("int", "d");
        t.Run("set", "e", "9223372036854775808"); Expect("embstr", "e");
        t.Run("set", "f", "-9223372036854775808"); Expect("int", "f");
        t.Run("set", "g", new string('4', 44)); Expect("embstr", "g");
        t.Run("set", "h", new string('4', 45)); Expect("raw", "h");
        t.Run("setex", "i", "100", "123"); Expect("int", "i");
        t.Run("getset", "j", "55"); Expect("int", "j");
        t.Run("mset", "k", "7", "l", "x"); Expect("int", "k"); Expect("embstr", "l");

        // Counters: INCR results are integers, INCRBYFLOAT results plain strings even when integral.
        t.Run("incr", "n"); Expect("int", "n");
        t.Run("incrby", "n", "9999"); Expect("int", "n");
        t.Run("set", "fl", "10.5");
        t.Run("incrbyfloat", "fl", "0.1"); Expect("embstr", "fl");
        t.Run("incrbyfloat", "g5", "5.0e3"); Expect("embstr", "g5");

        // APPEND stores a new key like SET; growing an existing one makes it raw, even by nothing.
        t.Run("append", "ap", "hello"); Expect("embstr", "ap");
        t.Run("append", "ap", " world"); Expect("raw", "ap");
        t.Run("append", "an", "10"); Expect("int", "an");
        t.Run("append", "an", ""); Expect("raw", "an");
        t.Run("incr", "an"); Expect("int", "an");
        t.Run("append", "al", new string('4', 45)); Expect("raw", "al");

        // SETRANGE and SETBIT always leave a raw string (SETBIT even when no bit changes).
        t.Run("setrange", "sr", "5", "x"); Expect("raw", "sr");
        t.Run("set", "si", "12345");
        t.Run("setrange", "si", "1", "x"); Expect("raw", "si");
        t.Run("setbit", "sb", "7", "1"); Expect("raw", "sb");
        t.Run("set", "sn", "1");
        t.Check(":0\r\n", "setbit", "sn", "0", "0"); Expect("raw", "sn");
        t.Check("$1\r\n1\r\n", "get", "sn");
    }

    [Fact]
    public void AppendGrowsInPlaceWithSpareRoom()
    {
        var t = new StringHarness();
        t.Run("set", "k", "ab");
        t.Run("append", "k", "c");
        var m = Assert.IsType<Mirra.Storage.MutableString>(t.Entry("k")!.Value);
        var buffer = m.Buffer;
        Assert.True(buffer.Length > 3);
        t.Run("append", "k", "d");
        Assert.Same(buffer, ((Mirra.Storage.MutableString)t.Entry("k")!.Value).Buffer);
        for (int i = 0; i < 1000; i++) t.Run("append", "k", "xyz");
        t.Check(":3004\r\n", "strlen", "k");
        t.Check("$6\r\nabcdxy\r\n", "getrange", "k", "0", "5");
    }

    [Fact]
    public void SetExpiryOptions()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "k", "v", "ex", "100");
        Assert.Equal(t.Now + 100_000, t.ExpireAt("k"));
        long at = t.ExpireAt("k");
        t.Check("+OK\r\n", "set", "k", "v2", "keepttl");
        Assert.Equal(at, t.ExpireAt("k"));
        t.Check("+OK\r\n", "set", "k", "v3");
        Assert.Equal(-1, t.ExpireAt("k"));
        t.Check("+OK\r\n", "set", "k", "v", "ex", "10", "ex", "20");
        Assert.Equal(t.Now + 20_000, t.ExpireAt("k"));
        t.Check("+OK\r\n", "set", "k", "v", "px", "1500");
        Assert.Equal(t.Now + 1500, t.ExpireAt("k"));
        t.Check("+OK\r\n", "set", "k", "v", "exat", "4000000000");
        Assert.Equal(4_000_000_000_000, t.ExpireAt("k"));
        t.Check("+OK\r\n", "set", "k", "v", "pxat", "4000000000123");
        Assert.Equal(4_000_000_000_123, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "set", "k", "w", "get", "xx", "px", "50");
        Assert.Equal(t.Now + 50, t.ExpireAt("k"));
        t.Ts.AdvanceTime(51);
        t.Check("$-1\r\n", "get", "k");
        Assert.Equal(-2, t.ExpireAt("k"));

        // An absolute time in the past stores a key that is already gone.
        t.Check("+OK\r\n", "set", "p", "v", "exat", "1");
        t.Check("$-1\r\n", "get", "p");
        // SETEX / PSETEX.
        t.Check("+OK\r\n", "setex", "s", "100", "v");
        Assert.Equal(t.Now + 100_000, t.ExpireAt("s"));
        t.Check("+OK\r\n", "psetex", "s", "1000", "v");
        Assert.Equal(t.Now + 1000, t.ExpireAt("s"));
        t.Ts.AdvanceTime(1000);
        t.Check("$1\r\nv\r\n", "get", "s"); // Redis expires a key once the time is past it, not at it
        t.Ts.AdvanceTime(1);
        t.Check("$-1\r\n", "get", "s");
    }

    [Fact]
    public void WritesKeepOrClearTheTtlLikeRedis()
    {
        var t = new StringHarness();
        foreach (var key in new[] { "incr", "float", "append", "setrange", "setbit", "getset", "mset", "set" })
            t.Run("set", key, "5", "ex", "100");
        long at = t.ExpireAt("incr");
        t.Run("incr", "incr");
        t.Run("incrbyfloat", "float", "1.5");
        t.Run("append", "append", "x");
        t.Run("setrange", "setrange", "0", "7");
        t.Run("setbit", "setbit", "0", "1");
        t.Run("getset", "getset", "6");
        t.Run("mset", "mset", "6");
        t.Run("set", "set", "6");
        foreach (var key in new[] { "incr", "float", "append", "setrange", "setbit" }) Assert.Equal($"{key} {at}", $"{key} {t.ExpireAt(key)}");
        foreach (var key in new[] { "getset", "mset", "set" }) Assert.Equal($"{key} -1", $"{key} {t.ExpireAt(key)}");
    }

    [Fact]
    public void GetExChangesTheTtl()
    {
        var t = new StringHarness();
        t.Run("set", "k", "v");
        t.Check("$1\r\nv\r\n", "getex", "k", "ex", "100");
        Assert.Equal(t.Now + 100_000, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k", "px", "100");
        Assert.Equal(t.Now + 100, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k", "exat", "4000000000");
        Assert.Equal(4_000_000_000_000, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k", "pxat", "4000000000001");
        Assert.Equal(4_000_000_000_001, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k");
        Assert.Equal(4_000_000_000_001, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k", "persist");
        Assert.Equal(-1, t.ExpireAt("k"));
        t.Check("$1\r\nv\r\n", "getex", "k", "pxat", "1");
        Assert.Equal(-2, t.ExpireAt("k"));
    }

    [Fact]
    public void PropagatesEffectsLikeRedis()
    {
        // Expected forms read from the AOF of a real redis-server running the same commands.
        var t = new StringHarness();
        void Expect(params string[] commands) => Assert.Equal(commands, t.TakePropagated());

        t.Run("set", "k", "v", "get", "get"); Expect("set k v");
        t.Run("set", "k", "v3", "XX", "GET"); Expect("set k v3 XX");
        t.Run("set", "k", "v", "NX", "GET"); Expect();
        t.Run("set", "k", "v", "ex", "10", "nx"); Expect();
        t.Run("set", "k", "v", "keepttl"); Expect("set k v keepttl");
        t.Run("set", "k", "v", "ex", "10", "ex", "20"); Expect($"SET k v PXAT {t.Now + 20_000}");
        t.Run("set", "k", "v", "px", "100", "get"); Expect($"SET k v PXAT {t.Now + 100}");
        t.Run("set", "k", "v", "pxat", "9223372036854775807"); Expect("SET k v PXAT 9223372036854775807");
        t.Run("set", "k", "v", "exat", "9223372036854775"); Expect("SET k v PXAT 9223372036854775000");
        t.Run("set", "k", "v", "ex", "0"); Expect();
        t.Run("setnx", "a", "1"); Expect("setnx a 1");
        t.Run("setnx", "a", "2"); Expect();
        t.Run("setex", "b", "100", "v"); Expect($"SET b v PXAT {t.Now + 100_000}");
        t.Run("psetex", "c", "100000", "v"); Expect($"SET c v PXAT {t.Now + 100_000}");

        t.Run("getex", "b"); Expect();
        t.Run("getex", "b", "ex", "100"); Expect($"PEXPIREAT b {t.Now + 100_000}");
        t.Run("getex", "b", "exat", "4000000000"); Expect("PEXPIREAT b 4000000000000");
        t.Run("getex", "b", "persist"); Expect("PERSIST b");
        t.Run("getex", "b", "persist"); Expect();
        t.Run("getex", "b", "exat", "1"); Expect("DEL b");
        t.Run("getex", "b", "ex", "10"); Expect();

        t.Run("getdel", "a"); Expect("DEL a");
        t.Run("getdel", "a"); Expect();
        t.Run("getset", "a", "x"); Expect("SET a x");

        t.Run("incr", "n"); Expect("incr n");
        t.Run("incrby", "n", "0"); Expect("incrby n 0");
        t.Run("set", "f", "10.5", "ex", "100"); t.TakePropagated();
        t.Run("incrbyfloat", "f", "0.1"); Expect("SET f 10.6 KEEPTTL");
        t.Run("incrbyfloat", "f", "abc"); Expect();

        t.Run("append", "e", ""); Expect("append e ");
        t.Run("setrange", "e", "2", "x"); Expect("setrange e 2 x");
        t.Run("setrange", "e", "0", ""); Expect();
        t.Run("setrange", "none", "0", ""); Expect();

        t.Run("setbit", "bits", "7", "1"); Expect("setbit bits 7 1");
        t.Run("setbit", "bits", "7", "1"); Expect();
        t.Run("setbit", "bits", "7", "0"); Expect("setbit bits 7 0");
        t.Run("setbit", "bits", "100", "0"); Expect("setbit bits 100 0");
        t.Run("setbit", "bits", "100", "0"); Expect();
        t.Run("setbit", "nb", "0", "0"); Expect("setbit nb 0 0");

        t.Run("mset", "x", "1", "y", "2"); Expect("mset x 1 y 2");
        t.Run("msetnx", "x", "1", "z", "2"); Expect();
        t.Run("msetnx", "z", "1", "w", "2"); Expect("msetnx z 1 w 2");
        t.Run("get", "z"); t.Run("mget", "x", "y"); t.Run("strlen", "x"); Expect();
    }

    [Fact]
    public void CountsChangesLikeServerDirty()
    {
        var t = new StringHarness();
        long Delta(params string[] args)
        {
            long before = t.Server.Dirty;
            t.Run(args);
            return t.Server.Dirty - before;
        }
        Assert.Equal(2, Delta("mset", "a", "1", "b", "2"));
        Assert.Equal(0, Delta("msetnx", "a", "1", "c", "2"));
        Assert.Equal(2, Delta("msetnx", "c", "1", "d", "2"));
        Assert.Equal(1, Delta("set", "a", "2"));
        Assert.Equal(0, Delta("set", "a", "2", "nx"));
        Assert.Equal(1, Delta("incrby", "a", "0"));
        Assert.Equal(1, Delta("append", "a", ""));
        Assert.Equal(0, Delta("setrange", "a", "0", ""));
        Assert.Equal(0, Delta("getex", "a"));
        Assert.Equal(0, Delta("getex", "a", "persist"));
        Assert.Equal(1, Delta("getex", "a", "ex", "10"));
        Assert.Equal(1, Delta("getex", "a", "persist"));
        Assert.Equal(1, Delta("getdel", "a"));
        Assert.Equal(0, Delta("getdel", "a"));
        Assert.Equal(1, Delta("setbit", "s", "3", "1"));
        Assert.Equal(0, Delta("setbit", "s", "3", "1"));
    }

    [Fact]
    public void Resp3RepliesAndKeyspaceStats()
    {
        // Verified with HELLO 3 and INFO stats (after CONFIG RESETSTAT) on redis-server.
        var t = new StringHarness();
        t.Ts.Client.Protocol = 3;
        t.Check("_\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "1");
        t.Check("*2\r\n$1\r\n1\r\n_\r\n", "mget", "k", "nope");
        t.Check("_\r\n", "set", "k", "v", "nx");
        t.Check("$1\r\n1\r\n", "set", "k", "v", "get", "nx");
        t.Check("$3\r\n0.1\r\n", "incrbyfloat", "f", "0.1");
        t.Check("_\r\n", "getex", "nope");
        t.Check("_\r\n", "getdel", "nope");
        t.Check("$1\r\n1\r\n", "getset", "k", "2");
        t.Check("$1\r\n2\r\n", "set", "k", "3", "GET");
        t.Check(":1\r\n", "strlen", "k");
        t.Check(":0\r\n", "strlen", "nope");
        t.Check(":4\r\n", "incr", "k");
        t.Check(":2\r\n", "append", "k", "x");
        t.Check("$2\r\n4x\r\n", "getrange", "k", "0", "1");
        t.Check(":0\r\n", "getbit", "k", "1");
        t.Check(":7\r\n", "bitcount", "k");
        t.Check(":2\r\n", "bitpos", "k", "1");
        t.Check(":0\r\n", "setbit", "k", "1", "1");
        t.Check(":2\r\n", "setrange", "k", "0", "a");
        Assert.Equal(9, t.Server.Stats.KeyspaceHits);
        Assert.Equal(5, t.Server.Stats.KeyspaceMisses);
    }

    [Fact]
    public void CommandTableMatchesRedis()
    {
        // COMMAND INFO on redis-server 7.0.15: name, arity, flags, first key, last key, step.
        var expected = new (string Name, int Arity, string Flags, int First, int Last, int Step, string Group)[]
        {
            ("get", 2, "readonly fast", 1, 1, 1, "string"), ("set", -3, "write denyoom", 1, 1, 1, "string"),
            ("setnx", 3, "write denyoom fast", 1, 1, 1, "string"), ("setex", 4, "write denyoom", 1, 1, 1, "string"),
            ("psetex", 4, "write denyoom", 1, 1, 1, "string"), ("mget", -2, "readonly fast", 1, -1, 1, "string"),
            ("mset", -3, "write denyoom", 1, -1, 2, "string"), ("msetnx", -3, "write denyoom", 1, -1, 2, "string"),
            ("incr", 2, "write denyoom fast", 1, 1, 1, "string"), ("decr", 2, "write denyoom fast", 1, 1, 1, "string"),
            ("incrby", 3, "write denyoom fast", 1, 1, 1, "string"), ("decrby", 3, "write denyoom fast", 1, 1, 1, "string"),
            ("incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "string"), ("append", 3, "write denyoom fast", 1, 1, 1, "string"),
            ("strlen", 2, "readonly fast", 1, 1, 1, "string"), ("getrange", 4, "readonly", 1, 1, 1, "string"),
            ("substr", 4, "readonly", 1, 1, 1, "string"), ("setrange", 4, "write denyoom", 1, 1, 1, "string"),
            ("getdel", 2, "write fast", 1, 1, 1, "string"), ("getex", -2, "write fast", 1, 1, 1, "string"),
            ("getset", 3, "write denyoom fast", 1, 1, 1, "string"),
            ("setbit", 4, "write denyoom", 1, 1, 1, "bitmap"), ("getbit", 3, "readonly fast", 1, 1, 1, "bitmap"),
            ("bitcount", -2, "readonly", 1, 1, 1, "bitmap"), ("bitpos", -3, "readonly", 1, 1, 1, "bitmap"),
        };
        var t = new StringHarness();
        foreach (var e in expected)
        {
            var spec = t.Server.Commands.Find(e.Name)!;
            Assert.Equal(e, (spec.Name, spec.Arity, string.Join(' ', Mirra.Engine.CommandSpec.FlagNames(spec.Flags)), spec.FirstKey, spec.LastKey, spec.KeyStep, spec.Group));
        }
    }

    [Fact]
    public void GetAndSetBasics()
    {
        var t = new StringHarness();
        t.Check("$-1\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "hello");
        t.Check("$5\r\nhello\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "");
        t.Check("$0\r\n\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "\u00ff\u0000\r\n");
        t.Check("$4\r\n\u00ff\u0000\r\n\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "12345");
        t.Check("$5\r\n12345\r\n", "get", "k");
        t.Check("+OK\r\n", "set", "k", "-9223372036854775808");
        t.Check("$20\r\n-9223372036854775808\r\n", "get", "k");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "get", "h");
        t.Check("+OK\r\n", "set", "h", "v");
        t.Check("$1\r\nv\r\n", "get", "h");
    }

    /// <summary>Option rules of SET: NX/XX exclusive, one kind of expiry (repeatable), KEEPTTL excludes expiry, no PERSIST.</summary>
    [Fact]
    public void SetOptionCombinations()
    {
        var t = new StringHarness();
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "nx", "xx");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "xx", "nx");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "get", "nx", "xx");
        t.Check("+OK\r\n", "set", "k", "v", "nx", "nx");
        t.Check("+OK\r\n", "set", "k", "v", "xx", "xx");
        t.Check("$-1\r\n", "set", "k", "v", "nX");
        t.Check("+OK\r\n", "set", "k", "v", "Keepttl");
        t.Check("+OK\r\n", "set", "k", "v", "keepttl", "keepttl");
        t.Check("$1\r\nv\r\n", "set", "k", "v", "get", "get");
        t.Check("+OK\r\n", "set", "k", "v", "ex", "10", "ex", "20");
        t.Check("+OK\r\n", "set", "k", "v", "PX", "100", "PX", "200");
        t.Check("+OK\r\n", "set", "k", "v", "EXAT", "4000000000", "EXAT", "4000000001");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "ex", "10", "px", "100");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "PXAT", "100", "PXAT", "200", "KEEPTTL");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "keepttl", "ex", "10");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "ex", "10", "keepttl");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "ex");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "px");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "persist");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "foo");
        t.Check("$-1\r\n", "set", "k", "v", "ex", "10", "nx");
        t.Check("+OK\r\n", "set", "k", "v", "ex", "10", "xx");
        t.Check("$1\r\nv\r\n", "set", "k", "v", "ex", "10", "xx", "get");
    }

    /// <summary>The expiry value is read after all options parse: a syntax error wins over a bad number.</summary>
    [Fact]
    public void SetExpireErrors()
    {
        var t = new StringHarness();
        t.Check("-ERR value is not an integer or out of range\r\n", "set", "k", "v", "ex", "abc");
        t.Check("-ERR syntax error\r\n", "set", "k", "v", "ex", "abc", "nx", "xx");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "ex", "0");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "ex", "-1");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "px", "0");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "exat", "0");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "pxat", "0");
        t.Check("-ERR value is not an integer or out of range\r\n", "set", "k", "v", "ex", "1.5");
        t.Check("-ERR value is not an integer or out of range\r\n", "set", "k", "v", "ex", "01");
        t.Check("-ERR value is not an integer or out of range\r\n", "set", "k", "v", "ex", "+1");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "ex", "9223372036854775");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "ex", "9223372036854776");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "px", "9223372036854775807");
        t.Check("+OK\r\n", "set", "k", "v", "pxat", "9223372036854775807");
        t.Check("+OK\r\n", "set", "k", "v", "exat", "9223372036854775");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "k", "v", "exat", "9223372036854776");
        t.Check("$1\r\nv\r\n", "get", "k");
    }

    /// <summary>GET answers the old value even when NX/XX stops the write; WRONGTYPE comes after the expiry check.</summary>
    [Fact]
    public void SetNxXxGet()
    {
        var t = new StringHarness();
        t.Check("$-1\r\n", "set", "k", "v", "NX", "GET");
        t.Check("$1\r\nv\r\n", "set", "k", "v2", "NX", "GET");
        t.Check("$1\r\nv\r\n", "get", "k");
        t.Check("$1\r\nv\r\n", "set", "k", "v3", "XX", "GET");
        t.Check("$2\r\nv3\r\n", "get", "k");
        t.Check("$-1\r\n", "set", "nk", "v", "XX", "GET");
        t.Check("$-1\r\n", "get", "nk");
        t.Check("$-1\r\n", "set", "nk", "v", "XX");
        t.Check("$-1\r\n", "get", "nk");
        t.Check("+OK\r\n", "set", "nk", "v", "NX");
        t.Check("$-1\r\n", "set", "nk", "v2", "NX");
        t.Check("$1\r\nv\r\n", "get", "nk");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "set", "h", "v", "GET");
        t.Check("-ERR invalid expire time in 'set' command\r\n", "set", "h", "v", "ex", "0", "GET");
        t.Check("-ERR value is not an integer or out of range\r\n", "set", "h", "v", "ex", "abc", "GET");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "set", "h", "v", "NX", "GET");
        t.Check("$-1\r\n", "set", "h", "v", "NX");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "set", "h", "v", "XX", "GET");
    }

    [Fact]
    public void SetNxSetExPSetEx()
    {
        var t = new StringHarness();
        t.Check(":1\r\n", "setnx", "a", "1");
        t.Check(":0\r\n", "setnx", "a", "2");
        t.Check("$1\r\n1\r\n", "get", "a");
        t.Check("+OK\r\n", "setex", "b", "100", "v");
        t.Check("$1\r\nv\r\n", "get", "b");
        t.Check("-ERR invalid expire time in 'setex' command\r\n", "setex", "b", "0", "v");
        t.Check("-ERR invalid expire time in 'setex' command\r\n", "setex", "b", "-5", "v");
        t.Check("-ERR value is not an integer or out of range\r\n", "setex", "b", "abc", "v");
        t.Check("-ERR invalid expire time in 'setex' command\r\n", "setex", "b", "9223372036854775", "v");
        t.Check("+OK\r\n", "psetex", "c", "100000", "v");
        t.Check("$1\r\nv\r\n", "get", "c");
        t.Check("-ERR invalid expire time in 'psetex' command\r\n", "psetex", "c", "0", "v");
        t.Check("-ERR value is not an integer or out of range\r\n", "psetex", "c", "1.5", "v");
        t.MakeHash("h");
        t.Check(":0\r\n", "setnx", "h", "v");
        t.Check("+OK\r\n", "setex", "h", "10", "v");
        t.Check("$1\r\nv\r\n", "get", "h");
    }

    /// <summary>GETEX: unknown options are syntax errors even for a missing key; the expiry value is only checked for an existing string.</summary>
    [Fact]
    public void GetExOptions()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "setex", "b", "100", "123");
        t.Check("$3\r\n123\r\n", "getex", "b");
        t.Check("$3\r\n123\r\n", "getex", "b", "ex", "100");
        t.Check("$3\r\n123\r\n", "getex", "b", "px", "100000");
        t.Check("$3\r\n123\r\n", "getex", "b", "exat", "4000000000");
        t.Check("$3\r\n123\r\n", "getex", "b", "pxat", "4000000000000");
        t.Check("$3\r\n123\r\n", "getex", "b", "persist");
        t.Check("$3\r\n123\r\n", "getex", "b", "persist");
        t.Check("$3\r\n123\r\n", "getex", "b", "ex", "10", "ex", "20");
        t.Check("-ERR invalid expire time in 'getex' command\r\n", "getex", "b", "ex", "0");
        t.Check("-ERR value is not an integer or out of range\r\n", "getex", "b", "ex", "abc");
        t.Check("-ERR syntax error\r\n", "getex", "b", "ex", "10", "px", "10");
        t.Check("-ERR syntax error\r\n", "getex", "b", "persist", "ex", "10");
        t.Check("-ERR syntax error\r\n", "getex", "b", "ex", "10", "persist");
        t.Check("-ERR syntax error\r\n", "getex", "b", "keepttl");
        t.Check("-ERR syntax error\r\n", "getex", "b", "nx");
        t.Check("-ERR syntax error\r\n", "getex", "b", "get");
        t.Check("-ERR syntax error\r\n", "getex", "b", "ex");
        t.Check("$-1\r\n", "getex", "nokey");
        t.Check("$-1\r\n", "getex", "nokey", "ex", "0");
        t.Check("$-1\r\n", "getex", "nokey", "ex", "abc");
        t.Check("-ERR syntax error\r\n", "getex", "nokey", "foo");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getex", "h", "ex", "0");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getex", "h", "ex", "10");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getex", "h");
        t.Check("-ERR syntax error\r\n", "getex", "h", "foo");
        t.Check("$3\r\n123\r\n", "getex", "b", "exat", "1");
        t.Check("$-1\r\n", "get", "b");
    }

    [Fact]
    public void GetDelAndGetSet()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "a", "1");
        t.Check("$1\r\n1\r\n", "getdel", "a");
        t.Check("$-1\r\n", "getdel", "a");
        t.Check("$-1\r\n", "get", "a");
        t.Check("$-1\r\n", "getset", "a", "x");
        t.Check("$1\r\nx\r\n", "getset", "a", "y");
        t.Check("$1\r\ny\r\n", "getset", "a", "55");
        t.Check("$2\r\n55\r\n", "get", "a");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getdel", "h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getset", "h", "1");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "get", "h");
    }

    [Fact]
    public void IncrDecrFamily()
    {
        var t = new StringHarness();
        t.Check(":1\r\n", "incr", "n");
        t.Check(":10000\r\n", "incrby", "n", "9999");
        t.Check(":9999\r\n", "decr", "n");
        t.Check(":-10001\r\n", "decrby", "n", "20000");
        t.Check(":-10001\r\n", "incrby", "n", "0");
        t.Check(":-9996\r\n", "decrby", "n", "-5");
        t.Check(":1\r\n", "incr", "missing1");
        t.Check(":-1\r\n", "decr", "missing2");
        t.Check(":-7\r\n", "incrby", "missing3", "-7");
        t.Check(":-7\r\n", "decrby", "missing4", "7");
    }

    /// <summary>INCR needs a canonical integer (string2ll): no leading zero, '+', space, '-0', nor more than 20 characters.</summary>
    [Fact]
    public void IncrRejectsNonCanonicalIntegers()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "010");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", " 1");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "1 ");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "+1");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "-0");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "123456789012345678901");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "99999999999999999999");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "");
        t.Check("-ERR value is not an integer or out of range\r\n", "incr", "s");
        t.Check("+OK\r\n", "set", "s", "1.5");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "s", "1");
        t.Check("+OK\r\n", "set", "s", "abc");
        t.Check("-ERR value is not an integer or out of range\r\n", "decr", "s");
        t.Check("+OK\r\n", "set", "s", "-9223372036854775808");
        t.Check(":-9223372036854775807\r\n", "incr", "s");
    }

    /// <summary>Overflow errors, and the increment is parsed before the key's type is checked.</summary>
    [Fact]
    public void IncrOverflowAndIncrementErrors()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "9223372036854775807");
        t.Check("-ERR increment or decrement would overflow\r\n", "incr", "s");
        t.Check("-ERR increment or decrement would overflow\r\n", "incrby", "s", "1");
        t.Check(":9223372036854775806\r\n", "incrby", "s", "-1");
        t.Check(":9223372036854775805\r\n", "decr", "s");
        t.Check("+OK\r\n", "set", "s", "-9223372036854775808");
        t.Check("-ERR increment or decrement would overflow\r\n", "decr", "s");
        t.Check("-ERR increment or decrement would overflow\r\n", "decrby", "s", "1");
        t.Check("-ERR increment or decrement would overflow\r\n", "incrby", "s", "-1");
        t.Check(":-1\r\n", "incrby", "s", "9223372036854775807");
        t.Check("-ERR decrement would overflow\r\n", "decrby", "s", "-9223372036854775808");
        t.Check("-ERR decrement would overflow\r\n", "decrby", "x", "-9223372036854775808");
        t.Check(":-9223372036854775807\r\n", "decrby", "x", "9223372036854775807");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "x", "abc");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "x", "1.5");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "x", "");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "x", "01");
        t.Check("-ERR value is not an integer or out of range\r\n", "decrby", "x", "-0");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "x", "9223372036854775808");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "incr", "h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "incrby", "h", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "incrby", "h", "abc");
        t.Check("-ERR decrement would overflow\r\n", "decrby", "h", "-9223372036854775808");
    }

    /// <summary>Results are long double sums printed with %.17Lf, trailing zeros trimmed (verified digit by digit against Redis).</summary>
    [Fact]
    public void IncrByFloatFormatting()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "f", "10.5");
        t.Check("$4\r\n10.6\r\n", "incrbyfloat", "f", "0.1");
        t.Check("$4\r\n5000\r\n", "incrbyfloat", "g", "5.0e3");
        t.Check("$7\r\n0.00003\r\n", "incrbyfloat", "h1", "3.0e-5");
        t.Check("$19\r\n1.00000381469726562\r\n", "incrbyfloat", "h2", "1.000003814697265625");
        t.Check("$19\r\n1.00000381469726567\r\n", "incrbyfloat", "h3", "1.000003814697265675");
        t.Check("$3\r\n0.1\r\n", "incrbyfloat", "h4", "0.1");
        t.Check("$3\r\n0.3\r\n", "incrbyfloat", "h4", "0.2");
        t.Check("$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n", "incrbyfloat", "h5", "1e300");
        t.Check("$4\r\n-1.5\r\n", "incrbyfloat", "h11", "-1.5");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "h11", "1.5");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "h12", "0.000000000000000001");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "h12", "0.000000000000000005");
        t.Check("$19\r\n0.00000000000000002\r\n", "incrbyfloat", "h13", "0.000000000000000015");
        t.Check("$19\r\n0.00000000000000002\r\n", "incrbyfloat", "h14", "0.000000000000000025");
        t.Check("$19\r\n1.23456789012345679\r\n", "incrbyfloat", "h15", "1.23456789012345678901234567890");
        t.Check("$30\r\n123456789012345678899921813504\r\n", "incrbyfloat", "h16", "123456789012345678901234567890");
        t.Check("$19\r\n9223372036854775807\r\n", "incrbyfloat", "h17", "9223372036854775807");
        t.Check("$19\r\n9223372036854775808\r\n", "incrbyfloat", "h17", "1");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "h20", "-1e-20");
        t.Check("$3\r\n1.1\r\n", "incrbyfloat", "h21", "1.1");
        t.Check("$3\r\n3.3\r\n", "incrbyfloat", "h21", "2.2");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "h21", "-3.3");
        t.Check("$25\r\n-113792.39999999999999858\r\n", "incrbyfloat", "h22", "-113792.4");
        t.Check("$3\r\n0.1\r\n", "incrbyfloat", "h23", "0.1");
        t.Check("$3\r\n0.2\r\n", "incrbyfloat", "h23", "0.1");
        t.Check("$3\r\n0.3\r\n", "incrbyfloat", "h23", "0.1");
        t.Check("$7\r\n0.00001\r\n", "incrbyfloat", "h24", "1e-5");
        t.Check("$8\r\n-0.00001\r\n", "incrbyfloat", "h24", "-2e-5");
        t.Check("+OK\r\n", "set", "h25", "99999999999999999999");
        t.Check("$21\r\n100000000000000000000\r\n", "incrbyfloat", "h25", "1");
        t.Check("+OK\r\n", "set", "h26", "9223372036854775807");
        t.Check("$19\r\n9223372036854775808\r\n", "incrbyfloat", "h26", "1");
    }

    /// <summary>strtold's grammar (hex, exponents, inf) without spaces; NaN, overflow and underflow to zero are refused.</summary>
    [Fact]
    public void IncrByFloatInputs()
    {
        var t = new StringHarness();
        t.Check("$2\r\n16\r\n", "incrbyfloat", "a", "0x10");
        t.Check("$6\r\n16.125\r\n", "incrbyfloat", "a", "0x1p-3");
        t.Check("$6\r\n17.125\r\n", "incrbyfloat", "a", "0X.8P1");
        t.Check("$3\r\n0.5\r\n", "incrbyfloat", "b", ".5");
        t.Check("$3\r\n5.5\r\n", "incrbyfloat", "b", "5.");
        t.Check("$4\r\n10.5\r\n", "incrbyfloat", "b", "+5");
        t.Check("$4\r\n10.5\r\n", "incrbyfloat", "b", "-0.0");
        t.Check("$1\r\n0\r\n", "incrbyfloat", "c", "1e-4940");
        t.Check("$4000\r\n9999999999999999999965463873099623784932492583506957631301508333043261943306342355481821641865509279862764452073123673540217602217367592344172125881950527999961428582434354754501870958214290741301143014670445026260849443456275333742340822559146220440774502699147116818307775566773571206492036312963397368761826079538161612036724681027980418945071857333802019573184376407974737742100582963439581302474746605828071068162266095350249109360981931695942123253872362355720717867859931997116967823535175344886417435948827492668424224514931596965124928426557313007272003654181606637829648718026332623445964659599411688673612401217012598120557489288735334437118479345590827013160426634334036145971611294094499267930097645158316924242084444005046275789316854264698962537519604804648202558831813320199082274810678546966662106272497006996186529202046612197927965030663016053612055682060855170989021069998476304668166868798327849305544516958630545705436267868123963090419840720786295093297923233166989307185493468005963513556052273926524815064535863034951177115665985606171666708242756198962303861871354719181381961379671761938984704505073921618907144272449828915839083978037993280452559586965504199368256134650271468844247174823646278663567437132739306516943311285144568895817811521270234335023202809923439313537168685792314272771667847310402459453149183490692769538329516243242927105447175974956565949859259880257266623432431660986751258600816348320837727852352371818896648343700947852991058969433541705132345122524048434688325138322933085183721655672137865396358471035067214167360617119527605272354771447437560932908789355181041081978971762346557568230767574027302293460544968752081768656824879994376355163920300385095919688678670907760987187661793434717175760350651419537956103182910121364884637262102263204295329279620360536203761315194554053188934218409316246410738656203852138992492444404026342210499619140876855921277988778676947892152806854950785068014727125536739702656962611964401436187934885803420611286745134838665415365691409110464038694668899344879845822942763373039719688602810444439928037135468898274565353630059446256169978689065593420848456038274366567225299549352683650770160551908116011723880315176381390821744087191159014840466408422036463264182928434780181167746977398743042449413105215463884123801578726746967721334558724520471115335862516435283282393832140500259762370795907195418122260308331006030210104962511689458912869480521025430134047382228141350554394390210188326863538753083190329578149617392735325345607293804019789613107204439729055324106921126322671020066709317012835936925695594694910121291991133040352454029415895421330627924576068200470892536792435143079137382774440346196002593999683669353176553680054317921648423581639781664231716459539510456753265337998256664529200852939049468855419289097785303294946449752258791882954794558753338748235175173730073178466259683916437044889075282877916869627991289792183586849679291189074136405526988632104737613205959150473631599616592564842952439858033179702368199753306698362201401506479407699236396521519654661597132309737381973903141889548031713181771968965861360007055846791276712592611475612847974647898601585527666227738929689128212619681144409905588974943980927948431950098268346459649230305689978542029932792436486452896735925004194782587516473457624352639480090109507295735020460456725638145957022317397784209033998721254961060890916634094880983552750508881669349308347772834504388303087113341878104141612215788330206835981183895501665502020020640589210848902416003156361626873160836225566347750269512599746786860171326806831029087653660341164708808802454022881699049392139574016756146192644415820839590797897050551922334947406004738872332042844089285302334417905996381190171610168845316435533461235902086067935935005063001450522174581772443096538389199989128731679326545348278957788061762018807017602515186853205589875909910708079333605047010115738478105476750550150020629864357825543441956972190272729951206648276349901340672\r\n", "incrbyfloat", "d", "1e4000");
        t.Check("$4000\r\n9999999999999999999965463873099623784932492583506957631301508333043261943306342355481821641865509279862764452073123673540217602217367592344172125881950527999961428582434354754501870958214290741301143014670445026260849443456275333742340822559146220440774502699147116818307775566773571206492036312963397368761826079538161612036724681027980418945071857333802019573184376407974737742100582963439581302474746605828071068162266095350249109360981931695942123253872362355720717867859931997116967823535175344886417435948827492668424224514931596965124928426557313007272003654181606637829648718026332623445964659599411688673612401217012598120557489288735334437118479345590827013160426634334036145971611294094499267930097645158316924242084444005046275789316854264698962537519604804648202558831813320199082274810678546966662106272497006996186529202046612197927965030663016053612055682060855170989021069998476304668166868798327849305544516958630545705436267868123963090419840720786295093297923233166989307185493468005963513556052273926524815064535863034951177115665985606171666708242756198962303861871354719181381961379671761938984704505073921618907144272449828915839083978037993280452559586965504199368256134650271468844247174823646278663567437132739306516943311285144568895817811521270234335023202809923439313537168685792314272771667847310402459453149183490692769538329516243242927105447175974956565949859259880257266623432431660986751258600816348320837727852352371818896648343700947852991058969433541705132345122524048434688325138322933085183721655672137865396358471035067214167360617119527605272354771447437560932908789355181041081978971762346557568230767574027302293460544968752081768656824879994376355163920300385095919688678670907760987187661793434717175760350651419537956103182910121364884637262102263204295329279620360536203761315194554053188934218409316246410738656203852138992492444404026342210499619140876855921277988778676947892152806854950785068014727125536739702656962611964401436187934885803420611286745134838665415365691409110464038694668899344879845822942763373039719688602810444439928037135468898274565353630059446256169978689065593420848456038274366567225299549352683650770160551908116011723880315176381390821744087191159014840466408422036463264182928434780181167746977398743042449413105215463884123801578726746967721334558724520471115335862516435283282393832140500259762370795907195418122260308331006030210104962511689458912869480521025430134047382228141350554394390210188326863538753083190329578149617392735325345607293804019789613107204439729055324106921126322671020066709317012835936925695594694910121291991133040352454029415895421330627924576068200470892536792435143079137382774440346196002593999683669353176553680054317921648423581639781664231716459539510456753265337998256664529200852939049468855419289097785303294946449752258791882954794558753338748235175173730073178466259683916437044889075282877916869627991289792183586849679291189074136405526988632104737613205959150473631599616592564842952439858033179702368199753306698362201401506479407699236396521519654661597132309737381973903141889548031713181771968965861360007055846791276712592611475612847974647898601585527666227738929689128212619681144409905588974943980927948431950098268346459649230305689978542029932792436486452896735925004194782587516473457624352639480090109507295735020460456725638145957022317397784209033998721254961060890916634094880983552750508881669349308347772834504388303087113341878104141612215788330206835981183895501665502020020640589210848902416003156361626873160836225566347750269512599746786860171326806831029087653660341164708808802454022881699049392139574016756146192644415820839590797897050551922334947406004738872332042844089285302334417905996381190171610168845316435533461235902086067935935005063001450522174581772443096538389199989128731679326545348278957788061762018807017602515186853205589875909910708079333605047010115738478105476750550150020629864357825543441956972190272729951206648276349901340672\r\n", "get", "d");
        t.Check("$4\r\n1000\r\n", "incrbyfloat", "e", "1E+3");
        t.Check("$4\r\n1000\r\n", "incrbyfloat", "e", "0e-99999");
        t.Check("-ERR increment would produce NaN or Infinity\r\n", "incrbyfloat", "z", "inf");
        t.Check("-ERR increment would produce NaN or Infinity\r\n", "incrbyfloat", "z", "-inf");
        t.Check("-ERR increment would produce NaN or Infinity\r\n", "incrbyfloat", "z", "INFINITY");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "nan");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", " 1");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1 ");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1e");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", ".");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1,5");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1_0");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "0x");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1e5000");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1e-5000");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1e-4960");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "0x1p16384");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1.18973149535723176508e+4932");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "z", "1\u00002");
        t.Check("$-1\r\n", "get", "z");
        t.Check("+OK\r\n", "set", "s", "abc");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "s", "1");
        t.Check("+OK\r\n", "set", "s", "1.5 ");
        t.Check("-ERR value is not a valid float\r\n", "incrbyfloat", "s", "1");
        t.Check("+OK\r\n", "set", "big", "1e4932");
        t.Check("-ERR increment would produce NaN or Infinity\r\n", "incrbyfloat", "big", "1e4932");
        t.Check("-ERR increment would produce NaN or Infinity\r\n", "incrbyfloat", "big", "-inf");
        t.Check("$6\r\n1e4932\r\n", "get", "big");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "incrbyfloat", "h", "1");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "incrbyfloat", "h", "abc");
    }

    [Fact]
    public void AppendAndStrlen()
    {
        var t = new StringHarness();
        t.Check(":5\r\n", "append", "a", "hello");
        t.Check(":11\r\n", "append", "a", " world");
        t.Check("$11\r\nhello world\r\n", "get", "a");
        t.Check(":11\r\n", "strlen", "a");
        t.Check(":2\r\n", "append", "n", "10");
        t.Check(":2\r\n", "append", "n", "");
        t.Check("$2\r\n10\r\n", "get", "n");
        t.Check(":0\r\n", "append", "e", "");
        t.Check("$0\r\n\r\n", "get", "e");
        t.Check(":0\r\n", "strlen", "e");
        t.Check(":0\r\n", "strlen", "nokey");
        t.Check("+OK\r\n", "set", "i", "-123");
        t.Check(":4\r\n", "strlen", "i");
        t.Check(":5\r\n", "append", "i", "4");
        t.Check("$5\r\n-1234\r\n", "get", "i");
        t.Check("+OK\r\n", "set", "big", "12345678901234567890");
        t.Check(":21\r\n", "append", "big", "1");
        t.Check("$21\r\n123456789012345678901\r\n", "get", "big");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "strlen", "h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "append", "h", "x");
    }

    /// <summary>GETRANGE's clamping quirks: a negative end before the start clamps to 0, both negative with start > end is empty.</summary>
    [Fact]
    public void GetRangeAndSubstr()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "a", "hello world");
        t.Check("$5\r\nhello\r\n", "getrange", "a", "0", "4");
        t.Check("$5\r\nworld\r\n", "getrange", "a", "-5", "-1");
        t.Check("$0\r\n\r\n", "getrange", "a", "-1", "-5");
        t.Check("$1\r\nh\r\n", "getrange", "a", "0", "-100");
        t.Check("$0\r\n\r\n", "getrange", "a", "5", "3");
        t.Check("$0\r\n\r\n", "getrange", "a", "100", "200");
        t.Check("$3\r\nhel\r\n", "getrange", "a", "-100", "2");
        t.Check("$11\r\nhello world\r\n", "getrange", "a", "0", "9223372036854775807");
        t.Check("$11\r\nhello world\r\n", "getrange", "a", "-9223372036854775808", "-1");
        t.Check("$1\r\nl\r\n", "getrange", "a", "3", "3");
        t.Check("$1\r\nd\r\n", "getrange", "a", "-1", "-1");
        t.Check("$5\r\nhello\r\n", "substr", "a", "0", "4");
        t.Check("$3\r\nrld\r\n", "substr", "a", "-3", "-1");
        t.Check("+OK\r\n", "set", "i", "-123");
        t.Check("$2\r\n-1\r\n", "getrange", "i", "0", "1");
        t.Check("$2\r\n23\r\n", "getrange", "i", "-2", "-1");
        t.Check("$0\r\n\r\n", "getrange", "nokey", "0", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "getrange", "nokey", "a", "b");
        t.Check("-ERR value is not an integer or out of range\r\n", "getrange", "a", "a", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "getrange", "a", "0", "b");
        t.Check("+OK\r\n", "set", "empty", "");
        t.Check("$0\r\n\r\n", "getrange", "empty", "0", "-1");
        t.Check("$0\r\n\r\n", "getrange", "empty", "0", "0");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getrange", "h", "0", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "getrange", "h", "a", "1");
    }

    /// <summary>SETRANGE pads with zero bytes; the size limit is proto-max-bulk-len (512MB by default).</summary>
    [Fact]
    public void SetRange()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "a", "hello world");
        t.Check(":11\r\n", "setrange", "a", "6", "WORLD");
        t.Check("$11\r\nhello WORLD\r\n", "get", "a");
        t.Check(":15\r\n", "setrange", "a", "9", "abcdef");
        t.Check("$15\r\nhello WORabcdef\r\n", "get", "a");
        t.Check(":6\r\n", "setrange", "sr", "5", "x");
        t.Check("$6\r\n\u0000\u0000\u0000\u0000\u0000x\r\n", "get", "sr");
        t.Check(":0\r\n", "setrange", "sr2", "0", "");
        t.Check("$-1\r\n", "get", "sr2");
        t.Check(":6\r\n", "setrange", "sr", "0", "");
        t.Check(":6\r\n", "setrange", "sr", "3", "");
        t.Check("-ERR offset is out of range\r\n", "setrange", "sr", "-1", "x");
        t.Check("-ERR value is not an integer or out of range\r\n", "setrange", "sr", "a", "x");
        t.Check("-ERR value is not an integer or out of range\r\n", "setrange", "sr", "1.5", "x");
        t.Check("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "setrange", "sr", "536870912", "x");
        t.Check(":6\r\n", "setrange", "sr", "536870911", "");
        t.Check("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "setrange", "sr", "9223372036854775807", "x");
        t.Check(":0\r\n", "setrange", "sr2", "536870912", "");
        t.Check("+OK\r\n", "set", "si", "12345");
        t.Check(":5\r\n", "setrange", "si", "1", "x");
        t.Check("$5\r\n1x345\r\n", "get", "si");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "setrange", "h", "0", "x");
        t.Check("-ERR offset is out of range\r\n", "setrange", "h", "-1", "x");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "setrange", "h", "0", "");
    }

    /// <summary>With proto-max-bulk-len 1mb (its minimum in Redis), the limit is exact.</summary>
    [Fact]
    public void SetRangeAndAppendSizeLimit()
    {
        var t = new StringHarness("proto-max-bulk-len", "1048576");
        t.Check(":1048576\r\n", "setrange", "k", "1048575", "x");
        t.Check(":1048576\r\n", "strlen", "k");
        t.Check("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "setrange", "k", "1048576", "x");
        t.Check("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "setrange", "k", "1048575", "xy");
        t.Check("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "append", "k", "y");
        t.Check("+OK\r\n", "set", "small", "abc");
        t.Check(":1048575\r\n", "setrange", "small", "1048574", "x");
        t.Check(":1048575\r\n", "setrange", "small", "1048573", "xy");
        t.Check(":1048576\r\n", "append", "small", "y");
    }

    /// <summary>MGET answers nil for non-strings; MSET overwrites any type; MSETNX is all or nothing.</summary>
    [Fact]
    public void MGetMSetMSetNx()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "mset", "a", "1", "b", "2");
        t.Check("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n", "mget", "a", "b", "nokey");
        t.Check("-ERR wrong number of arguments for 'mset' command\r\n", "mset", "a", "1", "b");
        t.Check("-ERR wrong number of arguments for 'msetnx' command\r\n", "msetnx", "a", "1", "b");
        t.Check("*1\r\n$1\r\n1\r\n", "mget", "a");
        t.MakeHash("h");
        t.Check("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", "mget", "a", "h", "b");
        t.Check(":1\r\n", "msetnx", "c", "3", "d", "4");
        t.Check("*2\r\n$1\r\n3\r\n$1\r\n4\r\n", "mget", "c", "d");
        t.Check(":0\r\n", "msetnx", "c", "3", "e", "5");
        t.Check("$-1\r\n", "get", "e");
        t.Check(":1\r\n", "msetnx", "x", "1", "x", "2");
        t.Check("$1\r\n2\r\n", "get", "x");
        t.Check("+OK\r\n", "mset", "y", "1", "y", "2");
        t.Check("$1\r\n2\r\n", "get", "y");
        t.Check("+OK\r\n", "mset", "h", "5");
        t.Check("$1\r\n5\r\n", "get", "h");
    }

    [Fact]
    public void ArityErrors()
    {
        var t = new StringHarness();
        t.Check("-ERR wrong number of arguments for 'get' command\r\n", "get");
        t.Check("-ERR wrong number of arguments for 'get' command\r\n", "get", "a", "b");
        t.Check("-ERR wrong number of arguments for 'set' command\r\n", "set", "k");
        t.Check("-ERR wrong number of arguments for 'setnx' command\r\n", "setnx", "k");
        t.Check("-ERR wrong number of arguments for 'setex' command\r\n", "setex", "k", "10");
        t.Check("-ERR wrong number of arguments for 'psetex' command\r\n", "psetex", "k", "10");
        t.Check("-ERR wrong number of arguments for 'mget' command\r\n", "mget");
        t.Check("-ERR wrong number of arguments for 'mset' command\r\n", "mset", "a");
        t.Check("-ERR wrong number of arguments for 'msetnx' command\r\n", "msetnx", "a");
        t.Check("-ERR wrong number of arguments for 'incr' command\r\n", "incr");
        t.Check("-ERR wrong number of arguments for 'incrby' command\r\n", "incrby", "k");
        t.Check("-ERR wrong number of arguments for 'decrby' command\r\n", "decrby", "k");
        t.Check("-ERR wrong number of arguments for 'incrbyfloat' command\r\n", "incrbyfloat", "k");
        t.Check("-ERR wrong number of arguments for 'append' command\r\n", "append", "k");
        t.Check("-ERR wrong number of arguments for 'strlen' command\r\n", "strlen");
        t.Check("-ERR wrong number of arguments for 'getrange' command\r\n", "getrange", "k", "0");
        t.Check("-ERR wrong number of arguments for 'substr' command\r\n", "substr", "k", "0");
        t.Check("-ERR wrong number of arguments for 'setrange' command\r\n", "setrange", "k", "0");
        t.Check("-ERR wrong number of arguments for 'getdel' command\r\n", "getdel");
        t.Check("-ERR wrong number of arguments for 'getex' command\r\n", "getex");
        t.Check("-ERR wrong number of arguments for 'getset' command\r\n", "getset", "k");
    }
}
