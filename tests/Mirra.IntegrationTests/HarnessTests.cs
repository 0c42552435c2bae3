using System.Diagnostics;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;
using Xunit;

namespace Mirra.IntegrationTests;

// Self-tests of the integration harness. They run against Debian's real redis-server only, so they
// prove the harness itself; Mirra's tests use the same classes with ServerKind.Mirra.
// Split into a few classes (= xunit collections) so they run two at a time.

public class ServerProcessTests
{
    [Fact]
    public void Redis_starts_on_a_free_port_and_answers_ping()
    {
        using var server = ServerProcess.StartRedis("--save", "", "--appendonly", "no");
        Assert.Equal(ServerKind.Redis, server.Kind);
        Assert.InRange(server.Port, 1024, 65535);
        Assert.True(Directory.Exists(server.Dir));
        Assert.Equal("PONG", server.Call("PING").AsString());

        var info = server.Call("INFO", "server").AsString();
        Assert.Contains($"process_id:{server.Pid}\r\n", info);
        Assert.Contains($"tcp_port:{server.Port}\r\n", info);
        server.WaitForLog("Ready to accept connections");
        Assert.True(File.Exists(server.LogPath));
    }

    [Fact]
    public void Config_file_and_extra_args_are_applied_and_dir_is_the_temp_dir()
    {
        using var server = ServerProcess.Start(ServerKind.Redis, ["--hz", "25"], config: "maxmemory 12mb\nsave \"\"\n");
        Assert.NotNull(server.ConfigPath);
        Assert.StartsWith(server.Dir, server.ConfigPath);
        Assert.Equal("12582912", server.Call("CONFIG", "GET", "maxmemory")["maxmemory"].AsString());
        Assert.Equal("25", server.Call("CONFIG", "GET", "hz")["hz"].AsString());
        Assert.Equal(server.Dir, server.Call("CONFIG", "GET", "dir")["dir"].AsString());
    }

    [Fact]
    public void Restart_keeps_port_dir_and_data_and_the_rdb_passes_redis_check_rdb()
    {
        using var server = ServerProcess.StartRedis(); // default save points: SIGTERM writes dump.rdb
        Assert.Equal("OK", server.Call("SET", "k", "v").AsString());
        int port = server.Port, pid = server.Pid;

        server.Restart();
        Assert.Equal(port, server.Port);
        Assert.NotEqual(pid, server.Pid);
        Assert.Equal("v", server.Call("GET", "k").AsString());

        var rdb = Path.Combine(server.Dir, "dump.rdb");
        Assert.True(File.Exists(rdb));
        var check = ExternalTool.Run("redis-check-rdb", [rdb]);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("RDB looks OK", check.Stdout);
    }

    [Fact]
    public void Dispose_stops_the_process_and_deletes_the_dir()
    {
        var server = ServerProcess.StartRedis("--save", "");
        int pid = server.Pid;
        string dir = server.Dir;
        server.Dispose();
        Assert.False(ProcessAlive(pid), $"pid {pid} still alive");
        Assert.False(Directory.Exists(dir));
        server.WaitForLog("Redis is now ready to exit"); // SIGTERM path, not SIGKILL
        server.Dispose(); // idempotent
    }

    [Fact]
    public void Kill_simulates_a_crash()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        server.Kill();
        Assert.True(server.HasExited);
        Assert.Equal(137, server.ExitCode);
        Assert.False(ProcessAlive(server.Pid));
    }

    [Fact]
    public void Startup_failure_throws_with_the_server_log()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ServerProcess.StartRedis("--no-such-directive", "x"));
        Assert.Contains("exited with code", e.Message);
        Assert.Contains("Bad directive or wrong number of arguments", e.Message);
    }

    [Fact]
    public void Port_is_chosen_by_the_harness()
    {
        Assert.Throws<ArgumentException>(() => ServerProcess.StartRedis("--port", "6379"));
    }

    [Fact]
    public void Parallel_starts_get_distinct_ports()
    {
        var servers = new ServerProcess[4];
        try
        {
            Parallel.For(0, servers.Length, i => servers[i] = ServerProcess.StartRedis("--save", ""));
            Assert.Equal(servers.Length, servers.Select(s => s.Port).Distinct().Count());
            foreach (var s in servers)
            {
                s.Call("SET", "owner", s.Pid.ToString());
                Assert.Equal(s.Pid.ToString(), s.Call("GET", "owner").AsString());
            }
        }
        finally
        {
            foreach (var s in servers) s?.Dispose();
        }
    }

    [Fact]
    public void A_launcher_that_execs_gives_the_server_pid_like_bin_mirra_server()
    {
        // Same contract as bin/mirra-server: a script that execs the real program.
        var scriptDir = Directory.CreateTempSubdirectory("mirra-it-launcher-").FullName;
        try
        {
            var script = Path.Combine(scriptDir, "fake-mirra-server");
            File.WriteAllText(script, "#!/bin/sh\nexec redis-server \"$@\"\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var server = ServerProcess.Start(ServerKind.Mirra, ["--save", ""], executable: script);
            Assert.Equal(ServerKind.Mirra, server.Kind);
            Assert.Contains($"process_id:{server.Pid}\r\n", server.Call("INFO", "server").AsString());
        }
        finally
        {
            Directory.Delete(scriptDir, true);
        }
    }

    [Fact]
    public void Repo_root_is_found()
    {
        Assert.True(File.Exists(Path.Combine(ServerProcess.RepoRoot, "Mirra.slnx")));
    }

    internal static bool ProcessAlive(int pid)
    {
        // A reaped process has no /proc entry; a zombie would still show, with state Z.
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return false;
        try { return !File.ReadAllText(status).Contains("State:\tZ"); }
        catch (IOException) { return false; }
    }
}

