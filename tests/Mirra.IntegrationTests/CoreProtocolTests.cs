using System.Net.Sockets;
using System.Text;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>The core's wire behaviour against a real mirra-server process: pipelining, inline commands, bad input.</summary>
public class CoreProtocolTests
{
    [Fact]
    public void Mass_insertion_of_a_million_commands_with_redis_cli_pipe_has_no_errors()
    {
        using var server = ServerProcess.StartMirra();
        const int n = 1_000_000;
        var stream = RedisCli.BuildPipeStream(Enumerable.Range(0, n).Select(i => new[] { "SET", $"key:{i}", $"value:{i}" }));
        var result = RedisCli.Pipe(server.Port, stream, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.ToString());
        var (errors, replies) = RedisCli.ParsePipeSummary(result);
        Assert.Equal(0, errors);
        Assert.Equal(n, replies);
        Assert.Equal(n, server.Call("DBSIZE").Integer);
        Assert.Equal("value:999999", server.Call("GET", "key:999999").AsString());
    }

    [Fact]
    public void Inline_commands_work_like_a_person_typing_in_telnet()
    {
        using var server = ServerProcess.StartMirra();
        using var c = server.Connect();
        c.SendRaw("SET greeting \"hello world\"\r\nGET greeting\r\nPING\n   \r\nECHO 'it\\'s'\r\n");
        Assert.Equal("OK", c.ReadReply().AsString());
        Assert.Equal("hello world", c.ReadReply().AsString());
        Assert.Equal("PONG", c.ReadReply().AsString());
        Assert.Equal("it's", c.ReadReply().AsString());
    }

    [Fact]
    public void Protocol_errors_are_answered_then_the_connection_is_closed()
    {
        using var server = ServerProcess.StartMirra();
        using var c = server.Connect();
        c.SendRaw("PING\r\n*1\r\nxyz\r\n");
        Assert.Equal("PONG", c.ReadReply().AsString());
        var error = c.ReadReply();
        Assert.True(error.IsError);
        Assert.Equal("ERR Protocol error: expected '$', got 'x'", error.Text);
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(5)));
        Assert.Equal("PONG", server.Call("PING").AsString());
    }

    [Fact]
    public void Bulk_longer_than_proto_max_bulk_len_is_a_protocol_error()
    {
        using var server = ServerProcess.StartMirra("--proto-max-bulk-len", "1mb");
        using var c = server.Connect();
        c.SendRaw("*2\r\n$3\r\nGET\r\n$2000000\r\n");
        Assert.Equal("ERR Protocol error: invalid bulk length", c.ReadReply().Text);
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_large_value_split_over_many_reads_arrives_intact()
    {
        using var server = ServerProcess.StartMirra();
        using var c = server.Connect();
        var value = new byte[5 * 1024 * 1024];
        new Random(7).NextBytes(value);
        Assert.Equal("OK", c.Call(Encoding.ASCII.GetBytes("SET"), "big"u8.ToArray(), value).AsString());
        Assert.Equal(value, c.Call("GET", "big").Bytes);
    }

    [Fact]
    public void Random_and_truncated_resp_never_crashes_or_stalls_the_server()
    {
        using var server = ServerProcess.StartMirra();
        var rng = new Random(2026);
        var fragments = new[] { "*", "$", "\r\n", "3", "-1", "SET", "GET", "k", "*2\r\n", "$3\r\n", "\"", "'", "\\x4", "PING", "99999999999", "\0", " " };
        for (int round = 0; round < 200; round++)
        {
            using var tcp = new TcpClient("127.0.0.1", server.Port);
            var stream = tcp.GetStream();
            var bytes = new List<byte>();
            int kind = round % 3;
            if (kind == 0) { var junk = new byte[rng.Next(1, 4000)]; rng.NextBytes(junk); bytes.AddRange(junk); }
            else if (kind == 1) for (int i = 0; i < rng.Next(1, 60); i++) bytes.AddRange(Encoding.ASCII.GetBytes(fragments[rng.Next(fragments.Length)]));
            else
            {
                var valid = RespClient.Encode("SET", $"k{round}", new string('v', rng.Next(0, 3000)));
                bytes.AddRange(valid.Take(rng.Next(1, valid.Length))); // cut anywhere, then vanish
            }
            stream.Write(bytes.ToArray());
            if (rng.Next(2) == 0) tcp.Client.Shutdown(SocketShutdown.Send);
            // Close without reading whatever the server answered (a client vanishing mid-reply).
        }
        using var c = server.Connect();
        Assert.Equal("PONG", c.Call("PING").AsString());
        Assert.Equal("OK", c.Call("SET", "after", "fuzz").AsString());
        Assert.Equal("fuzz", c.Call("GET", "after").AsString());
        Assert.False(server.HasExited);
    }

    [Fact]
    public void A_long_pipeline_does_not_starve_another_clients_ping()
    {
        using var server = ServerProcess.StartMirra();
        const int n = 100_000;
        using var heavy = server.Connect(timeout: TimeSpan.FromSeconds(60));
        using var light = server.Connect();
        var pipeline = new MemoryStream();
        for (int i = 0; i < n; i++) RespClient.AppendCommand(pipeline, "INCR", "counter");
        var sender = Task.Run(() => heavy.SendRaw(pipeline.ToArray()));

        // Wait (bounded) until the heavy pipeline is being executed, then ask for PONG in the middle of it.
        long seen = 0;
        for (int i = 0; i < 10_000 && seen == 0; i++)
        {
            var v = light.Call("GET", "counter");
            seen = v.IsNull ? 0 : long.Parse(v.AsString()!);
        }
        Assert.True(seen > 0, "the pipeline never started");
        Assert.Equal("PONG", light.Call("PING").AsString());
        long whilePinged = long.Parse(light.Call("GET", "counter").AsString()!);
        Assert.True(whilePinged < n, $"PING was only answered after the whole pipeline ({whilePinged} of {n})");

        sender.Wait(TimeSpan.FromSeconds(60));
        for (int i = 1; i <= n; i++) Assert.Equal(i, heavy.ReadReply().Integer);
    }

    [Fact]
    public void Unknown_command_and_wrong_arity_use_redis_texts_through_redis_cli()
    {
        using var server = ServerProcess.StartMirra();
        var r = RedisCli.Run(server.Port, "foo", "a", "b");
        Assert.Equal("ERR unknown command 'foo', with args beginning with: 'a' 'b' ", r.Stdout.Trim('\n'));
        r = RedisCli.Run(server.Port, "get");
        Assert.Equal("ERR wrong number of arguments for 'get' command", r.Stdout.Trim('\n'));
    }

    [Fact]
    public void Resp3_hello_switches_reply_types()
    {
        using var server = ServerProcess.StartMirra();
        using var c = server.Connect(protocol: 3);
        Assert.True(c.Call("GET", "missing").IsNull);
        var hello = c.Call("HELLO", "3").AsMap();
        Assert.Equal(3, hello["proto"].Integer);
        Assert.Equal("master", hello["role"].AsString());
    }
}
