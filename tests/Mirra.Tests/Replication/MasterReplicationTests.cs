using System.Diagnostics;
using System.Text;
using Mirra.Engine;
using Mirra.Persistence.Rdb;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>
/// The master side of replication in process: replies and log lines checked against redis-server 7.0.15, the
/// bytes a replica's socket receives, INFO/ROLE, WAIT and min-replicas-to-write.
/// </summary>
public class MasterReplicationTests
{
    const string NoId = "0000000000000000000000000000000000000000";

    static string Resp(params string[] args)
    {
        var sb = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    static string Pending(Client c)
    {
        var text = Encoding.UTF8.GetString(c.Reply.Written);
        c.Reply.Clear();
        return text;
    }

    // ------------------------------------------------------------------ REPLCONF

    [Fact]
    public void ReplconfRepliesLikeRedis()
    {
        var h = new ReplicaHarness(new TestServer());
        var c = h.Replica(6380, announce: false);
        Assert.Equal("-ERR syntax error\r\n", h.Run(c, "REPLCONF", "foo"));
        Assert.Equal("-ERR Unrecognized REPLCONF option: foo\r\n", h.Run(c, "REPLCONF", "foo", "bar"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run(c, "REPLCONF", "listening-port", "abc"));
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF"));
        Assert.Equal("", h.Run(c, "REPLCONF", "ack", "5")); // never a reply, not even to a normal client
        Assert.Equal("", h.Run(c, "REPLCONF", "getack", "*"));
        Assert.Equal("-ERR value is out of range, value must between 0 and 1\r\n", h.Run(c, "REPLCONF", "rdb-only", "2"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run(c, "REPLCONF", "rdb-only", "x"));
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "capa", "eof", "capa", "xyz"));
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "rdb-filter-only", "functions"));
        Assert.Equal("-ERR Unsupported rdb-filter-only option: keys\r\n", h.Run(c, "REPLCONF", "rdb-filter-only", "keys"));
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "ip-address", new string('a', 46)));
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "listening-port", "6380", "ip-address", "10.0.0.5"));
        Assert.Equal("10.0.0.5:6380", h.Master.Find(c)!.Name);
    }

    [Fact]
    public void SyncIsRefusedInsideMultiAndWithPendingOutput()
    {
        var h = new ReplicaHarness(new TestServer());
        var c = h.Replica(6380);
        Assert.Equal("+OK\r\n", h.Run(c, "MULTI"));
        Assert.Equal("-ERR Command not allowed inside a transaction\r\n", h.Run(c, "SYNC"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", h.Run(c, "EXEC"));
        c.Reply.WriteRaw("+PONG\r\n"u8); // a reply not sent yet (pipelined before PSYNC)
        h.Server.Dispatcher.ExecuteArgv(c, new[] { "PSYNC"u8.ToArray(), "?"u8.ToArray(), "-1"u8.ToArray() });
        Assert.Equal("+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n", Pending(c));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run(c, "PSYNC", "?", "abc"));
        Assert.Contains("Replica 127.0.0.1:6380 asks for synchronization but with a wrong offset", h.LogMessages());
        Assert.Equal("0", h.Info("connected_slaves"));
    }

    [Fact]
    public void ASubReplicaCannotSyncWhileTheLinkToOurMasterIsDown()
    {
        var h = new ReplicaHarness(new TestServer());
        h.Server.IsReplica = true;
        var c = h.Replica(6380);
        Assert.Equal("-NOMASTERLINK Can't SYNC while not connected with my master\r\n", h.Run(c, "PSYNC", "?", "-1"));
        Assert.Equal("-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n",
            h.Run("WAIT", "0", "0"));
    }

    // ------------------------------------------------------------------ full sync

    [Fact]
    public void AFullResyncWaitsForTheDisklessDelayThenSharesOneSnapshot()
    {
        var h = new ReplicaHarness(new TestServer());
        string oldId = h.Server.Replication.ReplId;
        Assert.Equal("0", h.Info("repl_backlog_active"));
        var a = h.Replica(6380);
        Assert.Equal("+OK\r\n", h.Run(a, "REPLCONF", "capa", "eof", "capa", "psync2"));
        Assert.Equal("", h.Run(a, "PSYNC", "?", "-1"));
        string id = h.Server.Replication.ReplId;
        Assert.NotEqual(oldId, id);
        Assert.Equal(new[]
        {
            "Replica 127.0.0.1:6380 asks for synchronization",
            "Full resync requested by replica 127.0.0.1:6380",
            $"Replication backlog created, my new replication IDs are '{id}' and '{NoId}'",
            "Delay next BGSAVE for diskless SYNC",
        }, h.LogMessages().Take(4));
        Assert.Equal("1", h.Info("connected_slaves"));
        Assert.Equal("ip=127.0.0.1,port=6380,state=wait_bgsave,offset=0,lag=0", h.Info("slave0"));
        Assert.Equal("1", h.Info("repl_backlog_active"));
        Assert.Equal("1", h.Info("repl_backlog_first_byte_offset"));
        Assert.Equal("0", h.Info("repl_backlog_histlen"));
        Assert.Equal("1", h.Info("sync_full"));
        Assert.Equal("0", h.Info("sync_partial_err")); // "?" is a full resync on purpose
        Assert.Contains(" flags=S ", h.Run("CLIENT", "LIST"));
        Assert.Equal("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", h.Run("ROLE")); // only online replicas are listed

        // A second replica within the delay shares the snapshot.
        h.Cron(2000);
        Assert.Equal("\n", h.Channel(a).Take()); // a keep-alive while it waits
        var b = h.Replica(6381);
        h.Run(b, "REPLCONF", "capa", "eof");
        h.Run(b, "PSYNC", "?", "-1");
        h.Run("SET", "k", "v"); // before the snapshot: in it, not in the stream the replicas get
        Assert.Equal("64", h.Info("master_repl_offset")); // the first cron's PING (14) + SELECT (23) + SET (27)
        h.Cron(3000); // a waited 5 seconds
        Assert.Equal($"\n+FULLRESYNC {id} 64\r\n", h.Channel(a).Take());
        Assert.Equal($"\n+FULLRESYNC {id} 64\r\n", h.Channel(b).Take());
        Assert.Single(h.LogMessages(), "Starting BGSAVE for SYNC with target: replicas sockets");
        Assert.Equal("ip=127.0.0.1,port=6380,state=wait_bgsave,offset=0,lag=0", h.Info("slave0"));

        // The snapshot goes out with the EOF framing, to both.
        var payloadA = DriveSnapshot(h, a);
        var payloadB = DriveSnapshot(h, b);
        Assert.Equal(payloadA, payloadB);
        var result = LoadPayload(payloadA, out var loaded);
        Assert.Equal(id, result.ReplId);
        Assert.Equal(64, result.ReplOffset);
        Assert.Equal("$1\r\nv\r\n", loaded.Run("GET", "k"));
        h.Channel(a).Take();
        h.Channel(b).Take();

        // Writes during the transfer wait in the replicas' output; the first ACK (after loading) starts each stream.
        h.Run("SET", "during", "sync");
        h.Flush();
        Assert.Equal("", h.Channel(a).Take());
        Assert.Equal("", h.Run(a, "REPLCONF", "ACK", "64"));
        var log = h.LogMessages();
        Assert.Contains("Diskless rdb transfer, done reading from pipe, 2 replicas still up.", log);
        Assert.Contains("Background RDB transfer terminated with success", log);
        Assert.Contains("Streamed RDB transfer with replica 127.0.0.1:6380 succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming", log);
        Assert.Contains("Synchronization with replica 127.0.0.1:6381 succeeded", log);
        h.Flush();
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "during", "sync"), h.Channel(a).Take());
        Assert.Equal("", h.Channel(b).Take()); // not acknowledged yet
        Assert.Equal("ip=127.0.0.1,port=6381,state=online,offset=0,lag=0", h.Info("slave1"));
        h.Run(b, "REPLCONF", "ACK", "64");
        h.Flush();
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "during", "sync"), h.Channel(b).Take());
    }

    /// <summary>Runs the snapshot's slices until the replica received the whole "$EOF:" payload; returns it.</summary>
    static byte[] DriveSnapshot(ReplicaHarness h, Client replica)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            h.Server.Executor.Timers.RunDue();
            var bytes = h.Channel(replica).Bytes;
            if (bytes.Length > 47 && bytes.AsSpan(0, 5).SequenceEqual("$EOF:"u8) &&
                bytes.AsSpan(bytes.Length - 40).SequenceEqual(bytes.AsSpan(5, 40)))
                return bytes;
            Thread.Sleep(5);
        }
        throw new TimeoutException("the diskless payload did not arrive");
    }

    /// <summary>The RDB inside an "$EOF:" payload, loaded into a fresh server.</summary>
    static RdbLoadResult LoadPayload(byte[] payload, out TestServer loaded)
    {
        Assert.Equal("\r\n"u8.ToArray(), payload[45..47]);
        var rdb = payload[47..^40];
        loaded = new TestServer();
        return RdbLoader.Load(new MemoryStream(rdb), loaded.Server.Keyspace, loaded.Server.Config,
            new RdbLoadOptions(loaded.Server.Clock.NowMs(), SkipExpired: false, VerifyChecksum: true));
    }

    [Fact]
    public void MaxReplicasStartsTheDisklessSyncWithoutWaitingForTheDelay()
    {
        var h = new ReplicaHarness(new TestServer("repl-diskless-sync-max-replicas", "2", "repl-diskless-sync-delay", "60"));
        var a = h.Replica(6380);
        h.Run(a, "REPLCONF", "capa", "eof");
        h.Run(a, "PSYNC", "?", "-1");
        h.Cron();
        Assert.Equal("\n", h.Channel(a).Take());
        var b = h.Replica(6381);
        h.Run(b, "REPLCONF", "capa", "eof");
        h.Run(b, "PSYNC", "?", "-1");
        h.Cron();
        // The cron's PING (replicas are attached) went into the stream first: the snapshot starts after it.
        Assert.Equal("14", h.Info("master_repl_offset"));
        Assert.EndsWith($"+FULLRESYNC {h.Server.Replication.ReplId} 14\r\n", h.Channel(a).Take());
        h.Server.Master.Diskless!.Job!.Cancel();
    }

    [Fact]
    public void ReplicasWithoutEofGetADiskBgsaveAndJoinOneThatIsRunning()
    {
        var h = new ReplicaHarness(new TestServer());
        h.Run("SET", "k", "v");
        var a = h.Replica(6380);
        Assert.Equal("", h.Run(a, "SYNC")); // the old protocol: no +FULLRESYNC line
        Assert.Contains("Starting BGSAVE for SYNC with target: disk", h.LogMessages());
        Assert.Contains(h.LogMessages(), m => m.StartsWith("Background saving started by pid "));
        Assert.Equal("1", h.Info("rdb_bgsave_in_progress"));
        Assert.Equal("", h.Channel(a).Take());
        h.Run("SET", "k2", "v2"); // recorded for the replicas waiting for this BGSAVE

        var b = h.Replica(6381);
        h.Run(b, "PSYNC", "?", "-1");
        Assert.Contains("Waiting for end of BGSAVE for SYNC", h.LogMessages());
        Assert.Equal($"+FULLRESYNC {h.Server.Replication.ReplId} 0\r\n", h.Channel(b).Take()); // a's offset
        Assert.Equal(h.Server.Master.OutputBufferUsage(h.Master.Find(a)!), h.Server.Master.OutputBufferUsage(h.Master.Find(b)!));
        Assert.True(h.Server.Master.OutputBufferUsage(h.Master.Find(a)!) > 0); // from the snapshot start: what it must still receive

        h.Cron();
        Assert.Equal("\n", h.Channel(a).Take()); // keep-alives during a disk BGSAVE
        h.Server.Rdb.KillBackgroundSave();
        Assert.Equal(2, h.LogMessages().Count(m => m == "SYNC failed. BGSAVE child returned an error"));
        h.Server.OutputBufferLimits.CloseScheduled();
        Assert.Equal("0", h.Info("connected_slaves"));
    }

    [Fact]
    public void AReplicaArrivingDuringAUserBgsaveWaitsForTheNextOne()
    {
        var h = new ReplicaHarness(new TestServer("repl-diskless-sync", "no"));
        Assert.Equal("+Background saving started\r\n", h.Run("BGSAVE"));
        var a = h.Replica(6380);
        h.Run(a, "PSYNC", "?", "-1");
        Assert.Contains("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC", h.LogMessages());
        Assert.Equal("ip=127.0.0.1,port=6380,state=wait_bgsave,offset=0,lag=0", h.Info("slave0"));
        h.Server.Rdb.KillBackgroundSave();
        h.Cron();
        Assert.Contains("Starting BGSAVE for SYNC with target: disk", h.LogMessages());
        Assert.EndsWith($"+FULLRESYNC {h.Server.Replication.ReplId} 14\r\n", h.Channel(a).Take()); // after the cron's PING
        h.Server.Rdb.KillBackgroundSave();
    }

    [Fact]
    public void AFilteredRdbOnlyReplicaGetsAnRdbWithoutData()
    {
        var h = new ReplicaHarness(new TestServer());
        h.Run("SET", "k", "v");
        var c = h.Replica(6380);
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "rdb-only", "1", "rdb-filter-only", ""));
        Assert.Equal("-ERR Filtered replica requires EOF capability\r\n", h.Run(c, "PSYNC", "?", "-1"));
        h.Run(c, "REPLCONF", "capa", "eof");
        h.Run(c, "PSYNC", "?", "-1");
        var text = h.Channel(c).Bytes;
        string head = $"+FULLRESYNC {h.Server.Replication.ReplId} 0\r\n";
        Assert.Equal(head, Encoding.ASCII.GetString(text, 0, head.Length));
        var result = LoadPayload(text[head.Length..], out var loaded);
        Assert.Equal(0, result.Keys);
        Assert.Contains("RDB transfer completed, rdb only replica (127.0.0.1:6380) should be disconnected asap", h.LogMessages());
        Assert.True(c.Is(ClientFlags.CloseAsap));
    }

    // ------------------------------------------------------------------ PSYNC

    [Fact]
    public void APartialResyncSendsTheBacklogFromTheRequestedOffset()
    {
        var h = new ReplicaHarness(new TestServer());
        var first = h.Replica(6381);
        h.Run(first, "PSYNC", "?", "-1"); // creates the backlog
        string id = h.Server.Replication.ReplId;
        h.Run("SET", "a", "1"); // SELECT 0 (23 bytes) + SET (27 bytes)
        Assert.Equal("50", h.Info("master_repl_offset"));
        Assert.Equal("50", h.Info("repl_backlog_histlen"));

        var r = h.Replica(6380);
        h.Run(r, "REPLCONF", "capa", "eof", "capa", "psync2");
        Assert.Equal("", h.Run(r, "PSYNC", id, "24"));
        Assert.Equal($"+CONTINUE {id}\r\n" + Resp("SET", "a", "1"), h.Channel(r).Take());
        Assert.Contains("Partial resynchronization request from 127.0.0.1:6380 accepted. Sending 27 bytes of backlog starting from offset 24.", h.LogMessages());
        Assert.Equal("1", h.Info("sync_partial_ok"));
        Assert.Equal("ip=127.0.0.1,port=6380,state=online,offset=0,lag=0", h.Info("slave1"));

        // The stream follows, without SELECT: the replica kept its database.
        h.Run("SET", "b", "2");
        h.Flush();
        Assert.Equal(Resp("SET", "b", "2"), h.Channel(r).Take());

        // A replica without PSYNC2 gets a bare +CONTINUE; an offset just past the end is fine (nothing to send).
        var old = h.Replica(6382);
        h.Run(old, "PSYNC", id, (h.Server.Replication.Offset + 1).ToString());
        Assert.Equal("+CONTINUE\r\n", h.Channel(old).Take());
        Assert.Contains($"Partial resynchronization request from 127.0.0.1:6382 accepted. Sending 0 bytes of backlog starting from offset {h.Server.Replication.Offset + 1}.", h.LogMessages());
        Assert.Equal("*3\r\n$6\r\nmaster\r\n:77\r\n*2\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n$1\r\n0\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6382\r\n$1\r\n0\r\n", h.Run("ROLE"));
    }

    [Fact]
    public void PartialResyncsAreRefusedWithRedisReasons()
    {
        var h = new ReplicaHarness(new TestServer());
        var first = h.Replica(6381);
        h.Run(first, "PSYNC", "?", "-1");
        string id = h.Server.Replication.ReplId;
        h.Run("SET", "a", "1");

        var r = h.Replica(6380);
        h.Run(r, "PSYNC", id, "52");
        var log = h.LogMessages();
        Assert.Contains("Unable to partial resync with replica 127.0.0.1:6380 for lack of backlog (Replica request was: 52).", log);
        Assert.Contains("Warning: replica 127.0.0.1:6380 tried to PSYNC with an offset that is greater than the master replication offset.", log);

        var r2 = h.Replica(6383);
        h.Run(r2, "PSYNC", id, "0");
        Assert.Contains("Unable to partial resync with replica 127.0.0.1:6383 for lack of backlog (Replica request was: 0).", h.LogMessages());

        var r3 = h.Replica(6384);
        string other = new string('f', 40);
        h.Run(r3, "PSYNC", other, "10");
        Assert.Contains($"Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{other}', my replication IDs are '{id}' and '{NoId}')", h.LogMessages());
        Assert.Equal("3", h.Info("sync_partial_err"));
        Assert.Equal("4", h.Info("sync_full"));
        Assert.Equal("0", h.Info("sync_partial_ok"));
    }

    [Fact]
    public void TheSecondIdIsValidUpToItsOffset()
    {
        var h = new ReplicaHarness(new TestServer());
        var first = h.Replica(6381);
        h.Run(first, "PSYNC", "?", "-1");
        h.Run("SET", "a", "1");
        var state = h.Server.Replication;
        string old = new string('a', 40);
        state.ReplId2 = old;
        state.SecondOffset = 30;

        var r = h.Replica(6380);
        h.Run(r, "REPLCONF", "capa", "psync2");
        h.Run(r, "PSYNC", old.ToUpperInvariant(), "24"); // ids compare without case, like strcasecmp
        Assert.StartsWith($"+CONTINUE {state.ReplId}\r\n", h.Channel(r).Take());

        var r2 = h.Replica(6382);
        h.Run(r2, "PSYNC", old, "31");
        Assert.Contains("Partial resynchronization not accepted: Requested offset for second ID was 31, but I can reply up to 30", h.LogMessages());
    }

    [Fact]
    public void AMasterRestartedFromItsRdbContinuesItsReplicasHistory()
    {
        var h = new ReplicaHarness(new TestServer());
        string before = h.Server.Replication.ReplId;
        string old = new string('b', 40);
        h.Master.RestoreAfterLoad(new RdbLoadResult { ReplId = old, ReplOffset = 5000, ReplStreamDb = 2 });
        Assert.Equal(old, h.Info("master_replid2"));
        Assert.Equal(before, h.Info("master_replid"));
        Assert.Equal("5001", h.Info("second_repl_offset"));
        Assert.Equal("5000", h.Info("master_repl_offset"));
        Assert.Equal("1", h.Info("repl_backlog_active"));
        Assert.Equal("5001", h.Info("repl_backlog_first_byte_offset"));
        Assert.Equal(new Mirra.Replication.RdbReplicationInfo(old, 5000, 2), h.Server.Replication.LoadedFromRdb);

        h.Run("SET", "a", "1");
        var r = h.Replica(6380);
        h.Run(r, "REPLCONF", "capa", "psync2");
        h.Run(r, "PSYNC", old, "5001");
        Assert.Equal($"+CONTINUE {before}\r\n" + Resp("SELECT", "0") + Resp("SET", "a", "1"), h.Channel(r).Take());
    }

    [Fact]
    public void SnapshotsRecordTheReplicationHistoryOnlyWithABacklog()
    {
        var h = new ReplicaHarness(new TestServer());
        var info = Mirra.Persistence.SnapshotJob.Info(h.Server, aofBase: false);
        Assert.Null(info.ReplId);
        var first = h.Replica(6381);
        h.Run(first, "PSYNC", "?", "-1");
        h.Run("SELECT", "5");
        h.Run("SET", "a", "1");
        info = Mirra.Persistence.SnapshotJob.Info(h.Server, aofBase: false);
        Assert.Equal(h.Server.Replication.ReplId, info.ReplId);
        Assert.Equal(h.Server.Replication.Offset, info.ReplOffset);
        Assert.Equal(5, info.ReplStreamDb);
        Assert.Null(Mirra.Persistence.SnapshotJob.Info(h.Server, aofBase: true).ReplId); // never in an AOF base
    }

    // ------------------------------------------------------------------ the stream

    [Fact]
    public void TheStreamFollowsRedisPropagationRules()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        var client = h.Ts.NewClient();

        h.Run(client, "SELECT", "3");
        h.Run(client, "SET", "x", "1");
        h.Flush();
        Assert.Equal(Resp("SELECT", "3") + Resp("SET", "x", "1"), h.Channel(r).Take());

        h.Run(client, "MULTI");
        h.Run(client, "INCR", "n");
        h.Run(client, "SET", "y", "2");
        h.Run(client, "EXEC");
        h.Flush();
        Assert.Equal(Resp("MULTI") + Resp("INCR", "n") + Resp("SET", "y", "2") + Resp("EXEC"), h.Channel(r).Take());

        h.Run(client, "GET", "x"); // reads are not propagated
        h.Run(client, "PUBLISH", "ch", "hi");
        h.Flush();
        Assert.Equal(Resp("PUBLISH", "ch", "hi"), h.Channel(r).Take());

        h.Run(client, "SET", "e", "v", "PX", "100");
        h.Flush();
        Assert.Equal(Resp("SET", "e", "v", "PXAT", (h.Server.Clock.NowMs() + 100).ToString()), h.Channel(r).Take());
        h.Ts.AdvanceTime(200);
        Assert.Equal("$-1\r\n", h.Run(client, "GET", "e"));
        h.Flush();
        Assert.Equal(Resp("DEL", "e"), h.Channel(r).Take()); // expired on the master: the replica deletes it

        long offset = h.Server.Replication.Offset;
        h.Cron(); // the first cron loop pings (every repl-ping-replica-period loops)
        h.Flush();
        Assert.Equal(Resp("PING"), h.Channel(r).Take());
        Assert.Equal(offset + 14, h.Server.Replication.Offset);
        for (int i = 0; i < 9; i++) h.Cron();
        h.Flush();
        Assert.Equal("", h.Channel(r).Take());
        h.Cron();
        h.Flush();
        Assert.Equal(Resp("PING"), h.Channel(r).Take());
    }

    [Fact]
    public void AcksGiveTheOffsetAndLagOfEachReplica()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        long offset = h.Server.Replication.Offset;
        Assert.Equal("", h.Run(r, "REPLCONF", "ACK", offset.ToString()));
        Assert.Equal("", h.Run(r, "REPLCONF", "ACK", "3")); // acknowledged offsets never go back
        h.Ts.AdvanceTime(3000);
        Assert.Equal($"ip=127.0.0.1,port=6380,state=online,offset={offset},lag=3", h.Info("slave1"));
        Assert.Contains($"*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n${offset.ToString().Length}\r\n{offset}\r\n", h.Run("ROLE"));
        Assert.Equal("", h.Run(r, "REPLCONF", "ACK", (offset + 1).ToString(), "FACK", "1")); // newer replicas add FACK: ignored
        Assert.Contains($"offset={offset + 1},lag=0", h.Info("slave1"));
    }

    [Fact]
    public void ASilentReplicaIsDisconnectedAfterTheReplTimeout()
    {
        var h = new ReplicaHarness(new TestServer("repl-timeout", "10"));
        var r = h.OnlineReplica(6380);
        h.Cron(10_000);
        Assert.Equal("2", h.Info("connected_slaves"));
        h.Cron(1000);
        var log = h.LogMessages();
        Assert.Contains("Disconnecting timedout replica (streaming sync): 127.0.0.1:6380", log);
        Assert.Contains("Connection with replica 127.0.0.1:6380 lost.", log);
        Assert.Equal("1", h.Info("connected_slaves"));
        Assert.True(r.Closed);
    }

    [Fact]
    public void TheBacklogIsFreedAfterItsTtlWithoutReplicas()
    {
        var h = new ReplicaHarness(new TestServer("repl-backlog-ttl", "10"));
        h.OnlineReplica(6380);
        string id = h.Server.Replication.ReplId;
        Assert.Equal(":2\r\n", h.Run("CLIENT", "KILL", "TYPE", "replica"));
        Assert.Equal("0", h.Info("connected_slaves"));
        h.Cron(10_000);
        Assert.Equal("1", h.Info("repl_backlog_active"));
        h.Cron(1000);
        Assert.Contains("Replication backlog freed after 10 seconds without connected replicas.", h.LogMessages());
        Assert.Equal("0", h.Info("repl_backlog_active"));
        Assert.Equal("0", h.Info("repl_backlog_histlen"));
        Assert.NotEqual(id, h.Info("master_replid"));
        long offset = h.Server.Replication.Offset;
        h.Run("SET", "a", "1");
        Assert.Equal(offset, h.Server.Replication.Offset); // no backlog: the offset stands still
    }

    [Fact]
    public void ResizingTheBacklogKeepsItsContent()
    {
        var h = new ReplicaHarness(new TestServer());
        h.OnlineReplica(6380);
        for (int i = 0; i < 100; i++) h.Run("SET", $"k{i}", new string('x', 1000));
        string histlen = h.Info("repl_backlog_histlen");
        Assert.Equal("+OK\r\n", h.Run("CONFIG", "SET", "repl-backlog-size", "2mb"));
        Assert.Equal("2097152", h.Info("repl_backlog_size"));
        Assert.Equal(histlen, h.Info("repl_backlog_histlen"));
        Assert.Equal("+OK\r\n", h.Run("CONFIG", "SET", "repl-backlog-size", "1000"));
        Assert.Equal("16384", h.Info("repl_backlog_size")); // the minimum
        Assert.Equal("*2\r\n$17\r\nrepl-backlog-size\r\n$5\r\n16384\r\n", h.Run("CONFIG", "GET", "repl-backlog-size"));
    }

    [Fact]
    public void ABacklogSizeSetBelowTheMinimumReadsBackAsTheMinimumEvenWithoutABacklog()
    {
        var h = new ReplicaHarness(new TestServer());
        Assert.Equal("+OK\r\n", h.Run("CONFIG", "SET", "repl-backlog-size", "1000"));
        Assert.Equal("*2\r\n$17\r\nrepl-backlog-size\r\n$5\r\n16384\r\n", h.Run("CONFIG", "GET", "repl-backlog-size"));
        Assert.Equal("+OK\r\n", h.Run("CONFIG", "SET", "repl-backlog-size", "20000"));
        Assert.Equal("*2\r\n$17\r\nrepl-backlog-size\r\n$5\r\n20000\r\n", h.Run("CONFIG", "GET", "repl-backlog-size"));
    }

    [Fact]
    public void ReplicasAreListedWithFlagSAndTheirOutputBuffer()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        h.Flush();
        h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString());
        var line = h.Run("CLIENT", "LIST", "ID", r.Id.ToString());
        Assert.Contains(" flags=S ", line);
        Assert.Contains(" obl=0 oll=1 omem=20504 ", line); // caught up: its block, as Redis shows it
        Assert.Contains(" events=r ", line);
        Assert.Contains(" cmd=replconf ", line);
    }

    [Fact]
    public void AReplicaOverItsOutputBufferLimitIsClosed()
    {
        var h = new ReplicaHarness(new TestServer("client-output-buffer-limit", "replica 2mb 0 0"));
        var r = h.OnlineReplica(6380);
        h.Channel(r).Stalled = true; // stops reading
        var value = new string('x', 10_000);
        for (int i = 0; i < 400 && !r.Is(ClientFlags.CloseAsap); i++) h.Run("SET", $"k{i}", value);
        Assert.True(r.Is(ClientFlags.CloseAsap));
        var line = h.Run("CLIENT", "LIST", "ID", r.Id.ToString());
        Assert.Contains(" flags=SA ", line);
        Assert.Contains(h.LogMessages(), m => m.StartsWith($"Client id={r.Id} addr=127.0.0.1:") && m.EndsWith(" scheduled to be closed ASAP for overcoming of output buffer limits."));
        h.Server.OutputBufferLimits.CloseScheduled();
        Assert.Equal("1", h.Info("connected_slaves"));
        Assert.Contains("Connection with replica 127.0.0.1:6380 lost.", h.LogMessages());
    }

    [Fact]
    public void AReplyToAReplicaDisconnectsIt()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Server.Dispatcher.ExecuteArgv(r, new[] { "GET"u8.ToArray(), "a"u8.ToArray() });
        r.Flush();
        var log = h.LogMessages();
        Assert.Contains(log, m => m.StartsWith("Replica generated a reply to command 'get', disconnecting it: id="));
        Assert.Contains("== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'", log);
        Assert.True(r.Is(ClientFlags.CloseAsap));
        Assert.Equal("", h.Channel(r).Take()); // nothing reached the replication link
    }

    // ------------------------------------------------------------------ WAIT

    [Fact]
    public void WaitRepliesLikeRedis()
    {
        var h = new ReplicaHarness(new TestServer());
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run("WAIT", "a", "0"));
        Assert.Equal("-ERR timeout is not an integer or out of range\r\n", h.Run("WAIT", "0", "a"));
        Assert.Equal("-ERR timeout is negative\r\n", h.Run("WAIT", "0", "-1"));
        Assert.Equal(":0\r\n", h.Run("WAIT", "0", "0"));
        Assert.Equal("+OK\r\n", h.Run("MULTI"));
        Assert.Equal("+QUEUED\r\n", h.Run("WAIT", "5", "0"));
        Assert.Equal("*1\r\n:0\r\n", h.Run("EXEC")); // never blocks in a transaction
    }

    [Fact]
    public void WaitBlocksUntilEnoughReplicasAcknowledgedTheClientsWrites()
    {
        var h = new ReplicaHarness(new TestServer());
        var r = h.OnlineReplica(6380);
        h.Channel(r).Take();
        var c = h.Ts.NewClient();
        h.Ts.Server.Clients.Attach(c);
        h.Run(c, "SET", "x", "1");
        long woff = h.Server.Replication.Offset;
        Assert.Equal("", h.Run(c, "WAIT", "1", "0"));
        Assert.Equal("1", h.Info("blocked_clients"));
        h.Master.BeforeSleep(); // asks the replicas for an ACK
        h.Flush();
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "x", "1") + Resp("REPLCONF", "GETACK", "*"), h.Channel(r).Take());
        h.Run(r, "REPLCONF", "ACK", (woff - 1).ToString());
        h.Master.BeforeSleep();
        Assert.Equal("", Pending(c));
        h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString());
        h.Master.BeforeSleep();
        Assert.Equal(":1\r\n", Pending(c));
        Assert.Equal("0", h.Info("blocked_clients"));

        // Already acknowledged: at once.
        Assert.Equal(":1\r\n", h.Run(c, "WAIT", "1", "0"));

        // Not enough replicas: the timeout answers how many acknowledged.
        Assert.Equal("", h.Run(c, "WAIT", "2", "100"));
        Assert.Equal("1", h.Info("clients_in_timeout_table"));
        h.Ts.AdvanceTime(100);
        h.Master.CheckWaitTimeouts();
        Assert.Equal(":1\r\n", Pending(c));

        // CLIENT UNBLOCK answers the count, or the UNBLOCKED error.
        Assert.Equal("", h.Run(c, "WAIT", "2", "0"));
        Assert.Equal(":1\r\n", h.Run("CLIENT", "UNBLOCK", c.Id.ToString()));
        Assert.Equal(":1\r\n", Pending(c));
        Assert.Equal("", h.Run(c, "WAIT", "2", "0"));
        Assert.Equal(":1\r\n", h.Run("CLIENT", "UNBLOCK", c.Id.ToString(), "ERROR"));
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", Pending(c));
    }

    // ------------------------------------------------------------------ min-replicas-to-write

    [Fact]
    public void WritesNeedEnoughGoodReplicas()
    {
        var h = new ReplicaHarness(new TestServer("min-replicas-to-write", "1", "min-replicas-max-lag", "10"));
        Assert.Equal("-NOREPLICAS Not enough good replicas to write.\r\n", h.Run("SET", "a", "1"));
        Assert.Equal("$-1\r\n", h.Run("GET", "a"));
        Assert.Equal("0", h.Info("min_slaves_good_slaves"));
        Assert.Equal("+OK\r\n", h.Run("MULTI"));
        Assert.Equal("-NOREPLICAS Not enough good replicas to write.\r\n", h.Run("SET", "a", "1"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", h.Run("EXEC"));

        var r = h.OnlineReplica(6380);
        Assert.Equal("1", h.Info("min_slaves_good_slaves"));
        Assert.Equal("+OK\r\n", h.Run("SET", "a", "1"));

        h.Cron(11_000); // no ACK for longer than the max lag
        Assert.Equal("0", h.Info("min_slaves_good_slaves"));
        Assert.Equal("-NOREPLICAS Not enough good replicas to write.\r\n", h.Run("SET", "a", "2"));
        h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString());
        h.Cron();
        Assert.Equal("+OK\r\n", h.Run("SET", "a", "2"));

        Assert.Equal("+OK\r\n", h.Run("CONFIG", "SET", "min-replicas-to-write", "0"));
        Assert.False(h.HasInfo("min_slaves_good_slaves"));
    }

    // ------------------------------------------------------------------ persistence warning

    [Fact]
    public void AMasterWithoutPersistenceWarnsWhenReplicasAttach()
    {
        var h = new ReplicaHarness(new TestServer("save", ""));
        h.OnlineReplica(6380);
        Assert.Single(h.LogMessages(), m => m.StartsWith("WARNING: this master has replicas but no persistence"));

        var p = new ReplicaHarness(new TestServer("save", "3600 1"));
        p.OnlineReplica(6380);
        Assert.DoesNotContain(p.LogMessages(), m => m.Contains("no persistence"));
    }

    // ------------------------------------------------------------------ shutdown

    static void RunCronJobs(ReplicaHarness h)
    {
        foreach (var job in h.Server.CronJobs.ToArray()) job();
    }

    [Fact]
    public void ShutdownWaitsForTheReplicasToCatchUp()
    {
        var h = new ReplicaHarness(new TestServer("save", ""));
        var r = h.OnlineReplica(6380);
        h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString());
        h.Run("SET", "a", "1");
        var c = h.Ts.NewClient();
        Assert.Equal("", h.Run(c, "SHUTDOWN"));
        Assert.True(h.Server.Shutdown.WaitingForReplicas);
        Assert.False(h.Server.Shutdown.Completed);
        Assert.True(h.Server.Clients.ClientsPaused); // writes wait
        Assert.Equal(new[] { "User requested shutdown...", "Waiting for replicas before shutting down." }, h.LogMessages().TakeLast(2));
        Assert.EndsWith(Resp("REPLCONF", "GETACK", "*"), h.Channel(r).Take());
        Assert.Equal("", h.Run(h.Ts.NewClient(), "SHUTDOWN")); // a second one waits with the first
        RunCronJobs(h);
        Assert.False(h.Server.Shutdown.Completed);

        h.Run(r, "REPLCONF", "ACK", h.Server.Replication.Offset.ToString());
        h.Master.Find(h.Master.Replicas[0].Client)!.AckOffset = h.Server.Replication.Offset; // the one still syncing too
        RunCronJobs(h);
        Assert.True(h.Server.Shutdown.Completed);
        Assert.Contains("2 of 2 replicas are in sync when shutting down.", h.LogMessages());
    }

    [Fact]
    public void ShutdownGivesUpWaitingAfterTheTimeoutAndNamesTheLaggingReplicas()
    {
        var h = new ReplicaHarness(new TestServer("save", "", "shutdown-timeout", "3"));
        var r = h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        long offset = h.Server.Replication.Offset;
        Assert.Equal("", h.Run("SHUTDOWN"));
        h.Ts.AdvanceTime(2000);
        RunCronJobs(h);
        Assert.False(h.Server.Shutdown.Completed);
        h.Ts.AdvanceTime(1000);
        RunCronJobs(h);
        Assert.True(h.Server.Shutdown.Completed);
        var log = h.LogMessages();
        Assert.Contains($"Lagging replica 127.0.0.1:7380 reported offset {h.Server.Replication.Offset} behind master, lag=0, state=wait_bgsave.", log);
        Assert.Contains($"Lagging replica 127.0.0.1:6380 reported offset {h.Server.Replication.Offset} behind master, lag=3, state=online.", log);
        Assert.Contains("0 of 2 replicas are in sync when shutting down.", log);
    }

    [Fact]
    public void ShutdownAbortAndNow()
    {
        var h = new ReplicaHarness(new TestServer("save", ""));
        h.OnlineReplica(6380);
        h.Run("SET", "a", "1");
        var c = h.Ts.NewClient();
        Assert.Equal("", h.Run(c, "SHUTDOWN"));
        Assert.Equal("+OK\r\n", h.Run("SHUTDOWN", "ABORT"));
        Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", Pending(c));
        Assert.Contains("Shutdown manually aborted.", h.LogMessages());
        Assert.False(h.Server.Clients.ClientsPaused);
        Assert.Equal("-ERR No shutdown in progress.\r\n", h.Run("SHUTDOWN", "ABORT"));
        Assert.Equal("", h.Run("SHUTDOWN", "NOW")); // no waiting
        Assert.True(h.Server.Shutdown.Completed);
    }
}
