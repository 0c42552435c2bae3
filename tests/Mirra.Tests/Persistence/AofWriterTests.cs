using Mirra.Persistence;
using System.Text;
using Mirra.Engine;
using Mirra.Persistence.Aof;
using Mirra.Replication;
using Mirra.Tests.Commands;
using static Mirra.Tests.Persistence.AofText;

namespace Mirra.Tests.Persistence;

/// <summary>
/// What reaches the incr file and when: buffering until the end of the round, SELECT and MULTI/EXEC as
/// redis-server 7.0.15 writes them, PUBLISH left out, expired keys as DEL, timestamps, rotation and
/// rewrites, CONFIG SET appendonly, write errors (MISCONF) and the fsync policies.
/// </summary>
public class AofWriterTests
{
    const string Incr1 = "appendonly.aof.1.incr.aof";

    static AofServer Started(TempDir dir, params string[] config)
    {
        var s = new AofServer(dir.Path, new[] { "appendonly", "yes" }.Concat(config).ToArray());
        Assert.True(s.Aof.Startup());
        return s;
    }

    [Fact]
    public void AFreshStartCreatesTheBaseTheIncrFileAndTheManifest()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        Assert.Equal(AofState.On, s.Aof.State);
        Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", s.ReadAof("appendonly.aof.manifest"));
        Assert.Equal("", s.ReadAof("appendonly.aof.1.base.aof")); // an empty dataset as commands is nothing
        Assert.Equal("", s.ReadAof(Incr1));
        var log = s.LogMessages();
        Assert.Contains("Creating AOF base file appendonly.aof.1.base.aof on server start", log);
        Assert.Contains("Creating AOF incr file appendonly.aof.1.incr.aof on server start", log);
        Assert.False(File.Exists(Path.Combine(s.AofDir, "temp-appendonly.aof.manifest")));
    }

    [Fact]
    public void WritesAreBufferedUntilTheEndOfTheRoundThenWrittenAsReceived()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        Assert.Equal("+OK\r\n", s.Ts.Run("set", "a", "1"));
        Assert.Equal(":2\r\n", s.Ts.Run("RPUSH", "l", "x", "y"));
        Assert.Equal("$1\r\n1\r\n", s.Ts.Run("GET", "a")); // reads are not written
        Assert.Equal("", s.ReadAof(Incr1));
        Assert.Contains("aof_buffer_length:" + s.Aof.Writer.BufferLength + "\r\n", s.Ts.Run("INFO", "persistence"));
        Assert.True(s.Aof.Writer.BufferLength > 0);

        s.Aof.BeforeReplies();
        Assert.Equal(Resp("SELECT", "0") + Resp("set", "a", "1") + Resp("RPUSH", "l", "x", "y"), s.ReadAof(Incr1));
        Assert.Equal(0, s.Aof.Writer.BufferLength);
    }

    [Fact]
    public void TheExecutorWritesTheAofBeforeSendingTheRoundsReplies()
    {
        using var dir = new TempDir();
        using var s = Started(dir, "appendfsync", "always");
        var seen = new List<string>();
        var c = s.Ts.NewClient();
        c.Transport = new CheckingTransport(() => seen.Add(s.ReadAof(Incr1)));
        s.Server.Clients.Attach(c);
        Enqueue(s.Ts.Server, c, ["SET", "k", "v"], ["INCR", "n"]);
        // The only flush of the round saw both writes already in the file.
        Assert.Equal(new[] { Resp("SELECT", "0") + Resp("SET", "k", "v") + Resp("INCR", "n") }, seen);
        Assert.Equal("+OK\r\n:1\r\n", Encoding.ASCII.GetString(c.Reply.Written));
    }

    sealed class CheckingTransport(Action onFlush) : IClientTransport
    {
        public void Flush(Client client) => onFlush();
        public void Close() { }
        public long PendingOutputBytes(Client client) => client.Reply.Length;
        public string RemoteAddress => "127.0.0.1:50000";
        public string LocalAddress => "127.0.0.1:6379";
        public int Fd => 8;
        public int QueryBufferLength => 0;
        public bool IsUnixSocket => false;
    }

    static void Enqueue(Server server, Client c, params string[][] commands)
    {
        var buffer = new List<byte>();
        var args = new List<Mirra.Protocol.ArgRange>();
        var starts = new List<int>();
        foreach (var command in commands)
        {
            starts.Add(args.Count);
            foreach (var a in command)
            {
                var bytes = Encoding.UTF8.GetBytes(a);
                args.Add(new Mirra.Protocol.ArgRange(buffer.Count, bytes.Length));
                buffer.AddRange(bytes);
            }
        }
        var batch = CommandBatch.Rent();
        batch.Fill(buffer.ToArray(), false, args, starts);
        c.Enqueue(batch, server.Executor);
    }

    [Fact]
    public void PublishGoesToReplicasOnlyAndTheAofKeepsItsOwnSelect()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        var replica = new Capture();
        s.Server.Propagation.Consumers.Add(replica);
        s.Run("SELECT", "3");
        s.Run("PUBLISH", "ch", "hello");
        s.Run("SET", "k", "v");
        s.Run("SPUBLISH", "sch", "x");
        // Redis 7.0.15's AOF for the same session: no PUBLISH, and the SELECT arrives with the first write.
        Assert.Equal(Resp("SELECT", "3") + Resp("SET", "k", "v"), s.ReadAof(Incr1));
        Assert.Equal(Resp("SELECT", "3") + Resp("PUBLISH", "ch", "hello") + Resp("SET", "k", "v") + Resp("SPUBLISH", "sch", "x"), replica.Text);
    }

    sealed class Capture : IStreamConsumer
    {
        readonly StringBuilder _sb = new();
        public void Append(ReadOnlySpan<byte> resp) => _sb.Append(Encoding.UTF8.GetString(resp));
        public string Text => _sb.ToString();
    }

    [Fact]
    public void TransactionsAreWrappedAndAPublishInsideLeavesOnlyTheWrites()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Run("MULTI");
        s.Run("SET", "a", "1");
        s.Run("PUBLISH", "ch", "m");
        s.Run("INCR", "a");
        Assert.Equal("*3\r\n+OK\r\n:0\r\n:2\r\n", s.Run("EXEC"));
        s.Run("MULTI");
        s.Run("SET", "b", "1");
        s.Run("PUBLISH", "ch", "m");
        s.Run("EXEC");
        Assert.Equal(Resp("SELECT", "0") + Resp("MULTI") + Resp("SET", "a", "1") + Resp("INCR", "a") + Resp("EXEC") +
                     Resp("MULTI") + Resp("SET", "b", "1") + Resp("EXEC"), s.ReadAof(Incr1));
    }

    [Fact]
    public void ExpiredKeysBecomeDelAndALazyOneIsWrappedWithTheCommand()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Run("DEBUG", "SET-ACTIVE-EXPIRE", "0"); // only the commands below may find the keys expired
        s.Run("SET", "k", "v", "PX", "50");
        s.Run("SET", "g", "v", "PX", "50");
        long pxat = s.Server.Clock.NowMs() + 50;
        s.Ts.AdvanceTime(100);
        s.Run("INCR", "k");
        s.Run("GET", "g");
        // As redis-server 7.0.15 writes it: MULTI, DEL, the command as received, EXEC; a read just DELs.
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "k", "v", "PXAT", pxat.ToString()) + Resp("SET", "g", "v", "PXAT", pxat.ToString()) +
                     Resp("MULTI") + Resp("DEL", "k") + Resp("INCR", "k") + Resp("EXEC") + Resp("DEL", "g"), s.ReadAof(Incr1));

        s.Ts.Configure("lazyfree-lazy-expire", "yes");
        s.Run("SET", "u", "v", "PX", "10");
        s.Ts.AdvanceTime(20);
        // The slow cycle has a time budget: on a busy machine one run may end before it samples the key.
        for (int i = 0; i < 20 && s.Server.Keyspace[0].Peek("u"u8) != null; i++)
            s.Server.ActiveExpiry.Run(Mirra.Storage.ActiveExpiry.CycleKind.Slow);
        s.Aof.BeforeReplies();
        Assert.EndsWith(Resp("UNLINK", "u"), s.ReadAof(Incr1));
    }

    [Fact]
    public void KeysExpiredByAReadAreWrappedButScanAndRandomkeyDelsGoAlone()
    {
        // What redis-server 7.0.15 writes: MGET expiring two keys wraps the DELs, SCAN and RANDOMKEY do not.
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Server.ActiveExpireEnabled = false;
        foreach (var k in new[] { "k1", "k2", "k3", "k4" }) s.Run("SET", k, "v", "PX", "1");
        s.Ts.AdvanceTime(10);
        s.Run("MGET", "k1", "k2");
        string before = s.ReadAof(Incr1);
        Assert.EndsWith(Resp("MULTI") + Resp("DEL", "k1") + Resp("DEL", "k2") + Resp("EXEC"), before);
        s.Run("SCAN", "0");
        string scanned = s.ReadAof(Incr1)[before.Length..];
        Assert.Equal(2, scanned.Split("*2\r\n$3\r\nDEL\r\n").Length - 1);
        Assert.DoesNotContain("MULTI", scanned);
        Assert.Equal(":0\r\n", s.Run("DBSIZE"));

        foreach (var k in new[] { "k5", "k6" }) s.Run("SET", k, "v", "PX", "1");
        s.Ts.AdvanceTime(10);
        before = s.ReadAof(Incr1);
        Assert.Equal("$-1\r\n", s.Run("RANDOMKEY"));
        string random = s.ReadAof(Incr1)[before.Length..];
        Assert.Equal(2, random.Split("*2\r\n$3\r\nDEL\r\n").Length - 1);
        Assert.DoesNotContain("MULTI", random);
    }

    [Fact]
    public void TimestampAnnotationsPrecedeTheFirstCommandOfEachSecond()
    {
        using var dir = new TempDir();
        using var s = Started(dir, "aof-timestamp-enabled", "yes");
        long t0 = s.Server.Clock.NowMs() / 1000;
        s.Run("SET", "a", "1");
        s.Run("SET", "b", "1");
        s.Ts.AdvanceTime(1000);
        s.Run("SET", "c", "1");
        Assert.Equal($"#TS:{t0}\r\n" + Resp("SELECT", "0") + Resp("SET", "a", "1") + Resp("SET", "b", "1") + $"#TS:{t0 + 1}\r\n" + Resp("SET", "c", "1"), s.ReadAof(Incr1));
    }

    [Fact]
    public void ANewIncrFileTakesTheWritesAndIsRecordedInTheManifest()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Run("SELECT", "2");
        s.Run("SET", "a", "1");
        Assert.True(s.Aof.OpenNewIncrForAppend());
        s.Run("SET", "b", "2");
        Assert.Equal(Resp("SELECT", "2") + Resp("SET", "a", "1"), s.ReadAof(Incr1));
        // Each file is loaded by a client of its own, starting in database 0: a new file starts with SELECT.
        Assert.Equal(Resp("SELECT", "2") + Resp("SET", "b", "2"), s.ReadAof("appendonly.aof.2.incr.aof"));
        Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
            s.ReadAof("appendonly.aof.manifest"));
        Assert.Contains("Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite", s.LogMessages());

        // Both files are loaded at the next start.
        using var again = new AofServer(dir.Path, "appendonly", "yes");
        Assert.True(again.Aof.Startup());
        Assert.Equal(Dump(s.Ts), Dump(again.Ts));
        Assert.Contains("Opening AOF incr file appendonly.aof.2.incr.aof on server start", again.LogMessages());
    }

    [Fact]
    public void ARewriteInstallsANewBaseAndDeletesTheHistory()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Run("SET", "a", "1");
        s.Run("SELECT", "1");
        s.Run("RPUSH", "l", "x", "y");
        Assert.True(s.Aof.RewriteNow());
        s.Run("SET", "after", "1");

        Assert.Equal("file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", s.ReadAof("appendonly.aof.manifest"));
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "a", "1") + Resp("SELECT", "1") + Resp("RPUSH", "l", "x", "y"), s.ReadAof("appendonly.aof.2.base.aof"));
        Assert.Equal(Resp("SELECT", "1") + Resp("SET", "after", "1"), s.ReadAof("appendonly.aof.2.incr.aof"));
        Assert.False(File.Exists(Path.Combine(s.AofDir, "appendonly.aof.1.base.aof")));
        Assert.False(File.Exists(Path.Combine(s.AofDir, Incr1)));
        Assert.Empty(Directory.GetFiles(dir.Path, "temp-*"));

        var log = s.LogMessages();
        int i = log.IndexOf("Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite");
        Assert.True(i >= 0);
        Assert.Equal(new[]
        {
            $"Background append only file rewriting started by pid {Environment.ProcessId}",
            $"Successfully created the temporary AOF base file temp-rewriteaof-bg-{Environment.ProcessId}.aof",
            "Background AOF rewrite terminated with success",
            $"Successfully renamed the temporary AOF base file temp-rewriteaof-bg-{Environment.ProcessId}.aof into appendonly.aof.2.base.aof",
            "Removing the history file appendonly.aof.1.incr.aof in the background",
            "Removing the history file appendonly.aof.1.base.aof in the background",
            "Background AOF rewrite finished successfully",
        }, log.Skip(i + 1).Take(7));

        string info = s.Ts.Run("INFO", "persistence");
        Assert.Contains("aof_rewrites:1\r\n", info);
        Assert.Contains("aof_last_rewrite_time_sec:0\r\n", info);
        Assert.Contains("aof_last_bgrewrite_status:ok\r\n", info);
        long baseSize = new FileInfo(Path.Combine(s.AofDir, "appendonly.aof.2.base.aof")).Length;
        long incrSize = new FileInfo(Path.Combine(s.AofDir, "appendonly.aof.2.incr.aof")).Length;
        Assert.Contains($"aof_current_size:{baseSize + incrSize}\r\n", info);
        Assert.Contains($"aof_base_size:{baseSize}\r\n", info);

        using var again = new AofServer(dir.Path, "appendonly", "yes");
        Assert.True(again.Aof.Startup());
        Assert.Equal(Dump(s.Ts), Dump(again.Ts));
    }

    [Fact]
    public void HistoryIsKeptWithAofDisableAutoGc()
    {
        using var dir = new TempDir();
        using var s = Started(dir, "aof-disable-auto-gc", "yes");
        s.Run("SET", "a", "1");
        Assert.True(s.Aof.RewriteNow());
        Assert.Equal("file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.1.base.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
            s.ReadAof("appendonly.aof.manifest"));
        Assert.True(File.Exists(Path.Combine(s.AofDir, Incr1)));
    }

    [Fact]
    public void ConfigSetAppendonlyYesWritesABaseOfTheDataThenAppends()
    {
        using var dir = new TempDir();
        using var s = new AofServer(dir.Path);
        Assert.True(s.Aof.Startup());
        Assert.False(Directory.Exists(s.AofDir));
        s.Run("SET", "before", "1");
        s.Run("SADD", "set", "a");
        Assert.Contains("aof_enabled:0\r\n", s.Ts.Run("INFO", "persistence"));
        Assert.DoesNotContain("aof_current_size", s.Ts.Run("INFO", "persistence"));

        Assert.Equal("+OK\r\n", s.Run("CONFIG", "SET", "appendonly", "yes"));
        Assert.Equal(AofState.On, s.Aof.State);
        s.Run("SET", "after", "2");
        Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", s.ReadAof("appendonly.aof.manifest"));
        string baseText = s.ReadAof("appendonly.aof.1.base.aof");
        Assert.StartsWith(Resp("SELECT", "0"), baseText);
        Assert.Contains(Resp("SET", "before", "1"), baseText);
        Assert.Contains(Resp("SADD", "set", "a"), baseText);
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "after", "2"), s.ReadAof(Incr1));
        Assert.False(File.Exists(Path.Combine(s.AofDir, "temp-appendonly.aof.incr")));

        var log = s.LogMessages();
        int i = log.IndexOf("Creating AOF incr file temp-appendonly.aof.incr on background rewrite");
        Assert.True(i >= 0);
        Assert.Contains("Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof", log);
        Assert.Contains("Background AOF rewrite finished successfully", log);

        string info = s.Ts.Run("INFO", "persistence");
        Assert.Contains("aof_enabled:1\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:0\r\naof_current_rewrite_time_sec:-1\r\n" +
                        "aof_last_bgrewrite_status:ok\r\naof_rewrites:1\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\n" +
                        "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\naof_current_size:", info);
        Assert.Contains("\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:", info);
        Assert.EndsWith("aof_delayed_fsync:0\r\n", info.TrimEnd('\r', '\n') + "\r\n");

        // Off: the file is closed and nothing more is written; on again: a second base, the first files deleted.
        Assert.Equal("+OK\r\n", s.Run("CONFIG", "SET", "appendonly", "no"));
        Assert.Equal(AofState.Off, s.Aof.State);
        s.Run("SET", "while-off", "1");
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "after", "2"), s.ReadAof(Incr1));
        Assert.DoesNotContain(s.Server.Propagation.Consumers, c => c is AofWriter);

        Assert.Equal("+OK\r\n", s.Run("CONFIG", "SET", "appendonly", "yes"));
        Assert.Equal("file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", s.ReadAof("appendonly.aof.manifest"));
        Assert.Contains(Resp("SET", "while-off", "1"), s.ReadAof("appendonly.aof.2.base.aof"));
        Assert.False(File.Exists(Path.Combine(s.AofDir, Incr1)));

        using var again = new AofServer(dir.Path, "appendonly", "yes");
        Assert.True(again.Aof.Startup());
        Assert.Equal(Dump(s.Ts), Dump(again.Ts));
    }

    [Fact]
    public void AppendonlyYesFailsLikeRedisWhenTheDirectoryCannotBeCreated()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["appendonlydir"], "a file in the way");
        using var s = new AofServer(dir.Path);
        Assert.True(s.Aof.Startup());
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n",
            s.Run("CONFIG", "SET", "appendonly", "yes"));
        Assert.Equal("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", s.Run("CONFIG", "GET", "appendonly"));
        Assert.Equal(AofState.Off, s.Aof.State);
        var log = s.LogMessages();
        Assert.Contains("Can't open or create append-only dir appendonlydir: Not a directory", log);
        Assert.Contains("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.", log);
        string info = s.Run("INFO", "persistence");
        Assert.Contains("aof_enabled:0\r\n", info);
        Assert.Contains("aof_last_bgrewrite_status:err\r\n", info);
        Assert.Contains("aof_rewrites:0\r\n", info);
    }

    [Fact]
    public void AppendonlyYesInsideATransactionIsScheduledForAfterIt()
    {
        using var dir = new TempDir();
        using var s = new AofServer(dir.Path);
        Assert.True(s.Aof.Startup());
        s.Run("MULTI");
        s.Run("INCR", "x");
        s.Run("CONFIG", "SET", "appendonly", "yes");
        s.Run("INCR", "x");
        Assert.Equal("*3\r\n:1\r\n+OK\r\n:2\r\n", s.Run("EXEC"));
        Assert.Equal(AofState.WaitRewrite, s.Aof.State);
        Assert.Contains("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.", s.LogMessages());
        Assert.Contains("aof_rewrite_scheduled:1\r\n", s.Ts.Run("INFO", "persistence"));
        foreach (var job in s.Server.CronJobs) job();
        Assert.Equal(AofState.On, s.Aof.State);
        s.Run("INCR", "x");

        // The base holds x=2, the transaction is not written again: x is 3 after a restart.
        using var again = new AofServer(dir.Path, "appendonly", "yes");
        Assert.True(again.Aof.Startup());
        Assert.Equal("$1\r\n3\r\n", again.Ts.Run("GET", "x"));
    }

    [Fact]
    public void AFailedWriteRefusesWritesWithMisconfUntilAWriteSucceeds()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        var writer = s.Aof.Writer;
        writer.WriteOverride = _ => (-1, 28 /* ENOSPC */);
        Assert.Equal("+OK\r\n", s.Run("SET", "a", "1")); // already done when the write fails: the reply stands
        Assert.Contains("Error writing to the AOF file: No space left on device", s.LogMessages());
        Assert.Contains("aof_last_write_status:err\r\n", s.Ts.Run("INFO", "persistence"));

        const string misconf = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";
        Assert.Equal(misconf, s.Run("SET", "b", "2"));
        Assert.Equal(misconf, s.Run("PING"));
        Assert.Equal("$1\r\n1\r\n", s.Run("GET", "a"));
        Assert.Equal("+OK\r\n", s.Run("MULTI"));
        Assert.Equal(misconf, s.Run("SET", "c", "3"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", s.Run("EXEC"));
        Assert.Contains("errorstat_MISCONF:count=3\r\n", s.Ts.Run("INFO", "errorstats"));

        // The disk is back: the next try (cron, once a second) writes what was buffered.
        writer.WriteOverride = null;
        s.Ts.AdvanceTime(1000);
        foreach (var job in s.Server.CronJobs) job();
        Assert.Contains("AOF write error looks solved, Redis can write again.", s.LogMessages());
        writer.DrainBackground(); // with everysec a write waits while the background fsync of that flush runs
        Assert.Equal("+OK\r\n", s.Run("SET", "b", "2"));
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "a", "1") + Resp("SET", "b", "2"), s.ReadAof(Incr1));
        Assert.Contains("aof_last_write_status:ok\r\n", s.Ts.Run("INFO", "persistence"));
    }

    [Fact]
    public void AShortWriteIsCutBackAndReportedAsNoSpace()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Run("SET", "a", "1");
        long before = new FileInfo(Path.Combine(s.AofDir, Incr1)).Length;
        // write(2) wrote 5 bytes (for real) then failed.
        s.Aof.Writer.WriteOverride = data =>
        {
            NativeFile.Write(s.Aof.Writer.Fd, data.Span[..5]);
            return (5, 0);
        };
        s.Run("SET", "b", "2");
        Assert.Contains($"Short write while writing to the AOF file: (nwritten=5, expected={Resp("SET", "b", "2").Length})", s.LogMessages());
        Assert.Equal(before, new FileInfo(Path.Combine(s.AofDir, Incr1)).Length);
        Assert.Equal("-MISCONF Errors writing to the AOF file: No space left on device\r\n", s.Run("SET", "c", "3"));
        s.Aof.Writer.WriteOverride = null;
        s.Aof.Writer.Flush(force: false);
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "a", "1") + Resp("SET", "b", "2"), s.ReadAof(Incr1));
    }

    [Fact]
    public void WithAppendfsyncAlwaysAFailedWriteIsFatal()
    {
        using var dir = new TempDir();
        using var s = Started(dir, "appendfsync", "always");
        s.Aof.Writer.WriteOverride = _ => (-1, 5 /* EIO */);
        s.Ts.Run("SET", "a", "1");
        Assert.Equal(1, Assert.Throws<FatalExit>(() => s.Aof.BeforeReplies()).Code);
        var log = s.LogMessages();
        Assert.Contains("Error writing to the AOF file: Input/output error", log);
        Assert.Contains("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...", log);
        s.Aof.Writer.WriteOverride = null;
    }

    [Fact]
    public void AFullDiskGivesTheRealErrorText()
    {
        if (!File.Exists("/dev/full")) return;
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "appendonlydir"));
        File.WriteAllText(Path.Combine(dir.Path, "appendonlydir", "appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "appendonlydir", Incr1), "/dev/full");
        using var s = Started(dir);
        Assert.Equal("+OK\r\n", s.Run("SET", "a", "1"));
        Assert.Equal("-MISCONF Errors writing to the AOF file: No space left on device\r\n", s.Run("SET", "b", "1"));
        Assert.Contains("aof_buffer_length:" + (Resp("SELECT", "0").Length + Resp("SET", "a", "1").Length) + "\r\n", s.Ts.Run("INFO", "persistence"));
    }

    [Fact]
    public void EverysecFsyncsInTheBackgroundAtMostOncePerSecond()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        var w = s.Aof.Writer;
        s.Ts.AdvanceTime(1000);
        s.Run("SET", "a", "1");
        Assert.Equal(w.CurrentSize, w.FsyncOffset); // a new second: an fsync was handed over
        w.DrainBackground();
        Assert.Equal(0, w.PendingFsyncs);
        s.Run("SET", "b", "1");
        Assert.NotEqual(w.CurrentSize, w.FsyncOffset); // same second: none
        s.Ts.AdvanceTime(1000);
        s.Aof.BeforeReplies(); // nothing to write, but unsynced data: the next second fsyncs it
        Assert.Equal(w.CurrentSize, w.FsyncOffset);
        w.DrainBackground();
        Assert.True(w.BackgroundFsyncOk);
    }

    [Fact]
    public void AWriteWaitsUpToTwoSecondsForASlowBackgroundFsync()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        var w = s.Aof.Writer;
        using var release = new ManualResetEventSlim();
        w.BeforeBackgroundFsync = () => release.Wait(10_000);
        try
        {
            s.Ts.AdvanceTime(1000);
            s.Run("SET", "a", "1"); // written, and its fsync is now stuck
            Assert.Equal(1, w.PendingFsyncs);
            Assert.Contains("aof_pending_bio_fsync:1\r\n", s.Ts.Run("INFO", "persistence"));
            string written = Resp("SELECT", "0") + Resp("SET", "a", "1");
            s.Run("SET", "b", "1");
            Assert.Equal(written, s.ReadAof(Incr1)); // postponed
            s.Ts.AdvanceTime(1000);
            foreach (var job in s.Server.CronJobs) job();
            Assert.Equal(written, s.ReadAof(Incr1)); // still less than two seconds
            s.Ts.AdvanceTime(1000);
            foreach (var job in s.Server.CronJobs) job();
            Assert.Equal(written + Resp("SET", "b", "1"), s.ReadAof(Incr1));
            Assert.Equal(1, w.DelayedFsync);
            Assert.Contains("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.", s.LogMessages());
            Assert.Contains("aof_delayed_fsync:1\r\n", s.Ts.Run("INFO", "persistence"));
        }
        finally
        {
            release.Set();
            w.DrainBackground();
        }
    }

    [Fact]
    public void ShutdownWritesAndFsyncsTheBuffer()
    {
        using var dir = new TempDir();
        using var s = Started(dir);
        s.Ts.Run("SET", "a", "1");
        Assert.Null(s.Server.Shutdown.Run(Mirra.Config.ShutdownFlags.NoSave));
        Assert.Equal(Resp("SELECT", "0") + Resp("SET", "a", "1"), s.ReadAof(Incr1));
        var log = s.LogMessages();
        Assert.True(log.IndexOf("User requested shutdown...") < log.IndexOf("Calling fsync() on the AOF file."));
    }

    [Fact]
    public void ABaseIsWrittenAsRdbWhenAnEncoderIsWiredAndThePreambleIsOn()
    {
        using var dir = new TempDir();
        using var s = new AofServer(dir.Path, "appendonly", "yes", "aof-use-rdb-preamble", "yes");
        var encoders = 0;
        s.Aof.RdbEncoderFactory = stream => { encoders++; return new AofCommandEncoder(stream, false); };
        Assert.True(s.Aof.Startup());
        Assert.Equal(1, encoders);
        Assert.Equal("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", s.ReadAof("appendonly.aof.manifest"));
        s.Ts.Configure("aof-use-rdb-preamble", "no");
        Assert.True(s.Aof.RewriteNow());
        Assert.Equal(1, encoders);
        Assert.StartsWith("file appendonly.aof.2.base.aof seq 2 type b\n", s.ReadAof("appendonly.aof.manifest"));
    }

    [Fact]
    public void AnRdbBaseWrittenByARewriteIsLoadedBackWithTheIncrFile()
    {
        using var dir = new TempDir();
        using (var s = new AofServer(dir.Path, "appendonly", "yes", "aof-use-rdb-preamble", "yes"))
        {
            Assert.True(s.Aof.Startup());
            s.Run("SET", "in-base", "1");
            s.Run("HSET", "h", "f", "v");
            Assert.True(s.Aof.RewriteNow());
            Assert.StartsWith("file appendonly.aof.2.base.rdb seq 2 type b\n", s.ReadAof("appendonly.aof.manifest"));
            Assert.StartsWith("REDIS0010", s.ReadAof("appendonly.aof.2.base.rdb"));
            s.Run("SET", "in-incr", "2");
        }
        using var next = new AofServer(dir.Path, "appendonly", "yes", "aof-use-rdb-preamble", "yes");
        Assert.True(next.Aof.Startup());
        Assert.Equal("$1\r\n1\r\n", next.Run("GET", "in-base"));
        Assert.Equal("$1\r\nv\r\n", next.Run("HGET", "h", "f"));
        Assert.Equal("$1\r\n2\r\n", next.Run("GET", "in-incr"));
    }

    [Fact]
    public void LoadingReportsItsProgressEveryThousandCommands()
    {
        using var dir = new TempDir();
        using (var s = new AofServer(dir.Path, "appendonly", "yes"))
        {
            Assert.True(s.Aof.Startup());
            for (int i = 0; i < 3000; i++) s.Run("SET", $"k{i}", "v");
        }
        using var next = new AofServer(dir.Path, "appendonly", "yes");
        var reports = new List<long>();
        next.Aof.Loader.Progress = reports.Add;
        Assert.True(next.Aof.Startup());
        Assert.Equal(2, reports.Count); // after commands 1024 and 2048 (SELECT included)
        Assert.True(reports[0] > 0 && reports[1] > reports[0]);
        Assert.Equal(":3000\r\n", next.Run("DBSIZE"));
    }
}
