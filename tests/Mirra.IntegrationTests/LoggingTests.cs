using System.Diagnostics;
using System.Text.RegularExpressions;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>Logs in Redis's format, the banner, log files and levels, and `daemonize yes` with a pid file.</summary>
public class LoggingTests
{
    static readonly Regex RedisLine = new(@"^\d+:[MC] \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] .+$");

    [Fact]
    public void Logfile_gets_redis_format_startup_lines_and_loglevel_filters()
    {
        using var server = ServerProcess.StartMirra("--logfile", "mirra.log", "--loglevel", "notice");
        var path = Path.Combine(server.Dir, "mirra.log");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        Assert.All(lines, l => Assert.Matches(RedisLine, l));
        Assert.Contains(lines, l => l.StartsWith($"{server.Pid}:M ") && l.EndsWith("# Server initialized"));
        Assert.Contains(lines, l => l.EndsWith("* Ready to accept connections tcp"));

        // Verbose lines appear only after CONFIG SET loglevel verbose.
        using (var c = server.Connect()) c.SendRaw("*1\r\nxyz\r\n"); // a protocol error is logged at verbose
        Thread.Sleep(200);
        Assert.DoesNotContain(File.ReadAllLines(path), l => l.Contains("Protocol error"));
        Assert.Equal("OK", server.Call("CONFIG", "SET", "loglevel", "verbose").AsString());
        using (var c = server.Connect()) { c.SendRaw("*1\r\nxyz\r\n"); c.IsClosedByServer(TimeSpan.FromSeconds(5)); }
        bool logged = false;
        for (int i = 0; i < 50 && !logged; i++, Thread.Sleep(100))
            logged = File.ReadAllLines(path).Any(l => l.Contains("- Protocol error (expected $ but got something else) from client: id=") && l.EndsWith("Query buffer during protocol error: 'xyz..'"));
        Assert.True(logged, "the verbose protocol-error line was not logged");
    }

    [Fact]
    public void Always_show_logo_prints_the_banner_with_port_and_pid()
    {
        using var server = ServerProcess.StartMirra("--always-show-logo", "yes");
        var log = server.LogText();
        Assert.Contains($"Port: {server.Port}", log);
        Assert.Contains($"PID: {server.Pid}", log);
        Assert.Contains("Mirra 0.1.0 (Redis 7.0.15 compatible)", log);
    }

    [Fact]
    public void Daemonize_detaches_writes_the_pid_file_and_shutdown_removes_it()
    {
        var dir = Directory.CreateTempSubdirectory("mirra-daemon-").FullName;
        int port = PortAllocator.Next();
        string pidFile = Path.Combine(dir, "mirra.pid");
        int pid = 0;
        try
        {
            var launcher = Path.Combine(ServerProcess.RepoRoot, "bin", "mirra-server");
            var run = ExternalTool.Run(launcher, ["--port", port.ToString(), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--pidfile", pidFile, "--logfile", Path.Combine(dir, "mirra.log"), "--dir", dir, "--save", ""], timeout: TimeSpan.FromMinutes(3));
            Assert.True(run.ExitCode == 0, run.ToString());
            for (int i = 0; i < 100 && !File.Exists(pidFile); i++) Thread.Sleep(100);
            Assert.True(File.Exists(pidFile), "no pid file");
            pid = int.Parse(File.ReadAllText(pidFile).Trim());
            using (var c = RespClient.Connect(port))
            {
                Assert.Equal("PONG", c.Call("PING").AsString());
                Assert.Contains($"process_id:{pid}\r\n", c.Call("INFO", "server").AsString());
            }
            Assert.True(RedisCli.Run(port, "shutdown").ExitCode is 0 or 1);
            for (int i = 0; i < 100 && File.Exists(pidFile); i++) Thread.Sleep(100);
            Assert.False(File.Exists(pidFile), "pid file left behind");
            pid = 0;
        }
        finally
        {
            if (pid != 0) try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
            Directory.Delete(dir, recursive: true);
        }
    }
}
