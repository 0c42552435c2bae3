using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mirra.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Mirra.IntegrationTests;

/// <summary>
/// The replication labs of the seed course (shared/seeds), run as written on a master host and a replica host made
/// of network namespaces (NetworkLab), checking what the course says the operator sees: INFO fields, the sync
/// counters and the log lines of both ends.
/// <para>
/// Lab (a), "optimizing replication": the replica's network is stopped, keys are loaded on the master with
/// `redis-cli --pipe`, the network comes back. 1,000 keys fit in the default 1 MB backlog (partial resync), 11,000 do
/// not (full resync, "for lack of backlog"), and after `CONFIG SET repl-backlog-size 1500kb` they do again; either way
/// both ends end with the same master_repl_offset. Run with a Mirra master and with a real redis-server master (the
/// replica is Mirra in both), which must behave the same.
/// </para>
/// <para>
/// Lab (b), troubleshooting "case 2": a small `client-output-buffer-limit replica`, a slowed link and heavy writes
/// during the full sync make the master drop the replica ("scheduled to be closed ASAP for overcoming of output buffer
/// limits") again and again, each time with a new full sync; the course's larger limit ends the loop. Scaled to run in
/// seconds: 16 MB of data instead of 2,000,000 keys, a 32 Mbit/s link, ~0.75 MB/s of writes and a 1 MB limit. With
/// dual-channel replication the same full sync must finish at the first attempt.
/// </para>
/// The course waits minutes with the network down; here repl-timeout is 4 s (pings every second) so both ends notice
/// a cut within seconds. Every wait is bounded; servers are stopped by PID and the lab's namespaces deleted on Dispose.
/// </summary>
public class SeedLabTests
{
    readonly ITestOutputHelper _out;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public SeedLabTests(ITestOutputHelper output) => _out = output;

    /// <summary>Where the time goes, in the test's output (the labs wait on networks and timeouts).</summary>
    void Phase(string what) => _out.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
    static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    const string Overcoming = "scheduled to be closed ASAP for overcoming of output buffer limits.";
    const string SyncFinished = "MASTER <-> REPLICA sync: Finished with success";

    /// <summary>Both ends notice a cut link within seconds (the course's operator waited much longer).</summary>
    static readonly string[] QuickTimeouts = ["--save", "", "--repl-timeout", "4", "--repl-ping-replica-period", "1"];

    // ------------------------------------------------------------------ lab (a)

