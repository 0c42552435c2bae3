using System.Text;
using Mirra.Persistence.Aof;
using static Mirra.Tests.Persistence.AofText;

namespace Mirra.Tests.Persistence;

/// <summary>
/// Loading AOF directories at startup: torn tails at every offset, MULTI/EXEC and SELECT in the file,
/// malformed files, the upgrade of an old single AOF, RDB bases through the loader seam, and the log
/// lines redis-server 7.0.15 prints for each case.
/// </summary>
public class AofLoaderTests
{
    const string Incr1 = "appendonly.aof.1.incr.aof";

    /// <summary>An AOF dir holding only <paramref name="incr"/> as appendonly.aof.1.incr.aof (and the manifest naming it).</summary>
    static void WriteIncrOnly(TempDir dir, byte[] incr)
    {
        string aofDir = dir["appendonlydir"];
        Directory.CreateDirectory(aofDir);
        File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        File.WriteAllBytes(Path.Combine(aofDir, Incr1), incr);
    }

    static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    static AofServer Load(TempDir dir, out bool ok, params string[] config)
    {
        var s = new AofServer(dir.Path, new[] { "appendonly", "yes" }.Concat(config).ToArray());
        ok = s.Aof.Startup();
        return s;
    }

    [Fact]
    public void WhatOneServerWritesTheNextLoads()
    {
        using var dir = new TempDir();
        string before;
        long expireAt;
        using (var s = Load(dir, out bool ok))
        {
            Assert.True(ok);
            s.Run("SET", "s", "v");
            s.Run("SET", "n", "10");
            s.Run("INCRBYFLOAT", "n", "1.5");
            s.Run("RPUSH", "l", "a", "b", "c");
            s.Run("LPOP", "l");
            s.Run("HSET", "h", "f", "1", "g", "2");
            s.Run("ZADD", "z", "1.5", "m", "-2", "n");
            s.Run("SELECT", "5");
            s.Run("SADD", "set", "x", "y", "1");
            s.Run("EXPIRE", "set", "1000");
            expireAt = s.Server.Clock.NowMs() + 1_000_000;
            s.Run("MULTI");
            s.Run("SET", "t1", "1");
            s.Run("SELECT", "6");
            s.Run("SET", "t2", "2");
            s.Run("EXEC");
            s.Run("SELECT", "0");
            s.Run("DEL", "s");
            s.Run("SPOP", "z"); // a wrong type: nothing written
            before = Dump(s.Ts);
        }
        using var again = Load(dir, out bool loaded);
        Assert.True(loaded);
        // Loading is not counted as commands run (Redis calls the command procs directly), except the commands
        // a transaction of the file runs (EXEC calls them the normal way): SET, SELECT, SET.
        var stats = again.Ts.Run("INFO", "stats");
        Assert.True(stats.Contains("total_commands_processed:3\r\n"), stats);
        Assert.Equal(before, Dump(again.Ts));
        Assert.Contains("5 set set = 1 x y expire=" + expireAt + "\n", before);
        var log = again.LogMessages();
        // The base of a fresh start is empty: like Redis, an empty file gets no "DB loaded from base file" line.
        Assert.DoesNotContain(log, l => l.StartsWith("DB loaded from base file", StringComparison.Ordinal));
        Assert.Contains("Opening AOF incr file appendonly.aof.1.incr.aof on server start", log);
        Assert.Contains(log, l => l.StartsWith("DB loaded from incr file appendonly.aof.1.incr.aof: ", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("DB loaded from append only file: ", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.StartsWith("Creating", StringComparison.Ordinal));
    }

    /// <summary>A small file: a command before a transaction, the transaction, a command after it.</summary>
    static readonly string[][] Script =
    [
        ["SELECT", "0"], ["SET", "a", "1"], ["MULTI"], ["SET", "b", "2"], ["INCR", "a"], ["EXEC"], ["SET", "c", "3"],
    ];

    /// <summary>The end offset of each command of <see cref="Script"/>.</summary>
    static List<int> ScriptEnds()
    {
        var ends = new List<int>();
        int pos = 0;
        foreach (var c in Script) ends.Add(pos += Resp(c).Length);
        return ends;
    }

    [Fact]
    public void ATornTailIsCutBackAtEveryOffsetWhenAllowed()
    {
        string text = string.Concat(Script.Select(c => Resp(c)));
        var ends = ScriptEnds();
        string[] stateAfter = ["", "a=1", "a=1", "a=1", "a=1", "a=2 b=2", "a=2 b=2 c=3"];
        var manifest = AofManifest.Parse(B("file appendonly.aof.1.incr.aof seq 1 type i\n"));

        using var dir = new TempDir();
        using var s = new AofServer(dir.Path);
        Directory.CreateDirectory(s.AofDir);
        string file = Path.Combine(s.AofDir, Incr1);
        for (int cut = 1; cut <= text.Length; cut++)
        {
            s.Ts.Run("FLUSHALL");
            File.WriteAllBytes(file, B(text[..cut]));
            int logMark = s.LogMessages().Count;
            var status = s.Aof.Loader.LoadAll(manifest, s.AofDir);

            int complete = ends.Count(e => e <= cut);      // commands read whole
            bool atBoundary = ends.Contains(cut);
            bool inMulti = complete >= 3 && complete <= 5;  // MULTI read, EXEC not
            // The file is kept up to the last whole command, or before the MULTI of a transaction it does not finish.
            // (Redis 7.0.15 cuts a torn command inside a transaction after the last queued one, which leaves a MULTI
            // that swallows the writes appended later: Mirra cuts before the MULTI there too.)
            long expectedLength = inMulti ? ends[1] : !atBoundary ? (complete == 0 ? 0 : ends[complete - 1]) : cut;
            bool torn = !atBoundary || inMulti;
            Assert.Equal(torn ? AofLoadStatus.Truncated : AofLoadStatus.Ok, status);
            Assert.Equal(expectedLength, new FileInfo(file).Length);
            Assert.Equal(stateAfter[complete == 0 ? 0 : inMulti ? 1 : complete - 1], State(s));
            var log = s.LogMessages().Skip(logMark).ToList();
            Assert.StartsWith($"DB loaded from incr file {Incr1}: ", log[^1]);
            log.RemoveAt(log.Count - 1);
            if (!torn)
            {
                Assert.Empty(log);
                continue;
            }
            var expected = new List<string>();
            if (atBoundary) expected.Add($"Revert incomplete MULTI/EXEC transaction in AOF file {Incr1}");
            expected.Add($"!!! Warning: short read while loading the AOF file {Incr1}!!!");
            expected.Add($"!!! Truncating the AOF {Incr1} at offset {expectedLength} !!!");
            expected.Add($"AOF {Incr1} loaded anyway because aof-load-truncated is enabled");
            Assert.Equal(expected, log);
        }
    }

    [Theory]
    [InlineData(10)]  // inside the first command
    [InlineData(80)]  // inside the transaction
    [InlineData(92)]  // a whole command inside the transaction
    [InlineData(145)] // inside the last SET
    public void AfterACutTheNextWritesFollowItAndSurviveARestart(int cut)
    {
        string text = string.Concat(Script.Select(c => Resp(c)));
        using var dir = new TempDir();
        WriteIncrOnly(dir, B(text[..cut]));
        using var s = Load(dir, out bool ok);
        Assert.True(ok, s.Log);
        Assert.Contains(s.LogMessages(), l => l.StartsWith("!!! Truncating the AOF", StringComparison.Ordinal));
        s.Run("SET", "c", "9");
        s.Aof.Stop();
        using var again = Load(dir, out bool ok2);
        Assert.True(ok2, again.Log);
        Assert.DoesNotContain(again.LogMessages(), l => l.Contains("short read", StringComparison.Ordinal));
        Assert.Equal(State(s), State(again));
        Assert.EndsWith("c=9", State(again));
    }

    static string State(AofServer s) => string.Join(' ', new[] { "a", "b", "c" }
        .Select(k => (k, v: s.Ts.Run("GET", k))).Where(p => p.v != "$-1\r\n").Select(p => p.k + "=" + p.v.Split("\r\n")[1]));

    [Fact]
    public void ATornTailStopsTheServerWhenNotAllowed()
    {
        string text = string.Concat(Script.Select(c => Resp(c)));
        var ends = ScriptEnds();
        var manifest = AofManifest.Parse(B("file appendonly.aof.1.incr.aof seq 1 type i\n"));
        using var dir = new TempDir();
        using var s = new AofServer(dir.Path, "aof-load-truncated", "no");
        Directory.CreateDirectory(s.AofDir);
        string file = Path.Combine(s.AofDir, Incr1);
        for (int cut = 1; cut <= text.Length; cut++)
        {
            s.Ts.Run("FLUSHALL");
            File.WriteAllBytes(file, B(text[..cut]));
            int logMark = s.LogMessages().Count;
            var status = s.Aof.Loader.LoadAll(manifest, s.AofDir);
            int complete = ends.Count(e => e <= cut);
            bool inMulti = complete >= 3 && complete <= 5;
            bool clean = ends.Contains(cut) && !inMulti;
            Assert.Equal(clean ? AofLoadStatus.Ok : AofLoadStatus.Failed, status);
            if (!clean)
            {
                var expected = new List<string>();
                if (ends.Contains(cut)) expected.Add($"Revert incomplete MULTI/EXEC transaction in AOF file {Incr1}");
                expected.Add($"Unexpected end of file reading the append only file {Incr1}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. " +
                             "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
                Assert.Equal(expected, s.LogMessages().Skip(logMark));
                Assert.Equal(cut, new FileInfo(file).Length); // untouched
            }
        }

        // The whole server refuses to start.
        using var dir2 = new TempDir();
        WriteIncrOnly(dir2, B(text[..10]));
        using var s2 = Load(dir2, out bool ok, "aof-load-truncated", "no");
        Assert.False(ok);
    }

    [Theory]
    [InlineData("*1\r\n$4\r\nPING\r\nXX\r\n*1\r\n$4\r\nPING\r\n")]   // junk between commands
    [InlineData("*0\r\n")]                                           // no arguments
    [InlineData("*2\r\n$3\r\nGET\r\n:5\r\n")]                         // an argument that is not a bulk
    [InlineData("*2\r\n$3\r\nSET\r\n$1\r\na\r\n")]                    // a known command with the wrong arity
    public void ABadFormatStopsTheServerWithRedisText(string content)
    {
        using var dir = new TempDir();
        WriteIncrOnly(dir, B("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" + content + "*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\nv\r\n"));
        using var s = Load(dir, out bool ok);
        Assert.False(ok);
        Assert.Contains($"Bad file format reading the append only file {Incr1}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", s.LogMessages());
    }

    [Fact]
    public void AnUnknownCommandStopsTheServer()
    {
        using var dir = new TempDir();
        WriteIncrOnly(dir, B("*1\r\n$5\r\nFOOBA\r\n"));
        using var s = Load(dir, out bool ok);
        Assert.False(ok);
        Assert.Contains($"Unknown command 'FOOBA' reading the append only file {Incr1}", s.LogMessages());
    }

    [Fact]
    public void AnnotationsAreSkippedAndSelectAndTransactionsWork()
    {
        using var dir = new TempDir();
        WriteIncrOnly(dir, B("#TS:1700000000\r\n" + Resp("SELECT", "3") + Resp("MULTI") + Resp("SET", "a", "1") + Resp("SELECT", "4") + Resp("RPUSH", "l", "x") +
                             Resp("EXEC") + "#TS:1700000001\r\n" + Resp("SET", "b", "2")));
        using var s = Load(dir, out bool ok);
        Assert.True(ok, s.Log);
        Assert.Equal("3 string a = 1 expire=-1\n4 string b = 2 expire=-1\n4 list l = x expire=-1\n", Dump(s.Ts));
    }

    [Fact]
    public void NothingExpiresWhileLoading()
    {
        // Written while k lived: INCR found it. Loaded after its time: INCR must still find it (and keep its TTL).
        using var dir = new TempDir();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        WriteIncrOnly(dir, B(Resp("SET", "k", "1", "PXAT", (now - 5000).ToString()) + Resp("INCR", "k") +
                             Resp("SET", "e", "1") + Resp("PEXPIREAT", "e", (now - 5000).ToString()) + Resp("RPUSH", "e", "x")));
        using var s = Load(dir, out bool ok);
        Assert.True(ok, s.Log);
        Assert.Equal(":0\r\n", s.Ts.Run("EXISTS", "k"));
        Assert.Equal(":0\r\n", s.Ts.Run("EXISTS", "e"));
    }

    [Fact]
    public void ATruncatedFileThatIsNotTheLastIsFatal()
    {
        using var dir = new TempDir();
        string aofDir = dir["appendonlydir"];
        Directory.CreateDirectory(aofDir);
        File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.1.base.aof"), Resp("SET", "a", "1") + "*3\r\n$3");
        File.WriteAllText(Path.Combine(aofDir, Incr1), Resp("SET", "b", "1"));
        using var s = Load(dir, out bool ok);
        Assert.False(ok);
        var log = s.LogMessages();
        Assert.Contains("AOF appendonly.aof.1.base.aof loaded anyway because aof-load-truncated is enabled", log);
        Assert.Contains("Fatal error: the truncated file is not the last file", log);
        Assert.DoesNotContain(log, l => l.StartsWith("DB loaded from base file", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileTheManifestNamesButTheDiskLacksIsFatal()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["appendonlydir"]);
        File.WriteAllText(Path.Combine(dir["appendonlydir"], "appendonly.aof.manifest"), "file appendonly.aof.3.incr.aof seq 3 type i\n");
        using var s = Load(dir, out bool ok);
        Assert.False(ok);
        Assert.Contains("Unable to obtain the AOF file appendonly.aof.3.incr.aof length. stat: No such file or directory", s.LogMessages());
    }

    [Fact]
    public void ABadManifestStopsTheServerEvenWithAppendonlyNo()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["appendonlydir"]);
        File.WriteAllText(Path.Combine(dir["appendonlydir"], "appendonly.aof.manifest"), "junk\n");
        using var s = new AofServer(dir.Path);
        Assert.False(s.Aof.Startup());
        // As redis-server logs it (each message ends with a newline of its own).
        Assert.Contains("# \n*** FATAL AOF MANIFEST FILE ERROR ***\n\n", s.Log);
        Assert.Contains("# Reading the manifest file, at line 1\n\n", s.Log);
        Assert.Contains("# >>> 'junk'\n\n", s.Log);
        Assert.Contains("# Invalid AOF manifest file format\n\n", s.Log);
    }

    [Fact]
    public void EmptyFilesLoadNothingButStillCount()
    {
        using var dir = new TempDir();
        WriteIncrOnly(dir, []);
        using var s = Load(dir, out bool ok);
        Assert.True(ok);
        var log = s.LogMessages();
        Assert.Contains(log, l => l.StartsWith("DB loaded from append only file: ", StringComparison.Ordinal));
        Assert.Contains("Opening AOF incr file appendonly.aof.1.incr.aof on server start", log);
    }

    [Fact]
    public void AnOldSingleAofIsMovedIntoTheDirectoryAsTheBase()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["appendonly.aof"], Resp("SELECT", "0") + Resp("SET", "a", "1"));
        using var s = Load(dir, out bool ok);
        Assert.True(ok, s.Log);
        Assert.Equal("$1\r\n1\r\n", s.Ts.Run("GET", "a"));
        Assert.False(File.Exists(dir["appendonly.aof"]));
        Assert.Equal("file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", s.ReadAof("appendonly.aof.manifest"));
        var log = s.LogMessages();
        Assert.Equal("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).", log[0]);
        Assert.StartsWith("DB loaded from base file appendonly.aof: ", log[1]);
        Assert.StartsWith("DB loaded from append only file: ", log[2]);
        Assert.Equal("Creating AOF incr file appendonly.aof.1.incr.aof on server start", log[3]);
        s.Run("SET", "b", "2");
        s.Aof.Stop();
        using var again = Load(dir, out bool ok2);
        Assert.True(ok2);
        Assert.Equal("$1\r\n2\r\n", again.Ts.Run("GET", "b"));
    }

