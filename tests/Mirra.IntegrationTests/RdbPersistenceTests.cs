using Mirra.IntegrationTests.Infrastructure;
using Xunit;

namespace Mirra.IntegrationTests;

/// <summary>
/// RDB files against the real thing: what Mirra saves, redis-check-rdb accepts and redis-server loads with
/// the same content; what redis-server saves, Mirra loads; BGSAVE is point-in-time while writes go on;
/// failures leave the last good file and stop writes as Redis does; a damaged file stops the start.
/// </summary>
public class RdbPersistenceTests
{
    /// <summary>Every type in its small and large encodings, TTLs, binary data, several databases.</summary>
    static void Populate(RespClient c)
    {
        c.Call("SELECT", "0");
        c.Call("SET", "str", "hello");
        c.Call("SET", "int", "12345");
        c.Call("SET", "neg", "-9000000000");
        c.Call("SET", "long-text", string.Concat(Enumerable.Repeat("compressible ", 40)));
        c.Call(new[] { "SET"u8.ToArray(), "bin\0key"u8.ToArray(), new byte[] { 0, 255, 13, 10, 1, 2 } });
        c.Call("SET", "empty", "");
        c.Call("SET", "ttl", "soon", "EX", "5000");
        c.Call("HSET", "small-hash", "f1", "v1", "f2", "22", "f3", "");
        for (int i = 0; i < 600; i++) c.Call("HSET", "big-hash", $"field:{i}", $"value:{i}");
        c.Call("RPUSH", "small-list", "a", "b", "3", "-4");
        for (int i = 0; i < 2000; i++) c.Call("RPUSH", "big-list", $"element-{i}");
        c.Call("RPUSH", "huge-element-list", new string('x', 10_000), "tail");
        c.Call("SADD", "intset", "1", "2", "3", "-70000", "5000000000");
        c.Call("SADD", "word-set", "apple", "banana", "cherry");
        for (int i = 0; i < 700; i++) c.Call("SADD", "big-intset", i.ToString());
        for (int i = 0; i < 300; i++) c.Call("SADD", "big-word-set", $"w{i}");
        c.Call("ZADD", "small-zset", "1", "a", "2.5", "b", "-inf", "c", "+inf", "d");
        for (int i = 0; i < 200; i++) c.Call("ZADD", "big-zset", (i * 0.1).ToString(System.Globalization.CultureInfo.InvariantCulture), $"m{i}");
        c.Call("PFADD", "hll-sparse", "a", "b", "c");
        for (int i = 0; i < 3000; i += 100) c.Call(new[] { "PFADD", "hll-dense" }.Concat(Enumerable.Range(i, 100).Select(n => $"e{n}")).ToArray());
        c.Call("PEXPIRE", "small-hash", "9000000");
        c.Call("SELECT", "5");
        c.Call("SET", "in-db5", "five");
        c.Call("ZADD", "zset-db5", "3", "x");
        c.Call("SELECT", "15");
        c.Call("LPUSH", "in-db15", "fifteen");
        c.Call("SELECT", "0");
    }

    static void AssertOk(RespValue r) => Assert.False(r.IsError, r.Text);

    [Fact]
    public void SaveIsCheckedByRedisCheckRdbAndLoadedByRedisServer()
    {
        using var mirra = ServerProcess.StartMirra("--save", "");
        using var c = mirra.Connect();
        Populate(c);
        var expected = KeyspaceDump.Of(c);
        Assert.Equal("OK", c.Call("SAVE").Text);
        string file = Path.Combine(mirra.Dir, "dump.rdb");

        var check = ExternalTool.Run("redis-check-rdb", new[] { file });
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("RDB looks OK!", check.Stdout + check.Stderr);

        using var redis = ServerProcess.StartRedis("--save", "", "--dir", mirra.Dir);
        using var rc = redis.Connect();
        Assert.Equal(expected, KeyspaceDump.Of(rc));
    }

    [Fact]
    public void RedisServerFileLoadsIntoMirra()
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using (var rc = redis.Connect())
        {
            Populate(rc);
            Assert.Equal("OK", rc.Call("SAVE").Text);
        }
        using var rcheck = redis.Connect();
        var expected = KeyspaceDump.Of(rcheck);

