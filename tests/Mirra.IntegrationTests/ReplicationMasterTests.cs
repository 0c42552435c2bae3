using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;
using Xunit;

namespace Mirra.IntegrationTests;

/// <summary>
/// Mirra as the master of a REAL redis-server 7.0.15 replica: full sync of every data type (diskless and disk),
/// the stream that follows (databases, transactions, expiry as DEL, effects of non-deterministic commands), equal
/// offsets on both ends, a restarted replica continuing with a partial resync, a gap larger than the backlog
/// forcing a full one, WAIT, min-replicas-to-write, and the output buffer limit of a replica that never reads.
/// Every wait is bounded in time; every process is stopped by PID (ServerProcess).
/// </summary>
public class ReplicationMasterTests
{
    static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Every type in small and large encodings, TTLs, binary data, several databases.</summary>
    static void Populate(RespClient c)
    {
        c.Call("SELECT", "0");
        c.Call("SET", "str", "hello");
        c.Call("SET", "int", "12345");
        c.Call("SET", "long-text", string.Concat(Enumerable.Repeat("compressible ", 40)));
        c.Call(new[] { "SET"u8.ToArray(), "bin\0key"u8.ToArray(), new byte[] { 0, 255, 13, 10, 1, 2 } });
        c.Call("SET", "empty", "");
        c.Call("SET", "ttl", "soon", "EX", "5000");
        c.Call("HSET", "small-hash", "f1", "v1", "f2", "22", "f3", "");
        for (int i = 0; i < 600; i++) c.Call("HSET", "big-hash", $"field:{i}", $"value:{i}");
        c.Call("RPUSH", "small-list", "a", "b", "3", "-4");
        for (int i = 0; i < 2000; i++) c.Call("RPUSH", "big-list", $"element-{i}");
        c.Call("SADD", "intset", "1", "2", "3", "-70000", "5000000000");
        c.Call("SADD", "word-set", "apple", "banana", "cherry");
        for (int i = 0; i < 700; i++) c.Call("SADD", "big-intset", i.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < 300; i++) c.Call("SADD", "big-word-set", $"w{i}");
        c.Call("ZADD", "small-zset", "1", "a", "2.5", "b", "-inf", "c", "+inf", "d");
        for (int i = 0; i < 200; i++) c.Call("ZADD", "big-zset", (i * 0.1).ToString(CultureInfo.InvariantCulture), $"m{i}");
        c.Call("PFADD", "hll", "a", "b", "c");
        c.Call("PEXPIRE", "small-hash", "9000000");
        c.Call("SELECT", "5");
        c.Call("SET", "in-db5", "five");
        c.Call("ZADD", "zset-db5", "3", "x");
        c.Call("SELECT", "15");
        c.Call("LPUSH", "in-db15", "fifteen");
        c.Call("SELECT", "0");
    }

    /// <summary>Writes of every family, in several databases, with transactions and non-deterministic commands.</summary>
    static void StreamWrites(RespClient c)
    {
        c.Call("SELECT", "3");
        c.Call("SET", "db3-key", "three");
        c.Call("MULTI");
        c.Call("INCR", "counter");
        c.Call("INCRBYFLOAT", "float", "1.5");
        c.Call("RPUSH", "queue", "a", "b", "c");
        AssertOk(c.Call("EXEC"));
        c.Call("SELECT", "0");
        c.Call("HSET", "big-hash", "new-field", "new-value");
        c.Call("LMOVE", "small-list", "queue", "LEFT", "RIGHT");
        c.Call("SPOP", "word-set");
        c.Call("SRANDMEMBER", "word-set");
        c.Call("ZINCRBY", "small-zset", "7", "a");
        c.Call("EXPIRE", "str", "7000");
        c.Call("SETEX", "setex", 8000.ToString(CultureInfo.InvariantCulture), "v");
        c.Call("GETDEL", "int");
        c.Call("APPEND", "empty", "appended");
        c.Call("PFADD", "hll", "d", "e");
        c.Call(new[] { "SET"u8.ToArray(), "big-value"u8.ToArray(), Encoding.ASCII.GetBytes(new string('z', 100_000)) });
        c.Call("SELECT", "15");
        c.Call("FLUSHDB");
        c.Call("SELECT", "0");
    }

    static void AssertOk(RespValue r) => Assert.False(r.IsError, r.Text);

