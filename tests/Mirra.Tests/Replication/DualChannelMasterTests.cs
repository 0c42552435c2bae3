using System.Diagnostics;
using System.Text;
using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>
/// The master side of Valkey 8's dual-channel full sync, in process: the REPLCONF options, "+DUALCHANNELSYNC",
/// the RDB connection's "$ENDOFF:" and snapshot, the pinned stream that the main connection's PSYNC continues
/// from even past the backlog's size, bg_transfer until the first ACK, the output buffer limit of a pin and
/// the grace period of a pin whose RDB connection went away.
/// </summary>
public class DualChannelMasterTests
{
    static string Resp(params string[] args)
    {
        var sb = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    static ReplicaHarness Master(params string[] config) =>
        new(new TestServer(["repl-diskless-sync-delay", "0", "dual-channel-replication-enabled", "yes", .. config]));

    /// <summary>A main connection that announced dual-channel and got "+DUALCHANNELSYNC".</summary>
    static Client MainChannel(ReplicaHarness h, int port)
    {
        var main = h.Replica(port);
        Assert.Equal("+OK\r\n", h.Run(main, "REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel"));
        Assert.Equal("+OK\r\n", h.Run(main, "REPLCONF", "version", "8.0.1"));
        Assert.Equal("+DUALCHANNELSYNC\r\n", h.Run(main, "PSYNC", "?", "-1"));
        return main;
    }

    /// <summary>The RDB connection: its SYNC starts the snapshot at once; returns it and the "$ENDOFF:" fields.</summary>
    static (Client Rdb, string[] EndOff) RdbChannel(ReplicaHarness h, int port)
    {
        var rdb = h.Replica(port, announce: false);
        Assert.Equal("+OK\r\n", h.Run(rdb, "REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1", "listening-port", port.ToString()));
        Assert.Equal("", h.Run(rdb, "SYNC"));
        string received = h.Channel(rdb).Take();
        Assert.StartsWith("$ENDOFF:", received);
        Assert.EndsWith("\r\n", received);
        return (rdb, received[8..^2].Split(' '));
    }

    /// <summary>Runs the snapshot's slices until the "$EOF:" payload reached the RDB connection.</summary>
    static byte[] DriveSnapshot(ReplicaHarness h, Client rdb)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            h.Server.Executor.Timers.RunDue();
            var bytes = h.Channel(rdb).Bytes;
            if (bytes.Length > 47 && bytes.AsSpan(0, 5).SequenceEqual("$EOF:"u8) && bytes.AsSpan(bytes.Length - 40).SequenceEqual(bytes.AsSpan(5, 40)))
                return bytes;
            Thread.Sleep(5);
        }
        throw new TimeoutException("the diskless payload did not arrive");
    }

    [Fact]
    public void TheReplconfOptionsExistOnlyWhenDualChannelIsEnabled()
    {
        var off = new ReplicaHarness(new TestServer());
        var c = off.Replica(6380, announce: false);
        // Redis 7.0's answers: a Valkey replica logs them as non critical and syncs the classic way.
        Assert.Equal("-ERR Unrecognized REPLCONF option: version\r\n", off.Run(c, "REPLCONF", "version", "8.0.1"));
        Assert.Equal("-ERR Unrecognized REPLCONF option: rdb-channel\r\n", off.Run(c, "REPLCONF", "rdb-channel", "1"));
        Assert.Equal("-ERR Unrecognized REPLCONF option: set-rdb-client-id\r\n", off.Run(c, "REPLCONF", "set-rdb-client-id", "1"));
        Assert.Equal("+OK\r\n", off.Run(c, "REPLCONF", "capa", "eof", "capa", "dual-channel")); // unknown capas are ignored
        Assert.DoesNotContain("replicas_waiting_psync", off.Run("INFO", "replication"));

        var h = Master();
        c = h.Replica(6380, announce: false);
        Assert.Equal("+OK\r\n", h.Run(c, "REPLCONF", "version", "8.0.1"));
        Assert.Equal("-ERR Unrecognized version format: 8.0\r\n", h.Run(c, "REPLCONF", "version", "8.0"));
        Assert.Equal("-ERR Unrecognized version format: 8.256.0\r\n", h.Run(c, "REPLCONF", "version", "8.256.0"));
        Assert.Equal("-ERR value is out of range, value must between 0 and 1\r\n", h.Run(c, "REPLCONF", "rdb-channel", "2"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run(c, "REPLCONF", "rdb-channel", "x"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run(c, "REPLCONF", "set-rdb-client-id", "x"));
        Assert.Equal("-ERR Unrecognized RDB client id 99\r\n", h.Run(c, "REPLCONF", "set-rdb-client-id", "99"));
        Assert.Equal("0", h.Info("replicas_waiting_psync"));
    }

    [Fact]
    public void WithoutDisklessSyncOrWithoutTheCapaTheFullSyncIsTheClassicOne()
    {
        var h = Master("repl-diskless-sync", "no");
        var c = h.Replica(6380);
        h.Run(c, "REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel");
        Assert.Equal("", h.Run(c, "PSYNC", "?", "-1"));
        Assert.StartsWith("+FULLRESYNC ", h.Channel(c).Take()); // a disk BGSAVE started
        h.Server.Rdb.KillBackgroundSave();

        var g = Master();
        var plain = g.Replica(6381);
        g.Run(plain, "REPLCONF", "capa", "eof", "capa", "psync2");
        Assert.Equal("", g.Run(plain, "PSYNC", "?", "-1"));
        Assert.StartsWith("+FULLRESYNC ", g.Channel(plain).Take());
        Assert.Equal("1", g.Info("sync_full"));
    }

    [Fact]
    public void TheRdbChannelGetsTheEndOffsetThenTheSnapshotAndTheMainChannelContinuesFromIt()
    {
        // A backlog of 16 KB: without the pin, what is written during the sync would be gone before the PSYNC.
        var h = Master("repl-backlog-size", "16kb");
        h.Run("SET", "before", "sync");
        var main = MainChannel(h, 6380);
        Assert.Equal("0", h.Info("sync_full")); // the RDB connection's SYNC is the full sync
        Assert.Contains("Replica 127.0.0.1:6380 is capable of dual channel synchronization, and partial sync isn't possible. Full sync will continue with dedicated RDB channel.", h.LogMessages());

        var (rdb, endOff) = RdbChannel(h, 6380);
        string id = h.Server.Replication.ReplId;
        Assert.Equal(["0", id, "0", rdb.Id.ToString()], endOff);
        Assert.Contains($"Sending to replica 127.0.0.1:6380 RDB end offset 0 and client-id {rdb.Id}", h.LogMessages());
        Assert.Equal("1", h.Info("sync_full"));
        Assert.Equal("1", h.Info("replicas_waiting_psync"));
        Assert.Equal($"ip=127.0.0.1,port=6380,state=wait_bgsave,offset=0,lag=0,type=rdb-channel", h.Info("slave0"));

        // Writes between the snapshot and the PSYNC: far more than the backlog holds.
        var value = new string('v', 1000);
        for (int i = 0; i < 100; i++) h.Run("SET", $"k{i}", value);
        string stream = Resp("SELECT", "0");
        for (int i = 0; i < 100; i++) stream += Resp("SET", $"k{i}", value);
        Assert.Equal(stream.Length.ToString(), h.Info("master_repl_offset"));
        Assert.True(long.Parse(h.Info("repl_backlog_histlen")) >= stream.Length); // the pin kept it all

        Assert.Equal("+OK\r\n", h.Run(main, "REPLCONF", "set-rdb-client-id", rdb.Id.ToString()));
        Assert.Equal("", h.Run(main, "PSYNC", id, "1"));
        Assert.Equal($"+CONTINUE {id}\r\n" + stream, h.Channel(main).Take());
        Assert.Contains($"Partial resynchronization request from 127.0.0.1:6380 accepted. Sending {stream.Length} bytes of backlog starting from offset 1.", h.LogMessages());
        Assert.Equal("1", h.Info("sync_partial_ok"));
        Assert.Equal("0", h.Info("replicas_waiting_psync"));
        Assert.Equal("ip=127.0.0.1,port=6380,state=bg_transfer,offset=0,lag=0,type=main-channel", h.Info("slave1"));

        // The stream goes on at once, while the replica loads its RDB.
        h.Run("SET", "live", "1");
        h.Flush();
        Assert.Equal(Resp("SET", "live", "1"), h.Channel(main).Take());
        Assert.Equal("*3\r\n$6\r\nmaster\r\n:" + h.Info("master_repl_offset") + "\r\n*0\r\n", h.Run("ROLE")); // not online yet

        // The RDB connection gets the snapshot as it was at "$ENDOFF:", then is closed.
        var job = h.Master.Diskless!.Job!;
        var payload = Encoding.Latin1.GetString(DriveSnapshot(h, rdb));
        Assert.Contains("before", payload);
        Assert.DoesNotContain("k99", payload);
        // The executor does not run here: an ACK is what makes the master look at a finished transfer (checkChildrenDone).
        Assert.True(SpinWait.SpinUntil(() => job.Pipe.Drained.IsCompleted, 10_000));
        h.Run(rdb, "REPLCONF", "ACK", "0");
        var log = h.LogMessages();
        Assert.Contains("RDB transfer completed, rdb only replica (127.0.0.1:6380) should be disconnected asap", log);
        Assert.DoesNotContain(log, m => m.StartsWith("Diskless rdb transfer, done reading from pipe"));
        h.Server.OutputBufferLimits.CloseScheduled();
        Assert.Equal("1", h.Info("connected_slaves"));

        // The first ACK: online.
        long offset = long.Parse(h.Info("master_repl_offset"));
        Assert.Equal("", h.Run(main, "REPLCONF", "ACK", offset.ToString()));
        Assert.Contains("Synchronization with replica 127.0.0.1:6380 succeeded", h.LogMessages());
        Assert.Equal($"ip=127.0.0.1,port=6380,state=online,offset={offset},lag=0", h.Info("slave0"));
    }

    [Fact]
    public void APinWhoseRdbConnectionWentAwayIsFreedAfterTheGracePeriod()
    {
        var h = Master("repl-backlog-size", "16kb");
        MainChannel(h, 6380);
        var (rdb, endOff) = RdbChannel(h, 6380);
        var value = new string('v', 1000);
        for (int i = 0; i < 100; i++) h.Run("SET", $"k{i}", value);
        h.Server.Clients.Kill(rdb);
        Assert.Equal("1", h.Info("replicas_waiting_psync")); // kept: the main connection may still PSYNC

        h.Cron(30_000);
        Assert.Equal("1", h.Info("replicas_waiting_psync"));
        h.Cron(31_000);
        Assert.Contains($"Replica main channel failed to establish PSYNC within the grace period (61 seconds). Freeing RDB client {rdb.Id}.", h.LogMessages());
        Assert.Equal("0", h.Info("replicas_waiting_psync"));
        Assert.True(long.Parse(h.Info("repl_backlog_histlen")) < 100_000); // the backlog trimmed what the pin held

        // A late main connection: its RDB connection is unknown, and offset 1 is gone.
        h.Server.Executor.Timers.RunDue(); // the cancelled snapshot ends
        var late = h.Replica(6382);
        h.Run(late, "REPLCONF", "capa", "eof", "capa", "psync2");
        Assert.Equal($"-ERR Unrecognized RDB client id {rdb.Id}\r\n", h.Run(late, "REPLCONF", "set-rdb-client-id", rdb.Id.ToString()));
        Assert.Equal("", h.Run(late, "PSYNC", endOff[1], "1"));
        Assert.StartsWith("+FULLRESYNC ", h.Channel(late).Take());
    }

    [Fact]
    public void APinOverTheReplicaOutputBufferLimitClosesItsRdbConnection()
    {
        var h = Master("repl-backlog-size", "16kb", "client-output-buffer-limit", "replica 64kb 0 0");
        MainChannel(h, 6380);
        var (rdb, _) = RdbChannel(h, 6380);
        var value = new string('v', 1000);
        for (int i = 0; i < 200 && !rdb.Is(ClientFlags.CloseAsap); i++) h.Run("SET", $"k{i}", value);
        Assert.True(rdb.Is(ClientFlags.CloseAsap));
        Assert.Contains(h.LogMessages(), m => m.StartsWith($"Client id={rdb.Id} addr=127.0.0.1:") && m.Contains(" flags=S ") &&
            m.EndsWith(" scheduled to be closed ASAP for overcoming of output buffer limits."));
        Assert.Equal("0", h.Info("replicas_waiting_psync"));
        h.Server.OutputBufferLimits.CloseScheduled();
        Assert.Contains("Diskless rdb transfer, last replica dropped, killing fork child.", h.LogMessages());
    }
}