        using var mirra = ServerProcess.StartMirra("--save", "", "--dir", redis.Dir);
        using var c = mirra.Connect();
        Assert.Equal(expected, KeyspaceDump.Of(c));
        mirra.WaitForLog("Done loading RDB, keys loaded:");
        Assert.Contains("rdb_last_load_keys_loaded:" + expected.Count, c.Call("INFO", "persistence").Text);
    }

    [Fact]
    public void ShutdownSavesWithSavePointsAndNosaveSkipsIt()
    {
        using var mirra = ServerProcess.StartMirra("--save", "3600 1");
        using (var c = mirra.Connect())
        {
            c.Call("SET", "kept", "1");
            try { c.Call("SHUTDOWN"); } catch (IOException) { } // the server closes the connection as it exits
        }
        mirra.Restart();
        using (var c = mirra.Connect())
        {
            Assert.Equal("1", c.Call("GET", "kept").Text);
            mirra.WaitForLog("Saving the final RDB snapshot before exiting.");
            c.Call("SET", "lost", "1");
            try { c.Call("SHUTDOWN", "NOSAVE"); } catch (IOException) { }
        }
        mirra.Restart();
        using (var c = mirra.Connect())
        {
            Assert.Equal("1", c.Call("GET", "kept").Text);
            Assert.True(c.Call("GET", "lost").IsNull);
        }
    }

    [Fact]
    public void BackgroundSaveHoldsTheDataAsOfItsStartWhileWritesContinue()
    {
        using var mirra = ServerProcess.StartMirra("--save", "");
        using var c = mirra.Connect();
        const int keys = 200_000;
        var pipe = RedisCli.BuildPipeStream(Enumerable.Range(0, keys).Select(i => new[] { "SET", $"key:{i}", $"original:{i}" }));
        Assert.Equal((0L, (long)keys), RedisCli.ParsePipeSummary(RedisCli.Pipe(mirra.Port, pipe)));

        Assert.Equal("Background saving started", c.Call("BGSAVE").Text);
        // Overwrite, delete and add keys while the snapshot walks (bounded: stop when it ends or after 30 s).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int round = 0;
        while (DateTime.UtcNow < deadline)
        {
            for (int i = round * 997 % keys, n = 0; n < 500; n++, i = (i + 7919) % keys)
            {
                c.Send("SET", $"key:{i}", "changed");
                c.Send("DEL", $"key:{(i + 1) % keys}");
                c.Send("SET", $"new:{round}:{n}", "later");
            }
            for (int n = 0; n < 1500; n++) c.ReadReply();
            round++;
            if (Field(c.Call("INFO", "persistence").Text!, "rdb_bgsave_in_progress") == "0") break;
        }
        Assert.Equal("0", Field(c.Call("INFO", "persistence").Text!, "rdb_bgsave_in_progress"));
        Assert.Equal("ok", Field(c.Call("INFO", "persistence").Text!, "rdb_last_bgsave_status"));
        mirra.WaitForLog("Background saving terminated with success");

        // A real redis-server reads the file: exactly the original keys and values.
        using var redis = ServerProcess.StartRedis("--save", "", "--dir", mirra.Dir);
        using var rc = redis.Connect();
        Assert.Equal(keys, rc.Call("DBSIZE").Integer);
        for (int i = 0; i < keys; i += 1009) Assert.Equal($"original:{i}", rc.Call("GET", $"key:{i}").Text);
        Assert.Equal(0, rc.Call("EXISTS", "new:0:0").Integer);
    }

    [Fact]
    public void FailedBackgroundSaveKeepsTheLastGoodFileAndStopsWrites()
    {
        using var mirra = ServerProcess.StartMirra("--save", "3600 1");
        using var c = mirra.Connect();
        c.Call("SET", "good", "1");
        Assert.Equal("OK", c.Call("SAVE").Text);
        string file = Path.Combine(mirra.Dir, "dump.rdb");
        byte[] good = File.ReadAllBytes(file);

        // The temp file's name is taken by a directory: opening it fails (even for root).
        Directory.CreateDirectory(Path.Combine(mirra.Dir, $"temp-{mirra.Pid}.rdb"));
        c.Call("SET", "more", "2");
        Assert.Equal("Background saving started", c.Call("BGSAVE").Text);
        WaitFor(() => Field(c.Call("INFO", "persistence").Text!, "rdb_last_bgsave_status") == "err");
        mirra.WaitForLog("Background saving error");
        Assert.Equal(good, File.ReadAllBytes(file));

        var denied = c.Call("SET", "x", "1");
        Assert.True(denied.IsError);
        Assert.StartsWith("MISCONF Redis is configured to save RDB snapshots", denied.Text);
        Assert.StartsWith("MISCONF", c.Call("PING").Text);
        Assert.Equal("1", c.Call("GET", "good").Text); // reads still work

        AssertOk(c.Call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"));
        Assert.Equal("OK", c.Call("SET", "x", "1").Text);
        AssertOk(c.Call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"));
        Assert.True(c.Call("SET", "x", "1").IsError);

        Directory.Delete(Path.Combine(mirra.Dir, $"temp-{mirra.Pid}.rdb"));
        Assert.Equal("Background saving started", c.Call("BGSAVE").Text);
        WaitFor(() => Field(c.Call("INFO", "persistence").Text!, "rdb_last_bgsave_status") == "ok");
        Assert.Equal("OK", c.Call("SET", "x", "2").Text);
    }

    [Fact]
    public void DamagedFileStopsTheStartWithItsPosition()
    {
        using var mirra = ServerProcess.StartMirra("--save", "");
        using (var c = mirra.Connect())
        {
            for (int i = 0; i < 100; i++) c.Call("SET", $"k{i}", new string('v', 50));
            Assert.Equal("OK", c.Call("SAVE").Text);
        }
        mirra.Stop();
        string file = Path.Combine(mirra.Dir, "dump.rdb");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var ex = Assert.ThrowsAny<Exception>(() => mirra.Restart());
        Assert.Contains("Internal error in RDB reading offset", ex.Message + mirra.LogText());
        Assert.Equal(bytes.Length / 2, new FileInfo(file).Length); // the file is left as it was
    }

    static string Field(string info, string name)
    {
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        throw new KeyNotFoundException(name);
    }

    static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 20 s");
            Thread.Sleep(20);
        }
    }
}
