using Mirra.Engine;
using Mirra.Replication;
using Mirra.Tests.Commands;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>
/// FAILOVER in process, up to the moment the master would turn into its target's replica (which needs sockets: see
/// the integration tests): replies checked against redis-server 7.0.15, the wait for the target, the pause, ABORT,
/// TIMEOUT, and PSYNC ... FAILOVER refused by a target.
/// </summary>
public class FailoverTests
{
    const string Syntax = "-ERR syntax error\r\n";
    const string NotInteger = "-ERR value is not an integer or out of range\r\n";
    const string ForceNeeds = "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n";

    [Fact]
    public void Arguments_are_checked_before_the_state_as_in_Redis()
    {
        var t = new TestServer();
        Assert.Equal("-ERR FAILOVER requires connected replicas.\r\n", t.Run("FAILOVER"));
        Assert.Equal("-ERR No failover in progress.\r\n", t.Run("FAILOVER", "ABORT"));
        Assert.Equal("-ERR No failover in progress.\r\n", t.Run("failover", "abort"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "TO"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "TO", "127.0.0.1"));
        Assert.Equal(NotInteger, t.Run("FAILOVER", "TO", "127.0.0.1", "x"));
        Assert.Equal("-ERR FAILOVER timeout must be greater than 0\r\n", t.Run("FAILOVER", "TIMEOUT", "0"));
        Assert.Equal("-ERR FAILOVER timeout must be greater than 0\r\n", t.Run("FAILOVER", "TIMEOUT", "-1"));
        Assert.Equal(NotInteger, t.Run("FAILOVER", "TIMEOUT", "x"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "TIMEOUT"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "foo"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "ABORT", "ABORT"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "ABORT", "TIMEOUT", "5"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "TO", "h", "1", "TO", "h", "2"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "FORCE", "FORCE"));
        // Well-formed: the state decides.
        Assert.Equal("-ERR FAILOVER requires connected replicas.\r\n", t.Run("FAILOVER", "FORCE"));
        Assert.Equal("-ERR FAILOVER requires connected replicas.\r\n", t.Run("FAILOVER", "TO", "127.0.0.1", "6380", "TIMEOUT", "100", "FORCE"));
        Assert.Equal("no-failover", Info(t, "master_failover_state"));
    }