public class RespClientTests
{
    [Fact]
    public void Resp2_set_get_binary_nulls_integers_arrays_errors()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        using var c = server.Connect();

        Assert.Equal(RespType.SimpleString, c.Call("SET", "k", "héllo").Type);
        Assert.Equal("héllo", c.Call("GET", "k").AsString());

        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal("OK", c.Call("SET"u8.ToArray(), "bin"u8.ToArray(), binary).AsString());
        Assert.Equal(binary, c.Call("GET", "bin").Bytes);

        var missing = c.Call("GET", "nope");
        Assert.Equal(RespType.BulkString, missing.Type);
        Assert.True(missing.IsNull);
        Assert.Equal("(nil)", missing.ToString());

        Assert.Equal(5, c.Call("INCRBY", "n", "5").Integer);
        Assert.Equal(5, c.Call("GET", "n").AsInteger()); // bulk "5" read as an integer
        Assert.Equal("(integer) 5", c.Call("INCRBY", "n", "0").ToString());

        c.Call("RPUSH", "l", "a", "b", "c");
        var range = c.Call("LRANGE", "l", "0", "-1");
        Assert.Equal(new[] { "a", "b", "c" }, range.AsStrings());
        Assert.Equal("[\"a\", \"b\", \"c\"]", range.ToString());

        var err = c.Call("INCR", "l");
        Assert.True(err.IsError);
        Assert.StartsWith("WRONGTYPE", err.Text);
        Assert.StartsWith("(error) WRONGTYPE", err.ToString());

        var timedOut = c.Call("BLPOP", "empty", "0.05");
        Assert.Equal(RespType.Array, timedOut.Type);
        Assert.True(timedOut.IsNull); // RESP2 null array *-1

