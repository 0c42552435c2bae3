using System.Text.RegularExpressions;
using Mirra.Engine;
using Mirra.Tests.Commands;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>
/// REPLICAOF/SLAVEOF, ROLE, INFO replication and the replica's command checks, in-process. The server's
/// executor is not started here, so the connection to the (absent) master never gets further than
/// "connecting": these tests cover what a replica answers whatever its link does. Expected replies
/// were captured from redis-server 7.0.15.
/// </summary>
public class ReplicaOfTests
{
    /// <summary>Nothing listens on port 1: the connection attempt fails (and, without an executor, is never processed).</summary>
    const string NoMasterPort = "1";

    static TestServer Replica(params string[] config)
    {
        var t = new TestServer(config);
        Assert.Equal("+OK\r\n", t.Run("REPLICAOF", "127.0.0.1", NoMasterPort));
        return t;
    }

    static string Info(TestServer t)
    {
        string reply = t.Run("INFO", "replication");
        return reply[(reply.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
    }

    static string Field(string info, string name)
    {
        var m = Regex.Match(info, $"(?m)^{Regex.Escape(name)}:(.*)\r$");
        Assert.True(m.Success, $"missing field {name}");
        return m.Groups[1].Value;
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("65536")]
    [InlineData("x")]
    [InlineData("")]
    [InlineData(" 1")]
    public void A_port_outside_0_to_65535_is_invalid(string port)
    {
        var t = new TestServer();
        Assert.Equal("-ERR Invalid master port\r\n", t.Run("REPLICAOF", "127.0.0.1", port));
        Assert.Equal("-ERR Invalid master port\r\n", t.Run("SLAVEOF", "127.0.0.1", port));
        Assert.False(t.Server.IsReplica);
    }

    [Fact]
    public void Arity_and_a_half_no_one()
    {
        var t = new TestServer();
        Assert.Equal("-ERR wrong number of arguments for 'replicaof' command\r\n", t.Run("REPLICAOF", "no"));
        Assert.Equal("-ERR wrong number of arguments for 'slaveof' command\r\n", t.Run("SLAVEOF", "a", "b", "c"));
        Assert.Equal("-ERR Invalid master port\r\n", t.Run("REPLICAOF", "no", ""));
    }

    [Fact]
    public void No_one_on_a_master_changes_nothing()
    {
        var t = new TestServer();
        string id = t.Server.Replication.ReplId;
        Assert.Equal("+OK\r\n", t.Run("REPLICAOF", "NO", "ONE"));
        Assert.Equal("+OK\r\n", t.Run("slaveof", "no", "one"));
        Assert.Equal(id, t.Server.Replication.ReplId);
        Assert.Equal("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", t.Run("ROLE"));
    }

    [Fact]
    public void Role_of_a_replica_names_its_master_and_state()
    {
        var t = Replica();
        Assert.True(t.Server.IsReplica);
        Assert.Equal('S', t.Server.Log.Role);
        // Redis 7.0: ["slave", host, port (integer), state, offset (-1 without a master client)].
        // The state is "connecting" while the connect is under way and "connect" again once it was refused (port 1
        // refuses at once on loopback, so which one ROLE shows depends on timing, as with redis-server).
        Assert.Matches(@"^\*5\r\n\$5\r\nslave\r\n\$9\r\n127\.0\.0\.1\r\n:1\r\n(\$10\r\nconnecting|\$7\r\nconnect)\r\n:-1\r\n$", t.Run("ROLE"));
        Assert.Equal("*2\r\n$9\r\nreplicaof\r\n$11\r\n127.0.0.1 1\r\n", t.Run("CONFIG", "GET", "replicaof"));
    }

    [Fact]
    public void The_same_master_again_is_a_no_op()
    {
        var t = Replica();
        Assert.Equal("+OK Already connected to specified master\r\n", t.Run("REPLICAOF", "127.0.0.1", NoMasterPort));
        Assert.Equal("-ERR Invalid master port\r\n", t.Run("SLAVEOF", "127.0.0.1", "01"));
    }

    [Fact]
    public void Writes_are_refused_reads_served()
    {
        var t = new TestServer();
        t.Run("SET", "k", "v");
        t = ReplicaOf(t);
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", t.Run("SET", "k", "w"));
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", t.Run("DEL", "k"));
        Assert.Equal("$1\r\nv\r\n", t.Run("GET", "k"));
        // Inside MULTI the write is refused when queued, which dooms the transaction.
        Assert.Equal("+OK\r\n", t.Run("MULTI"));
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", t.Run("SET", "a", "b"));
        Assert.Equal("+QUEUED\r\n", t.Run("GET", "a"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", t.Run("EXEC"));
        Assert.Equal("+OK\r\n", t.Run("CONFIG", "SET", "replica-read-only", "no"));
        Assert.Equal("+OK\r\n", t.Run("SET", "k", "w"));
        Assert.Equal("+OK\r\n", t.Run("CONFIG", "SET", "slave-read-only", "yes"));
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", t.Run("INCR", "n"));
    }

    static TestServer ReplicaOf(TestServer t)
    {
        Assert.Equal("+OK\r\n", t.Run("REPLICAOF", "127.0.0.1", NoMasterPort));
        return t;
    }

    [Fact]
    public void Stale_data_refused_while_the_link_is_down()
    {
        var t = Replica("replica-serve-stale-data", "no");
        const string masterDown = "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n";
        Assert.Equal(masterDown, t.Run("GET", "k"));
        Assert.Equal(masterDown, t.Run("PING"));
        Assert.Equal(masterDown, t.Run("DBSIZE"));
        // READONLY comes first for a write.
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", t.Run("SET", "k", "v"));
        Assert.Equal("+OK\r\n", t.Run("CONFIG", "SET", "replica-read-only", "no"));
        Assert.Equal(masterDown, t.Run("SET", "k", "v"));
        // Commands flagged stale still run.
        Assert.StartsWith("*5\r\n$5\r\nslave\r\n", t.Run("ROLE"));
        Assert.StartsWith("$", t.Run("INFO", "server"));
        Assert.Equal("+OK\r\n", t.Run("MULTI"));
        Assert.Equal(masterDown, t.Run("GET", "k"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", t.Run("EXEC"));
        Assert.Equal("+OK\r\n", t.Run("CONFIG", "SET", "replica-serve-stale-data", "yes"));
        Assert.Equal("$-1\r\n", t.Run("GET", "k"));
    }

    [Fact]
    public void Info_lists_the_replica_fields_in_redis_order()
    {
        var t = Replica("replica-priority", "42", "replica-announced", "no");
        string info = Info(t);
        var names = Regex.Matches(info, "(?m)^([a-z_0-9]+):").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
            "master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "master_link_down_since_seconds",
            "slave_priority", "slave_read_only", "replica_announced", "connected_slaves", "master_failover_state",
            "master_replid", "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
            "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"], names);
        Assert.Equal("slave", Field(info, "role"));
        Assert.Equal("127.0.0.1", Field(info, "master_host"));
        Assert.Equal("1", Field(info, "master_port"));
        Assert.Equal("down", Field(info, "master_link_status"));
        Assert.Equal("-1", Field(info, "master_last_io_seconds_ago"));
        Assert.Equal("0", Field(info, "master_sync_in_progress"));
        // The synthesized cached master carries our own offset (0 on a fresh server).
        Assert.Equal("0", Field(info, "slave_repl_offset"));
        Assert.Equal("0", Field(info, "slave_read_repl_offset"));
        Assert.Equal("-1", Field(info, "master_link_down_since_seconds"));
        Assert.Equal("42", Field(info, "slave_priority"));
        Assert.Equal("1", Field(info, "slave_read_only"));
        Assert.Equal("0", Field(info, "replica_announced"));
    }

    [Fact]
    public void Promotion_keeps_the_old_history_as_the_secondary_id()
    {
        var t = new TestServer();
        string first = t.Server.Replication.ReplId;
        ReplicaOf(t);
        Assert.Equal("+OK\r\n", t.Run("REPLICAOF", "NO", "ONE"));
        Assert.False(t.Server.IsReplica);
        Assert.Equal('M', t.Server.Log.Role);
        string info = Info(t);
        Assert.Equal("master", Field(info, "role"));
        Assert.Equal(first, Field(info, "master_replid2"));
        Assert.Equal("1", Field(info, "second_repl_offset"));
        Assert.NotEqual(first, Field(info, "master_replid"));
        Assert.DoesNotContain("master_host", info);
        Assert.Equal("+OK\r\n", t.Run("SET", "k", "v"));
        Assert.Equal("*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n", t.Run("CONFIG", "GET", "replicaof"));
        Assert.Null(t.Server.MasterLink.Cached);
    }

    [Fact]
    public void Expired_keys_are_hidden_but_only_the_master_deletes_them()
    {
        var t = new TestServer();
        t.Run("SET", "k", "v", "PX", "100");
        t.Run("SET", "keep", "v");
        ReplicaOf(t);
        t.AdvanceTime(200);
        Assert.Equal("$-1\r\n", t.Run("GET", "k"));
        Assert.Equal(":0\r\n", t.Run("EXISTS", "k"));
        Assert.Equal(":-2\r\n", t.Run("PTTL", "k"));
        Assert.Equal(":2\r\n", t.Run("DBSIZE")); // still there, waiting for the master's DEL
        Assert.Equal(0, t.Server.Keyspace.ExpiredKeys);
        t.Run("REPLICAOF", "NO", "ONE");
        Assert.Equal("$-1\r\n", t.Run("GET", "k"));
        Assert.Equal(":1\r\n", t.Run("DBSIZE")); // a master expires it on access
    }

    [Fact]
    public void Blocked_clients_are_released_with_an_error_and_closed()
    {
        var t = new TestServer();
        var blocked = FakeTransport.Connect(t);
        Assert.Equal("", t.Run(blocked, "BLPOP", "list", "0"));
        Assert.True(blocked.Is(ClientFlags.Blocked));
        ReplicaOf(t);
        Assert.Equal("-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n",
            System.Text.Encoding.UTF8.GetString(blocked.Reply.Written));
        Assert.True(blocked.Is(ClientFlags.CloseAfterReply));
        Assert.False(blocked.Is(ClientFlags.Blocked));
    }

    [Fact]
    public void A_replica_connection_cannot_change_the_master()
    {
        var t = new TestServer();
        var c = t.NewClient();
        c.Flags |= ClientFlags.Replica;
        Assert.Equal("-ERR Command is not valid when client is a replica.\r\n", t.Run(c, "REPLICAOF", "127.0.0.1", "1"));
        Assert.Equal("+OK\r\n", t.Run(c, "REPLICAOF", "no", "one"));
    }

    [Fact]
    public void The_replicaof_directive_makes_a_replica_at_startup()
    {
        var t = new TestServer("replicaof", "10.0.0.1 6380");
        Assert.True(t.Server.IsReplica);
        Assert.True(t.Server.Keyspace.ExpiryDisabled);
        // Connecting waits for the data set to be loaded (the cron then connects): still "connect".
        Assert.Equal("*5\r\n$5\r\nslave\r\n$8\r\n10.0.0.1\r\n:6380\r\n$7\r\nconnect\r\n:-1\r\n", t.Run("ROLE"));
        Assert.Equal("1", Field(Info(t), "slave_repl_offset")); // no master, no cached master: Redis shows 1
    }

    [Fact]
    public void Commands_are_documented_like_redis()
    {
        var t = new TestServer();
        Assert.Equal("*1\r\n*10\r\n$9\r\nreplicaof\r\n:3\r\n*4\r\n+admin\r\n+noscript\r\n+stale\r\n+no_async_loading\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            t.Run("COMMAND", "INFO", "replicaof"));
    }
}
