using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Mirra.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Mirra.IntegrationTests;

// Client management, MONITOR, SHUTDOWN and the network security settings against the real built
// mirra-server (bin/mirra-server), next to the real redis-server where the comparison matters.
// Split into classes (xunit collections) so two run at a time.

public class ClientConnectionTests
{
    [Fact]
    public void Kill_closes_other_connections_at_once_and_the_caller_after_its_reply()
    {
        using var server = ServerProcess.StartMirra();
        using var victim = server.Connect();
        using var killer = server.Connect();
        var victimInfo = victim.Call("CLIENT", "INFO").AsString();
        var addr = Regex.Match(victimInfo, @" addr=(\S+) ").Groups[1].Value;
        Assert.Equal("OK", killer.Call("CLIENT", "KILL", addr).AsString());
        Assert.True(victim.IsClosedByServer(TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain($" addr={addr} ", killer.Call("CLIENT", "LIST").AsString());

        // Pipelined after a self-kill: the kill replies, then the connection closes without running the rest.
        killer.SendRaw(RespClient.Encode("CLIENT", "KILL", "SKIPME", "no", "TYPE", "normal").Concat(RespClient.Encode("SET", "after", "1")).ToArray());
        Assert.Equal(1, killer.ReadReply().AsInteger());
        Assert.True(killer.IsClosedByServer(TimeSpan.FromSeconds(5)));
        Assert.True(server.Call("GET", "after").IsNull);
    }

    [Fact]
    public void Monitor_streams_the_commands_of_others_with_their_address()
    {
        using var server = ServerProcess.StartMirra();
        using var monitor = server.Connect();
        using var other = server.Connect();
        var addr = Regex.Match(other.Call("CLIENT", "INFO").AsString(), @" addr=(\S+) ").Groups[1].Value;
        Assert.Equal("OK", monitor.Call("MONITOR").AsString());
        Assert.Equal("OK", other.Call("SET", "k\n", "v v").AsString());
        other.Call("AUTH", "secret");
        var line = monitor.ReadReply().AsString();
        Assert.Matches($@"^\d{{10}}\.\d{{6}} \[0 {Regex.Escape(addr)}\] ""SET"" ""k\\n"" ""v v""$", line);
        Assert.EndsWith($"[0 {addr}] \"AUTH\" \"(redacted)\"", monitor.ReadReply().AsString());
        Assert.Contains(" flags=O ", server.Call("CLIENT", "LIST").AsString());
    }

    [Fact]
    public void Pause_write_holds_writes_until_it_ends_and_unpause_releases_them()
    {
        using var server = ServerProcess.StartMirra();
        using var admin = server.Connect();
        using var writer = server.Connect();
        Assert.Equal("OK", admin.Call("CLIENT", "PAUSE", "800", "WRITE").AsString());
        var sw = Stopwatch.StartNew();
        Assert.True(writer.Call("GET", "k").IsNull); // reads go on
        Assert.True(sw.ElapsedMilliseconds < 500, $"GET waited {sw.ElapsedMilliseconds} ms");
        sw.Restart();
        Assert.Equal("OK", writer.Call("SET", "k", "1").AsString());
        Assert.InRange(sw.ElapsedMilliseconds, 500, 5000);

        // PAUSE ALL holds every command, CLIENT UNPAUSE included; monitors (replicas for Redis) are never paused.
        long writerId = writer.Call("CLIENT", "ID").AsInteger();
        using var monitor = server.Connect();
        Assert.Equal("OK", monitor.Call("MONITOR").AsString());
        Assert.Equal("OK", admin.Call("CLIENT", "PAUSE", "60000").AsString());
        writer.Send("GET", "k");
        admin.Send("CLIENT", "UNPAUSE");
        Assert.Null(writer.TryReadReply(TimeSpan.FromMilliseconds(300)));
        Assert.Null(admin.TryReadReply(TimeSpan.FromMilliseconds(10)));
        Assert.Contains(" flags=b ", monitor.Call("CLIENT", "LIST", "ID", writerId.ToString()).AsString());
        Assert.Equal("OK", monitor.Call("CLIENT", "UNPAUSE").AsString());
        Assert.Equal("1", writer.ReadReply().AsString());
        Assert.Equal("OK", admin.ReadReply().AsString());
        Assert.Contains(" flags=N ", admin.Call("CLIENT", "LIST", "ID", writerId.ToString()).AsString());
    }

    [Fact]
    public void Idle_clients_time_out_but_monitors_do_not()
    {
        using var server = ServerProcess.StartMirra("--timeout", "1");
        using var idle = server.Connect();
        using var monitor = server.Connect();
        Assert.Equal("PONG", idle.Call("PING").AsString());
        Assert.Equal("OK", monitor.Call("MONITOR").AsString());
        var sw = Stopwatch.StartNew();
        Assert.True(idle.IsClosedByServer(TimeSpan.FromSeconds(6)), "idle client still open");
        Assert.InRange(sw.ElapsedMilliseconds, 900, 6000);
        Assert.False(monitor.IsClosedByServer(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void Maxclients_refuses_the_extra_client_with_redis_error()
    {
        using var server = ServerProcess.StartMirra("--maxclients", "2");
        using var a = ConnectWhenAdmitted(server);
        using var b = ConnectWhenAdmitted(server);
        using var c = server.Connect();
        var refusal = c.ReadReply();
        Assert.True(refusal.IsError);
        Assert.Equal("ERR max number of clients reached", refusal.Text);
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(5)));
        b.Dispose();
        using var d = ConnectWhenAdmitted(server); // the freed slot is reused
    }

    /// <summary>A connection that answered PING (the harness's own check connection may still hold a slot for a moment).</summary>
    static RespClient ConnectWhenAdmitted(ServerProcess server)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var c = server.Connect();
            var reply = c.Call("PING");
            if (!reply.IsError) { Assert.Equal("PONG", reply.AsString()); return c; }
            c.Dispose();
            Assert.Equal("ERR max number of clients reached", reply.Text);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "no slot became free");
            Thread.Sleep(50);
        }
    }
}