    [Fact]
    public void The_command_is_described_as_in_Redis()
    {
        var t = new TestServer();
        Assert.Equal("*1\r\n*10\r\n$8\r\nfailover\r\n:-1\r\n*3\r\n+admin\r\n+noscript\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            t.Run("COMMAND", "INFO", "failover"));
    }

    [Fact]
    public void Targets_and_force_are_checked_against_the_replicas()
    {
        var h = new ReplicaHarness(new TestServer());
        h.OnlineReplica(6380); // also leaves a replica on 7380 waiting for its snapshot
        Assert.Equal(ForceNeeds, h.Run("FAILOVER", "FORCE"));
        Assert.Equal(ForceNeeds, h.Run("FAILOVER", "TO", "127.0.0.1", "6380", "FORCE"));
        Assert.Equal(ForceNeeds, h.Run("FAILOVER", "TIMEOUT", "100", "FORCE"));
        Assert.Equal("-ERR FAILOVER target HOST and PORT is not a replica.\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6390"));
        Assert.Equal("-ERR FAILOVER target HOST and PORT is not a replica.\r\n", h.Run("FAILOVER", "TO", "localhost", "6380"));
        Assert.Equal("-ERR FAILOVER target replica is not online.\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "7380"));
        Assert.Equal("no-failover", h.Info("master_failover_state"));
        Assert.False(h.Server.Clients.ClientsPaused);
    }

    [Fact]
    public void A_replica_cannot_fail_over()
    {
        var t = new TestServer();
        Assert.Equal("+OK\r\n", t.Run("REPLICAOF", "127.0.0.1", "1"));
        Assert.Equal("-ERR FAILOVER is not valid when server is a replica.\r\n", t.Run("FAILOVER"));
        Assert.Equal("-ERR FAILOVER is not valid when server is a replica.\r\n", t.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        Assert.Equal("-ERR No failover in progress.\r\n", t.Run("FAILOVER", "ABORT"));
        Assert.Equal(Syntax, t.Run("FAILOVER", "x"));
    }

    [Fact]
    public void Waiting_for_sync_pauses_writes_until_aborted()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1"); // the replica has not acknowledged it
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        Assert.Contains("FAILOVER requested to 127.0.0.1:6380.", h.LogMessages());
        h.Server.Failover.Update();
        Assert.Equal("waiting-for-sync", h.Info("master_failover_state"));

        // Writes wait (reads don't); CLIENT UNPAUSE ends only its own pause.
        var writer = FakeTransport.Connect(h.Ts);
        var set = h.Server.Commands.Find("set")!;
        var get = h.Server.Commands.Find("get")!;
        Assert.True(h.Server.Clients.MustPostpone(writer, set));
        Assert.False(h.Server.Clients.MustPostpone(writer, get));
        Assert.Equal("+OK\r\n", h.Run("CLIENT", "UNPAUSE"));
        Assert.True(h.Server.Clients.MustPostpone(writer, set));

        // Nothing else may change the roles meanwhile.
        Assert.Equal("-ERR FAILOVER already in progress.\r\n", h.Run("FAILOVER"));
        Assert.Equal("-ERR FAILOVER already in progress.\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        Assert.Equal("-ERR REPLICAOF not allowed while failing over.\r\n", h.Run("REPLICAOF", "no", "one"));
        Assert.Equal("-ERR REPLICAOF not allowed while failing over.\r\n", h.Run("REPLICAOF", "127.0.0.1", "6380"));
        var late = h.Replica(6390);
        Assert.Equal("-NOMASTERLINK Can't SYNC while failing over\r\n", h.Run(late, "PSYNC", "?", "-1"));
        Assert.Equal(Syntax, h.Run("FAILOVER", "ABORT", "x"));

        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "ABORT"));
        Assert.Contains("FAILOVER to 127.0.0.1:6380 aborted: Failover manually aborted", h.LogMessages());
        Assert.Equal("no-failover", h.Info("master_failover_state"));
        Assert.False(h.Server.Clients.MustPostpone(writer, set));
        Assert.False(h.Server.IsReplica);
        Assert.Equal("-ERR No failover in progress.\r\n", h.Run("FAILOVER", "ABORT"));
        _ = r;
    }

