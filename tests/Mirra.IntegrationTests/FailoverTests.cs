using System.Diagnostics;
using System.Runtime.InteropServices;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// FAILOVER with real processes: a Mirra master handing over to the Mirra replica that is in sync (the old master
/// continues as its replica with a partial resync, the other replica keeps following the old master, as with Redis),
/// writes paused meanwhile, TIMEOUT and FORCE, a refused PSYNC ... FAILOVER, and the exchange in both directions
/// between Mirra and a real redis-server 7.0.15. A replica that must lag is stopped with SIGSTOP (it cannot ACK).
/// </summary>
public class FailoverTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    static string[] Common => ["--save", "", "--repl-diskless-sync-delay", "0"];

    static ServerProcess Mirra(params string[] args) => ServerProcess.StartMirra([.. Common, .. args]);
    static ServerProcess Redis(params string[] args) => ServerProcess.StartRedis([.. Common, .. args]);
    static string[] ReplicaOf(ServerProcess master) => ["--replicaof", ServerProcess.Host, master.Port.ToString()];

    static string Field(ServerProcess server, string name, string section = "replication")
    {
        string info = server.Call("INFO", section).Text ?? "";
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        return "";
    }

    static void WaitFor(Func<bool> condition, string what, params ServerProcess[] servers)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; !condition(); i++)
        {
            if (sw.Elapsed > Limit || i > 100_000)
                throw new TimeoutException($"{what} within {Limit.TotalSeconds} s\n" +
                    string.Join("\n", servers.Select(s => $"--- {s} ---\n{Tail(s.LogText())}")));
            Thread.Sleep(20);
        }
    }

    static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    static void WaitLinkUp(ServerProcess replica, ServerProcess master) =>
        WaitFor(() => Field(replica, "master_link_status") == "up" && Field(replica, "master_port") == master.Port.ToString(),
            $"{replica} in sync with {master}", replica, master);

    static void WaitSameOffset(ServerProcess a, ServerProcess b) =>
        WaitFor(() => Field(a, "master_repl_offset") is { Length: > 0 } o && o == Field(b, "master_repl_offset"), "equal offsets", a, b);

    static void AssertSameData(ServerProcess a, ServerProcess b)
    {
        using var x = a.Connect();
        using var y = b.Connect();
        var expected = KeyspaceDump.Of(x);
        Assert.NotEmpty(expected);
        Assert.Equal(string.Join("\n", expected), string.Join("\n", KeyspaceDump.Of(y)));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int sig);

    /// <summary>SIGSTOP: the process neither reads nor ACKs until <see cref="Thaw"/>.</summary>
    static void Freeze(ServerProcess p) => Assert.Equal(0, SysKill(p.Pid, 19));
    static void Thaw(ServerProcess p) => SysKill(p.Pid, 18);

    [Fact]
    public void Failover_to_any_replica_hands_over_to_the_one_in_sync_with_partial_resyncs()
    {
        using var master = Mirra();
        using var lagging = Mirra(ReplicaOf(master));
        using var target = Mirra(ReplicaOf(master));
        WaitLinkUp(lagging, master);
        WaitLinkUp(target, master);
        using var m = master.Connect();
        m.Call("SET", "before", "1");
        WaitSameOffset(master, target);
        WaitSameOffset(master, lagging);

        using var writer = master.Connect();
        Freeze(lagging);
        Freeze(target);
        try
        {
            // Neither replica can acknowledge this write: the failover waits, and writes wait with it.
            m.Call("RPUSH", "list", "a", "b");
            Assert.Equal("OK", m.Call("FAILOVER").Text);
            master.WaitForLog("FAILOVER requested to any replica.");
            Assert.Equal("waiting-for-sync", Field(master, "master_failover_state"));
            writer.Send("SET", "during", "x");
            WaitFor(() => Field(master, "blocked_clients", "clients") == "1", "the write paused", master);
            Assert.Equal("1", m.Call("GET", "before").Text); // reads go on
            Assert.Equal("ERR FAILOVER already in progress.", m.Call("FAILOVER").Text);
            Assert.Equal("ERR REPLICAOF not allowed while failing over.", m.Call("REPLICAOF", "NO", "ONE").Text);

            Thaw(target); // it catches up, ACKs, and is chosen
            master.WaitForLog($"Failover target 127.0.0.1:{target.Port} is synced, failing over.");
            // The paused write ran once the target accepted: we are a replica by then.
            Assert.Equal("READONLY You can't write against a read only replica.", writer.ReadReply().Text);
        }
        finally
        {
            Thaw(target);
            Thaw(lagging);
        }

        WaitLinkUp(master, target);
        Assert.Equal("master", Field(target, "role"));
        Assert.Equal("no-failover", Field(master, "master_failover_state"));
        target.WaitForLog("MASTER MODE enabled (failover request from 'id=");
        Assert.Contains($"Failover request received for replid ", target.LogText());
        // The old master continued its history with the new master: no full sync anywhere.
        master.WaitForLog("Successful partial resynchronization with master.");
        Assert.Equal("1", Field(target, "sync_partial_ok", "stats"));
        Assert.Equal("0", Field(target, "sync_full", "stats"));
        Assert.Equal("1", Field(target, "connected_slaves"));

        // The other replica stays with the old master, which dropped it when the replication id changed: it
        // reconnected and continued (a chain now, as with Redis).
        WaitLinkUp(lagging, master);
        master.WaitForLog($"Partial resynchronization request from 127.0.0.1:{lagging.Port} accepted.");
        Assert.Equal("0", Field(lagging, "sync_full", "stats"));

        using var t = target.Connect();
        t.Call("SET", "after", "2");
        WaitSameOffset(target, master);
        WaitSameOffset(target, lagging);
        AssertSameData(target, master);
        AssertSameData(target, lagging);
        Assert.Equal("2", lagging.Call("GET", "after").Text);
        Assert.Null(t.Call("GET", "during").Text);

        // CLIENT KILL TYPE master drops the link; it comes back with a partial resync.
        Assert.Equal(1, master.Call("CLIENT", "KILL", "TYPE", "master").Integer);
        WaitFor(() => Field(target, "sync_partial_ok", "stats") == "2", "a second partial resync", master, target);
        WaitLinkUp(master, target);
    }

    [Fact]
    public void A_timeout_aborts_and_force_fails_over_anyway()
    {
        using var master = Mirra();
        using var replica = Mirra(ReplicaOf(master));
        WaitLinkUp(replica, master);
        using var m = master.Connect();
        Freeze(replica);
        try
        {
            m.Call("SET", "k", "1");
            Assert.Equal("OK", m.Call("FAILOVER", "TO", ServerProcess.Host, replica.Port.ToString(), "TIMEOUT", "300").Text);
            master.WaitForLog($"FAILOVER to 127.0.0.1:{replica.Port} aborted: Replica never caught up before timeout");
            Assert.Equal("no-failover", Field(master, "master_failover_state"));
            Assert.Equal("master", Field(master, "role"));
            Assert.Equal("OK", m.Call("SET", "k", "2").Text);

            Assert.Equal("OK", m.Call("FAILOVER", "TO", ServerProcess.Host, replica.Port.ToString(), "TIMEOUT", "300", "FORCE").Text);
            master.WaitForLog($"FAILOVER to 127.0.0.1:{replica.Port} time out exceeded, failing over.");
            Assert.Equal("failover-in-progress", Field(master, "master_failover_state"));
            Assert.Equal("slave", Field(master, "role"));
        }
        finally
        {
            Thaw(replica);
        }
        // Once it runs again the replica takes the PSYNC ... FAILOVER and becomes the master.
        WaitLinkUp(master, replica);
        WaitFor(() => Field(master, "master_failover_state") == "no-failover", "the failover over", master, replica);
        Assert.Equal("master", Field(replica, "role"));
        replica.WaitForLog("MASTER MODE enabled (failover request from");
        using var r = replica.Connect();
        r.Call("SET", "after", "1");
        WaitSameOffset(replica, master);
        AssertSameData(replica, master);
    }

    [Fact]
    public void A_target_that_refuses_psync_failover_aborts_it()
    {
        using var master = Mirra();
        using var other = Mirra(); // a master: it answers PSYNC ... FAILOVER with an error
        using var m = master.Connect();
        m.Call("SET", "k", "1");
        // A replica announcing the other server's port: FAILOVER TO that address reaches a server that refuses.
        using var fake = master.Connect();
        Assert.Equal("OK", fake.Call("REPLCONF", "listening-port", other.Port.ToString()).Text);
        Assert.Equal("OK", fake.Call("REPLCONF", "capa", "eof", "capa", "psync2").Text);
        fake.Send("PSYNC", "?", "-1");
        WaitFor(() => Field(master, "slave0").Contains("state=online"), "the fake replica online", master);

        string id = Field(master, "master_replid");
        Assert.Equal("OK", m.Call("FAILOVER", "TO", ServerProcess.Host, other.Port.ToString(), "TIMEOUT", "100", "FORCE").Text);
        master.WaitForLog($"FAILOVER to 127.0.0.1:{other.Port} aborted: Failover target rejected psync request");
        Assert.Contains("Master does not support PSYNC or is in error state (reply: -ERR PSYNC FAILOVER can't be sent to a master.)", master.LogText());
        other.WaitForLog($"Failover request received for replid {id}.");
        Assert.Equal("master", Field(master, "role"));
        Assert.Equal("no-failover", Field(master, "master_failover_state"));
        Assert.Equal(id, Field(master, "master_replid2")); // back to a master under a new id, as REPLICAOF NO ONE
        Assert.Equal("OK", m.Call("SET", "k", "2").Text);
    }

    [Fact]
    public void Mirra_master_fails_over_to_a_redis_replica()
    {
        using var master = Mirra();
        using var replica = Redis(ReplicaOf(master));
        WaitLinkUp(replica, master);
        using var m = master.Connect();
        m.Call("MSET", "a", "1", "b", "2");
        m.Call("HSET", "h", "f", "v");
        FailOverToAndCheckThePartialResync(master, m, replica);
    }

    [Fact]
    public void Redis_master_fails_over_to_a_mirra_replica()
    {
        using var master = Redis();
        using var replica = Mirra(ReplicaOf(master));
        WaitLinkUp(replica, master);
        using var m = master.Connect();
        m.Call("MSET", "a", "1", "b", "2");
        m.Call("SADD", "s", "x", "y");
        FailOverToAndCheckThePartialResync(master, m, replica);
    }

    /// <summary>FAILOVER TO the replica: it becomes the master, the old master its replica by a partial resync, with the same data.</summary>
    static void FailOverToAndCheckThePartialResync(ServerProcess master, RespClient m, ServerProcess replica)
    {
        Assert.Equal("OK", m.Call("FAILOVER", "TO", ServerProcess.Host, replica.Port.ToString()).Text);
        master.WaitForLog($"Failover target 127.0.0.1:{replica.Port} is synced, failing over.");
        WaitLinkUp(master, replica);
        Assert.Equal("master", Field(replica, "role"));
        replica.WaitForLog("MASTER MODE enabled (failover request from");
        Assert.Equal("1", Field(replica, "sync_partial_ok", "stats"));
        Assert.Equal("0", Field(replica, "sync_full", "stats"));
        master.WaitForLog("Successful partial resynchronization with master.");
        WaitFor(() => Field(master, "master_failover_state") == "no-failover", "the failover over", master, replica);

        using var r = replica.Connect();
        r.Call("INCR", "a");
        WaitSameOffset(replica, master);
        AssertSameData(replica, master);
    }
}