    [Fact]
    public void AnOldSingleAofIsIgnoredWithAppendonlyNo()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["appendonly.aof"], Resp("SET", "a", "1"));
        using var s = new AofServer(dir.Path);
        Assert.True(s.Aof.Startup());
        Assert.True(File.Exists(dir["appendonly.aof"]));
        Assert.Equal("$-1\r\n", s.Ts.Run("GET", "a"));
    }

    /// <summary>A stand-in for the RDB reader: "REDIS" + lines "key value\n" up to a line "EOF\n".</summary>
    static Func<Stream, long> FakeRdb(AofServer s, List<long> calls) => stream =>
    {
        long start = stream.Position;
        calls.Add(start);
        var bytes = new byte[stream.Length - start];
        stream.ReadExactly(bytes);
        string text = Encoding.Latin1.GetString(bytes);
        if (!text.StartsWith("REDIS", StringComparison.Ordinal)) throw new InvalidOperationException("Wrong signature trying to load DB from file");
        int end = text.IndexOf("EOF\n", StringComparison.Ordinal);
        if (end < 0) throw new InvalidOperationException("Short read or OOM loading DB. Unrecoverable error, aborting now.");
        foreach (var line in text[5..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = line.Split(' ');
            s.Ts.Run("SET", kv[0], kv[1]);
        }
        return start + end + 4;
    };

    [Fact]
    public void AnRdbBaseGoesThroughTheRdbLoaderThenTheIncrFilesFollow()
    {
        using var dir = new TempDir();
        string aofDir = dir["appendonlydir"];
        Directory.CreateDirectory(aofDir);
        File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.1.base.rdb"), "REDISa 1\nb 2\nEOF\n");
        File.WriteAllText(Path.Combine(aofDir, Incr1), Resp("INCR", "a"));
        var s = new AofServer(dir.Path, "appendonly", "yes");
        using var _ = s;
        var calls = new List<long>();
        s.Aof.Loader.RdbLoader = FakeRdb(s, calls);
        Assert.True(s.Aof.Startup(), s.Log);
        Assert.Equal(new long[] { 0 }, calls);
        Assert.Equal("$1\r\n2\r\n$1\r\n2\r\n", s.Ts.Run("GET", "a") + s.Ts.Run("GET", "b"));
        var log = s.LogMessages();
        Assert.Equal("Reading RDB base file on AOF loading...", log[0]);
        Assert.StartsWith("DB loaded from base file appendonly.aof.1.base.rdb: ", log[1]);
    }

    [Fact]
    public void AnOldAofWithAnRdbPreambleLoadsThePreambleThenTheTail()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["appendonly.aof"], "REDISa 1\nEOF\n" + Resp("SET", "t", "tail") + Resp("INCR", "a"));
        var s = new AofServer(dir.Path, "appendonly", "yes");
        using var _ = s;
        var calls = new List<long>();
        s.Aof.Loader.RdbLoader = FakeRdb(s, calls);
        Assert.True(s.Aof.Startup(), s.Log);
        Assert.Equal("$1\r\n2\r\n$4\r\ntail\r\n", s.Ts.Run("GET", "a") + s.Ts.Run("GET", "t"));
        var log = s.LogMessages();
        Assert.Equal("Reading RDB preamble from AOF file...", log[1]);
        Assert.Equal("Reading the remaining AOF tail...", log[2]);
    }

    [Fact]
    public void ABadRdbBaseOrNoRdbLoaderStopsTheServer()
    {
        foreach (bool withLoader in new[] { true, false })
        {
            using var dir = new TempDir();
            string aofDir = dir["appendonlydir"];
            Directory.CreateDirectory(aofDir);
            File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
            File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.1.base.rdb"), "REDISa 1\n");
            using var s = new AofServer(dir.Path, "appendonly", "yes");
            if (withLoader) s.Aof.Loader.RdbLoader = FakeRdb(s, new List<long>());
            Assert.False(s.Aof.Startup());
            var log = s.LogMessages();
            Assert.Contains("Error reading the RDB base file appendonly.aof.1.base.rdb, AOF loading aborted", log);
            if (withLoader) Assert.Contains("Short read or OOM loading DB. Unrecoverable error, aborting now.", log);
        }
    }

    [Fact]
    public void DebugLoadAofReplacesTheDatasetWithTheFilesContent()
    {
        using var dir = new TempDir();
        using var s = Load(dir, out bool ok, "enable-debug-command", "yes");
        Assert.True(ok);
        s.Run("SET", "a", "1");
        s.Aof.Stop();
        s.Ts.Run("SET", "not-in-the-aof", "1");
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "LOADAOF"));
        Assert.Equal("0 string a = 1 expire=-1\n", Dump(s.Ts));
        Assert.Contains("Append Only File loaded by DEBUG LOADAOF", s.LogMessages());
    }
}
