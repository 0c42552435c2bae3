using Mirra.Tests.Support;
using Xunit;

namespace Mirra.Tests.Persistence;

/// <summary>SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD, -LOADING and MISCONF, on an in-process server with its own dir.</summary>
public sealed class PersistenceCommandsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("mirra-persist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    TestServer NewServer(params string[] config) => new(new[] { "dir", _dir, "save", "", "enable-debug-command", "yes" }.Concat(config).ToArray());

    [Fact]
    public void SaveWritesTheFileAndResetsTheChangeCount()
    {
        var s = NewServer();
        s.Run("SET", "a", "1");
        s.Run("SET", "b", "2");
        Assert.Contains("rdb_changes_since_last_save:2\r\n", s.Run("INFO", "persistence"));
        Assert.Equal("+OK\r\n", s.Run("SAVE"));
        Assert.True(File.Exists(Path.Combine(_dir, "dump.rdb")));
        Assert.Empty(Directory.GetFiles(_dir, "temp-*"));
        string info = s.Run("INFO", "persistence");
        Assert.Contains("rdb_changes_since_last_save:0\r\n", info);
        Assert.Contains("rdb_saves:1\r\n", info);
        Assert.Equal($":{s.Server.Clock.NowMs() / 1000}\r\n", s.Run("LASTSAVE"));
    }

    [Fact]
    public void DebugReloadRestoresTheSavedDataSet()
    {
        var s = NewServer();
        s.Run("SET", "a", "1");
        s.Run("HSET", "h", "f", "v");
        s.Run("SELECT", "2");
        s.Run("RPUSH", "l", "x", "y");
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "RELOAD"));
        Assert.Equal("*2\r\n$1\r\nx\r\n$1\r\ny\r\n", s.Run("LRANGE", "l", "0", "-1"));
        s.Run("SELECT", "0");
        Assert.Equal("$1\r\n1\r\n", s.Run("GET", "a"));
        Assert.Equal("$1\r\nv\r\n", s.Run("HGET", "h", "f"));

        // NOSAVE reloads the file as it is: later writes are dropped.
        s.Run("SET", "a", "changed");
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "RELOAD", "NOSAVE"));
        Assert.Equal("$1\r\n1\r\n", s.Run("GET", "a"));
        Assert.Equal("-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n", s.Run("DEBUG", "RELOAD", "FAST"));
    }

    [Fact]
    public void DebugReloadRaisesNoKeyspaceEventForTheLoadedKeys()
    {
        // redis-server 7.0.15 (notify-keyspace-events KEAn): DEBUG RELOAD and DEBUG RELOAD MERGE publish nothing;
        // only the next command's own events follow ("new c", "set c").
        var s = NewServer("notify-keyspace-events", "KEAn");
        s.Run("SET", "a", "1");
        s.Run("HSET", "h", "f", "v");
        var events = s.CaptureKeyEvents();
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "RELOAD"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "RELOAD", "MERGE"));
        Assert.Empty(events);
        s.Run("SET", "c", "1");
        Assert.Equal(new[] { "new c", "set c" }, events);
        Assert.Equal("$1\r\nv\r\n", s.Run("HGET", "h", "f"));
    }

    [Fact]
    public void BackgroundSaveRepliesAsRedis()
    {
        var s = NewServer();
        Assert.Equal("-ERR syntax error\r\n", s.Run("BGSAVE", "NOW"));
        Assert.Equal("-ERR syntax error\r\n", s.Run("BGSAVE", "SCHEDULE", "x"));
        Assert.Equal("-ERR wrong number of arguments for 'save' command\r\n", s.Run("SAVE", "x"));
        s.Run("MULTI");
        Assert.Equal("-ERR Command not allowed inside a transaction\r\n", s.Run("SAVE"));
        s.Run("DISCARD");
        s.Run("MULTI");
        s.Run("BGSAVE");
        Assert.Equal("*1\r\n+Background saving scheduled\r\n", s.Run("EXEC"));
        Assert.True(s.Server.Rdb.BgsaveScheduled);
    }

    [Fact]
    public void WhileLoadingOnlyLoadingCommandsRun()
    {
        var s = NewServer();
        s.Server.Loading.Begin(1000, s.Server.Clock.NowMs());
        s.Server.Loading.LoadedBytes = 250;
        Assert.Equal("-LOADING Redis is loading the dataset in memory\r\n", s.Run("GET", "a"));
        Assert.Equal("-LOADING Redis is loading the dataset in memory\r\n", s.Run("PING"));
        string info = s.Run("INFO", "persistence");
        Assert.Contains("loading:1\r\n", info);
        Assert.Contains("loading_total_bytes:1000\r\n", info);
        Assert.Contains("loading_loaded_bytes:250\r\n", info);
        Assert.Contains("loading_loaded_perc:25.00\r\n", info);
        s.Server.Loading.End();
        Assert.Equal("+PONG\r\n", s.Run("PING"));
        Assert.DoesNotContain("loading_total_bytes", s.Run("INFO", "persistence"));
    }

    [Fact]
    public void FailedSaveWithSavePointsDeniesWritesAndPing()
    {
        var s = NewServer("save", "3600 1");
        Directory.CreateDirectory(Path.Combine(_dir, $"temp-{Environment.ProcessId}.rdb")); // the temp file cannot be created
        Assert.Equal("+Background saving started\r\n", s.Run("BGSAVE"));
        Assert.Contains("rdb_last_bgsave_status:err\r\n", s.Run("INFO", "persistence"));
        Assert.StartsWith("-MISCONF Redis is configured to save RDB snapshots", s.Run("SET", "a", "1"));
        Assert.StartsWith("-MISCONF", s.Run("PING"));
        Assert.Equal("$-1\r\n", s.Run("GET", "a"));
        s.Run("MULTI");
        Assert.StartsWith("-MISCONF", s.Run("INCR", "a"));
        Assert.StartsWith("-EXECABORT", s.Run("EXEC"));
        s.Configure("save", "");
        Assert.Equal("+OK\r\n", s.Run("SET", "a", "1")); // without save points the error no longer matters
    }
}
