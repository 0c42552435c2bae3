using System.Diagnostics;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// Mirra as the replica of a real redis-server 7.0.15: full sync with the master's disk-based ("$len") and
/// diskless ("$EOF:") transfers and every load mode of the replica, every data type in the compact and
/// the large encodings a real master writes, then the command stream (MULTI/EXEC, SELECT, effects of
/// random commands, expiry), partial resynchronization after the link is killed or the master restarts,
/// masterauth, READONLY and promotion. Data is compared key by key with <see cref="KeyspaceDump"/> and the
/// replication offsets must be equal on both ends.
/// </summary>
public class ReplicationReplicaTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    static ServerProcess StartMaster(params string[] args) =>
        ServerProcess.StartRedis(["--save", "", "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes", .. args]);

    static ServerProcess StartReplica(ServerProcess master, params string[] args) =>
        ServerProcess.StartMirra(["--save", "", "--replicaof", ServerProcess.Host, master.Port.ToString(), .. args]);

    static string Field(ServerProcess server, string name, string section = "replication")
    {
        string info = server.Call("INFO", section).Text ?? "";
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        return "";
    }

    /// <summary>Polls until <paramref name="condition"/> holds (bounded in time); fails with <paramref name="what"/> and the replica's log.</summary>
    static void WaitFor(Func<bool> condition, string what, ServerProcess replica)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; !condition(); i++)
        {
            if (sw.Elapsed > Limit || i > 100_000)
                throw new TimeoutException($"{what} within {Limit.TotalSeconds} s\n--- replica log ---\n{Tail(replica.LogText())}");
            Thread.Sleep(20);
        }
    }

    static string Tail(string log) => log.Length <= 6000 ? log : log[^6000..];

    static void WaitLinkUp(ServerProcess replica) =>
        WaitFor(() => Field(replica, "master_link_status") == "up", "the link to the master up", replica);

    /// <summary>Both ends at the same offset (the replica applied everything the master produced).</summary>
    static void WaitInSync(ServerProcess master, ServerProcess replica)
    {
        WaitFor(() =>
        {
            string m = Field(master, "master_repl_offset");
            return m.Length > 0 && m == Field(replica, "master_repl_offset") && m == Field(replica, "slave_repl_offset");
        }, "equal master_repl_offset on both ends", replica);
    }

    static void AssertSameData(ServerProcess master, ServerProcess replica)
    {
        using var m = master.Connect();
        using var r = replica.Connect();
        var expected = KeyspaceDump.Of(m);
        var actual = KeyspaceDump.Of(r);
        Assert.NotEmpty(expected);
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
    }

    /// <summary>Every type in the encodings Redis 7.0 picks for it (listpack, intset, quicklist, skiplist, hashtable...), TTLs, several databases, binary data.</summary>
    static void Populate(RespClient c)
    {
        c.Call("SET", "str:int", "12345");
        c.Call("SET", "str:neg", "-9223372036854775808");
        c.Call("SET", "str:embstr", "hello");
        c.Call("SET", "str:raw", new string('r', 100));
        c.Call("SET", "str:compressible", new string('z', 20_000));
        c.Call(new[] { "SET"u8.ToArray(), "bin\0key\r\n"u8.ToArray(), new byte[] { 0, 255, 13, 10, 1 } });
        c.Call("SET", "ttl:str", "v", "EX", "5000");
        c.Call("RPUSH", "list:listpack", "a", "1", "-2", "bb");
        c.Call(["RPUSH", "list:quicklist", .. Enumerable.Range(0, 1500).Select(i => "item-" + i)]);
        c.Call("RPUSH", "list:bigvalue", new string('x', 10_000), "small");
        c.Call("SADD", "set:intset", "1", "2", "3", "-100", "99999999999");
        c.Call(["SADD", "set:hashtable", .. Enumerable.Range(0, 600).Select(i => "m" + i)]);
        c.Call(["SADD", "set:bigints", .. Enumerable.Range(0, 600).Select(i => (i * 7919).ToString())]);
        c.Call("HSET", "hash:listpack", "f1", "v1", "f2", "2", "f3", "");
        c.Call(["HSET", "hash:hashtable", .. Enumerable.Range(0, 300).SelectMany(i => new[] { "field" + i, "value" + i })]);
        c.Call("HSET", "hash:longvalue", "f", new string('h', 100));
        c.Call("ZADD", "zset:listpack", "1", "a", "2.5", "b", "-3", "c", "inf", "d");
        c.Call(["ZADD", "zset:skiplist", .. Enumerable.Range(0, 300).SelectMany(i => new[] { (i * 0.5).ToString("R", System.Globalization.CultureInfo.InvariantCulture), "member" + i })]);
        c.Call("EXPIRE", "zset:skiplist", "7000");
        c.Call("SELECT", "5");
        c.Call("SET", "in:db5", "five");
        c.Call("LPUSH", "list:db5", "x");
        c.Call("SELECT", "15");
        c.Call("HSET", "in:db15", "a", "b");
        c.Call("SELECT", "0");
    }

    /// <summary>Writes the stream must carry: a transaction across databases, effects of random commands, relative TTLs.</summary>
    static void Stream(RespClient c)
    {
        c.Call("SET", "s:after", "sync");
        c.Call("MULTI");
        c.Call("INCR", "s:counter");
        c.Call("SELECT", "3");
        c.Call("RPUSH", "s:list", "1", "2", "3");
        c.Call("SELECT", "0");
        c.Call("HSET", "s:hash", "f", "v");
        Assert.Equal(5, c.Call("EXEC").Items!.Count);
        c.Call("INCRBYFLOAT", "s:float", "1.1");
        c.Call("SPOP", "set:hashtable", "3");
        c.Call("SRANDMEMBER", "set:intset");
        c.Call("EXPIRE", "s:after", "4000");
        c.Call("SETEX", "s:setex", "3000", "v");
        c.Call("LPOP", "list:quicklist", "10");
        c.Call("ZINCRBY", "zset:listpack", "10", "a");
        c.Call("DEL", "str:raw");
        c.Call(["RPUSH", "list:listpack", .. Enumerable.Range(0, 200).Select(i => "grow" + i)]); // listpack → quicklist
        c.Call("SELECT", "7");
        c.Call("SADD", "s:db7", "a", "b");
        c.Call("SELECT", "0");
        c.Call("FLUSHDB"); // db 0 only
        c.Call("SET", "after:flush", "1");
        c.Call("SET", "s:large", new string('L', 300_000)); // larger than a read: the replica's buffer grows
        // A pipelined burst: the master's stream arrives in large reads, transactions cut anywhere.
        var burst = new MemoryStream();
        int replies = 0;
        for (int i = 0; i < 3000; i++, replies++)
        {
            if (i % 10 == 0)
            {
                RespClient.AppendCommand(burst, "MULTI");
                RespClient.AppendCommand(burst, "INCR", "burst:tx");
                RespClient.AppendCommand(burst, "RPUSH", "burst:list", "v" + i);
                RespClient.AppendCommand(burst, "EXEC");
                replies += 3;
            }
            else RespClient.AppendCommand(burst, "SET", "burst:" + (i % 97), new string('v', i % 500));
        }
        c.SendRaw(burst.ToArray());
        for (int i = 0; i < replies; i++) Assert.False(c.ReadReply().IsError);
    }

    [Theory]
    [InlineData("yes", "disabled")]
    [InlineData("no", "disabled")]
    [InlineData("yes", "swapdb")]
    [InlineData("no", "on-empty-db")]
    public void Full_sync_then_stream_from_a_real_master(string masterDiskless, string replicaLoad)
    {
        using var master = StartMaster("--repl-diskless-sync", masterDiskless);
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master, "--repl-diskless-load", replicaLoad);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        AssertSameData(master, replica);

        string log = replica.LogText();
        Assert.Contains($"Connecting to MASTER 127.0.0.1:{master.Port}", log);
        Assert.Contains("MASTER <-> REPLICA sync started", log);
        Assert.Contains("Non blocking connect for SYNC fired the event.", log);
        Assert.Contains("Master replied to PING, replication can continue...", log);
        Assert.Contains("Partial resynchronization not possible (no cached master)", log);
        Assert.Contains("Full resync from master: ", log);
        string target = replicaLoad == "disabled" ? "to disk" : "to parser";
        if (masterDiskless == "yes") Assert.Contains($"MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}", log);
        else Assert.Matches($"MASTER <-> REPLICA sync: receiving [0-9]+ bytes from master {target}", log);
        Assert.Contains("MASTER <-> REPLICA sync: Loading DB in memory", log);
        Assert.Contains("MASTER <-> REPLICA sync: Finished with success", log);
        Assert.Equal(Field(master, "master_replid"), Field(replica, "master_replid"));
        master.WaitForLog($"Synchronization with replica 127.0.0.1:{replica.Port} succeeded");

        using (var c = master.Connect()) Stream(c);
        WaitInSync(master, replica);
        AssertSameData(master, replica);

        // ROLE and INFO as a connected replica shows them.
        var role = replica.Call("ROLE").Items!;
        Assert.Equal(["slave", "127.0.0.1"], role.Take(2).Select(i => i.Text));
        Assert.Equal(master.Port, role[2].Integer);
        Assert.Equal("connected", role[3].Text);
        Assert.Equal(long.Parse(Field(master, "master_repl_offset")), role[4].Integer);
        Assert.Equal("0", Field(replica, "master_sync_in_progress"));
        Assert.Equal("1", Field(replica, "slave_read_only"));
        // The master sees us as an online replica at our listening port.
        Assert.Contains($"ip=127.0.0.1,port={replica.Port},state=online", master.Call("INFO", "replication").Text);
    }

    [Fact]
    public void Expired_keys_stay_hidden_until_the_master_deletes_them()
    {
        using var master = StartMaster();
        using var replica = StartReplica(master);
        WaitLinkUp(replica);
        using var m = master.Connect();
        Assert.Equal("OK", m.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0").Text); // only lazy expiry on the master
        m.Call("SET", "short", "v", "PX", "300");
        m.Call("SET", "long", "v");
        WaitInSync(master, replica);
        Thread.Sleep(500);
        Assert.True(replica.Call("GET", "short").IsNull);
        Assert.Equal(0, replica.Call("EXISTS", "short").Integer);
        Assert.Equal(2, replica.Call("DBSIZE").Integer); // kept: the replica never expires keys itself
        Assert.True(m.Call("GET", "short").IsNull); // the master expires it: DEL reaches the replica
        WaitFor(() => replica.Call("DBSIZE").Integer == 1, "the master's DEL applied", replica);
        WaitInSync(master, replica);
        Assert.Equal("0", Field(replica, "expired_keys", "stats"));
    }

    [Fact]
    public void Killed_link_resumes_with_a_partial_resync()
    {
        using var master = StartMaster("--repl-backlog-size", "16mb"); // holds what is written while the link is down
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master);
        WaitLinkUp(replica);
        WaitInSync(master, replica);

        Assert.Equal(1, replica.Call("CLIENT", "KILL", "TYPE", "master").Integer);
        using (var c = master.Connect()) Stream(c);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        AssertSameData(master, replica);
        string log = replica.LogText();
        Assert.Contains("Connection with master lost.", log);
        Assert.Contains("Caching the disconnected master state.", log);
        Assert.Contains("Trying a partial resynchronization (request ", log);
        Assert.Contains("Successful partial resynchronization with master.", log);
        master.WaitForLog("Partial resynchronization request from");
        Assert.Single(log.Split('\n'), l => l.Contains("Full resync from master"));
    }

    [Fact]
    public void A_restarted_master_continues_our_history_under_its_new_id()
    {
        using var master = StartMaster("--save", "3600 1");
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        string oldId = Field(master, "master_replid");

        master.Restart(); // saves at shutdown; 7.0 keeps the old id as replid2 after loading
        using (var c = master.Connect()) c.Call("SET", "after", "restart");
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        AssertSameData(master, replica);
        string newId = Field(master, "master_replid");
        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, Field(replica, "master_replid"));
        Assert.Equal(oldId, Field(replica, "master_replid2"));
        string log = replica.LogText();
        Assert.Contains("Master replication ID changed to " + newId, log);
        Assert.Contains("Successful partial resynchronization with master.", log);
    }

    [Fact]
    public void A_replica_restarted_from_its_rdb_continues_with_psync()
    {
        using var master = StartMaster("--repl-backlog-size", "16mb");
        using (var c = master.Connect()) Populate(c);
        using var replica = StartReplica(master);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        Assert.Equal("OK", replica.Call("SAVE").Text);
        replica.Restart();
        using (var c = master.Connect()) Stream(c);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        AssertSameData(master, replica);
        string log = replica.LogText();
        Assert.Contains("Before turning into a replica, using my own master parameters to synthesize a cached master", log);
        Assert.Single(log.Split('\n'), l => l.Contains("Successful partial resynchronization with master."));
        Assert.Single(log.Split('\n'), l => l.Contains("Full resync from master"));
    }

    [Fact]
    public void Masterauth_against_requirepass()
    {
        using var master = StartMaster("--requirepass", "s3cret");
        using (var c = master.Connect())
        {
            c.Call("AUTH", "s3cret");
            c.Call("SET", "k", "v");
        }
        using var replica = StartReplica(master, "--masterauth", "wrong");
        replica.WaitForLog("Unable to AUTH to MASTER: -WRONGPASS", Limit);
        Assert.Equal("down", Field(replica, "master_link_status"));
        Assert.Equal("OK", replica.Call("CONFIG", "SET", "masterauth", "s3cret").Text);
        WaitLinkUp(replica); // the cron retries every second with the new password
        Assert.Equal("v", replica.Call("GET", "k").Text);
    }

    [Fact]
    public void Read_only_replica_then_promotion()
    {
        using var master = StartMaster();
        using (var c = master.Connect()) c.Call("SET", "k", "v");
        using var replica = StartReplica(master);
        WaitLinkUp(replica);
        WaitInSync(master, replica);
        using var r = replica.Connect();
        var refused = r.Call("SET", "k", "w");
        Assert.True(refused.IsError);
        Assert.Equal("READONLY You can't write against a read only replica.", refused.Text);
        Assert.Equal("v", r.Call("GET", "k").Text);
        Assert.Equal("OK Already connected to specified master", r.Call("REPLICAOF", "127.0.0.1", master.Port.ToString()).Text);

        string masterId = Field(master, "master_replid");
        long offset = long.Parse(Field(replica, "master_repl_offset"));
        Assert.Equal("OK", r.Call("REPLICAOF", "NO", "ONE").Text);
        Assert.Equal("master", Field(replica, "role"));
        Assert.Equal(masterId, Field(replica, "master_replid2"));
        Assert.Equal((offset + 1).ToString(), Field(replica, "second_repl_offset"));
        Assert.Equal("OK", r.Call("SET", "k", "w").Text);
        string log = replica.LogText();
        Assert.Contains("MASTER MODE enabled (user request from 'id=", log);
        Assert.Contains($"Setting secondary replication ID to {masterId}, valid up to offset: {offset + 1}. New replication ID is ", log);
        // The master noticed its replica left.
        WaitFor(() => Field(master, "connected_slaves") == "0", "the master sees no replica", replica);
    }

    [Fact]
    public void Config_rewrite_records_the_master_like_redis()
    {
        using var master = StartMaster();
        string port = master.Port.ToString();
        foreach (var kind in new[] { ServerKind.Redis, ServerKind.Mirra })
        {
            using var server = ServerProcess.Start(kind, ["--save", ""], config: "# mine\n");
            Assert.Equal("OK", server.Call("REPLICAOF", "127.0.0.1", port).Text);
            Assert.Equal("OK", server.Call("CONFIG", "REWRITE").Text);
            Assert.Contains($"\nreplicaof 127.0.0.1 {port}\n", File.ReadAllText(server.ConfigPath!));
            Assert.Equal($"127.0.0.1 {port}", server.Call("CONFIG", "GET", "replicaof").Items![1].Text);
            Assert.Equal("OK", server.Call("REPLICAOF", "NO", "ONE").Text);
            Assert.Equal("OK", server.Call("CONFIG", "REWRITE").Text);
            Assert.DoesNotContain("replicaof", File.ReadAllText(server.ConfigPath!));
        }
    }
}