    /// <summary>The value of one INFO field, or null.</summary>
    static string? Info(ServerProcess s, string field)
    {
        var text = s.Call("INFO", "everything").Text ?? "";
        foreach (var line in text.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        return null;
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    static void WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"not reached within {timeout.TotalSeconds} s: {describe()}");
            Thread.Sleep(50);
        }
    }

    /// <summary>A real replica of <paramref name="master"/>, started with --replicaof.</summary>
    static ServerProcess StartReplica(ServerProcess master, params string[] args) =>
        ServerProcess.StartRedis(new[] { "--replicaof", ServerProcess.Host, master.Port.ToString(CultureInfo.InvariantCulture) }.Concat(args).ToArray());

    static void WaitLinkUp(ServerProcess replica, ServerProcess master) =>
        WaitUntil(() => Info(replica, "master_link_status") == "up", SyncTimeout,
            () => $"replica link {Info(replica, "master_link_status")}\n--- master log ---\n{Tail(master.LogText())}\n--- replica log ---\n{Tail(replica.LogText())}");

    /// <summary>Waits until the replica processed everything the master produced (master_repl_offset equal on both).</summary>
    static void WaitOffsetsEqual(ServerProcess master, ServerProcess replica)
    {
        string? m = null, r = null;
        WaitUntil(() =>
        {
            m = Info(master, "master_repl_offset");
            r = Info(replica, "master_repl_offset");
            return m != null && m == r;
        }, SyncTimeout, () => $"master_repl_offset master {m} replica {r}\n--- master log ---\n{Tail(master.LogText())}");
    }

    static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    static List<string> Dump(ServerProcess s)
    {
        using var c = s.Connect();
        return KeyspaceDump.Of(c);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public void ARealReplicaSyncsEveryTypeThenFollowsTheStream(string diskless)
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0");
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master);
        WaitLinkUp(replica, master);
        WaitOffsetsEqual(master, replica);
        Assert.Equal(Dump(master), Dump(replica));

        var log = master.LogText();
        string name = $"127.0.0.1:{replica.Port}";
        Assert.Contains($"Replica {name} asks for synchronization", log);
        Assert.Contains($"Full resync requested by replica {name}", log);
        Assert.Contains($"Starting BGSAVE for SYNC with target: {(diskless == "yes" ? "replicas sockets" : "disk")}", log);
        if (diskless == "yes")
            Assert.Contains($"Streamed RDB transfer with replica {name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming", log);
        Assert.Contains($"Synchronization with replica {name} succeeded", log);
        Assert.Equal("1", Info(master, "sync_full"));
        Assert.Equal("1", Info(master, "connected_slaves"));

        using (var c = master.Connect()) StreamWrites(c);
        WaitOffsetsEqual(master, replica);
        Assert.Equal(Dump(master), Dump(replica));

        // A key that expires on the master reaches the replica as DEL.
        using (var c = master.Connect())
        {
            AssertOk(c.Call("SET", "short-lived", "x", "PX", "100"));
            Thread.Sleep(200);
            Assert.True(c.Call("GET", "short-lived").IsNull);
        }
        WaitOffsetsEqual(master, replica);
        using (var rc = replica.Connect())
        {
            Assert.Equal(0, rc.Call("EXISTS", "short-lived").Integer);
            Assert.Equal(Dump(master).Count, Dump(replica).Count);
        }

        // Both ends agree on who is who.
        var role = master.Call("ROLE");
        Assert.Equal("master", role.Items![0].Text);
        var replicas = role.Items[2].Items!;
        Assert.Single(replicas);
        Assert.Equal(replica.Port.ToString(CultureInfo.InvariantCulture), replicas[0].Items![1].Text);
        WaitUntil(() => Info(master, "slave0")!.Contains($"offset={Info(master, "master_repl_offset")}"), TimeSpan.FromSeconds(10),
            () => Info(master, "slave0")!); // ACKs come every second
        Assert.Contains(" flags=S ", master.Call("CLIENT", "LIST", "TYPE", "replica").Text);
    }

    [Fact]
    public void ARestartedReplicaContinuesWithAPartialResyncAndALongGapNeedsAFullOne()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64kb");
        using (var c = master.Connect()) Populate(c);
        // The replica saves on shutdown (save points), so it restarts knowing its master's id and offset.
        using var replica = StartReplica(master, "--save", "3600 1");
        WaitLinkUp(replica, master);
        WaitOffsetsEqual(master, replica);

        // A short gap: within the backlog.
        replica.Stop();
        WaitUntil(() => Info(master, "connected_slaves") == "0", TimeSpan.FromSeconds(10), () => "replica still attached");
        using (var c = master.Connect())
            for (int i = 0; i < 100; i++) AssertOk(c.Call("SET", $"gap:{i}", $"value {i}"));
        replica.Restart();
        WaitLinkUp(replica, master);
        WaitOffsetsEqual(master, replica);
        Assert.Equal(Dump(master), Dump(replica));
        var log = master.LogText();
        Assert.Matches($@"Partial resynchronization request from 127\.0\.0\.1:{replica.Port} accepted\. Sending \d+ bytes of backlog starting from offset \d+\.", log);
        Assert.Equal("1", Info(master, "sync_partial_ok"));
        Assert.Equal("1", Info(master, "sync_full"));
        replica.WaitForLog("Successful partial resynchronization with master.");

        // A long gap: more than the backlog holds.
        replica.Stop();
        WaitUntil(() => Info(master, "connected_slaves") == "0", TimeSpan.FromSeconds(10), () => "replica still attached");
        using (var c = master.Connect())
            for (int i = 0; i < 200; i++) AssertOk(c.Call("SET", $"long-gap:{i}", new string('g', 1000)));
        replica.Restart();
        WaitLinkUp(replica, master);
        WaitOffsetsEqual(master, replica);
        Assert.Equal(Dump(master), Dump(replica));
        master.WaitForLog($"Unable to partial resync with replica 127.0.0.1:{replica.Port} for lack of backlog (Replica request was:");
        Assert.Equal("2", Info(master, "sync_full"));
        Assert.Equal("1", Info(master, "sync_partial_err"));
    }

    [Fact]
    public void WaitAndMinReplicasFollowTheReplicasAcks()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0");
        using var c = master.Connect();
        Assert.Equal(0, c.Call("WAIT", "0", "0").Integer);
        using var replica = StartReplica(master);
        WaitLinkUp(replica, master);

        AssertOk(c.Call("SET", "k", "v"));
        var sw = Stopwatch.StartNew();
        Assert.Equal(1, c.Call("WAIT", "1", "10000").Integer); // GETACK makes the replica answer at once
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"WAIT took {sw.Elapsed}");
        sw.Restart();
        Assert.Equal(1, c.Call("WAIT", "2", "300").Integer); // only one replica: the timeout answers
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(290), $"WAIT returned after {sw.Elapsed}");

        AssertOk(c.Call("CONFIG", "SET", "min-replicas-to-write", "1", "min-replicas-max-lag", "2"));
        WaitUntil(() => Info(master, "min_slaves_good_slaves") == "1", TimeSpan.FromSeconds(5), () => Info(master, "min_slaves_good_slaves") ?? "none");
        AssertOk(c.Call("SET", "k", "v2"));
        replica.Stop();
        WaitUntil(() => c.Call("SET", "k", "v3").Text == "NOREPLICAS Not enough good replicas to write.", TimeSpan.FromSeconds(15),
            () => $"good replicas {Info(master, "min_slaves_good_slaves")}");
        Assert.Equal("v2", c.Call("GET", "k").Text);
    }

    [Fact]
    public void AReplicaThatNeverAcknowledgesItsDisklessSyncIsDroppedAtItsOutputBufferLimit()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0",
            "--client-output-buffer-limit", "replica 1mb 0 0");
        using var c = master.Connect();
        AssertOk(c.Call("SET", "k", "v"));

        // A replica that takes its RDB but never sends REPLCONF ACK: the stream stays buffered on the master.
        using var raw = new TcpClient(ServerProcess.Host, master.Port);
        var stream = raw.GetStream();
        stream.Write(RespClient.Encode("REPLCONF", "listening-port", "7777"));
        stream.Write(RespClient.Encode("REPLCONF", "capa", "eof", "capa", "psync2"));
        var buffer = new byte[1 << 16];
        var received = new StringBuilder();
        raw.ReceiveTimeout = 10_000;
        while (received.ToString().Split("+OK\r\n").Length < 3) received.Append(Encoding.Latin1.GetString(buffer, 0, stream.Read(buffer)));
        stream.Write(RespClient.Encode("PSYNC", "?", "-1"));
        WaitUntil(() => master.LogText().Contains("Waiting for REPLCONF ACK from slave to enable streaming"), SyncTimeout, () => Tail(master.LogText()));
        Assert.Contains("state=online", Info(master, "slave0"));

        var value = new string('x', 10_000);
        for (int i = 0; i < 300 && master.LogText().IndexOf("overcoming of output buffer limits", StringComparison.Ordinal) < 0; i++)
            AssertOk(c.Call("SET", $"k{i}", value));
        master.WaitForLog("scheduled to be closed ASAP for overcoming of output buffer limits.");
        Assert.Matches(@"Client id=\d+ addr=127\.0\.0\.1:\d+ laddr=\S+ fd=\d+ name= age=\d+ idle=\d+ flags=S .* omem=\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\.", master.LogText());
        WaitUntil(() => Info(master, "connected_slaves") == "0", TimeSpan.FromSeconds(10), () => "the replica is still attached");
        master.WaitForLog("Connection with replica 127.0.0.1:7777 lost.");
    }

    [Fact]
    public void AfterAMasterRestartItsReplicaContinuesThroughTheSecondId()
    {
        // The master saves on shutdown: its RDB records its replication id and offset (repl-id, repl-offset).
        using var master = ServerProcess.StartMirra("--save", "3600 1", "--repl-diskless-sync-delay", "0");
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master);
        WaitLinkUp(replica, master);
        using (var c = master.Connect()) StreamWrites(c);
        WaitOffsetsEqual(master, replica);
        string id = Info(master, "master_replid")!;
        long offset = long.Parse(Info(master, "master_repl_offset")!, CultureInfo.InvariantCulture);

        master.Restart(); // SIGTERM: it waits for the replica (a REPLCONF GETACK may go into the stream), saves, exits
        // The old history is the second id, valid up to the saved offset + 1; the offset continues from there.
        Assert.Equal(id, Info(master, "master_replid2"));
        long saved = long.Parse(Info(master, "second_repl_offset")!, CultureInfo.InvariantCulture) - 1;
        Assert.InRange(saved, offset, offset + 37);
        Assert.Equal(saved.ToString(CultureInfo.InvariantCulture), Info(master, "master_repl_offset"));
        master.WaitForLog("replicas are in sync when shutting down.");
        Assert.NotEqual(id, Info(master, "master_replid"));
        WaitLinkUp(replica, master);
        using (var c = master.Connect()) AssertOk(c.Call("SET", "after-restart", "yes"));
        WaitOffsetsEqual(master, replica);
        Assert.Equal(Dump(master), Dump(replica));
        master.WaitForLog($"Partial resynchronization request from 127.0.0.1:{replica.Port} accepted. Sending 0 bytes of backlog starting from offset {saved + 1}.");
        Assert.Equal("1", Info(master, "sync_partial_ok"));
        Assert.Equal("0", Info(master, "sync_full"));
        replica.WaitForLog("Master replication ID changed to " + Info(master, "master_replid"));
    }

    [Fact]
    public void RedisCliTakesAnRdbThroughSyncDisklessAndDisk()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0");
        using (var c = master.Connect()) Populate(c);
        foreach (var diskless in new[] { "yes", "no" })
        {
            AssertOk(master.Call("CONFIG", "SET", "repl-diskless-sync", diskless));
            string file = Path.Combine(master.Dir, $"cli-{diskless}.rdb");
            var cli = ExternalTool.Run("redis-cli", new[] { "-p", master.Port.ToString(CultureInfo.InvariantCulture), "--rdb", file });
            Assert.True(cli.ExitCode == 0, cli.ToString());
            Assert.Contains("Transfer finished with success", cli.Stdout + cli.Stderr);
            var check = ExternalTool.Run("redis-check-rdb", new[] { file });
            Assert.True(check.ExitCode == 0, check.ToString());
            Assert.Contains("RDB looks OK!", check.Stdout + check.Stderr);
        }
        master.WaitForLog("Replica 127.0.0.1:<unknown-replica-port> asks for synchronization");
        WaitUntil(() => Info(master, "connected_slaves") == "0", TimeSpan.FromSeconds(10), () => "redis-cli still attached");
    }
}
