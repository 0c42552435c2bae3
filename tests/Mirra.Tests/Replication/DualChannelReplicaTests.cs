using System.Text;
using Mirra.Engine;
using Mirra.Replication;
using static Mirra.Tests.Replication.FakeMaster;

namespace Mirra.Tests.Replication;

/// <summary>
/// The replica's side of a dual-channel full sync, byte by byte against a master played by the test: the
/// sequence valkey 8.0.1 exchanges with its replicas (replication.c), the stream kept in memory while the RDB
/// loads and applied after it, the first ACK, the buffer limit, an aborted sync, and the fall back to the
/// classic protocol with a master that does not know it (Redis 7.0).
/// </summary>
public class DualChannelReplicaTests
{
    const string MasterId = "f5a55cfa0278415328e303617106dd7d533732db";
    const string Mark = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0";

    static readonly byte[] SmallRdb = Rdb(["SET", "k1", "v1"], ["RPUSH", "list", "a", "b"], ["SELECT", "3"], ["HSET", "h", "f", "v"]);

    static byte[] EofPayload(byte[] rdb) => [.. Encoding.ASCII.GetBytes($"$EOF:{Mark}\r\n"), .. rdb, .. Encoding.ASCII.GetBytes(Mark)];

    /// <summary>REPLICAOF, the main connection's handshake with capa dual-channel and REPLCONF version, "+DUALCHANNELSYNC".</summary>
    static void MainHandshake(FakeMaster master, LiveReplica replica)
    {
        string ownId = replica.Server.Replication.ReplId;
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand());
        master.Send("+PONG\r\n");
        Assert.Equal(["REPLCONF", "listening-port", "6379"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "version", "8.0.1"], master.ReadCommand());
        master.Send("+OK\r\n+OK\r\n+OK\r\n");
        Assert.Equal(["PSYNC", ownId, "1"], master.ReadCommand());
        master.Send("+DUALCHANNELSYNC\r\n");
    }

    /// <summary>The RDB connection up to "$ENDOFF:" (a keep-alive before it), then the main connection's PSYNC, "+CONTINUE".</summary>
    static FakeMaster RdbChannelAndPsync(FakeMaster master, long endOffset)
    {
        var rdb = master.AcceptAnother();
        Assert.Equal(["REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1", "listening-port", "6379"], rdb.ReadCommand());
        rdb.Send("+OK\r\n");
        Assert.Equal(["SYNC"], rdb.ReadCommand());
        rdb.Send("\n");
        rdb.Send($"$ENDOFF:{endOffset} {MasterId} 0 42\r\n");
        Assert.Equal(["REPLCONF", "set-rdb-client-id", "42"], master.ReadCommand());
        master.Send("+OK\r\n");
        Assert.Equal(["PSYNC", MasterId, (endOffset + 1).ToString()], master.ReadCommand());
        master.Send($"+CONTINUE {MasterId}\r\n");
        return rdb;
    }

    [Theory]
    [InlineData("disabled")]
    [InlineData("swapdb")]
    public void The_stream_is_kept_while_the_rdb_loads_then_applied_and_acknowledged(string disklessLoad)
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("dual-channel-replication-enabled", "yes", "repl-diskless-load", disklessLoad);
        replica.Run("SET", "old", "data");
        MainHandshake(master, replica);
        using var rdb = RdbChannelAndPsync(master, 1000);
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Transfer, "transfer");
        Assert.Equal("1", replica.Info("master_sync_in_progress"));

        // Writes made during the sync reach the replica before its RDB: kept, not applied.
        string stream = Cmd("SELECT", "0") + Cmd("SET", "k1", "v2") + Cmd("SET", "extra", "x");
        master.Send(stream);
        replica.WaitUntil(() => replica.Server.MasterLink.DualChannelBufferSize == stream.Length, "stream kept");
        Assert.Equal(stream.Length.ToString(), replica.Info("replicas_repl_buffer_size"));
        Assert.Equal("$-1\r\n", replica.Run("GET", "extra"));

        rdb.Send(EofPayload(SmallRdb));
        // The first ACK comes once the kept stream is applied: the master puts us online then.
        Assert.Equal(["REPLCONF", "ACK", (1000 + stream.Length).ToString()], master.ReadCommand());
        Assert.True(rdb.ClosedByReplica());
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
        Assert.Equal("$2\r\nv2\r\n", replica.Run("GET", "k1"));
        Assert.Equal("$1\r\nx\r\n", replica.Run("GET", "extra"));
        Assert.Equal("$-1\r\n", replica.Run("GET", "old"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", replica.Run("LRANGE", "list", "0", "-1"));
        Assert.Equal(MasterId, replica.Info("master_replid"));
        Assert.Equal((1000 + stream.Length).ToString(), replica.Info("master_repl_offset"));
        Assert.Equal("0", replica.Info("replicas_repl_buffer_size"));
        Assert.Equal(stream.Length.ToString(), replica.Info("replicas_repl_buffer_peak"));

        // Then the live stream, on the main connection.
        master.Send(Cmd("SET", "after", "1"));
        replica.WaitUntil(() => replica.Server.MasterLink.AppliedOffset == 1000 + stream.Length + Cmd("SET", "after", "1").Length, "live stream");

        var log = replica.Log;
        string[] expected =
        [
            "PSYNC is not possible, initialize RDB channel.",
            $"Trying a partial resynchronization using main channel (request {MasterId}:1001).",
            "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization, RDB load in background.",
            "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF " + (disklessLoad == "disabled" ? "to disk" : "to parser"),
            "MASTER <-> REPLICA sync: Loading DB in memory",
            "MASTER <-> REPLICA sync: Finished with success",
            "Successfully streamed replication data into memory",
        ];
        int at = 0;
        foreach (var line in expected)
        {
            int found = log.IndexOf(line, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{line}' missing (or out of order) in\n{log}");
            at = found;
        }
        Assert.DoesNotContain("Aborting dual channel sync", log);
    }

    [Fact]
    public void Past_our_own_replica_output_limit_the_stream_waits_in_the_socket()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("dual-channel-replication-enabled", "yes", "client-output-buffer-limit", "replica 16kb 0 0");
        MainHandshake(master, replica);
        using var rdb = RdbChannelAndPsync(master, 0);
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Transfer, "transfer");
        var stream = new StringBuilder();
        for (int i = 0; i < 100; i++) stream.Append(Cmd("SET", $"key:{i}", new string('v', 500)));
        master.Send(stream.ToString());
        replica.WaitUntil(() => replica.Log.Contains("Replication buffer limit reached, stopping buffering."), "limit reached");
        Assert.InRange(replica.Server.MasterLink.DualChannelBufferSize, 16 * 1024 + 1, stream.Length);

        rdb.Send(EofPayload(SmallRdb));
        // The first ACK once what was kept is applied; the rest is read from the socket afterwards.
        var ack = master.ReadCommand();
        Assert.Equal(["REPLCONF", "ACK"], ack[..2]);
        Assert.InRange(long.Parse(ack[2]), 16 * 1024 + 1, stream.Length);
        replica.WaitUntil(() => replica.Server.MasterLink.AppliedOffset == stream.Length, "the whole stream applied");
        Assert.Equal(":102\r\n", replica.Run("DBSIZE")); // k1 and list from the RDB, the 100 keys of the stream
    }

    [Fact]
    public void A_refused_main_channel_psync_aborts_both_channels_and_starts_over()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("dual-channel-replication-enabled", "yes");
        MainHandshake(master, replica);
        var rdb = master.AcceptAnother();
        Assert.Equal(["REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1", "listening-port", "6379"], rdb.ReadCommand());
        rdb.Send("+OK\r\n");
        Assert.Equal(["SYNC"], rdb.ReadCommand());
        rdb.Send($"$ENDOFF:1000 {MasterId} 0 42\r\n");
        Assert.Equal(["REPLCONF", "set-rdb-client-id", "42"], master.ReadCommand());
        master.Send("-ERR Unrecognized RDB client id 42\r\n");
        Assert.True(rdb.ClosedByReplica());
        Assert.True(master.ClosedByReplica());
        replica.WaitUntil(() => replica.Log.Contains("Aborting dual channel sync"), "abort logged");
        Assert.Contains("Master does not understand REPLCONF identify: -ERR Unrecognized RDB client id 42", replica.Log);
        rdb.Dispose();

        // The cron connects again; this time the $ENDOFF line is garbage.
        replica.Get(() => { replica.Server.MasterLink.OnStartupLoaded(null); Cron.Start(replica.Server); return 0; });
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand());
        master.Send("+PONG\r\n");
        for (int i = 0; i < 3; i++) master.ReadCommand();
        master.Send("+OK\r\n+OK\r\n+OK\r\n");
        Assert.Equal("PSYNC", master.ReadCommand()[0]);
        master.Send("+DUALCHANNELSYNC\r\n");
        using var again = master.AcceptAnother();
        again.ReadCommand();
        again.Send("+OK\r\n");
        again.ReadCommand();
        again.Send("$ENDOFF:oops\r\n");
        Assert.True(again.ClosedByReplica());
        replica.WaitUntil(() => replica.Log.Contains("Received unexpected $ENDOFF response: $ENDOFF:oops"), "bad $ENDOFF logged");
    }

    [Fact]
    public void A_master_without_dual_channel_gets_the_classic_protocol()
    {
        using var master = new FakeMaster();
        using var replica = new LiveReplica("dual-channel-replication-enabled", "yes");
        replica.Run("REPLICAOF", "127.0.0.1", master.PortText);
        master.Accept();
        Assert.Equal(["PING"], master.ReadCommand());
        master.Send("+PONG\r\n");
        master.ReadCommand();
        Assert.Equal(["REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel"], master.ReadCommand());
        Assert.Equal(["REPLCONF", "version", "8.0.1"], master.ReadCommand());
        // Redis 7.0.15's answers: unknown capas are ignored, unknown options refused.
        master.Send("+OK\r\n+OK\r\n-ERR Unrecognized REPLCONF option: version\r\n");
        Assert.Equal("PSYNC", master.ReadCommand()[0]);
        master.Send($"+FULLRESYNC {MasterId} 1000\r\n");
        master.Send(EofPayload(SmallRdb));
        Assert.Equal(["REPLCONF", "ACK", "1000"], master.ReadCommand());
        replica.WaitUntil(() => replica.Server.MasterLink.State == ReplState.Connected, "connected");
        Assert.Contains("(Non critical) Master does not understand REPLCONF VERSION: -ERR Unrecognized REPLCONF option: version", replica.Log);
        Assert.Equal("$2\r\nv1\r\n", replica.Run("GET", "k1"));
    }
}
