using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>Configuration as operators use it: redis.conf files, arguments, CONFIG SET/REWRITE at run time.</summary>
public class ConfigTests
{
    static string Launcher => Path.Combine(ServerProcess.RepoRoot, "bin", "mirra-server");

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--nosuchdirective", "1")]
    [InlineData("--maxmemory-policy", "sometimes")]
    public void Bad_arguments_stop_startup_with_the_same_fatal_message_as_redis(string name, string value)
    {
        var redis = ExternalTool.Run("redis-server", [name, value], timeout: TimeSpan.FromSeconds(20));
        var mirra = ExternalTool.Run(Launcher, [name, value], timeout: TimeSpan.FromSeconds(180));
        Assert.Equal(1, redis.ExitCode);
        Assert.Equal(1, mirra.ExitCode);
        Assert.Contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***", mirra.Stderr);
        Assert.Equal(redis.Stderr.Trim(), mirra.Stderr.Trim());
    }

    [Fact]
    public void Config_file_is_read_and_rewrite_keeps_comments_and_order()
    {
        const string file = "# operator's notes: keep this line\nmaxmemory 12mb\n\n# eviction\nmaxmemory-policy allkeys-lru\nsave \"\"\n";
        using var server = ServerProcess.Start(ServerKind.Mirra, config: file);
        Assert.Equal("12582912", server.Call("CONFIG", "GET", "maxmemory")["maxmemory"].AsString());
        Assert.Equal("allkeys-lru", server.Call("CONFIG", "GET", "maxmemory-policy")["maxmemory-policy"].AsString());

        Assert.Equal("OK", server.Call("CONFIG", "SET", "maxmemory", "20mb", "hz", "20").AsString());
        Assert.Equal("OK", server.Call("CONFIG", "REWRITE").AsString());
        var lines = File.ReadAllLines(server.ConfigPath!);
        Assert.Equal("# operator's notes: keep this line", lines[0]);
        Assert.Equal("maxmemory 20mb", lines[1]);
        Assert.True(Array.IndexOf(lines, "# eviction") < Array.IndexOf(lines, "maxmemory-policy allkeys-lru"));
        Assert.Contains("hz 20", lines);

        server.Restart();
        Assert.Equal("20971520", server.Call("CONFIG", "GET", "maxmemory")["maxmemory"].AsString());
        Assert.Equal("20", server.Call("CONFIG", "GET", "hz")["hz"].AsString());
    }

    [Fact]
    public void Config_set_is_atomic_and_applies_without_restart()
    {
        using var server = ServerProcess.StartMirra();
        var error = server.Call("CONFIG", "SET", "maxmemory", "1mb", "maxmemory-policy", "bogus");
        Assert.True(error.IsError);
        Assert.StartsWith("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')", error.Text);
        Assert.Equal("0", server.Call("CONFIG", "GET", "maxmemory")["maxmemory"].AsString()); // nothing applied

        int newPort = PortAllocator.Next();
        Assert.Equal("OK", server.Call("CONFIG", "SET", "port", newPort.ToString()).AsString());
        using var moved = RespClient.Connect(newPort);
        Assert.Equal("PONG", moved.Call("PING").AsString());
        Assert.Equal(newPort.ToString(), moved.Call("CONFIG", "GET", "port")["port"].AsString());
    }

    [Fact]
    public void A_directive_without_effect_is_accepted_shown_and_logged_once()
    {
        using var server = ServerProcess.StartMirra("--activedefrag", "yes");
        Assert.Equal("yes", server.Call("CONFIG", "GET", "activedefrag")["activedefrag"].AsString());
        var log = server.LogText();
        Assert.Single(log.Split('\n'), l => l.Contains("Directive 'activedefrag' is accepted but has no effect"));
    }
}
