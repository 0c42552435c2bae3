using System.Text;
using Mirra.Persistence;
using Mirra.Persistence.Aof;
using Mirra.Tests.Support;
using static Mirra.Tests.Persistence.AofText;

namespace Mirra.Tests.Persistence;

/// <summary>The keyspace as commands (an AOF base without RDB preamble), compared with redis-server 7.0.15's rewrite.</summary>
public class AofCommandEncoderTests
{
    static string Encode(TestServer ts, bool timestamp = false)
    {
        var ms = new MemoryStream();
        Snapshot.WriteAll(ts.Server.Keyspace, new AofCommandEncoder(ms, timestamp), SnapshotJob.Info(ts.Server, aofBase: true));
        return Encoding.Latin1.GetString(ms.ToArray());
    }

    /// <summary>Each key's commands, as redis-server 7.0.15 wrote them for the same data (BGREWRITEAOF, aof-use-rdb-preamble no).</summary>
    [Theory]
    [InlineData(new[] { "SET", "s1", "hello" }, "*3\r\n$3\r\nSET\r\n$2\r\ns1\r\n$5\r\nhello\r\n")]
    [InlineData(new[] { "SET", "n", "12345" }, "*3\r\n$3\r\nSET\r\n$1\r\nn\r\n$5\r\n12345\r\n")]
    [InlineData(new[] { "RPUSH", "l", "a", "b", "3" }, "*5\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n3\r\n")]
    [InlineData(new[] { "SADD", "si", "1", "2", "3" }, "*5\r\n$4\r\nSADD\r\n$2\r\nsi\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n")]
    [InlineData(new[] { "HSET", "h", "f", "v", "g", "7" }, "*6\r\n$5\r\nHMSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n7\r\n")]
    [InlineData(new[] { "ZADD", "z", "1.5", "a", "0.1", "b", "inf", "c", "-3", "d" },
        "*10\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\n-3\r\n$1\r\nd\r\n$19\r\n0.10000000000000001\r\n$1\r\nb\r\n$3\r\n1.5\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nc\r\n")]
    public void OneKeyIsWrittenLikeRedis(string[] command, string expected)
    {
        var ts = new TestServer();
        ts.Run(command);
        Assert.Equal("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + expected, Encode(ts));
    }

    [Fact]
    public void ATtlFollowsAsPexpireatAndEmptyDatabasesAreSkipped()
    {
        var ts = new TestServer();
        var c = ts.NewClient();
        ts.Run(c, "SELECT", "2");
        ts.Run(c, "SET", "s1", "hello");
        ts.Run(c, "PEXPIREAT", "s1", "99999999999999");
        ts.Run(c, "SELECT", "9");
        ts.Run(c, "SET", "other", "1");
        Assert.Equal(Resp("SELECT", "2") + Resp("SET", "s1", "hello") + Resp("PEXPIREAT", "s1", "99999999999999") +
                     Resp("SELECT", "9") + Resp("SET", "other", "1"), Encode(ts));
    }

    [Fact]
    public void AnEmptyKeyspaceIsNothingOrJustTheTimestamp()
    {
        var ts = new TestServer();
        Assert.Equal("", Encode(ts));
        Assert.Equal($"#TS:{ts.Server.Clock.NowMs() / 1000}\r\n", Encode(ts, timestamp: true));
    }

    [Fact]
    public void BigValuesAreSplitIn64ItemCommands()
    {
        var ts = new TestServer();
        ts.Run(new[] { "RPUSH", "l" }.Concat(Enumerable.Range(0, 150).Select(i => "e" + i)).ToArray());
        string text = Encode(ts);
        Assert.Equal(new[] { 66, 66, 24 }, Headers(text).Skip(1).ToArray()); // SELECT, then RPUSH l + 64, 64, 22
        Assert.Contains(Resp(new[] { "RPUSH", "l" }.Concat(Enumerable.Range(128, 22).Select(i => "e" + i)).ToArray()), text);

        ts.Run("DEL", "l");
        ts.Run(new[] { "ZADD", "z" }.Concat(Enumerable.Range(0, 70).SelectMany(i => new[] { i.ToString(), "m" + i })).ToArray());
        Assert.Equal(new[] { 130, 14 }, Headers(Encode(ts)).Skip(1).ToArray()); // ZADD z + 64 pairs, then 6 pairs

        ts.Run("DEL", "z");
        ts.Run(new[] { "HSET", "h" }.Concat(Enumerable.Range(0, 65).SelectMany(i => new[] { "f" + i, "v" + i })).ToArray());
        Assert.Equal(new[] { 130, 4 }, Headers(Encode(ts)).Skip(1).ToArray());

        ts.Run("DEL", "h");
        ts.Run(new[] { "SADD", "s" }.Concat(Enumerable.Range(0, 128).Select(i => i.ToString())).ToArray()); // an intset
        Assert.Equal(new[] { 66, 66 }, Headers(Encode(ts)).Skip(1).ToArray());
    }

    /// <summary>The argument counts of the commands of an AOF text.</summary>
    static IEnumerable<int> Headers(string text)
    {
        int p = 0;
        while (p < text.Length)
        {
            int eol = text.IndexOf("\r\n", p, StringComparison.Ordinal);
            int argc = int.Parse(text[(p + 1)..eol]);
            yield return argc;
            p = eol + 2;
            for (int i = 0; i < argc; i++)
            {
                int e = text.IndexOf("\r\n", p, StringComparison.Ordinal);
                int len = int.Parse(text[(p + 1)..e]);
                p = e + 2 + len + 2;
            }
        }
    }

    [Fact]
    public void WhatItWritesLoadsBackIntoTheSameKeyspace()
    {
        var ts = new TestServer();
        var c = ts.NewClient();
        var rng = new Random(42);
        for (int db = 0; db < 3; db++)
        {
            ts.Run(c, "SELECT", db.ToString());
            // Compact and full encodings of every type, integers and binary-ish strings, TTLs.
            ts.Run(c, "SET", "str", "plain value");
            ts.Run(c, "SET", "int", "-9223372036854775808");
            ts.Run(c, "SET", "big", new string('x', 5000));
            ts.Run(c, "APPEND", "grown", "abc");
            ts.Run(c, "APPEND", "grown", "def");
            ts.Run(c, "SET", "spaces and\r\nlines", "a\r\nb c");
            ts.Run(c, "SET", "ttl", "1", "PX", "123456");
            ts.Run(c, "PFADD", "hll", "a", "b", "c");
            ts.Run(c, "RPUSH", "small-list", "a", "1", "");
            ts.Run(c, new[] { "RPUSH", "big-list" }.Concat(Enumerable.Range(0, 300).Select(i => "item" + rng.Next())).ToArray());
            ts.Run(c, "SADD", "intset", "1", "-5", "70000", "9223372036854775807");
            ts.Run(c, "SADD", "small-set", "x", "1", "y");
            ts.Run(c, new[] { "SADD", "big-set" }.Concat(Enumerable.Range(0, 300).Select(i => "m" + i)).ToArray());
            ts.Run(c, "ZADD", "small-zset", "1", "a", "-0.5", "b", "+inf", "c", "-inf", "d", "3.141592653589793", "e");
            ts.Run(c, new[] { "ZADD", "big-zset" }.Concat(Enumerable.Range(0, 300).SelectMany(i => new[] { (rng.NextDouble() * 1e6 - 5e5).ToString("R"), "z" + i })).ToArray());
            ts.Run(c, "HSET", "small-hash", "f", "1", "g", "", "h", "text");
            ts.Run(c, new[] { "HSET", "big-hash" }.Concat(Enumerable.Range(0, 300).SelectMany(i => new[] { "f" + i, new string('v', i % 70) })).ToArray());
            ts.Run(c, "EXPIRE", "big-hash", "5000");
        }
        string text = Encode(ts);

        using var dir = new TempDir();
        Directory.CreateDirectory(dir["appendonlydir"]);
        File.WriteAllText(Path.Combine(dir["appendonlydir"], "appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\n");
        File.WriteAllBytes(Path.Combine(dir["appendonlydir"], "appendonly.aof.1.base.aof"), Encoding.Latin1.GetBytes(text));
        using var loaded = new AofServer(dir.Path, "appendonly", "yes");
        loaded.Server.Clock.FrozenMs = ts.Server.Clock.FrozenMs;
        Assert.True(loaded.Aof.Startup(), loaded.Log);
        Assert.Equal(Dump(ts), Dump(loaded.Ts));
        Assert.Equal(3 * 16, ts.Server.Keyspace.TotalKeys());
        // The encodings come back too, as the loaded commands rebuild them.
        Assert.Equal(ts.Run("OBJECT", "ENCODING", "small-zset"), loaded.Ts.Run("OBJECT", "ENCODING", "small-zset"));
        Assert.Equal(ts.Run("OBJECT", "ENCODING", "big-zset"), loaded.Ts.Run("OBJECT", "ENCODING", "big-zset"));
        Assert.Equal(ts.Run("OBJECT", "ENCODING", "intset"), loaded.Ts.Run("OBJECT", "ENCODING", "intset"));
    }

    [Fact]
    public void ADatabaseSelectedAgainLaterGetsItsSelectAgain()
    {
        // The fork-less snapshot may come back to a database when a write forces one of its buckets out first.
        var ms = new MemoryStream();
        var enc = new AofCommandEncoder(ms, false);
        enc.Begin(new SnapshotInfo(0, 0, -1, "", 0, true));
        enc.SelectDb(1, 1, 0);
        enc.Entry(Encoding.ASCII.GetBytes("a"), Encoding.ASCII.GetBytes("1"), -1);
        enc.SelectDb(0, 1, 0);
        enc.Entry(Encoding.ASCII.GetBytes("b"), Encoding.ASCII.GetBytes("2"), -1);
        enc.SelectDb(1, 1, 0);
        enc.Entry(Encoding.ASCII.GetBytes("c"), Encoding.ASCII.GetBytes("3"), 1234);
        enc.SelectDb(1, 1, 0);
        enc.End();
        Assert.Equal(Resp("SELECT", "1") + Resp("SET", "a", "1") + Resp("SELECT", "0") + Resp("SET", "b", "2") +
                     Resp("SELECT", "1") + Resp("SET", "c", "3") + Resp("PEXPIREAT", "c", "1234"), Encoding.ASCII.GetString(ms.ToArray()));
    }
}
