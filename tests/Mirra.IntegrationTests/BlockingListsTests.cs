using System.Diagnostics;
using System.Text.RegularExpressions;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

// Blocking list commands across real connections: each scenario runs against redis-server 7.0.15 and
// against bin/mirra-server, with the same expectations.

public class BlockingListsTests
{
    static ServerProcess Start(ServerKind kind) => ServerProcess.Start(kind, ["--save", ""]);

    /// <summary>Waits until INFO reports <paramref name="count"/> blocked clients (a command sent is not yet a client blocked).</summary>
    static void WaitForBlocked(ServerProcess server, int count)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var info = server.Call("INFO", "clients").AsString();
            var blocked = int.Parse(Regex.Match(info, @"blocked_clients:(\d+)").Groups[1].Value);
            if (blocked == count) return;
            if (sw.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException($"blocked_clients stayed {blocked}, expected {count}");
            Thread.Sleep(5);
        }
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void Redis_cli_blpop_is_released_by_an_lpush_from_another_client(ServerKind kind)
    {
        using var server = Start(kind);
        ToolResult? result = null;
        var cli = new Thread(() => result = RedisCli.Run(server.Port, ["BLPOP", "queue", "0"], null, TimeSpan.FromSeconds(30)));
        cli.Start();
        WaitForBlocked(server, 1);
        using var pusher = server.Connect();
        Assert.Equal(2, pusher.Call("LPUSH", "queue", "first", "second").AsInteger());
        Assert.True(cli.Join(TimeSpan.FromSeconds(20)), "redis-cli still blocked");
        Assert.Equal(0, result!.ExitCode);
        Assert.Equal("queue\nsecond\n", result.Stdout);
        Assert.Equal(new[] { "first" }, pusher.Call("LRANGE", "queue", "0", "-1").AsStrings());
        WaitForBlocked(server, 0);
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void A_timeout_answers_a_null_array_after_the_time(ServerKind kind)
    {
        using var server = Start(kind);
        using var client = server.Connect();
        var sw = Stopwatch.StartNew();
        var reply = client.Call("BRPOP", "nothing", "0.3");
        Assert.Equal(RespType.Array, reply.Type);
        Assert.True(reply.IsNull);
        Assert.InRange(sw.ElapsedMilliseconds, 290, 3000);
        using var resp3 = server.Connect(protocol: 3);
        sw.Restart();
        Assert.Equal(RespType.Null, resp3.Call("BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.2").Type);
        Assert.InRange(sw.ElapsedMilliseconds, 190, 3000);
        Assert.Equal(0, server.Call("EXISTS", "dst").AsInteger());
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void Three_blocked_clients_are_served_first_come_first_served(ServerKind kind)
    {
        using var server = Start(kind);
        using var a = server.Connect();
        using var b = server.Connect();
        using var c = server.Connect();
        a.Send("BLPOP", "jobs", "0");
        WaitForBlocked(server, 1);
        b.Send("BLPOP", "other", "jobs", "0");
        WaitForBlocked(server, 2);
        c.Send("BRPOP", "jobs", "100");
        WaitForBlocked(server, 3);
        using var pusher = server.Connect();
        Assert.Equal(2, pusher.Call("RPUSH", "jobs", "j1", "j2").AsInteger());
        Assert.Equal(new[] { "jobs", "j1" }, a.ReadReply().AsStrings());
        Assert.Equal(new[] { "jobs", "j2" }, b.ReadReply().AsStrings());
        Assert.Null(c.TryReadReply(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, pusher.Call("RPUSH", "jobs", "j3").AsInteger());
        Assert.Equal(new[] { "jobs", "j3" }, c.ReadReply().AsStrings());
        Assert.Equal(0, pusher.Call("EXISTS", "jobs").AsInteger());
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void Client_unblock_wakes_a_client_with_a_timeout_or_an_error(ServerKind kind)
    {
        using var server = Start(kind);
        using var blocked = server.Connect();
        using var admin = server.Connect();
        string id = blocked.Call("CLIENT", "ID").AsInteger().ToString();
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", id).AsInteger());

        blocked.Send("BLPOP", "k", "0");
        WaitForBlocked(server, 1);
        Assert.Contains(" flags=b ", admin.Call("CLIENT", "LIST", "ID", id).AsString());
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", id).AsInteger());
        var timedOut = blocked.ReadReply();
        Assert.True(timedOut.IsNull && timedOut.Type == RespType.Array);

        blocked.Send("BLMOVE", "k", "d", "LEFT", "LEFT", "0");
        WaitForBlocked(server, 1);
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", id, "ERROR").AsInteger());
        var error = blocked.ReadReply();
        Assert.True(error.IsError);
        Assert.Equal("UNBLOCKED client unblocked via CLIENT UNBLOCK", error.Text);
        WaitForBlocked(server, 0);
        Assert.Equal("PONG", blocked.Call("PING").AsString());
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void Commands_pipelined_behind_a_blocked_one_wait_for_it(ServerKind kind)
    {
        using var server = Start(kind);
        using var client = server.Connect();
        client.SendRaw(RespClient.Encode("BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "5").Concat(RespClient.Encode("PING")).ToArray());
        WaitForBlocked(server, 1);
        Assert.Null(client.TryReadReply(TimeSpan.FromMilliseconds(200)));
        using var pusher = server.Connect();
        pusher.Call("RPUSH", "k", "a", "b");
        var served = client.ReadReply();
        Assert.Equal("k", served[0].AsString());
        Assert.Equal(new[] { "b", "a" }, served[1].AsStrings());
        Assert.Equal("PONG", client.ReadReply().AsString());
    }

    [Theory]
    [InlineData(ServerKind.Redis)]
    [InlineData(ServerKind.Mirra)]
    public void A_blocked_client_that_disconnects_is_forgotten(ServerKind kind)
    {
        using var server = Start(kind);
        var gone = server.Connect();
        gone.Send("BLPOP", "k", "0");
        WaitForBlocked(server, 1);
        gone.Dispose();
        WaitForBlocked(server, 0);
        using var pusher = server.Connect();
        pusher.Call("RPUSH", "k", "kept");
        Assert.Equal(new[] { "kept" }, pusher.Call("LRANGE", "k", "0", "-1").AsStrings());

        // Emptied and refilled keys still wake the next waiter.
        using var waiter = server.Connect();
        waiter.Send("BLPOP", "k2", "0");
        WaitForBlocked(server, 1);
        pusher.Call("SET", "k2", "a string");
        pusher.Call("FLUSHALL");
        pusher.Call("RPUSH", "k2", "after-flush");
        Assert.Equal(new[] { "k2", "after-flush" }, waiter.ReadReply().AsStrings());
    }
}