    [Fact]
    public void The_failover_pause_and_client_pause_each_end_on_their_own()
    {
        var h = new ReplicaHarness(new TestServer());
        h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        var clients = h.Server.Clients;
        Assert.Equal("+OK\r\n", h.Run("CLIENT", "PAUSE", "1000", "ALL"));
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        Assert.Equal(Mirra.Networking.PauseType.All, clients.PauseType);
        h.Ts.AdvanceTime(1000);
        Assert.True(clients.ClientsPaused); // CLIENT PAUSE is over, the failover's WRITE pause is not
        Assert.Equal(Mirra.Networking.PauseType.Write, clients.PauseType);
        Assert.Equal("+OK\r\n", h.Run("CLIENT", "PAUSE", "5000", "WRITE"));
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "ABORT"));
        Assert.True(clients.ClientsPaused); // and the other way round
        h.Ts.AdvanceTime(5000);
        Assert.False(clients.ClientsPaused);
    }

    [Fact]
    public void A_timeout_aborts_when_the_target_never_catches_up()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TIMEOUT", "500"));
        Assert.Contains("FAILOVER requested to any replica.", h.LogMessages());
        h.Ts.AdvanceTime(499);
        h.Server.Failover.Update();
        Assert.Equal("waiting-for-sync", h.Info("master_failover_state"));
        h.Ts.AdvanceTime(1);
        h.Server.Failover.Update();
        Assert.Equal("no-failover", h.Info("master_failover_state"));
        Assert.Contains("FAILOVER to any replica aborted: Replica never caught up before timeout", h.LogMessages());
        Assert.False(h.Server.Clients.ClientsPaused);
        _ = r;
    }

    [Fact]
    public void Without_a_target_the_first_replica_in_sync_is_chosen_then_we_become_its_replica()
    {
        var h = new ReplicaHarness(new TestServer());
        var behind = h.OnlineReplica(6380);
        var synced = h.OnlineReplica(6381);
        h.Run("SET", "a", "1");
        long offset = h.Server.Replication.Offset;
        Assert.Equal("", h.Run(behind, "REPLCONF", "ACK", (offset - 1).ToString()));
        Assert.Equal("+OK\r\n", h.Run("FAILOVER"));
        h.Server.Failover.Update();
        Assert.Equal("waiting-for-sync", h.Info("master_failover_state"));
        Assert.Equal("", h.Run(synced, "REPLCONF", "ACK", offset.ToString()));
        h.Server.Failover.Update();
        Assert.Equal("failover-in-progress", h.Info("master_failover_state"));
        Assert.True(h.Server.IsReplica);
        Assert.Equal("127.0.0.1", h.Info("master_host"));
        Assert.Equal("6381", h.Info("master_port"));
        Assert.True(h.Server.Clients.ClientsPaused); // until the target accepts
        var log = h.LogMessages();
        int chosen = log.IndexOf("Failover target 127.0.0.1:6381 is synced, failing over.");
        Assert.True(chosen > 0);
        Assert.StartsWith("Before turning into a replica, using my own master parameters", log[chosen + 1]);
        Assert.Equal("Connecting to MASTER 127.0.0.1:6381", log[chosen + 2]);
        Assert.Equal("*2\r\n$9\r\nreplicaof\r\n$14\r\n127.0.0.1 6381\r\n", h.Run("CONFIG", "GET", "replicaof"));
        Assert.Equal("-ERR FAILOVER already in progress.\r\n", h.Run("FAILOVER"));

        // The target refuses: back to a master (under a new id, as REPLICAOF NO ONE), writes resume.
        string id = h.Server.Replication.ReplId;
        h.Server.Failover.PsyncReplied("-ERR PSYNC FAILOVER replid must match my replid.");
        log = h.LogMessages();
        int refused = log.IndexOf("Master does not support PSYNC or is in error state (reply: -ERR PSYNC FAILOVER replid must match my replid.)");
        Assert.True(refused > 0);
        Assert.Equal("FAILOVER to 127.0.0.1:6381 aborted: Failover target rejected psync request", log[refused + 1]);
        Assert.False(h.Server.IsReplica);
        Assert.Equal(id, h.Server.Replication.ReplId2);
        Assert.Equal("no-failover", h.Info("master_failover_state"));
        Assert.False(h.Server.Clients.ClientsPaused);
    }

    [Fact]
    public void Force_fails_over_at_the_timeout_and_an_accepted_psync_ends_the_failover()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380", "TIMEOUT", "100", "FORCE"));
        h.Ts.AdvanceTime(100);
        h.Server.Failover.Update();
        Assert.Contains("FAILOVER to 127.0.0.1:6380 time out exceeded, failing over.", h.LogMessages());
        Assert.Equal("failover-in-progress", h.Info("master_failover_state"));
        Assert.True(h.Server.IsReplica);
        h.Server.Failover.PsyncReplied($"+CONTINUE {h.Server.Replication.ReplId}");
        Assert.Equal("no-failover", h.Info("master_failover_state"));
        Assert.True(h.Server.IsReplica);
        Assert.False(h.Server.Clients.ClientsPaused);
        _ = r;
    }

    [Fact]
    public void Aborting_a_failover_in_progress_makes_us_a_master_again()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        Assert.Equal("", h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString()));
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        h.Server.Failover.Update();
        Assert.True(h.Server.IsReplica);
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "ABORT"));
        Assert.Contains("FAILOVER to 127.0.0.1:6380 aborted: Failover manually aborted", h.LogMessages());
        Assert.False(h.Server.IsReplica);
        Assert.Equal("master", h.Info("role"));
        Assert.False(h.Server.Clients.ClientsPaused);
    }

    [Fact]
    public void The_periodic_ping_stops_only_for_a_failover_with_a_timeout()
    {
        var h = new ReplicaHarness(new TestServer("repl-ping-replica-period", "1"));
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        long before = h.Server.Replication.Offset;
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380", "TIMEOUT", "60000"));
        h.Cron();
        Assert.Equal(before, h.Server.Replication.Offset);
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "ABORT"));
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "TO", "127.0.0.1", "6380"));
        h.Cron();
        Assert.Equal(before + 14, h.Server.Replication.Offset); // *1\r\n$4\r\nPING\r\n
        Assert.Equal("+OK\r\n", h.Run("FAILOVER", "ABORT"));
        _ = r;
    }

    [Fact]
    public void Psync_failover_is_refused_by_a_master_and_by_a_replica_of_another_history()
    {
        var h = new ReplicaHarness(new TestServer());
        var c = h.Replica(6380);
        string id = h.Server.Replication.ReplId;
        Assert.Equal("-ERR PSYNC FAILOVER can't be sent to a master.\r\n", h.Run(c, "PSYNC", id, "1", "FAILOVER"));
        Assert.Contains($"Failover request received for replid {id}.", h.LogMessages());

        Assert.Equal("+OK\r\n", h.Run("REPLICAOF", "127.0.0.1", "1"));
        Assert.Equal("-ERR PSYNC FAILOVER replid must match my replid.\r\n", h.Run(c, "PSYNC", "abc", "1", "failover"));
        Assert.Contains("Failover request received for replid abc.", h.LogMessages());
        Assert.True(h.Server.IsReplica);
        // Any other fourth argument is ignored, as by Redis (then the link to our master decides).
        Assert.Equal("-NOMASTERLINK Can't SYNC while not connected with my master\r\n", h.Run(c, "PSYNC", "abc", "1", "other"));
    }

    [Fact]
    public void Psync_failover_with_our_id_promotes_us_then_continues()
    {
        var h = new ReplicaHarness(new TestServer());
        Assert.Equal("+OK\r\n", h.Run("REPLICAOF", "127.0.0.1", "1"));
        var state = h.Server.Replication;
        h.Master.CreateBacklog(); // as after a sync with our master
        string id = state.ReplId;
        var c = h.Replica(6380);
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "capa", "eof", "capa", "psync2"));
        Assert.Equal("", h.Run(c, "PSYNC", id, (state.Offset + 1).ToString(), "FAILOVER"));
        Assert.False(h.Server.IsReplica);
        Assert.Equal(id, state.ReplId2);
        Assert.Equal($"+CONTINUE {state.ReplId}\r\n", h.Channel(c).Take());
        var log = h.LogMessages();
        int promoted = log.FindIndex(l => l.StartsWith("MASTER MODE enabled (failover request from 'id=", StringComparison.Ordinal));
        Assert.True(promoted > 0, string.Join("\n", log));
        Assert.Contains(" cmd=psync ", log[promoted]);
        Assert.Equal($"Setting secondary replication ID to {id}, valid up to offset: {state.SecondOffset}. New replication ID is {state.ReplId}", log[promoted - 1]);
        Assert.Equal($"Failover request received for replid {id}.", log.FindLast(l => l.StartsWith("Failover request", StringComparison.Ordinal)));
        Assert.Equal("Replica 127.0.0.1:6380 asks for synchronization", log[promoted + 1]);
        Assert.Equal("1", h.Info("sync_partial_ok"));
        Assert.Equal("master", h.Info("role"));
    }

    static string Info(TestServer t, string field)
    {
        foreach (var line in t.Run("INFO", "replication").Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        throw new Xunit.Sdk.XunitException($"no INFO field {field}");
    }
}
