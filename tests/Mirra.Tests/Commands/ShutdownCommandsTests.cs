using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// Replies and log lines as redis-server 7.0.15 gives them (its failing save: a removed --dir).
public class ShutdownCommandsTests
{
    [Fact]
    public void ArgumentErrors()
    {
        var ts = new TestServer();
        Assert.Equal("-ERR syntax error\r\n", ts.Run("SHUTDOWN", "FOO"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("SHUTDOWN", "NOSAVE", "SAVE"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("SHUTDOWN", "ABORT", "NOW"));
        Assert.Equal("-ERR No shutdown in progress.\r\n", ts.Run("SHUTDOWN", "ABORT"));
        Assert.False(ts.Server.Shutdown.Completed);
    }

    /// <summary>A directory where the temp file should go makes every save fail (even for root).</summary>
    static void BreakSaves(TestServer ts) => Directory.CreateDirectory(Path.Combine(ts.Server.Config.Dir, $"temp-{Environment.ProcessId}.rdb"));

    [Fact]
    public void AFailedSaveKeepsTheServerRunning()
    {
        var ts = new TestServer();
        BreakSaves(ts);
        Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", ts.Run("SHUTDOWN", "SAVE"));
        Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", ts.Run("SHUTDOWN", "NOW", "NOW", "SAVE"));
        Assert.False(ts.Server.Shutdown.Completed);
        Assert.Equal("+PONG\r\n", ts.Run("PING"));
    }

    [Fact]
    public void SavePointsMakePlainShutdownSaveWhenPersistenceExistsAndNosaveSkipsIt()
    {
        var ts = new TestServer("save", "3600 1");
        int saves = 0;
        string? failure = "Failed opening the temp RDB file";
        ts.Server.Shutdown.SaveSnapshot = () => { saves++; return failure; };
        Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", ts.Run("SHUTDOWN"));
        Assert.Equal(1, saves);
        Assert.False(ts.Server.Shutdown.Completed);
        Assert.Equal("", ts.Run("SHUTDOWN", "NOSAVE"));
        Assert.Equal(1, saves);
        Assert.True(ts.Server.Shutdown.Completed);
    }

    [Fact]
    public void TheDefaultSavePointsSaveAtShutdown()
    {
        var ts = new TestServer(); // Redis's default save points
        Assert.NotEmpty(ts.Server.Config.Save);
        ts.Run("SET", "k", "v");
        Assert.Equal("", ts.Run("SHUTDOWN"));
        Assert.True(ts.Server.Shutdown.Completed);
        Assert.True(File.Exists(Path.Combine(ts.Server.Config.Dir, "dump.rdb")));
    }

    [Fact]
    public void ForceExitsEvenWhenTheSaveFails()
    {
        var ts = new TestServer();
        BreakSaves(ts);
        int? exitCode = null;
        ts.Server.Shutdown.ExitProcess = code => exitCode = code;
        Assert.Equal("", ts.Run("SHUTDOWN", "SAVE", "FORCE"));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public void SaveHookIsUsedAndThePidFileRemoved()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"mirra-shutdown-test-{Guid.NewGuid():N}.pid");
        var ts = new TestServer("pidfile", pidFile);
        Shutdown.CreatePidFile(ts.Server.Config, ts.Server.Log);
        Assert.Equal(Environment.ProcessId + "\n", File.ReadAllText(pidFile));
        int saves = 0;
        ts.Server.Shutdown.SaveSnapshot = () => { saves++; return null; };
        int? exitCode = null;
        ts.Server.Shutdown.ExitProcess = code => exitCode = code;
        Assert.Equal("", ts.Run("shutdown", "save", "now"));
        Assert.Equal(1, saves);
        Assert.Equal(0, exitCode);
        Assert.False(File.Exists(pidFile));
    }

    [Fact]
    public void PlainShutdownWithoutSavePointsJustExits()
    {
        var ts = new TestServer("save", "");
        int saves = 0;
        ts.Server.Shutdown.SaveSnapshot = () => { saves++; return null; };
        Assert.Equal("", ts.Run("SHUTDOWN"));
        Assert.Equal(0, saves);
        Assert.True(ts.Server.Shutdown.Completed);
    }
}