    [Theory]
    [InlineData(ServerKind.Mirra)]
    [InlineData(ServerKind.Redis)]
    public void Lab_a_replica_cut_off_resyncs_partially_then_fully_for_lack_of_backlog_then_partially_with_1500kb(ServerKind masterKind)
    {
        using var lab = new NetworkLab();
        var masterHost = lab.AddHost("master");
        var replicaHost = lab.AddHost("replica");
        lab.Connect(masterHost, replicaHost);
        // The course's master made its snapshots on disk ("Starting BGSAVE for SYNC with target: disk").
        using var master = ServerProcess.Start(masterKind, [.. QuickTimeouts, "--repl-diskless-sync", "no"], labHost: masterHost);
        using var replica = ServerProcess.Start(ServerKind.Mirra,
            [.. QuickTimeouts, "--replicaof", masterHost.Address, ServerProcess.LabPort.ToString(CultureInfo.InvariantCulture)],
            labHost: replicaHost);
        WaitLinkUp(master, replica);
        Phase("replica in sync");
        string replicaName = $"{replicaHost.Address}:{ServerProcess.LabPort}";
        string replid = Info(master, "replication", "master_replid");

        // 1,000 keys while the replica is cut off: the backlog holds them, a partial resync sends exactly them.
        var round = CutOffAndLoad(master, replica, replicaHost, masterHost, 1000);
        Phase("1,000 keys loaded while cut off");
        replicaHost.StartNetworking();
        WaitLinkUp(master, replica);
        var accepted = WaitForMatches(master, PartialAccepted, 1);
        Assert.Equal(replicaName, accepted.Groups["replica"].Value);
        Assert.Equal(round.ReplicaOffset + 1, long.Parse(accepted.Groups["offset"].Value, CultureInfo.InvariantCulture));
        AssertBacklogSent(round, long.Parse(accepted.Groups["bytes"].Value, CultureInfo.InvariantCulture));
        WaitForCount(replica, $"Trying a partial resynchronization (request {replid}:{round.ReplicaOffset + 1}).", 1);
        WaitForCount(replica, "Successful partial resynchronization with master.", 1);
        WaitForCount(replica, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.", 1);
        AssertSyncStats(master, full: 1, partialOk: 1, partialErr: 0);
        AssertInSync(master, replica, 1000);
        Phase("partial resync checked");

        // 11,000 keys (~1.47 MB of stream) do not fit in the default 1 MB backlog: a full resync.
        round = CutOffAndLoad(master, replica, replicaHost, masterHost, 11_000);
        Phase("11,000 keys loaded while cut off");
        replicaHost.StartNetworking();
        WaitLinkUp(master, replica);
        WaitForCount(master, $"Unable to partial resync with replica {replicaName} for lack of backlog (Replica request was: {round.ReplicaOffset + 1}).", 1);
        WaitForCount(replica, $"Trying a partial resynchronization (request {replid}:{round.ReplicaOffset + 1}).", 1);
        WaitForCount(replica, $"Full resync from master: {replid}:", 2);
        WaitForCount(replica, SyncFinished, 2); // the first sync, and this one
        AssertSyncStats(master, full: 2, partialOk: 1, partialErr: 1);
        AssertInSync(master, replica, 11_000);
        Phase("full resync checked");

        // A backlog of 1.5 MB holds them: a partial resync again.
        Assert.Equal("OK", master.Call("CONFIG", "SET", "repl-backlog-size", "1500kb").Text);
        Assert.Equal("1536000", master.Call("CONFIG", "GET", "repl-backlog-size").Items![1].Text);
        round = CutOffAndLoad(master, replica, replicaHost, masterHost, 11_000);
        Phase("11,000 keys loaded while cut off, backlog 1500kb");
        replicaHost.StartNetworking();
        WaitLinkUp(master, replica);
        accepted = WaitForMatches(master, PartialAccepted, 2);
        Assert.Equal(replicaName, accepted.Groups["replica"].Value);
        Assert.Equal(round.ReplicaOffset + 1, long.Parse(accepted.Groups["offset"].Value, CultureInfo.InvariantCulture));
        AssertBacklogSent(round, long.Parse(accepted.Groups["bytes"].Value, CultureInfo.InvariantCulture));
        WaitForCount(replica, "Successful partial resynchronization with master.", 2);
        AssertSyncStats(master, full: 2, partialOk: 2, partialErr: 1);
        AssertInSync(master, replica, 11_000);
        Assert.Equal(2, Count(replica.LogText(), SyncFinished));
        Phase("partial resync checked");
    }

    static readonly Regex PartialAccepted = new(
        @"Partial resynchronization request from (?<replica>\S+) accepted\. Sending (?<bytes>\d+) bytes of backlog starting from offset (?<offset>\d+)\.",
        RegexOptions.CultureInvariant);

    const string Unreachable = "Unable to connect to MASTER: Network is unreachable";

    sealed record Round(long ReplicaOffset, long StreamBytes, int Keys);

    /// <summary>
    /// One pass of the course's steps: FLUSHALL on the master and the replica is empty too; the replica's network stops
    /// (`rc-service networking stop`) and both ends notice; the keys are generated and loaded on the master with
    /// `redis-cli --pipe`. Returns the replica's offset at the cut and the stream bytes the load produced.
    /// </summary>
    static Round CutOffAndLoad(ServerProcess master, ServerProcess replica, LabHost replicaHost, LabHost masterHost, int keys)
    {
        Assert.Equal("OK", master.Call("FLUSHALL").Text);
        WaitUntil(() => replica.Call("DBSIZE").Integer == 0, Generous, () => "the replica still has keys after FLUSHALL on the master");
        int unreachable = Count(replica.LogText(), Unreachable);
        replicaHost.StopNetworking();
        WaitUntil(() => Info(replica, "replication", "master_link_status") == "down" && Info(master, "replication", "connected_slaves") == "0",
            Generous, () => $"the cut was not noticed: replica link {Info(replica, "replication", "master_link_status")}, " +
                            $"master connected_slaves {Info(master, "replication", "connected_slaves")}");
        // The replica tries to reconnect every second; without a network, connect itself fails.
        WaitForCount(replica, Unreachable, unreachable + 1);
        long replicaOffset = long.Parse(Info(replica, "replication", "master_repl_offset"), CultureInfo.InvariantCulture);

        var (file, streamBytes) = SeedDataFile(keys);
        var result = masterHost.Run("redis-cli", ["-h", master.Address, "-p", master.Port.ToString(CultureInfo.InvariantCulture), "--pipe"],
            file, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("All data transferred. Waiting for the last reply...", result.Stdout);
        Assert.Equal((0L, (long)keys), RedisCli.ParsePipeSummary(result));
        Assert.Equal((long)keys, master.Call("DBSIZE").Integer);
        return new Round(replicaOffset, streamBytes, keys);
    }

    /// <summary>The backlog sent is the loaded commands plus the master's PINGs (14 bytes a second) during the cut.</summary>
    static void AssertBacklogSent(Round round, long sent)
    {
        Assert.True(sent >= round.StreamBytes && sent <= round.StreamBytes + 16 * 1024,
            $"a partial resync after loading {round.Keys} keys ({round.StreamBytes} bytes of stream) sent {sent} bytes of backlog");
    }

    /// <summary>
    /// What the course's prepara_datos_para_replicar.sh N writes to replicacion.data: one inline command per key,
    /// `hset "usuario:&lt;i&gt;" "nombre" ... "genero" ... "hora_registro" ... "pais" ...`, numbered like `seq -w`, with DOS line
    /// ends (unix2dos). The registration time is in seconds: with the script's nanoseconds 11,000 keys would make
    /// ~1.57 MB of stream and not fit in 1500kb either (the course measured 1,441,107 bytes for them). Also returns the
    /// size of the replication stream the master makes of them (each command as a RESP array).
    /// </summary>
    static (byte[] File, long StreamBytes) SeedDataFile(int keys)
    {
        string[] names = ["Pepito", "Menganito", "Fulanito"], genders = ["h", "m"], countries = ["es", "cn", "mx"];
        var random = new Random(keys);
        int width = keys.ToString(CultureInfo.InvariantCulture).Length;
        long registered = 1_582_823_711;
        var file = new StringBuilder();
        long stream = 0;
        for (int i = 1; i <= keys; i++)
        {
            string[] argv =
            [
                "hset", "usuario:" + i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                "nombre", names[random.Next(3)], "genero", genders[random.Next(2)],
                "hora_registro", (registered + i).ToString(CultureInfo.InvariantCulture), "pais", countries[random.Next(3)],
            ];
            file.Append(argv[0]);
            for (int j = 1; j < argv.Length; j++)
                file.Append(' ').Append(j == 7 ? argv[j] : $"\"{argv[j]}\"");
            file.Append("\r\n");
            stream += RespSize(argv);
        }
        return (Encoding.ASCII.GetBytes(file.ToString()), stream);
    }

    static long RespSize(string[] argv)
    {
        long size = $"*{argv.Length}\r\n".Length;
        foreach (var a in argv) size += $"${a.Length}\r\n".Length + a.Length + 2;
        return size;
    }

    // ------------------------------------------------------------------ lab (b)

    /// <summary>The course's reduced limit ('slave 134217728 33554432 30'), divided by 128.</summary>
    const string SmallReplicaLimit = "slave 1048576 262144 30";
    /// <summary>The course's fix, as written.</summary>
    const string LargerReplicaLimit = "slave 536870912 134217728 120";

    [Fact]
    public void Lab_b_heavy_writes_during_a_full_sync_over_a_slow_link_loop_until_the_replica_output_buffer_limit_is_raised()
    {
        using var lab = new NetworkLab();
        var (masterHost, replicaHost) = (lab.AddHost("master"), lab.AddHost("replica"));
        lab.Connect(masterHost, replicaHost);
        Phase("lab built");
        using var master = ServerProcess.Start(ServerKind.Mirra, ["--save", "", "--repl-diskless-sync", "no"], labHost: masterHost);
        Phase("master started");
        using var replica = ServerProcess.Start(ServerKind.Mirra, ["--save", "", "--replicaof", masterHost.Address, "6379"], labHost: replicaHost);
        Phase("servers started");
        string replicaAddress = replicaHost.Address;
        PrepareCase2(master, replica, masterHost);
        Phase("16 MB on the master and its replica, link slowed, replica detached and emptied");
        Assert.Equal("OK", master.Call("CONFIG", "SET", "client-output-buffer-limit", SmallReplicaLimit).Text);
        int finishedBefore = Count(replica.LogText(), SyncFinished);

        // The replica asks for a full sync and, before its snapshot is done, a flood of writes reaches the master.
        using var writer = new HeavyWriter(master);
        Assert.Equal("OK", replica.Call("REPLICAOF", masterHost.Address, "6379").Text);

        // The loop: dropped for overcoming its output buffer limit, reconnected, a new full sync, dropped again...
        var dropLine = new Regex(@"Client id=\d+ addr=" + Regex.Escape(replicaAddress) + @":\d+ .*flags=S .*" + Regex.Escape(Overcoming),
            RegexOptions.CultureInvariant);
        WaitUntil(() => dropLine.Matches(master.LogText()).Count >= 3 || writer.Error != null, Generous,
            () => $"the replica was not dropped 3 times ({dropLine.Matches(master.LogText()).Count} so far; writer wrote {writer.BytesWritten} bytes)\n" +
                  $"--- master ---\n{Tail(master.LogText())}\n--- replica ---\n{Tail(replica.LogText())}");
        Assert.Null(writer.Error);
        Phase($"dropped {dropLine.Matches(master.LogText()).Count} times, sync_full {Stat(master, "sync_full")}, writer at {writer.BytesWritten} bytes");
        Assert.True(Stat(master, "sync_full") >= 3, $"sync_full {Stat(master, "sync_full")} after 3 drops");
        Assert.True(Count(master.LogText(), $"Connection with replica {replicaAddress}:6379 lost.") >= 3, Tail(master.LogText()));
        WaitForCount(replica, "I/O error trying to sync with MASTER: connection lost", 3);
        Assert.Equal(finishedBefore, Count(replica.LogText(), SyncFinished));
        Assert.Equal("down", Info(replica, "replication", "master_link_status"));

        // The course's fix, under the same writes: the next full sync (or the one under way) completes.
        Assert.Equal("OK", master.Call("CONFIG", "SET", "client-output-buffer-limit", LargerReplicaLimit).Text);
        long fullSyncsAtFix = Stat(master, "sync_full");
        // While its RDB crosses the link, the replica's socket is being written to (CLIENT LIST events=rw, as in Redis).
        string? sending = null;
        WaitUntil(() =>
        {
            if (TryInfo(master, "replication", "slave0")?.Contains(",state=send_bulk,") != true) return false;
            var line = master.Call("CLIENT", "LIST", "TYPE", "replica").Text!.Trim();
            if (TryInfo(master, "replication", "slave0")?.Contains(",state=send_bulk,") != true) return false;
            sending = line;
            return true;
        }, Generous, () => $"the replica was never seen in send_bulk\n{Tail(master.LogText())}");
        Assert.Matches(@" flags=S .* events=rw cmd=psync ", sending);
        WaitUntil(() => Count(replica.LogText(), SyncFinished) > finishedBefore || writer.Error != null, TimeSpan.FromSeconds(90),
            () => $"no full sync finished after the fix\n--- master ---\n{Tail(master.LogText())}\n--- replica ---\n{Tail(replica.LogText())}");
        Assert.Null(writer.Error);
        WaitLinkUp(master, replica);
        Phase($"synced after the fix, sync_full {fullSyncsAtFix} at the fix, {Stat(master, "sync_full")} now");
        Assert.True(Stat(master, "sync_full") <= fullSyncsAtFix + 1,
            $"sync_full went from {fullSyncsAtFix} to {Stat(master, "sync_full")} after the fix\n{Tail(master.LogText())}");
        writer.Stop();
        Assert.True(writer.BytesWritten > 4_000_000, $"the writer wrote only {writer.BytesWritten} bytes");
        long fullSyncs = Stat(master, "sync_full");
        AssertInSync(master, replica, expectedKeys: null);
        Assert.Equal(fullSyncs, Stat(master, "sync_full"));
        Assert.Equal(finishedBefore + 1, Count(replica.LogText(), SyncFinished));
        Phase($"in sync, {writer.BytesWritten} bytes written");
    }

    /// <summary>
    /// Case 2 again with dual-channel replication (Valkey 8's `dual-channel-replication-enabled yes`, on both ends; the
    /// master syncs diskless): the writes made during the full sync are streamed beside the snapshot and buffered by the
    /// replica, so under the same small limit, slow link and writes the full sync finishes at the first attempt.
    /// Needs dual-channel replication, which is being implemented on another branch: until it is merged, this fails.
    /// </summary>
    [Fact]
    public void Lab_b_with_dual_channel_replication_the_full_sync_finishes_at_the_first_attempt()
    {
        using var lab = new NetworkLab();
        var (masterHost, replicaHost) = (lab.AddHost("master"), lab.AddHost("replica"));
        lab.Connect(masterHost, replicaHost);
        string[] dualChannel = ["--dual-channel-replication-enabled", "yes"];
        using var master = ServerProcess.Start(ServerKind.Mirra,
            ["--save", "", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", .. dualChannel], labHost: masterHost);
        using var replica = ServerProcess.Start(ServerKind.Mirra,
            ["--save", "", "--replicaof", masterHost.Address, "6379", .. dualChannel], labHost: replicaHost);
        Phase("servers started");
        PrepareCase2(master, replica, masterHost);
        Phase("16 MB on the master and its replica, link slowed, replica detached and emptied");
        Assert.Equal("OK", master.Call("CONFIG", "SET", "client-output-buffer-limit", SmallReplicaLimit).Text);

        using var writer = new HeavyWriter(master);
        Assert.Equal("OK", replica.Call("REPLICAOF", masterHost.Address, "6379").Text);
        WaitUntil(() => Info(replica, "replication", "master_link_status") == "up" || Count(master.LogText(), Overcoming) > 0 || writer.Error != null,
            TimeSpan.FromSeconds(90), () => $"the full sync did not finish\n--- master ---\n{Tail(master.LogText())}\n--- replica ---\n{Tail(replica.LogText())}");
        Phase($"link up, sync_full {Stat(master, "sync_full")}, writer at {writer.BytesWritten} bytes");
        Assert.Null(writer.Error);
        Assert.True(Count(master.LogText(), Overcoming) == 0, $"the replica was dropped:\n{Tail(master.LogText())}");
        Assert.Equal(1, Stat(master, "sync_full"));
        writer.Stop();
        Assert.True(writer.BytesWritten > 1_000_000, $"the writer wrote only {writer.BytesWritten} bytes");
        AssertInSync(master, replica, expectedKeys: null);
        Assert.Equal(1, Stat(master, "sync_full"));
        Assert.Equal(0, Count(master.LogText(), Overcoming));
        Phase($"in sync, {writer.BytesWritten} bytes written");
    }

    /// <summary>
    /// Case 2's starting point and first steps: a master whose data takes seconds to cross the link (the course had
    /// 2,000,000 keys; 8,000 hashes of 2 KB here) and its synced replica; `tc` slows what the master sends; the replica
    /// leaves (REPLICAOF NO ONE) and empties itself (FLUSHALL). The master's counters start from zero (CONFIG RESETSTAT).
    /// </summary>
    void PrepareCase2(ServerProcess master, ServerProcess replica, LabHost masterHost)
    {
        WaitLinkUp(master, replica);
        Phase("replica in sync");
        var value = RandomHex(2000, seed: 7);
        var sessions = RedisCli.BuildPipeStream(Enumerable.Range(1, 8000).Select(i => new[] { "HSET", $"session:{i}", "data", value[(i % 100)..] + value[..(i % 100)] }));
        var result = masterHost.Run("redis-cli", ["-h", master.Address, "-p", "6379", "--pipe"], sessions, TimeSpan.FromSeconds(60));
        Assert.Equal((0L, 8000L), RedisCli.ParsePipeSummary(result));
        Phase("8,000 hashes loaded");
        WaitOffsetsEqual(master, replica);
        masterHost.LimitEgressRate("32mbit");
        Assert.Equal("OK", replica.Call("REPLICAOF", "NO", "ONE").Text);
        Assert.Equal("OK", replica.Call("FLUSHALL").Text);
        Assert.Equal("OK", master.Call("CONFIG", "RESETSTAT").Text);
    }

    static string RandomHex(int length, int seed)
    {
        var bytes = new byte[length / 2];
        new Random(seed).NextBytes(bytes);
        return Convert.ToHexString(bytes);
    }

    /// <summary>
    /// The course's redis-random-data-generator flood: HSETs of 1 KB values, pipelined in batches of 50, paced to
    /// about 0.75 MB/s (below the link's 4 MB/s, so a replica can catch up once it is allowed to), over 4,000 keys.
    /// Runs until stopped or for 120 s at most.
    /// </summary>
    sealed class HeavyWriter : IDisposable
    {
        const int BatchSize = 50;
        const double BytesPerSecond = 750_000;
        readonly Thread _thread;
        volatile bool _stop;
        long _bytes;

        public long BytesWritten => Interlocked.Read(ref _bytes);
        public Exception? Error { get; private set; }

        public HeavyWriter(ServerProcess master)
        {
            var client = master.Connect(timeout: TimeSpan.FromSeconds(30));
            _thread = new Thread(() =>
            {
                try { Run(client); }
                catch (Exception e) { Error = e; }
                finally { client.Dispose(); }
            }) { IsBackground = true, Name = "heavy-writer" };
            _thread.Start();
        }

        void Run(RespClient client)
        {
            var value = RandomHex(1000, seed: 11);
            var clock = Stopwatch.StartNew();
            long i = 0;
            while (!_stop && clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                using var batch = new MemoryStream();
                for (int n = 0; n < BatchSize; n++, i++)
                    RespClient.AppendCommand(batch, "HSET", $"session:new:{i % 4000}", "data", value);
                client.SendRaw(batch.ToArray());
                for (int n = 0; n < BatchSize; n++)
                {
                    var reply = client.ReadReply();
                    if (reply.IsError) throw new InvalidOperationException($"HSET failed: {reply}");
                }
                long written = Interlocked.Add(ref _bytes, batch.Length);
                var due = TimeSpan.FromSeconds(written / BytesPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero) Thread.Sleep(due);
            }
        }

        public void Stop()
        {
            _stop = true;
            if (!_thread.Join(TimeSpan.FromSeconds(60))) throw new TimeoutException("the writer did not stop");
            if (Error != null) throw new InvalidOperationException("the writer failed", Error);
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(60));
        }
    }

    // ------------------------------------------------------------------ helpers

    static string Info(ServerProcess s, string section, string field) =>
        TryInfo(s, section, field) ?? throw new InvalidOperationException($"INFO {section} of {s} has no {field}");

    static string? TryInfo(ServerProcess s, string section, string field)
    {
        foreach (var line in (s.Call("INFO", section).Text ?? "").Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        return null;
    }

    static long Stat(ServerProcess s, string field) => long.Parse(Info(s, "stats", field), CultureInfo.InvariantCulture);

    static void AssertSyncStats(ServerProcess master, long full, long partialOk, long partialErr) =>
        Assert.Equal((full, partialOk, partialErr), (Stat(master, "sync_full"), Stat(master, "sync_partial_ok"), Stat(master, "sync_partial_err")));

    static void WaitLinkUp(ServerProcess master, ServerProcess replica) =>
        WaitUntil(() => Info(replica, "replication", "master_link_status") == "up", Generous,
            () => $"the replica's link is {Info(replica, "replication", "master_link_status")}\n" +
                  $"--- master ---\n{Tail(master.LogText())}\n--- replica ---\n{Tail(replica.LogText())}");

    /// <summary>The replica applied everything the master produced: the same master_repl_offset on both ends.</summary>
    static void WaitOffsetsEqual(ServerProcess master, ServerProcess replica)
    {
        string? m = null, r = null;
        WaitUntil(() =>
        {
            m = Info(master, "replication", "master_repl_offset");
            r = Info(replica, "replication", "master_repl_offset");
            return m == r;
        }, Generous, () => $"master_repl_offset: master {m}, replica {r}");
    }

    /// <summary>Link up, equal offsets, and the same data on both ends (every key is a hash in these labs).</summary>
    static void AssertInSync(ServerProcess master, ServerProcess replica, int? expectedKeys)
    {
        Assert.Equal("up", Info(replica, "replication", "master_link_status"));
        WaitOffsetsEqual(master, replica);
        var onMaster = Hashes(master);
        var onReplica = Hashes(replica);
        if (expectedKeys != null) Assert.Equal(expectedKeys.Value, onMaster.Count);
        Assert.Equal(onMaster.Count, onReplica.Count);
        int differ = onMaster.Zip(onReplica).TakeWhile(p => p.First == p.Second).Count();
        Assert.True(differ == onMaster.Count, differ < onMaster.Count ? $"first difference: master '{onMaster[differ]}', replica '{onReplica[differ]}'" : "");
    }

    /// <summary>Every hash of db 0, as sorted "key field=value,..." lines (SCAN, then HGETALL pipelined).</summary>
    static List<string> Hashes(ServerProcess s)
    {
        using var c = s.Connect(timeout: TimeSpan.FromSeconds(30));
        var keys = new List<string>();
        string cursor = "0";
        do
        {
            var reply = c.Call("SCAN", cursor, "COUNT", "1000");
            cursor = reply.Items![0].Text!;
            keys.AddRange(reply.Items[1].Items!.Select(k => k.Text!));
        } while (cursor != "0");
        keys.Sort(StringComparer.Ordinal);
        var lines = new List<string>(keys.Count);
        foreach (var chunk in keys.Chunk(500))
        {
            foreach (var key in chunk) c.Send("HGETALL", key);
            foreach (var key in chunk)
            {
                var items = c.ReadReply().Items!;
                var pairs = new List<string>();
                for (int i = 0; i + 1 < items.Count; i += 2) pairs.Add(items[i].Text + "=" + items[i + 1].Text);
                pairs.Sort(StringComparer.Ordinal);
                lines.Add(key + " " + string.Join(",", pairs));
            }
        }
        return lines;
    }

    static int Count(string text, string needle)
    {
        int n = 0;
        for (int at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Waits until the server's log holds <paramref name="text"/> at least <paramref name="count"/> times.</summary>
    static void WaitForCount(ServerProcess s, string text, int count) =>
        WaitUntil(() => Count(s.LogText(), text) >= count, Generous,
            () => $"'{text}' appears {Count(s.LogText(), text)} times in the {s.Kind} log, expected {count}\n{Tail(s.LogText())}");

    /// <summary>Waits for the <paramref name="count"/>-th match of <paramref name="pattern"/> in the log and returns it.</summary>
    static Match WaitForMatches(ServerProcess s, Regex pattern, int count)
    {
        WaitUntil(() => pattern.Matches(s.LogText()).Count >= count, Generous,
            () => $"'{pattern}' matched {pattern.Matches(s.LogText()).Count} times in the {s.Kind} log, expected {count}\n{Tail(s.LogText())}");
        return pattern.Matches(s.LogText())[count - 1];
    }

    static void WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"not reached within {timeout.TotalSeconds} s: {describe()}");
            Thread.Sleep(100);
        }
    }

    static string Tail(string log) => log.Length <= 5000 ? log : log[^5000..];
}
