using System.Diagnostics;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// Real redis-sentinel 7.0.15 processes watching Mirra servers: discovery through INFO and the
/// __sentinel__:hello pub/sub on masters and replicas, a kill -9 of the master, agreement (+sdown, +odown,
/// election, +switch-master), promotion with SLAVEOF NO ONE + CONFIG REWRITE inside MULTI, the other replica
/// repointed with a partial resync (PSYNC2 through replid2), the configuration provider answering the new
/// address, and the old master turned into a replica when it comes back.
/// </summary>
public class SentinelFailoverTests
{
    const string MasterName = "mymaster";
    /// <summary>The data nodes require it (requirepass, masterauth); the sentinels send it (auth-pass) on every link.</summary>
    const string Password = "sentinel-test-secret";
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    /// <summary>Each data node runs from a config file (Sentinel sends CONFIG REWRITE); diskless sync starts at once.</summary>
    static ServerProcess StartNode(int? masterPort = null) => ServerProcess.Start(ServerKind.Mirra, config:
        $"save \"\"\nrepl-diskless-sync-delay 0\nrequirepass {Password}\nmasterauth {Password}\n" +
        (masterPort is { } p ? $"replicaof {ServerProcess.Host} {p}\n" : ""));

    /// <summary>
    /// Quorum 2 of 3. down-after 2 s rather than 1 s so a busy machine's pause does not fail the master over
    /// before the test kills it; failover-timeout 6 s bounds each phase and the retry after a split vote.
    /// </summary>
    static ServerProcess StartSentinel(int masterPort) => ServerProcess.StartSentinel(
        $"sentinel monitor {MasterName} {ServerProcess.Host} {masterPort} 2\n" +
        $"sentinel down-after-milliseconds {MasterName} 2000\n" +
        $"sentinel failover-timeout {MasterName} 6000\n" +
        $"sentinel auth-pass {MasterName} {Password}\n");

    /// <summary>A connection to a data node (authenticated) or to a sentinel.</summary>
    static RespClient Connect(ServerProcess server)
    {
        var c = server.Connect();
        if (server.Kind == ServerKind.Mirra) Assert.Equal("OK", c.Call("AUTH", Password).AsString());
        return c;
    }

