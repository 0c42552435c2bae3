using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;
using Xunit;

namespace Mirra.IntegrationTests;

/// <summary>
/// Dual-channel replication (dual-channel-replication-enabled, Valkey 8's protocol) between real processes: a master
/// with a small client-output-buffer-limit for replicas and heavy writes during the full sync of a data set drops
/// its replica again and again in the classic protocol (the full-sync loop), while with dual channel on both ends the
/// first sync succeeds, the writes made meanwhile having waited in the replica's memory; both end with the same data
/// and offsets. Against a real redis-server 7.0.15 on either end, both fall back to the classic protocol.
/// The replica loads slowly on purpose (key-load-delay, Redis's test-only directive) so that the window is the
/// same on any machine. Every wait is bounded; every process is stopped by PID (ServerProcess).
/// </summary>
public class DualChannelReplicationTests
{
    static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(90);
    const string OvercomingLine = "scheduled to be closed ASAP for overcoming of output buffer limits";

    static string? Info(ServerProcess s, string field, string? password = null)
    {
        using var c = s.Connect();
        if (password != null) Assert.Equal("OK", c.Call("AUTH", password).Text);
        var text = c.Call("INFO", "everything").Text ?? "";
        foreach (var line in text.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        return null;
    }

    /// <summary>The slaveN lines of INFO replication.</summary>
    static List<string> Slaves(ServerProcess s) =>
        (s.Call("INFO", "replication").Text ?? "").Split("\r\n").Where(l => l.StartsWith("slave", StringComparison.Ordinal) && char.IsDigit(l[5]))
            .Select(l => l[(l.IndexOf(':') + 1)..]).ToList();

    static long InfoLong(ServerProcess s, string field) => long.Parse(Info(s, field) ?? "-1", CultureInfo.InvariantCulture);

    static void WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"not reached within {timeout.TotalSeconds} s: {describe()}");
            Thread.Sleep(50);
        }
    }

    static string Tail(string log) => log.Length <= 5000 ? log : log[^5000..];

    static string Logs(ServerProcess master, ServerProcess replica) =>
        $"\n--- master log ---\n{Tail(master.LogText())}\n--- replica log ---\n{Tail(replica.LogText())}";

    static void WaitInSync(ServerProcess master, ServerProcess replica)
    {
        WaitUntil(() => Info(replica, "master_link_status") == "up", SyncTimeout, () => "link down" + Logs(master, replica));
        string? m = null, r = null;
        WaitUntil(() =>
        {
            m = Info(master, "master_repl_offset");
            r = Info(replica, "master_repl_offset");
            return m != null && m == r;
        }, SyncTimeout, () => $"master_repl_offset master {m} replica {r}" + Logs(master, replica));
    }

    /// <summary>
    /// A digest of every string key of database 0 (the data sets here hold nothing else): SCAN, MGET, sorted, SHA-256.
    /// Cheaper than a key-by-key dump for tens of thousands of keys.
    /// </summary>
    static string Digest(ServerProcess s)
    {
        using var c = s.Connect(timeout: TimeSpan.FromSeconds(30));
        var pairs = new List<(string Key, string Value)>();
        string cursor = "0";
        do
        {
            var reply = c.Call("SCAN", cursor, "COUNT", "1000");
            cursor = reply.Items![0].Text!;
            var keys = reply.Items[1].Items!.Select(i => i.Text!).ToArray();
            if (keys.Length == 0) continue;
            var values = c.Call(["MGET", .. keys]).Items!;
            for (int i = 0; i < keys.Length; i++) pairs.Add((keys[i], values[i].Text ?? "(nil)"));
        } while (cursor != "0");
        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (k, v) in pairs) text.Append(k).Append('\0').Append(v).Append('\0');
        return $"{pairs.Count} keys {Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))}";
    }

    /// <summary>
    /// Writes as fast as one pipelining client goes (50 SETs of 1 KB per round trip, over 2000 keys) until stopped,
    /// 120 s at most.
    /// </summary>
    sealed class Writer : IDisposable
    {
        readonly Thread _thread;
        volatile bool _stop;
        public long Commands;
        public Exception? Error;

        public Writer(int port)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    using var c = new RespClient(port, TimeSpan.FromSeconds(30));
                    var value = new string('w', 1000);
                    var sw = Stopwatch.StartNew();
                    long n = 0;
                    while (!_stop && sw.Elapsed < TimeSpan.FromSeconds(120))
                    {
                        for (int i = 0; i < 50; i++) c.Send("SET", $"w:{(n + i) % 2000}", $"{n + i}:{value}");
                        for (int i = 0; i < 50; i++)
                            if (c.ReadReply().IsError) throw new InvalidOperationException("SET failed");
                        n += 50;
                        Interlocked.Exchange(ref Commands, n);
                        Thread.Sleep(1);
                    }
                }
                catch (Exception ex) { Error = ex; }
            }) { IsBackground = true, Name = "dual-channel-test-writer" };
            _thread.Start();
        }

        public void Stop()
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(60));
            Assert.Null(Error);
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(60));
        }
    }

    [Theory]
    [InlineData("no")]
    [InlineData("yes")]
    public void HeavyWritesDuringAFullSyncLoopTheClassicProtocolButNotDualChannel(string dualChannel)
    {
        // 256kb of output buffer for a replica: far less than what is written while the replica loads.
        using var master = ServerProcess.StartMirra("--save", "", "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
            "--repl-backlog-size", "256kb", "--client-output-buffer-limit", "replica 256kb 128kb 5",
            "--dual-channel-replication-enabled", dualChannel);
        Assert.Equal("OK", master.Call("DEBUG", "POPULATE", "20000", "key", "100").Text);
        // 100 µs per key loaded: at least 2 s of load, during which the writes go on.
        using var replica = ServerProcess.StartMirra("--save", "", "--key-load-delay", "100", "--dual-channel-replication-enabled", dualChannel);

        using var writer = new Writer(master.Port);
        WaitUntil(() => Interlocked.Read(ref writer.Commands) > 0, TimeSpan.FromSeconds(30), () => "the writer did not start");
        Assert.Equal("OK", replica.Call("REPLICAOF", ServerProcess.Host, master.Port.ToString(CultureInfo.InvariantCulture)).Text);

        if (dualChannel == "no")
        {
            // Dropped at the output buffer limit, the replica asks again for a full sync: the loop.
            WaitUntil(() => InfoLong(master, "sync_full") >= 2 && master.LogText().Contains(OvercomingLine), SyncTimeout,
                () => $"sync_full {Info(master, "sync_full")}" + Logs(master, replica));
            writer.Stop();
            WaitInSync(master, replica);
            Assert.Matches(@"Client id=\d+ addr=127\.0\.0\.1:\d+ .* flags=S .* scheduled to be closed ASAP for overcoming of output buffer limits\.", master.LogText());
            Assert.True(InfoLong(master, "sync_full") >= 2);
        }
        else
        {
            // The main channel gets the stream during the load, the RDB channel the snapshot.
            WaitUntil(() => Slaves(master).Any(s => s.Contains(",state=bg_transfer,", StringComparison.Ordinal) && s.EndsWith(",type=main-channel", StringComparison.Ordinal)),
                SyncTimeout, () => $"slaves {string.Join(" | ", Slaves(master))}" + Logs(master, replica));
            WaitUntil(() => replica.LogText().Contains("Successfully streamed replication data into memory"), SyncTimeout, () => Logs(master, replica));
            writer.Stop();
            WaitInSync(master, replica);
            Assert.True(InfoLong(master, "sync_full") == 1, $"sync_full {Info(master, "sync_full")}" + Logs(master, replica));
            Assert.False(master.LogText().Contains(OvercomingLine), Logs(master, replica));
            Assert.DoesNotContain("Aborting dual channel sync", replica.LogText());
            // What the replica kept while loading is more than the master would have allowed in its output buffer.
            Assert.True(InfoLong(replica, "replicas_repl_buffer_peak") > 256 * 1024, $"peak {Info(replica, "replicas_repl_buffer_peak")}");
            Assert.Equal(0, InfoLong(replica, "replicas_repl_buffer_size"));
            Assert.Matches(@"ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$", Info(master, "slave0"));
            var log = replica.LogText();
            Assert.Contains("PSYNC is not possible, initialize RDB channel.", log);
            Assert.Contains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization, RDB load in background.", log);
            master.WaitForLog($"Synchronization with replica 127.0.0.1:{replica.Port} succeeded");
        }

        Assert.Equal(Digest(master), Digest(replica));
        Assert.Equal(Info(master, "master_replid"), Info(replica, "master_replid"));
    }

    [Fact]
    public void DualChannelWithAuthenticationAndASwapdbLoadThenALinkLossContinuesWithPsync()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--requirepass", "s3cret", "--repl-diskless-sync-delay", "0",
            "--dual-channel-replication-enabled", "yes");
        using (var c = master.Connect())
        {
            Assert.Equal("OK", c.Call("AUTH", "s3cret").Text);
            for (int i = 0; i < 500; i++) c.Call("SET", $"k:{i}", $"v{i}");
            c.Call("RPUSH", "list", "a", "b", "c");
        }
        using var replica = ServerProcess.StartMirra("--save", "", "--masterauth", "s3cret", "--repl-diskless-load", "swapdb",
            "--dual-channel-replication-enabled", "yes", "--replicaof", ServerProcess.Host, master.Port.ToString(CultureInfo.InvariantCulture));
        WaitUntil(() => Info(replica, "master_link_status") == "up", SyncTimeout, () => Logs(master, replica));
        using (var c = master.Connect())
        {
            c.Call("AUTH", "s3cret");
            c.Call("SET", "after", "sync");
            c.Call("INCR", "counter");
        }
        WaitUntil(() => Info(master, "master_repl_offset", "s3cret") == Info(replica, "master_repl_offset"), SyncTimeout, () => Logs(master, replica));
        Assert.Equal("1", Info(master, "sync_full", "s3cret"));
        Assert.Equal("1", Info(master, "sync_partial_ok", "s3cret")); // the main channel's PSYNC
        Assert.Contains("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser", replica.LogText());
        Assert.Contains("Replication backlog created", master.LogText());
        Assert.Matches(@"Sending to replica 127\.0\.0\.1:\d+ RDB end offset 0 and client-id \d+", master.LogText());
        using (var mc = master.Connect())
        using (var rc = replica.Connect())
        {
            mc.Call("AUTH", "s3cret");
            Assert.Equal(KeyspaceDump.Of(mc), KeyspaceDump.Of(rc));
        }

        // A lost link continues with a partial resync on the main connection, like any replica.
        replica.Call("CLIENT", "KILL", "TYPE", "master");
        replica.WaitForLog("Successful partial resynchronization with master.", SyncTimeout);
        Assert.Equal("1", Info(master, "sync_full", "s3cret"));
    }

    /// <summary>The link is up; one more write reaches the replica, and both hold the same keys and values.</summary>
    static void AssertInSyncAfterAWrite(ServerProcess master, ServerProcess replica)
    {
        WaitUntil(() => Info(replica, "master_link_status") == "up", SyncTimeout, () => Logs(master, replica));
        master.Call("SET", "after", "sync");
        WaitUntil(() => Info(master, "master_repl_offset") == Info(replica, "master_repl_offset"), SyncTimeout, () => Logs(master, replica));
        using var mc = master.Connect();
        using var rc = replica.Connect();
        Assert.Equal(KeyspaceDump.Of(mc), KeyspaceDump.Of(rc));
    }

    [Fact]
    public void AMirraReplicaWithDualChannelFallsBackToTheClassicSyncWithARealRedisMaster()
    {
        using var master = ServerProcess.StartRedis("--save", "", "--repl-diskless-sync-delay", "0");
        using (var c = master.Connect())
            for (int i = 0; i < 200; i++) c.Call("SET", $"k:{i}", $"v{i}");
        using var replica = ServerProcess.StartMirra("--save", "", "--dual-channel-replication-enabled", "yes",
            "--replicaof", ServerProcess.Host, master.Port.ToString(CultureInfo.InvariantCulture));
        AssertInSyncAfterAWrite(master, replica);
        replica.WaitForLog("(Non critical) Master does not understand REPLCONF VERSION: -ERR Unrecognized REPLCONF option: version");
        replica.WaitForLog("Full resync from master: ");
        Assert.DoesNotContain("RDB channel", replica.LogText());
        Assert.Equal("0", Info(replica, "replicas_repl_buffer_peak"));
    }

    [Fact]
    public void ARealRedisReplicaSyncsTheClassicWayFromAMirraMasterWithDualChannel()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0", "--dual-channel-replication-enabled", "yes");
        using (var c = master.Connect())
            for (int i = 0; i < 200; i++) c.Call("SET", $"k:{i}", $"v{i}");
        using var replica = ServerProcess.StartRedis("--save", "", "--replicaof", ServerProcess.Host, master.Port.ToString(CultureInfo.InvariantCulture));
        AssertInSyncAfterAWrite(master, replica);
        master.WaitForLog($"Streamed RDB transfer with replica 127.0.0.1:{replica.Port} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
        Assert.DoesNotContain("dual channel", master.LogText());
        Assert.Matches(@"^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$", Info(master, "slave0"));
        Assert.Equal("0", Info(master, "replicas_waiting_psync"));
    }
}
