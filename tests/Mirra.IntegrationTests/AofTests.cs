using System.Diagnostics;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// The append-only file against the real thing: Mirra reloads its own AOF after a restart, a real
/// redis-server 7.0.15 loads the directory Mirra wrote, Mirra loads the directory redis-server wrote,
/// and with appendfsync always no acknowledged write is lost when Mirra is killed with SIGKILL.
/// </summary>
public class AofTests
{
    /// <summary>A workload over every type, several databases, a transaction, TTLs (relative ones become absolute) and expiries.</summary>
    static void Workload(RespClient c, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < 200; i++)
        {
            string k = "k" + rng.Next(40);
            switch (rng.Next(14))
            {
                case 0: c.Call("SET", k, "v" + rng.Next(1000)); break;
                case 1: c.Call("INCRBY", "n" + rng.Next(5), rng.Next(-50, 50).ToString()); break;
                case 2: c.Call("INCRBYFLOAT", "f" + rng.Next(3), "1.25"); break;
                case 3: c.Call("RPUSH", "l" + rng.Next(4), "a" + i, "b" + i); break;
                case 4: c.Call("LPOP", "l" + rng.Next(4)); break;
                case 5: c.Call("SADD", "s" + rng.Next(4), rng.Next(100).ToString(), "m" + rng.Next(100)); break;
                case 6: c.Call("SPOP", "s" + rng.Next(4)); break; // becomes SREM: the popped member is chosen at random
                case 7: c.Call("ZADD", "z" + rng.Next(4), (rng.NextDouble() * 100).ToString("R"), "m" + rng.Next(50)); break;
                case 8: c.Call("ZINCRBY", "z" + rng.Next(4), "0.5", "m" + rng.Next(50)); break;
                case 9: c.Call("HSET", "h" + rng.Next(4), "f" + rng.Next(20), "v" + i); break;
                case 10: c.Call("EXPIRE", k, rng.Next(100, 10000).ToString()); break;
                case 11: c.Call("DEL", "k" + rng.Next(40)); break;
                case 12: c.Call("SELECT", rng.Next(3).ToString()); break;
                default:
                    c.Call("MULTI");
                    c.Call("INCR", "tx");
                    c.Call("SET", "tx-last", i.ToString());
                    c.Call("EXEC");
                    break;
            }
        }
        c.Call("SELECT", "0");
        c.Call("SET", "short", "lived", "PX", "1");
        Thread.Sleep(5);
        c.Call("GET", "short"); // expired: written to the AOF as DEL
        c.Call("SET", "bin", "\0\r\n\u00ff");
    }

    /// <summary>The whole keyspace of a server, with exact expiry deadlines (the AOF records absolute times).</summary>
    static string Dump(ServerProcess server)
    {
        using var c = server.Connect();
        return string.Join("\n", KeyspaceDump.Of(c, exactExpiry: true));
    }

    static string AofDir(ServerProcess s) => Path.Combine(s.Dir, "appendonlydir");

    [Fact]
    public void Mirra_reloads_its_own_aof_after_a_restart()
    {
        using var first = ServerProcess.StartMirra("--appendonly", "yes");
        using (var c = first.Connect()) Workload(c, 1);
        string before = Dump(first);
        Assert.Contains("0 bin string", before);
        Assert.Equal(0, first.Stop());
        first.WaitForLog("Calling fsync() on the AOF file.");

        using var second = ServerProcess.StartMirra("--appendonly", "yes", "--dir", first.Dir);
        Assert.Equal(before, Dump(second));
        second.WaitForLog("Opening AOF incr file appendonly.aof.1.incr.aof on server start");
        second.WaitForLog("DB loaded from append only file: ");
    }

    [Theory]
    [InlineData("no")]
    [InlineData("yes")]
    public void Redis_loads_the_directory_mirra_wrote(string rdbPreamble)
    {
        using var mirra = ServerProcess.StartMirra("--appendonly", "yes", "--aof-timestamp-enabled", "yes", "--aof-use-rdb-preamble", rdbPreamble);
        using (var c = mirra.Connect())
        {
            Workload(c, 2);
            // A rewrite (in the background) to a base holding the data, while more writes go to the new incr file.
            Assert.Equal("OK", c.Call("CONFIG", "SET", "appendonly", "no").AsString());
            Assert.Equal("OK", c.Call("CONFIG", "SET", "appendonly", "yes").AsString());
            Workload(c, 3);
            WaitForRewrite(c);
        }
        string before = Dump(mirra);
        Assert.Equal(0, mirra.Stop());
        string baseName = rdbPreamble == "yes" ? "appendonly.aof.2.base.rdb" : "appendonly.aof.2.base.aof";
        Assert.Equal($"file {baseName} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
            File.ReadAllText(Path.Combine(AofDir(mirra), "appendonly.aof.manifest")));
        Assert.StartsWith(rdbPreamble == "yes" ? "REDIS0010" : "#TS:", File.ReadAllText(Path.Combine(AofDir(mirra), baseName)));

        using var redis = ServerProcess.StartRedis("--appendonly", "yes", "--dir", mirra.Dir);
        Assert.Equal(before, Dump(redis));
        string log = redis.LogText();
        Assert.Contains($"DB loaded from base file {baseName}", log);
        Assert.Contains("DB loaded from incr file appendonly.aof.2.incr.aof", log);
        Assert.DoesNotContain("short read", log);
    }

    [Fact]
    public void Bgrewriteaof_under_writes_keeps_every_write_across_a_restart()
    {
        using var mirra = ServerProcess.StartMirra("--appendonly", "yes");
        using (var c = mirra.Connect())
        {
            var pipe = RedisCli.BuildPipeStream(Enumerable.Range(0, 100_000).Select(i => new[] { "SET", $"key:{i}", $"v{i}" }));
            Assert.Equal((0L, 100_000L), RedisCli.ParsePipeSummary(RedisCli.Pipe(mirra.Port, pipe)));
            Assert.Equal("Background append only file rewriting started", c.Call("BGREWRITEAOF").AsString());
            Assert.Equal("ERR Background append only file rewriting already in progress", c.Call("BGREWRITEAOF").Text);
            // Writes while the base is being written land in the new incr file.
            for (int i = 0; i < 2000; i++) c.Call("INCR", $"key:{i * 37 % 100_000}x");
            WaitForRewrite(c);
            Assert.Contains("aof_last_bgrewrite_status:ok", c.Call("INFO", "persistence").AsString());
        }
        string before = Dump(mirra);
        Assert.Equal(0, mirra.Stop());
        mirra.WaitForLog("Background AOF rewrite terminated with success");

        using var again = ServerProcess.StartMirra("--appendonly", "yes", "--dir", mirra.Dir);
        Assert.Equal(before, Dump(again));
    }

    static void WaitForRewrite(RespClient c)
    {
        var sw = Stopwatch.StartNew();
        while (!c.Call("INFO", "persistence").AsString().Contains("aof_rewrite_in_progress:0\r\n"))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the AOF rewrite did not end in 30 s");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void Mirra_loads_the_directory_redis_wrote()
    {
        using var redis = ServerProcess.StartRedis("--appendonly", "yes", "--aof-use-rdb-preamble", "no");
        using (var c = redis.Connect())
        {
            Workload(c, 4);
            Assert.Equal("Background append only file rewriting started", c.Call("BGREWRITEAOF").AsString());
            var sw = Stopwatch.StartNew();
            while (!c.Call("INFO", "persistence").AsString().Contains("aof_rewrite_in_progress:0\r\n") && sw.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(20);
            Workload(c, 5);
        }
        string before = Dump(redis);
        redis.Stop();
        string manifest = File.ReadAllText(Path.Combine(AofDir(redis), "appendonly.aof.manifest"));
        Assert.Equal("file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", manifest);

        using var mirra = ServerProcess.StartMirra("--appendonly", "yes", "--dir", redis.Dir);
        Assert.Equal(before, Dump(mirra));
        mirra.WaitForLog("DB loaded from base file appendonly.aof.2.base.aof");
        // And Mirra goes on writing where redis-server stopped.
        using (var c = mirra.Connect()) Assert.Equal("OK", c.Call("SET", "from-mirra", "1").AsString());
        Assert.Equal(0, mirra.Stop());
        Assert.EndsWith("*3\r\n$3\r\nSET\r\n$10\r\nfrom-mirra\r\n$1\r\n1\r\n", File.ReadAllText(Path.Combine(AofDir(redis), "appendonly.aof.2.incr.aof")));
    }

    [Fact]
    public void With_appendfsync_always_no_acknowledged_write_is_lost_to_sigkill()
    {
        using var server = ServerProcess.StartMirra("--appendonly", "yes", "--appendfsync", "always");
        var acknowledgedSets = new List<int>();
        long acknowledgedIncrs = 0;
        var writer = new Thread(() =>
        {
            try
            {
                using var c = server.Connect(timeout: TimeSpan.FromSeconds(5));
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 20_000 && sw.Elapsed < TimeSpan.FromSeconds(20); i++)
                {
                    if (c.Call("SET", "key:" + i, "value:" + i).AsString() == "OK") lock (acknowledgedSets) acknowledgedSets.Add(i);
                    c.Call("INCR", "counter").AsInteger();
                    Interlocked.Increment(ref acknowledgedIncrs);
                }
            }
            catch (Exception)
            {
                // The server died under the client: what was acknowledged so far is the contract.
            }
        });
        writer.Start();
        var wait = Stopwatch.StartNew();
        while (Interlocked.Read(ref acknowledgedIncrs) < 300 && wait.Elapsed < TimeSpan.FromSeconds(20) && writer.IsAlive) Thread.Sleep(5);
        server.Kill(); // SIGKILL mid-workload
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)));
        Assert.True(Interlocked.Read(ref acknowledgedIncrs) >= 300, "the workload did not get going");

        using var restarted = ServerProcess.StartMirra("--appendonly", "yes", "--dir", server.Dir);
        using var r = restarted.Connect();
        long counter = long.Parse(r.Call("GET", "counter").AsString());
        // Every acknowledged INCR is there; one more may have reached the file without its reply reaching us.
        Assert.InRange(counter, acknowledgedIncrs, acknowledgedIncrs + 1);
        List<int> sets;
        lock (acknowledgedSets) sets = acknowledgedSets.ToList();
        foreach (var chunk in sets.Chunk(500))
        {
            var values = r.Call(new[] { "MGET" }.Concat(chunk.Select(i => "key:" + i)).ToArray()).AsStrings();
            for (int j = 0; j < chunk.Length; j++) Assert.Equal("value:" + chunk[j], values[j]);
        }
    }
}
