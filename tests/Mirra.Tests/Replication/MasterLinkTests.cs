using System.Text;
using Mirra.Engine;
using Mirra.Replication;
using static Mirra.Tests.Replication.FakeMaster;

namespace Mirra.Tests.Replication;

/// <summary>
/// The replica's side of the wire, byte by byte, against a master played by the test (<see cref="FakeMaster"/>):
/// handshake, PSYNC outcomes, the RDB transfer in both framings and every load mode, the applied offset,
/// ACKs, MULTI across reads, link loss and partial resynchronization, expiry and promotion. The byte
/// sequences are those redis-server 7.0.15 exchanges with its replicas (replication.c).
/// </summary>
public class MasterLinkTests
{
    const string MasterId = "f5a55cfa0278415328e303617106dd7d533732db";
    const string OtherId = "0123456789abcdef0123456789abcdef01234567";
    const string Mark = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0";

    static readonly byte[] SmallRdb = Rdb(["SET", "k1", "v1"], ["RPUSH", "list", "a", "b"], ["SELECT", "3"], ["HSET", "h", "f", "v"]);

    /// <summary>REPLICAOF, handshake, +FULLRESYNC at offset 1000, a diskless-framed RDB: returns once the replica ACKed.</summary>
    static void FullSync(FakeMaster master, LiveReplica replica)
    {
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        master.Handshake();
        master.Send($"+FULLRESYNC {MasterId} 1000\r\n");
        master.Send([.. Encoding.ASCII.GetBytes($"$EOF:{Mark}\r\n"), .. SmallRdb, .. Encoding.ASCII.GetBytes(Mark)]);
        Assert.Equal(["REPLCONF", "ACK", "1000"], master.ReadCommand());
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
    }

    static void WaitOffset(LiveReplica replica, long offset) =>
        replica.WaitUntil(() => replica.Server.MasterLink.AppliedOffset == offset, $"applied offset {offset}");