public class ServerLifecycleTests
{
    [Fact]
    public void Shutdown_exits_0_removes_the_pid_file_and_logs_like_redis()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"mirra-it-{Guid.NewGuid():N}.pid");
        try
        {
            using var server = ServerProcess.StartMirra("--pidfile", pidFile);
            Assert.Equal(server.Pid.ToString(), File.ReadAllText(pidFile).Trim());
            using var c = server.Connect();
            Assert.Equal("ERR No shutdown in progress.", c.Call("SHUTDOWN", "ABORT").Text);
            c.Send("SHUTDOWN");
            Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, server.Stop(TimeSpan.FromSeconds(10)));
            Assert.False(File.Exists(pidFile));
            var log = server.LogText();
            int a = log.IndexOf("# User requested shutdown...", StringComparison.Ordinal);
            int b = log.IndexOf("* Removing the pid file.", StringComparison.Ordinal);
            int e = log.IndexOf("# Mirra is now ready to exit, bye bye...", StringComparison.Ordinal);
            // The default save points (3600 1, 300 100, 60 10000) make SHUTDOWN save first, as Redis does.
            int s = log.IndexOf("* Saving the final RDB snapshot before exiting.", StringComparison.Ordinal);
            int d = log.IndexOf("* DB saved on disk", StringComparison.Ordinal);
            Assert.True(a >= 0 && s > a && d > s && b > d && e > b, log);
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [Fact]
    public void A_failed_shutdown_save_keeps_the_server_running_and_a_good_one_exits()
    {
        using var server = ServerProcess.StartMirra("--save", "3600 1");
        using var c = server.Connect();
        c.Call("SET", "k", "v");
        // A directory where the temp file goes makes the save fail (even for root).
        string blocker = Path.Combine(server.Dir, $"temp-{server.Pid}.rdb");
        Directory.CreateDirectory(blocker);
        Assert.Equal("ERR Errors trying to SHUTDOWN. Check logs.", c.Call("SHUTDOWN", "SAVE").Text);
        Assert.Equal("PONG", c.Call("PING").AsString());
        server.WaitForLog("* Saving the final RDB snapshot before exiting.");
        server.WaitForLog("# Error trying to save the DB, can't exit.");
        server.WaitForLog("# Errors trying to shut down the server. Check the logs for more information.");
        Directory.Delete(blocker);
        c.Send("SHUTDOWN"); // the save points make it save
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, server.Stop(TimeSpan.FromSeconds(10)));
        server.WaitForLog("* DB saved on disk");
        Assert.True(File.Exists(Path.Combine(server.Dir, "dump.rdb")));
    }

    [Fact]
    public void Sigterm_shuts_down_through_the_same_routine()
    {
        using var server = ServerProcess.StartMirra();
        Assert.Equal(0, server.Stop(TimeSpan.FromSeconds(10)));
        var log = server.LogText();
        Assert.Matches($@"{server.Pid}:signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.", log);
        Assert.True(log.IndexOf("User requested shutdown...", StringComparison.Ordinal) < log.IndexOf("ready to exit, bye bye...", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_several_addresses_with_ipv6_and_optional_ones()
    {
        if (!Socket.OSSupportsIPv6) return;
        using var server = ServerProcess.StartMirra("--bind", "127.0.0.1 -::1 -192.0.2.123");
        using var v6 = new RespClient("::1", server.Port);
        var info = v6.Call("CLIENT", "INFO").AsString();
        Assert.Matches($@" addr=\[::1\]:\d+ laddr=\[::1\]:{server.Port} ", info);
        server.WaitForLog($"Warning: Could not create server TCP listening socket 192.0.2.123:{server.Port}: bind: Cannot assign requested address");

        // A non-optional address that cannot be bound aborts the start, with Redis's messages.
        var bad = ExternalTool.Run(Path.Combine(ServerProcess.RepoRoot, "bin", "mirra-server"),
            ["--port", server.Port.ToString(), "--bind", "127.0.0.1"], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"Warning: Could not create server TCP listening socket 127.0.0.1:{server.Port}: bind: Address already in use", bad.Stdout);
        Assert.Contains($"Failed listening on port {server.Port} (TCP), aborting.", bad.Stdout);
    }

    [Fact]
    public void Tcp_keepalive_is_set_on_accepted_sockets()
    {
        using var server = ServerProcess.StartMirra("--tcp-keepalive", "7");
        using var c = server.Connect();
        Assert.Equal("PONG", c.Call("PING").AsString());
        var ss = ExternalTool.Run("ss", ["-tnoH", "state", "established", $"( sport = :{server.Port} )"]);
        Assert.Matches(@"timer:\(keepalive,[0-9.]+(ms|sec),", ss.Stdout); // under 7 s (the default 300 s shows minutes)
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Port_0_listens_only_on_the_unix_socket_with_its_permissions()
    {
        // A private launcher: the shared harness always gives a TCP port.
        var dir = Directory.CreateTempSubdirectory("mirra-it-unix-").FullName;
        var socketPath = Path.Combine(dir, "mirra.sock");
        using var process = UnixServer.Start(dir, "--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700");
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(socketPath) & (UnixFileMode)0x1ff);
            var info = UnixServer.Call(socketPath, "CLIENT", "INFO");
            Assert.Contains($" addr={socketPath}:0 laddr={socketPath}:0 ", info);
            Assert.Contains(" flags=U ", info);
            UnixServer.Call(socketPath, "SHUTDOWN");
            Assert.True(process.WaitForExit(10_000));
            process.WaitForExit(); // drains the redirected output
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(socketPath));
            Assert.Contains($"The server is now ready to accept connections at {socketPath}", UnixServer.Output(process));
            Assert.Contains("Removing the unix socket file.", UnixServer.Output(process));
        }
        finally
        {
            UnixServer.Kill(process);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Port_0_without_unixsocket_refuses_to_start()
    {
        var r = ExternalTool.Run(Path.Combine(ServerProcess.RepoRoot, "bin", "mirra-server"), ["--port", "0"], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("# Configured to not listen anywhere, exiting.", r.Stdout);
    }
}

/// <summary>
/// Starts bin/mirra-server without the shared harness (which always adds a TCP port), waits for the
/// unix socket, and kills by PID. Temporary: to be replaced by ServerProcess once it supports unix sockets.
/// </summary>
static class UnixServer
{
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, StringBuilder> Outputs = new();

    public static Process Start(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(ServerProcess.RepoRoot, "bin", "mirra-server"))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        var output = new StringBuilder();
        var p = Process.Start(psi)!;
        Outputs.Add(p, output);
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var socketPath = args[Array.IndexOf(args, "--unixsocket") + 1];
        var sw = Stopwatch.StartNew();
        while (!Output(p).Contains("ready to accept connections at"))
        {
            if (p.HasExited || sw.Elapsed > TimeSpan.FromSeconds(120))
            {
                Kill(p);
                throw new InvalidOperationException("mirra-server did not start on its unix socket:\n" + Output(p));
            }
            Thread.Sleep(50);
        }
        return p;
    }

    public static string Output(Process p)
    {
        var sb = Outputs.GetValue(p, _ => new StringBuilder());
        lock (sb) return sb.ToString();
    }

    public static void Kill(Process p)
    {
        try { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
    }

    /// <summary>Sends one command and returns the reply's text (bulk or status), or "" if the server closed.</summary>
    public static string Call(string socketPath, params string[] args)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(socketPath));
        s.Send(RespClient.Encode(args));
        s.ReceiveTimeout = 5000;
        var buffer = new byte[65536];
        int n = 0;
        while (true)
        {
            int r;
            try { r = s.Receive(buffer, n, buffer.Length - n, SocketFlags.None); }
            catch (SocketException) { break; }
            if (r == 0) break;
            n += r;
            var text = Encoding.UTF8.GetString(buffer, 0, n);
            if (text.StartsWith('+') && text.EndsWith("\r\n")) return text[1..^2];
            var m = Regex.Match(text, @"^\$(\d+)\r\n");
            if (m.Success && n >= m.Length + int.Parse(m.Groups[1].Value) + 2) return text.Substring(m.Length, int.Parse(m.Groups[1].Value));
        }
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}

public class ProtectedModeTests
{
    readonly ITestOutputHelper _out;
    public ProtectedModeTests(ITestOutputHelper output) => _out = output;

    static int _counter;

    /// <summary>
    /// A network namespace joined to this host by a veth pair: clients in it come from another host
    /// (10.x.y.2) to the host side (10.x.y.1). Null when the machine does not allow it (not root, no ip).
    /// </summary>
    sealed class OtherHost : IDisposable
    {
        public string Name = "", HostIp = "", PeerIp = "";
        public void Dispose() => ExternalTool.Run("ip", ["netns", "del", Name]);

        public static OtherHost? Create(ITestOutputHelper log)
        {
            int n = Interlocked.Increment(ref _counter);
            int tag = (Environment.ProcessId % 20000) * 4 + n % 4;
            var h = new OtherHost { Name = $"mirra-pm-{Environment.ProcessId}-{n}" };
            string a = $"mpa{tag}", b = $"mpb{tag}";
            h.HostIp = $"10.{200 + tag % 50}.{tag / 50 % 250}.1";
            h.PeerIp = $"10.{200 + tag % 50}.{tag / 50 % 250}.2";
            string[][] steps =
            [
                ["netns", "add", h.Name],
                ["link", "add", a, "type", "veth", "peer", "name", b],
                ["link", "set", b, "netns", h.Name],
                ["addr", "add", h.HostIp + "/24", "dev", a],
                ["link", "set", a, "up"],
                ["netns", "exec", h.Name, "ip", "addr", "add", h.PeerIp + "/24", "dev", b],
                ["netns", "exec", h.Name, "ip", "link", "set", b, "up"],
                ["netns", "exec", h.Name, "ip", "link", "set", "lo", "up"],
            ];
            foreach (var step in steps)
            {
                ToolResult r;
                try { r = ExternalTool.Run("ip", step, timeout: TimeSpan.FromSeconds(20)); }
                catch (FileNotFoundException) { log.WriteLine("no ip tool: protected mode test not run"); return null; }
                if (r.ExitCode != 0)
                {
                    log.WriteLine($"cannot build a network namespace here ({r}): protected mode test not run");
                    ExternalTool.Run("ip", ["netns", "del", h.Name]);
                    ExternalTool.Run("ip", ["link", "del", a]);
                    return null;
                }
            }
            return h;
        }

        public string Cli(int port, params string[] args) =>
            ExternalTool.Run("ip", new[] { "netns", "exec", Name, "redis-cli", "-h", HostIp, "-p", port.ToString() }.Concat(args), timeout: TimeSpan.FromSeconds(20)).Stdout;
    }

    [Fact]
    public void Protected_mode_denies_other_hosts_exactly_like_redis_whatever_the_bind()
    {
        using var host = OtherHost.Create(_out);
        if (host == null) return;
        string bind = $"127.0.0.1 {host.HostIp}";
        // What a client of another host gets, from redis-server and from Mirra, in each setting.
        string[][] settings = [[], ["--protected-mode", "no"], ["--requirepass", "pw"]];
        foreach (var setting in settings)
        {
            string fromRedis, fromMirra;
            using (var redis = ServerProcess.StartRedis(["--bind", bind, "--save", "", .. setting]))
                fromRedis = host.Cli(redis.Port, "PING");
            using (var mirra = ServerProcess.StartMirra(["--bind", bind, .. setting]))
            {
                fromMirra = host.Cli(mirra.Port, "PING");
                if (setting.Length == 0) Assert.Equal("PONG", mirra.Call("PING").AsString()); // loopback is served
            }
            _out.WriteLine($"{string.Join(' ', setting)}: {fromRedis.Trim()}");
            Assert.Equal(fromRedis, fromMirra);
            if (setting.Length == 0) Assert.StartsWith("DENIED Redis is running in protected mode because protected mode is enabled", fromMirra);
            else if (setting[0] == "--protected-mode") Assert.Equal("PONG\n", fromMirra);
            else Assert.StartsWith("NOAUTH Authentication required.", fromMirra);
        }
    }
}

public class InteractiveRedisCliTests
{
    [Fact]
    public void Interactive_redis_cli_starts_with_command_docs_and_pipe_mode_works()
    {
        using var server = ServerProcess.StartMirra();
        using var monitor = server.Connect();
        Assert.Equal("OK", monitor.Call("MONITOR").AsString());

        // A terminal for redis-cli (TERM=dumb: no cursor queries), so it runs its interactive start.
        var input = Encoding.ASCII.GetBytes("ping\nclient setname cli\nclient getname\ncommand count\nexit\n");
        var r = ExternalTool.Run("env", ["TERM=dumb", "script", "-qfec", $"redis-cli -h 127.0.0.1 -p {server.Port}", "/dev/null"], input, TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("PONG", r.Stdout);
        Assert.Contains("\"cli\"", r.Stdout);
        Assert.Matches(@"\(integer\) \d+", r.Stdout);
        Assert.DoesNotContain("(error)", r.Stdout);
        Assert.EndsWith("\"COMMAND\" \"DOCS\"", monitor.ReadReply().AsString());

        var stream = RedisCli.BuildPipeStream(Enumerable.Range(0, 500).Select(i => new[] { "SET", $"k{i}", $"v{i}" }));
        var pipe = RedisCli.Pipe(server.Port, stream);
        Assert.Equal((0L, 500L), RedisCli.ParsePipeSummary(pipe));
        Assert.Equal("v499", server.Call("GET", "k499").AsString());
    }
}

public class CommandTableTests
{
    readonly ITestOutputHelper _out;
    public CommandTableTests(ITestOutputHelper output) => _out = output;

    /// <summary>A COMMAND INFO entry as text, subcommands sorted (Redis lists them in hash order).</summary>
    static string Canonical(RespValue info)
    {
        if (info.IsNull) return "(nil)";
        var items = info.AsArray();
        var head = string.Join(" | ", items.Take(9).Select(v => v.ToString()));
        var subs = items[9].AsArray().Select(Canonical).OrderBy(s => s, StringComparer.Ordinal);
        return head + " [" + string.Join("; ", subs) + "]";
    }

    static string Docs(RespValue docs)
    {
        var d = docs.AsArray()[1].AsArray();
        var fields = new List<string>();
        for (int i = 0; i < d.Count; i += 2)
        {
            var key = d[i].AsString();
            if (key is "since" or "group" or "complexity") fields.Add($"{key}={d[i + 1].AsString()}");
            if (key == "subcommands")
            {
                var subs = d[i + 1].AsArray();
                for (int j = 0; j < subs.Count; j += 2)
                    fields.Add(subs[j].AsString() + ":" + Docs(RespValue.Arr([subs[j], subs[j + 1]])));
            }
        }
        fields.Sort(StringComparer.Ordinal);
        return string.Join(",", fields);
    }

    [Fact]
    public void Command_info_and_docs_facts_match_redis_for_client_command_monitor_shutdown()
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using var mirra = ServerProcess.StartMirra();
        using var r = redis.Connect();
        using var m = mirra.Connect();
        foreach (var name in new[] { "client", "command", "monitor", "shutdown" })
        {
            Assert.Equal(Canonical(r.Call("COMMAND", "INFO", name)[0]), Canonical(m.Call("COMMAND", "INFO", name)[0]));
            Assert.Equal(Docs(r.Call("COMMAND", "DOCS", name)), Docs(m.Call("COMMAND", "DOCS", name)));
        }
        // The other families, for information: what their declarations still lack (ACL categories, tips, key specs).
        foreach (var name in m.Call("COMMAND", "LIST").AsStrings())
        {
            var mine = Canonical(m.Call("COMMAND", "INFO", name!)[0]);
            var theirs = Canonical(r.Call("COMMAND", "INFO", name!)[0]);
            if (mine != theirs) _out.WriteLine($"{name}:\n  redis {theirs}\n  mirra {mine}");
        }
    }
}