        c.Call("HSET", "h", "f1", "v1", "f2", "v2");
        var map = c.Call("HGETALL", "h").AsMap(); // RESP2 flat array read as a map
        Assert.Equal("v2", map["f2"].AsString());
    }

    [Fact]
    public void Resp3_hello_map_and_every_reply_type()
    {
        using var server = ServerProcess.StartRedis("--save", "", "--enable-debug-command", "yes");
        using var c = server.Connect();
        var hello = c.Call("HELLO", "3");
        Assert.Equal(RespType.Map, hello.Type);
        Assert.Equal("redis", hello["server"].AsString());
        Assert.Equal(3, hello["proto"].Integer);
        Assert.Equal("master", hello["role"].AsString());

        c.Call("HSET", "h", "a", "1", "b", "2");
        var h = c.Call("HGETALL", "h");
        Assert.Equal(RespType.Map, h.Type);
        Assert.Equal("2", h["b"].AsString());

        c.Call("SADD", "s", "x", "y");
        var set = c.Call("SMEMBERS", "s");
        Assert.Equal(RespType.Set, set.Type);
        Assert.Equal(new[] { "x", "y" }, set.AsStrings().Order());

        Assert.Equal(RespType.Null, c.Call("GET", "missing").Type);
        Assert.Equal("(null)", c.Call("GET", "missing").ToString());

        c.Call("ZADD", "z", "1.5", "m");
        var score = c.Call("ZSCORE", "z", "m");
        Assert.Equal(RespType.Double, score.Type);
        Assert.Equal(1.5, score.Double);

        Assert.Equal(3.141, c.Call("DEBUG", "PROTOCOL", "double").Double);
        var big = c.Call("DEBUG", "PROTOCOL", "bignum");
        Assert.Equal(RespType.BigNumber, big.Type);
        Assert.Equal("1234567999999999999999999999999999999", big.Text);
        Assert.True(c.Call("DEBUG", "PROTOCOL", "true").Boolean);
        Assert.Equal("(false)", c.Call("DEBUG", "PROTOCOL", "false").ToString());

        var verbatim = c.Call("DEBUG", "PROTOCOL", "verbatim");
        Assert.Equal(RespType.Verbatim, verbatim.Type);
        Assert.Equal("txt", verbatim.VerbatimFormat);
        Assert.Equal("This is a verbatim\nstring", verbatim.AsString());

        var withAttr = c.Call("DEBUG", "PROTOCOL", "attrib");
        Assert.Equal("Some real reply following the attribute", withAttr.AsString());
        Assert.NotNull(withAttr.Attributes);
        Assert.Equal("key-popularity", withAttr.Attributes![0].Key.AsString());

        // DEBUG PROTOCOL push sends a push message, then the reply.
        var push = c.Call("DEBUG", "PROTOCOL", "push");
        Assert.Equal(RespType.Push, push.Type);
        Assert.Equal("server-cpu-usage", push[0].AsString());
        Assert.Equal("Some real reply following the push reply", c.ReadReply().AsString());

        // Pub/sub messages are pushes in RESP3.
        using var sub = server.Connect(protocol: 3);
        var subscribed = sub.Call("SUBSCRIBE", "ch");
        Assert.Equal(RespType.Push, subscribed.Type);
        Assert.Equal(1, c.Call("PUBLISH", "ch", "hi").Integer);
        var msg = sub.ReadReply();
        Assert.Equal(">[\"message\", \"ch\", \"hi\"]", msg.ToString());
        Assert.Null(sub.TryReadReply(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Pipelining_inline_commands_and_protocol_errors()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        using var c = server.Connect();

        for (int i = 0; i < 100; i++) c.Send("INCR", "counter");
        for (int i = 1; i <= 100; i++) Assert.Equal(i, c.ReadReply().Integer);

        c.SendRaw("PING\r\nECHO hello\r\n");
        Assert.Equal("PONG", c.ReadReply().AsString());
        Assert.Equal("hello", c.ReadReply().AsString());

        // A partial frame is held until completed.
        c.SendRaw("*2\r\n$4\r\nECHO\r\n$3\r\nab");
        Assert.Null(c.TryReadReply(TimeSpan.FromMilliseconds(100)));
        c.SendRaw("c\r\n");
        Assert.Equal("abc", c.ReadReply().AsString());

        c.SendRaw("*1\r\n$x\r\n");
        var err = c.ReadReply();
        Assert.True(err.IsError);
        Assert.Contains("Protocol error", err.Text);
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(2)));
        Assert.Throws<EndOfStreamException>(() => c.ReadReply());
    }

    [Fact]
    public void A_hung_reply_times_out_instead_of_hanging_the_test()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        using var c = server.Connect(timeout: TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => c.Call("BLPOP", "never", "0"));
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.2, 5);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message);
        Assert.Throws<InvalidOperationException>(() => c.Call("PING")); // out of step: refuses further use
    }

    [Fact]
    public void Decoder_rejects_malformed_replies()
    {
        Assert.Throws<RespProtocolException>(() => RespReader.FromBytes("?oops\r\n"u8.ToArray()).Read());
        Assert.Throws<RespProtocolException>(() => RespReader.FromBytes("$3\r\nabcd\r\n"u8.ToArray()).Read());
        Assert.Throws<EndOfStreamException>(() => RespReader.FromBytes("*2\r\n:1\r\n"u8.ToArray()).Read());
        var nested = RespReader.FromBytes("*2\r\n%1\r\n+k\r\n,inf\r\n~0\r\n"u8.ToArray()).Read();
        Assert.Equal("[{k: (double) inf}, ~{}]", nested.ToString());
    }
}

public class RedisCliTests
{
    [Fact]
    public void Redis_cli_pipe_of_1000_commands_reports_no_errors()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        var stream = RedisCli.BuildPipeStream(
            Enumerable.Range(0, 1000).Select(i => new[] { "SET", $"key:{i}", $"value-{i}" }));
        var result = RedisCli.Pipe(server.Port, stream);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("errors: 0, replies: 1000", result.Stdout);
        Assert.Equal((0L, 1000L), RedisCli.ParsePipeSummary(result));
        Assert.Equal(1000, server.Call("DBSIZE").Integer);
    }

    [Fact]
    public void Redis_cli_runs_commands_and_reports_exit_codes()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        server.Call("SET", "greeting", "hola");
        var get = RedisCli.Run(server.Port, "GET", "greeting");
        Assert.Equal(0, get.ExitCode);
        Assert.Equal("hola", get.Stdout.Trim());

        var raw = RedisCli.Run(server.Port, ["-x", "SET", "fromstdin"], Encoding.UTF8.GetBytes("piped"));
        Assert.Equal("OK", raw.Stdout.Trim());
        Assert.Equal("piped", server.Call("GET", "fromstdin").AsString());
    }

    [Fact]
    public void A_missing_tool_is_a_clear_failure()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExternalTool.Run("redis-no-such-tool", []));
        Assert.Contains("apt-get install", e.Message);
    }

    [Fact]
    public void A_tool_that_runs_too_long_is_killed()
    {
        using var server = ServerProcess.StartRedis("--save", "");
        var e = Assert.Throws<TimeoutException>(() =>
            RedisCli.Run(server.Port, ["BLPOP", "never", "0"], null, TimeSpan.FromMilliseconds(500)));
        Assert.Contains("did not finish", e.Message);
    }
}