    [Fact]
    public void Full_sync_with_eof_framing_to_disk_then_the_stream()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("repl-diskless-load", "disabled");
        var fed = new List<byte>();
        replica.Get(() => replica.Server.Replication.Sink = bytes => fed.AddRange(bytes.ToArray()));
        replica.Run("SET", "old", "data"); // flushed by the sync
        string ownId = replica.Server.Replication.ReplId;

        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        // A server turned replica offers its own history first (a promoted replica's master could continue it).
        Assert.Equal(["PSYNC", ownId, "1"], master.Handshake());
        Assert.Equal("handshake", replica.Get(() => replica.Server.MasterLink.RoleState));
        master.Send($"\n\n+FULLRESYNC {MasterId} 1000\r\n");
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Transfer, "transfer");
        Assert.Equal("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:" + master.Port + "\r\n$4\r\nsync\r\n:-1\r\n", replica.Run("ROLE"));
        Assert.Equal("1", replica.Info("master_sync_in_progress"));
        Assert.Equal("-1", replica.Info("master_sync_total_bytes"));
        Assert.Equal("-0.00", replica.Info("master_sync_perc"));

        // Keep-alive, header, then the payload cut inside the RDB and inside the mark.
        master.Send("\n");
        int half = SmallRdb.Length / 2;
        master.Send([.. Encoding.ASCII.GetBytes($"$EOF:{Mark}\r\n"), .. SmallRdb[..half]]);
        replica.WaitUntil(() => replica.Server.MasterLink.TransferReadBytes == half, "first half");
        Assert.Equal("0", replica.Info("master_sync_total_bytes")); // unknown size with EOF framing
        Assert.Equal((-half).ToString(), replica.Info("master_sync_left_bytes"));
        master.Send([.. SmallRdb[half..], .. Encoding.ASCII.GetBytes(Mark[..17])]);
        master.Send(Mark[17..]);
        Assert.Equal(["REPLCONF", "ACK", "1000"], master.ReadCommand());
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");

        Assert.Equal("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:" + master.Port + "\r\n$9\r\nconnected\r\n:1000\r\n", replica.Run("ROLE"));
        Assert.Equal("$-1\r\n", replica.Run("GET", "old"));
        Assert.Equal("$2\r\nv1\r\n", replica.Run("GET", "k1"));
        Assert.Equal(MasterId, replica.Info("master_replid"));
        Assert.Equal("1000", replica.Info("master_repl_offset"));
        Assert.Equal("up", replica.Info("master_link_status"));
        Assert.True(File.Exists(Path.Combine(replica.Server.Config.Dir, "dump.rdb")));
        Assert.Empty(Directory.GetFiles(replica.Server.Config.Dir, "temp-*.rdb"));
        string log = replica.Log;
        Assert.Contains("* Full resync from master: " + MasterId + ":1000", log);
        Assert.Contains("* MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk", log);
        Assert.True(log.IndexOf("Flushing old data") < log.IndexOf("Loading DB in memory"));
        Assert.Contains("* MASTER <-> REPLICA sync: Finished with success", log);

        // The stream: applied bytes are counted and forwarded exactly as received.
        string writes = Cmd("SELECT", "3") + Cmd("HSET", "h", "g", "w") + Cmd("SET", "k2", "v2");
        master.Send(writes);
        WaitOffset(replica, 1000 + writes.Length);
        Assert.Equal(writes, Encoding.Latin1.GetString(fed.ToArray()));
        Assert.Equal((1000 + writes.Length).ToString(), replica.Info("master_repl_offset"));
        var client = replica.T.NewClient();
        replica.Run(client, "SELECT", "3");
        Assert.Equal("$2\r\nv2\r\n", replica.Run(client, "GET", "k2"));
        Assert.Equal(3, replica.Get(() => replica.Server.MasterLink.Master!.Db.Index));

        // GETACK is answered with the offset before it; its own bytes count after.
        long before = 1000 + writes.Length;
        string getack = Cmd("REPLCONF", "GETACK", "*");
        master.Send(getack);
        Assert.Equal(["REPLCONF", "ACK", before.ToString()], master.ReadCommand());
        WaitOffset(replica, before + getack.Length);

        // A transaction cut between two reads counts only once EXEC arrived.
        long start = before + getack.Length;
        string open = Cmd("MULTI") + Cmd("SET", "t1", "1") + Cmd("INCR", "t2");
        master.Send(open);
        replica.WaitUntil(() => replica.Server.MasterLink.ReadOffset == start + open.Length, "read offset");
        Assert.Equal(start, replica.Get(() => replica.Server.MasterLink.AppliedOffset));
        Assert.Equal(start.ToString(), replica.Info("slave_repl_offset"));
        Assert.Equal((start + open.Length).ToString(), replica.Info("slave_read_repl_offset"));
        Assert.Equal("$-1\r\n", replica.Run(client, "GET", "t1"));
        master.Send(Cmd("EXEC"));
        WaitOffset(replica, start + open.Length + 14);
        Assert.Equal("$1\r\n1\r\n", replica.Run(client, "GET", "t2"));
        Assert.Equal(writes + getack + open + Cmd("EXEC"), Encoding.Latin1.GetString(fed.ToArray()));
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", replica.Run("SET", "x", "y"));
    }

    [Fact]
    public void Link_loss_inside_a_transaction_then_partial_resync()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("repl-diskless-load", "on-empty-db");
        FullSync(master, replica);
        Assert.Contains("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser", replica.Log);
        string set = Cmd("SET", "x", "1");
        master.Send(set);
        WaitOffset(replica, 1000 + set.Length);
        string half = Cmd("MULTI") + Cmd("SET", "y", "2");
        master.Send(half);
        replica.WaitUntil(() => replica.Server.MasterLink.ReadOffset == 1000 + set.Length + half.Length, "half a transaction read");
        master.Drop();

        // The cached master asks to continue right after what was applied (the open MULTI is forgotten).
        master.Accept();
        long applied = 1000 + set.Length;
        Assert.Equal(["PSYNC", MasterId, (applied + 1).ToString()], master.Handshake());
        Assert.Equal(applied.ToString(), replica.Info("slave_repl_offset"));
        Assert.Equal("down", replica.Info("master_link_status"));
        Assert.Equal("0", replica.Info("master_link_down_since_seconds"));
        master.Send($"+CONTINUE {MasterId}\r\n");
        string again = half + Cmd("EXEC");
        master.Send(again);
        WaitOffset(replica, applied + again.Length);
        Assert.Equal("$1\r\n2\r\n", replica.Run("GET", "y"));
        Assert.Equal(MasterId, replica.Info("master_replid"));
        string log = replica.Log;
        Assert.Contains("# Connection with master lost.", log);
        Assert.Contains("* Caching the disconnected master state.", log);
        Assert.Contains($"* Reconnecting to MASTER 127.0.0.1:{master.Port}", log);
        Assert.Contains($"* Trying a partial resynchronization (request {MasterId}:{applied + 1}).", log);
        Assert.Contains("* Successful partial resynchronization with master.", log);
        Assert.Contains("* MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.", log);
    }

    [Fact]
    public void Continue_with_a_new_id_shifts_our_ids()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        FullSync(master, replica);
        replica.Run("CLIENT", "KILL", "TYPE", "master");
        master.Accept();
        Assert.Equal(["PSYNC", MasterId, "1001"], master.Handshake());
        master.Send($"+CONTINUE {OtherId}\r\n");
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
        Assert.Equal(OtherId, replica.Info("master_replid"));
        Assert.Equal(MasterId, replica.Info("master_replid2"));
        Assert.Equal("1001", replica.Info("second_repl_offset"));
        Assert.Contains("# Master replication ID changed to " + OtherId, replica.Log);
    }

    [Fact]
    public void Sized_transfer_parsed_from_the_socket_with_the_stream_glued_after_it()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("repl-diskless-load", "on-empty-db", "masterauth", "secret", "masteruser", "bob",
            "replica-announce-ip", "10.1.2.3", "replica-announce-port", "7777");
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand());
        master.Send("-NOAUTH Authentication required.\r\n");
        // AUTH and the REPLCONFs come in one write, before any reply.
        Assert.Equal(["AUTH", "bob", "secret"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "listening-port", "7777"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "ip-address", "10.1.2.3"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "capa", "eof", "capa", "psync2"], master.ReadCommand());
        master.Send("+OK\r\n-ERR Unrecognized REPLCONF option: listening-port\r\n+OK\r\n+OK\r\n");
        Assert.Equal("PSYNC", master.ReadCommand()[0]);
        master.Send($"+FULLRESYNC {MasterId} 5000\r\n");
        string stream = Cmd("SELECT", "0") + Cmd("DEL", "k1");
        master.Send([.. Encoding.ASCII.GetBytes($"${SmallRdb.Length}\r\n"), .. SmallRdb, .. Encoding.ASCII.GetBytes(stream)]);
        // No ACK is sent after a sized transfer: the stream follows the payload at once.
        WaitOffset(replica, 5000 + stream.Length);
        Assert.Equal(":0\r\n", replica.Run("EXISTS", "k1"));
        Assert.Equal(":2\r\n", replica.Run("LLEN", "list"));
        string log = replica.Log;
        Assert.Contains($"* MASTER <-> REPLICA sync: receiving {SmallRdb.Length} bytes from master to parser", log);
        Assert.Contains("* (Non critical) Master does not understand REPLCONF listening-port: -ERR Unrecognized REPLCONF option: listening-port", log);
        Assert.Contains("* Master replied to PING, replication can continue...", log);
        Assert.False(File.Exists(Path.Combine(replica.Server.Config.Dir, "dump.rdb")));
    }

    [Fact]
    public void Swapdb_keeps_the_old_data_when_the_transfer_breaks()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("repl-diskless-load", "swapdb");
        replica.Run("SET", "mine", "1");
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        master.Handshake();
        master.Send($"+FULLRESYNC {MasterId} 1000\r\n");
        master.Send([.. Encoding.ASCII.GetBytes($"${SmallRdb.Length}\r\n"), .. SmallRdb[..20]]);
        replica.WaitWhileBusy(() => replica.Server.Loading.Active, "loading");
        master.Drop();
        // The failure reconnects at once; the old data is still there.
        master.Accept();
        Assert.Equal("$1\r\n1\r\n", replica.Run("GET", "mine"));
        string log = replica.Log;
        Assert.Contains("# Failed trying to load the MASTER synchronization DB from socket, check server logs.", log);
        Assert.Contains("* MASTER <-> REPLICA sync: Discarding temporary DB in background", log);
        Assert.Contains($"* Reconnecting to MASTER 127.0.0.1:{master.Port} after failure", log);

        master.Handshake();
        master.Send($"+FULLRESYNC {MasterId} 2000\r\n");
        master.Send([.. Encoding.ASCII.GetBytes($"$EOF:{Mark}\r\n"), .. SmallRdb, .. Encoding.ASCII.GetBytes(Mark)]);
        Assert.Equal(["REPLCONF", "ACK", "2000"], master.ReadCommand());
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
        Assert.Equal("$-1\r\n", replica.Run("GET", "mine"));
        Assert.Equal("$2\r\nv1\r\n", replica.Run("GET", "k1"));
        Assert.Contains("* MASTER <-> REPLICA sync: Swapping active DB with loaded DB", replica.Log);
    }

    [Fact]
    public void A_master_without_psync_gets_sync_and_no_acks()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        master.Handshake();
        master.Send("-ERR unknown command 'PSYNC'\r\n");
        Assert.Equal(["SYNC"], master.ReadCommand());
        master.Send([.. Encoding.ASCII.GetBytes($"${SmallRdb.Length}\r\n"), .. SmallRdb]);
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
        Assert.Contains("* Master does not support PSYNC or is in error state (reply: -ERR unknown command 'PSYNC')", replica.Log);
        Assert.Contains("* Retrying with SYNC...", replica.Log);
        Assert.Equal("$2\r\nv1\r\n", replica.Run("GET", "k1"));
    }

    [Fact]
    public void Transient_psync_errors_and_aborted_transfers()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        master.Handshake();
        master.Send("-LOADING Redis is loading the dataset in memory\r\n");
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connect, "back to connect");
        Assert.True(master.ClosedByReplica());
        Assert.Contains("* Master is currently unable to PSYNC but should be in the future: -LOADING Redis is loading the dataset in memory", replica.Log);

        // The cron connects again after a second.
        replica.Get(() => { replica.Server.MasterLink.OnStartupLoaded(null); Cron.Start(replica.Server); return 0; });
        master.Accept();
        master.Handshake();
        master.Send($"+FULLRESYNC {MasterId} 1\r\n-ERR no space left\r\n");
        master.Accept(); // reconnected at once
        Assert.Contains("# MASTER aborted replication with an error: ERR no space left", replica.Log);
        master.Handshake();
        master.Send($"+FULLRESYNC {MasterId} 1\r\nHELLO\r\n");
        master.Accept();
        Assert.Contains("# Bad protocol from MASTER, the first byte is not '$' (we received 'HELLO'), are you sure the host and port are right?", replica.Log);
    }

    [Fact]
    public void Expiry_belongs_to_the_master()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        FullSync(master, replica);
        long now = replica.Server.Clock.NowMs();
        string writes = Cmd("SET", "e", "v", "PXAT", (now + 1000).ToString()) + Cmd("SET", "n", "5", "PXAT", (now + 1000).ToString());
        master.Send(writes);
        WaitOffset(replica, 1000 + writes.Length);
        replica.Get(() => { replica.T.AdvanceTime(2000); return 0; });
        Assert.Equal("$-1\r\n", replica.Run("GET", "e"));
        Assert.Equal(":4\r\n", replica.Run("DBSIZE")); // k1, list, e, n: expired keys wait for the master's DEL
        // The master's commands see the key as it still is for the master.
        string incr = Cmd("INCR", "n") + Cmd("PERSIST", "n");
        master.Send(incr);
        WaitOffset(replica, 1000 + writes.Length + incr.Length);
        Assert.Equal("$1\r\n6\r\n", replica.Run("GET", "n"));
        string del = Cmd("DEL", "e");
        master.Send(del);
        WaitOffset(replica, 1000 + writes.Length + incr.Length + del.Length);
        Assert.Equal(":3\r\n", replica.Run("DBSIZE"));
        Assert.Equal(0L, replica.Get(() => replica.Server.Keyspace.ExpiredKeys));
    }

    [Fact]
    public void Inline_commands_from_the_master_drop_the_link_and_its_cache()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        FullSync(master, replica);
        master.Send("SET a b\r\n");
        master.Accept();
        Assert.Equal(["PSYNC", "?", "-1"], master.Handshake());
        Assert.Contains("# WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.", replica.Log);
        Assert.Contains("* Partial resynchronization not possible (no cached master)", replica.Log);
    }

    [Fact]
    public void Promotion_after_a_sync_continues_the_history()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica();
        FullSync(master, replica);
        string set = Cmd("SET", "p", "1");
        master.Send(set);
        WaitOffset(replica, 1000 + set.Length);
        Assert.Equal("+OK\r\n", replica.Run("REPLICAOF", "NO", "ONE"));
        Assert.True(master.ClosedByReplica());
        Assert.Equal(MasterId, replica.Info("master_replid2"));
        Assert.Equal((1000 + set.Length + 1).ToString(), replica.Info("second_repl_offset"));
        Assert.Equal((1000 + set.Length).ToString(), replica.Info("master_repl_offset"));
        Assert.Equal("+OK\r\n", replica.Run("SET", "p", "2"));
        string log = replica.Log;
        Assert.Contains("# Connection with master lost.", log);
        Assert.Contains("* Discarding previously cached master state.", log);
        Assert.Contains($"# Setting secondary replication ID to {MasterId}, valid up to offset: {1000 + set.Length + 1}. New replication ID is ", log);
        Assert.Contains("* MASTER MODE enabled (user request from 'id=", log);
    }

    [Fact]
    public void Handshake_timeout_reconnects()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("repl-timeout", "5");
        replica.Get(() => { replica.Server.MasterLink.OnStartupLoaded(null); Cron.Start(replica.Server); return 0; });
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand()); // and no answer
        replica.Get(() => { replica.T.AdvanceTime(7000); return 0; });
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand());
        Assert.Contains("# Timeout connecting to the MASTER...", replica.Log);
    }
}