    /// <summary>
    /// One command on a fresh connection, tried again when the server closed it: a sentinel reconfiguring a
    /// server ends with CLIENT KILL TYPE normal, which also drops the test's own connection of the moment.
    /// </summary>
    static RespValue Call(ServerProcess server, params string[] args)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var c = Connect(server);
                return c.Call(args);
            }
            catch (Exception e) when (attempt < 5 && e is EndOfStreamException or IOException or System.Net.Sockets.SocketException)
            {
                Thread.Sleep(100);
            }
        }
    }

    static string Field(ServerProcess server, string name, string section = "replication")
    {
        string info = Call(server, "INFO", section).Text ?? "";
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        return "";
    }

    static long Stat(ServerProcess server, string name) => long.Parse(Field(server, name, "stats"));

    /// <summary>A sentinel's instance entry (SENTINEL MASTER / REPLICAS): a flat field/value array.</summary>
    static Dictionary<string, string> Entry(RespValue flat)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        var items = flat.Items!;
        for (int i = 0; i + 1 < items.Count; i += 2) d[items[i].AsString()] = items[i + 1].AsString();
        return d;
    }

    static string? MasterAddress(ServerProcess sentinel)
    {
        var r = sentinel.Call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName);
        return r.Items is { Count: 2 } a ? a[0].AsString() + ":" + a[1].AsString() : null;
    }

    static string Tail(string log, int max = 3000) => log.Length <= max ? log : "..." + log[^max..];

    /// <summary>Polls <paramref name="condition"/> every 50 ms for at most <see cref="Limit"/>; fails with every log's tail.</summary>
    static void WaitFor(Func<bool> condition, string what, IEnumerable<ServerProcess> all)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; !condition(); i++)
        {
            if (sw.Elapsed > Limit || i > 10_000)
            {
                var logs = new StringBuilder();
                foreach (var p in all) logs.Append($"\n--- {p} ---\n").Append(Tail(p.LogText()));
                throw new TimeoutException($"{what} did not happen within {Limit.TotalSeconds} s{logs}");
            }
            Thread.Sleep(50);
        }
    }

    static string[] ConfigLines(ServerProcess server) =>
        File.ReadAllLines(server.ConfigPath!).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [Fact]
    public void Real_sentinels_fail_a_mirra_master_over_and_the_replicas_follow_with_a_partial_resync()
    {
        using var master = StartNode();
        using var replicaA = StartNode(master.Port);
        using var replicaB = StartNode(master.Port);
        var nodes = new[] { master, replicaA, replicaB };
        var replicas = new[] { replicaA, replicaB };
        var everything = new List<ServerProcess>(nodes);
        WaitFor(() => replicas.All(r => Field(r, "master_link_status") == "up"), "both replicas' links up", everything);
        Call(master, "SET", "before", "failover");

        using var s1 = StartSentinel(master.Port);
        using var s2 = StartSentinel(master.Port);
        using var s3 = StartSentinel(master.Port);
        var sentinels = new[] { s1, s2, s3 };
        everything.AddRange(sentinels);

        // Discovery: replicas from the master's INFO slaveN lines, the other sentinels from hellos on the data nodes.
        WaitFor(() => sentinels.All(s =>
        {
            var m = Entry(Call(s, "SENTINEL", "MASTER", MasterName));
            return m["num-slaves"] == "2" && m["num-other-sentinels"] == "2" && m["flags"] == "master";
        }), "every sentinel knowing 2 replicas and 2 other sentinels", everything);

        // What the sentinels parsed from the replicas' INFO.
        WaitFor(() => Entry(Call(s1, "SENTINEL", "REPLICAS", MasterName).Items![0])["role-reported"] == "slave"
                      && Entry(Call(s1, "SENTINEL", "REPLICAS", MasterName).Items![1])["role-reported"] == "slave",
            "INFO read from both replicas", everything);
        foreach (var entry in Call(s1, "SENTINEL", "REPLICAS", MasterName).Items!.Select(Entry))
        {
            var replica = replicas.Single(r => r.Port.ToString() == entry["port"]);
            Assert.Equal(Field(replica, "run_id", "server"), entry["runid"]);
            Assert.Equal("slave", entry["flags"]);
            Assert.Equal("ok", entry["master-link-status"]);
            Assert.Equal(ServerProcess.Host, entry["master-host"]);
            Assert.Equal(master.Port.ToString(), entry["master-port"]);
            Assert.Equal("100", entry["slave-priority"]);
            Assert.Equal("1", entry["replica-announced"]);
            Assert.True(long.Parse(entry["slave-repl-offset"]) > 0, $"slave-repl-offset {entry["slave-repl-offset"]}");
        }

        // Each sentinel named its two links and subscribed to the hello channel on every node, replicas included.
        int Named(string suffix) => Call(master, "CLIENT", "LIST").AsString().Split('\n')
            .Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, $" name=sentinel-[0-9a-f]{{8}}-{suffix} "));
        WaitFor(() => Named("cmd") == 3 && Named("pubsub") == 3, "3 sentinel-<id>-cmd and 3 -pubsub clients on the master", everything);
        foreach (var node in nodes)
            WaitFor(() => Call(node, "PUBSUB", "NUMSUB", "__sentinel__:hello").Items![1].AsInteger() == 3,
                $"3 hello subscribers on {node}", everything);
        // Hellos reach a replica's subscribers (published there, or published on the master and replicated).
        using (var sub = Connect(replicaA))
        {
            sub.Call("SUBSCRIBE", "__sentinel__:hello");
            var senders = new HashSet<string>();
            var sw = Stopwatch.StartNew();
            while (senders.Count < 3 && sw.Elapsed < Limit)
            {
                var msg = sub.TryReadReply(TimeSpan.FromSeconds(1));
                if (msg == null) continue;
                var fields = msg.Items![2].AsString().Split(',');
                Assert.Equal(8, fields.Length);
                Assert.Equal(MasterName, fields[4]);
                Assert.Equal(master.Port.ToString(), fields[6]);
                senders.Add(fields[1]);
            }
            Assert.Equal(sentinels.Select(s => s.Port.ToString()).Order(), senders.Order());
        }

        // Both replicas exactly caught up, so whichever is promoted, the other can continue from it.
        WaitFor(() =>
        {
            string offset = Field(master, "master_repl_offset");
            return replicas.All(r => Field(r, "slave_repl_offset") == offset);
        }, "both replicas at the master's offset", everything);
        string oldReplid = Field(master, "master_replid");
        var replicaLogMarks = replicas.ToDictionary(r => r, r => r.LogText().Length);
        var syncFullBefore = replicas.ToDictionary(r => r, r => Stat(r, "sync_full"));
        var partialOkBefore = replicas.ToDictionary(r => r, r => Stat(r, "sync_partial_ok"));

        master.Kill(); // SIGKILL: no goodbye to anyone

        string oldAddress = $"{ServerProcess.Host}:{master.Port}";
        WaitFor(() => sentinels.All(s => MasterAddress(s) is { } a && a != oldAddress), "every sentinel answering a new master address", everything);
        string newAddress = MasterAddress(s1)!;
        Assert.All(sentinels, s => Assert.Equal(newAddress, MasterAddress(s)));
        var promoted = replicas.Single(r => $"{ServerProcess.Host}:{r.Port}" == newAddress);
        var other = replicas.Single(r => r != promoted);

        // Agreement in the sentinels' logs.
        string switchLine = $"+switch-master {MasterName} {ServerProcess.Host} {master.Port} {ServerProcess.Host} {promoted.Port}";
        foreach (var s in sentinels)
        {
            s.WaitForLog(switchLine, Limit);
            Assert.Contains($"+sdown master {MasterName} {ServerProcess.Host} {master.Port}", s.LogText());
        }
        // The leader: the one sentinel that promoted the replica (after winning a vote, with the master ODOWN).
        var leader = sentinels.Single(s => s.LogText().Contains($"+promoted-slave slave {newAddress}"));
        string leaderLog = leader.LogText();
        Assert.Contains($"+odown master {MasterName} {ServerProcess.Host} {master.Port} #quorum", leaderLog);
        Assert.Contains($"+elected-leader master {MasterName} {ServerProcess.Host} {master.Port}", leaderLog);
        Assert.Contains("+failover-end", leaderLog);

        // The promotion: SLAVEOF NO ONE and CONFIG REWRITE, in the sentinel's MULTI, on the chosen replica.
        Assert.Equal("master", Call(promoted, "ROLE").Items![0].AsString());
        Assert.Equal("master", Field(promoted, "role"));
        Assert.Equal(oldReplid, Field(promoted, "master_replid2"));
        promoted.WaitForLog("MASTER MODE enabled (user request from 'id=", Limit);
        promoted.WaitForLog("CONFIG REWRITE executed with success.", Limit);
        string promotedLog = promoted.LogText()[replicaLogMarks[promoted]..];
        Assert.Contains($"Setting secondary replication ID to {oldReplid}, valid up to offset: ", promotedLog);
        Assert.Matches(@"MASTER MODE enabled \(user request from 'id=\d+ addr=[^']* name=sentinel-[0-9a-f]{8}-cmd [^']* cmd=exec ", promotedLog);
        Assert.DoesNotContain(ConfigLines(promoted), l => l.StartsWith("replicaof", StringComparison.OrdinalIgnoreCase)
                                                          || l.StartsWith("slaveof", StringComparison.OrdinalIgnoreCase));

        // The other replica is repointed (SLAVEOF + CONFIG REWRITE) and continues where it was: a partial resync.
        WaitFor(() => Field(other, "master_port") == promoted.Port.ToString() && Field(other, "master_link_status") == "up",
            "the other replica linked to the new master", everything);
        other.WaitForLog("Successful partial resynchronization with master.", Limit);
        string otherLog = other.LogText()[replicaLogMarks[other]..];
        Assert.Contains($"REPLICAOF {ServerProcess.Host}:{promoted.Port} enabled (user request from 'id=", otherLog);
        Assert.Contains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.", otherLog);
        Assert.DoesNotContain("Full resync from master", otherLog);
        Assert.Equal(partialOkBefore[promoted] + 1, Stat(promoted, "sync_partial_ok"));
        Assert.Equal(syncFullBefore[promoted], Stat(promoted, "sync_full"));
        Assert.Contains($"replicaof {ServerProcess.Host} {promoted.Port}", ConfigLines(other));
        var role = Call(other, "ROLE").Items!;
        Assert.Equal("slave", role[0].AsString());
        Assert.Equal(promoted.Port, role[2].AsInteger());
        Assert.Equal("connected", role[3].AsString());
        foreach (var s in sentinels)
            WaitFor(() => s.LogText().Contains($"+slave slave {ServerProcess.Host}:{other.Port}"), "the other replica listed under the new master", everything);

        // Data: what the old master had, and new writes flowing from the new master.
        Assert.Equal("failover", Call(promoted, "GET", "before").AsString());
        Assert.Equal("OK", Call(promoted, "SET", "after", "failover").AsString());
        Assert.StartsWith("READONLY", Call(other, "SET", "x", "y").Text);
        WaitFor(() => Call(other, "GET", "after").Text == "failover", "the new master's write on the other replica", everything);

        // The old master comes back (same port, same config file) as a master with an empty data set: the
        // sentinels convert it into a replica of the new master (SLAVEOF + CONFIG REWRITE), and it syncs.
        int oldMasterMark = master.LogText().Length;
        master.Restart();
        WaitFor(() => Field(master, "role") == "slave" && Field(master, "master_port") == promoted.Port.ToString()
                      && Field(master, "master_link_status") == "up", "the old master syncing from the new one", everything);
        Assert.Contains(sentinels, s => s.LogText().Contains($"+convert-to-slave slave {oldAddress}"));
        string oldMasterLog = master.LogText()[oldMasterMark..];
        Assert.Contains($"REPLICAOF {ServerProcess.Host}:{promoted.Port} enabled (user request from 'id=", oldMasterLog);
        Assert.Contains("CONFIG REWRITE executed with success.", oldMasterLog);
        Assert.Contains("MASTER <-> REPLICA sync: Finished with success", oldMasterLog);
        Assert.Contains($"replicaof {ServerProcess.Host} {promoted.Port}", ConfigLines(master));
        Assert.Equal(syncFullBefore[promoted] + 1, Stat(promoted, "sync_full"));
        Assert.Equal("failover", Call(master, "GET", "after").Text);

        // The configuration provider still answers the promoted server.
        Assert.All(sentinels, s => Assert.Equal(newAddress, MasterAddress(s)));
    }

    /// <summary>
    /// What a sentinel sends to reconfigure a server, one pipeline whose replies it does not check, answered as
    /// redis-server answers it: every admin command queues (no EXECABORT), CONFIG REWRITE without a config file
    /// fails inside EXEC only, the CLIENT KILLs drop every other normal and pub/sub client but not the caller.
    /// SCRIPT KILL (sent to a -BUSY instance) is an unknown command on Mirra, which has no scripting.
    /// </summary>
    [Fact]
    public void The_sentinel_reconfiguration_transaction_is_answered_like_redis()
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using var mirra = ServerProcess.StartMirra("--save", "");
        string Run(ServerProcess server)
        {
            using var normal = server.Connect();
            using var subscriber = server.Connect();
            Assert.Equal("PONG", normal.Call("PING").AsString());
            subscriber.Call("SUBSCRIBE", "__sentinel__:hello");
            using var sentinel = server.Connect();
            using var pipeline = new MemoryStream();
            foreach (var c in new[]
                     {
                         new[] { "CLIENT", "SETNAME", "sentinel-0123abcd-cmd" }, ["MULTI"], ["SLAVEOF", "NO", "ONE"], ["CONFIG", "REWRITE"],
                         ["CLIENT", "KILL", "TYPE", "normal"], ["CLIENT", "KILL", "TYPE", "pubsub"], ["EXEC"],
                     })
                RespClient.AppendCommand(pipeline, c);
            sentinel.SendRaw(pipeline.ToArray());
            var replies = Enumerable.Range(0, 7).Select(_ => sentinel.ReadReply().ToString()).ToList();
            Assert.True(normal.IsClosedByServer(TimeSpan.FromSeconds(5)), "the normal client was killed");
            Assert.True(subscriber.IsClosedByServer(TimeSpan.FromSeconds(5)), "the subscriber was killed");
            replies.Add(sentinel.Call("PING").ToString());
            replies.Add(sentinel.Call("PUBLISH", "__sentinel__:hello", "x").ToString());
            replies.Add(sentinel.Call("CLIENT", "GETNAME").ToString());
            replies.Add(sentinel.Call("ROLE").Items![0].ToString());
            replies.Add(sentinel.Call("CONFIG", "SET", "replica-priority", "50").ToString());
            replies.Add(sentinel.Call("CONFIG", "GET", "slave-priority").ToString());
            return string.Join("\n", replies);
        }
        Assert.Equal(Run(redis), Run(mirra));

        var scriptKill = mirra.Call("SCRIPT", "KILL");
        Assert.True(scriptKill.IsError);
        Assert.Equal("ERR unknown command 'SCRIPT', with args beginning with: 'KILL' ", scriptKill.Text);
        Assert.Equal("PONG", mirra.Call("PING").AsString());
    }
}
