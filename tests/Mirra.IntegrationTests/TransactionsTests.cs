using System.Text;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>MULTI/EXEC/WATCH against a real mirra-server process, over two connections.</summary>
public class TransactionsTests
{
    [Fact]
    public void Watch_conflict_from_another_connection_makes_exec_return_null()
    {
        using var server = ServerProcess.StartMirra();
        using var a = server.Connect();
        using var b = server.Connect();
        Assert.Equal("OK", a.Call("SET", "balance", "100").AsString());
        Assert.Equal("OK", a.Call("WATCH", "balance").AsString());
        Assert.Equal("100", a.Call("GET", "balance").AsString());
        Assert.Equal("OK", b.Call("SET", "balance", "50").AsString());      // another connection wins the race
        Assert.Equal("OK", a.Call("MULTI").AsString());
        Assert.Equal("QUEUED", a.Call("SET", "balance", "90").AsString());
        var exec = a.Call("EXEC");
        Assert.Equal(RespType.Array, exec.Type);
        Assert.True(exec.IsNull);                                            // *-1
        Assert.Equal("50", b.Call("GET", "balance").AsString());

        // The retry, unopposed, goes through.
        Assert.Equal("OK", a.Call("WATCH", "balance").AsString());
        Assert.Equal("OK", a.Call("MULTI").AsString());
        Assert.Equal("QUEUED", a.Call("DECRBY", "balance", "10").AsString());
        Assert.Equal(new[] { "40" }, a.Call("EXEC").AsArray().Select(v => v.Integer.ToString()).ToArray());

        // RESP3: the failed EXEC is the null type.
        using var c = server.Connect(protocol: 3);
        c.Call("WATCH", "balance");
        b.Call("INCR", "balance");
        c.Call("MULTI");
        c.Call("PING");
        Assert.Equal(RespType.Null, c.Call("EXEC").Type);
    }

    [Fact]
    public void Queued_arguments_survive_later_reads()
    {
        // Each command arrives in its own read, so the receive buffer is reused between queuing and EXEC.
        using var server = ServerProcess.StartMirra();
        using var a = server.Connect();
        Assert.Equal("OK", a.Call("MULTI").AsString());
        var values = Enumerable.Range(0, 20).Select(i => new string((char)('a' + i), 1000 + i)).ToArray();
        for (int i = 0; i < values.Length; i++) Assert.Equal("QUEUED", a.Call("SET", "k" + i, values[i]).AsString());
        Assert.Equal(values.Length, a.Call("EXEC").AsArray().Count);
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], a.Call("GET", "k" + i).AsString());
    }

    [Fact]
    public void Same_replies_as_redis_server()
    {
        string[][] script =
        [
            ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["HSET", "a", "f", "v"], ["GET", "a"], ["EXEC"],
            ["MULTI"], ["NOSUCHCOMMAND"], ["SET", "b", "1"], ["EXEC"], ["EXISTS", "b"],
            ["EXEC"], ["DISCARD"], ["MULTI"], ["MULTI"], ["WATCH", "a"], ["EXEC", "x"], ["EXEC"],
            ["WATCH", "a"], ["B", "SET", "a", "2"], ["MULTI"], ["GET", "a"], ["EXEC"],
            ["WATCH", "missing"], ["B", "FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"],
            ["SET", "x", "1"], ["WATCH", "x"], ["B", "SWAPDB", "0", "1"], ["MULTI"], ["PING"], ["EXEC"],
            ["MULTI"], ["PFADD", "h", "a", "b"], ["PFCOUNT", "h"], ["BITFIELD", "bf", "INCRBY", "u4", "0", "20"], ["EXEC"],
        ];
        Assert.Equal(Run(ServerKind.Redis, script), Run(ServerKind.Mirra, script));
    }

    static List<string> Run(ServerKind kind, string[][] script)
    {
        using var server = ServerProcess.Start(kind, ["--save", ""]);
        using var a = server.Connect();
        using var b = server.Connect();
        var replies = new List<string>();
        foreach (var command in script)
        {
            var reply = command[0] == "B" ? b.Call(command[1..]) : a.Call(command);
            replies.Add(string.Join(' ', command) + " -> " + Show(reply));
        }
        return replies;
    }

    static string Show(RespValue v)
    {
        if (v.IsNull) return v.Type + ":nil";
        if (v.Type == RespType.Array) return "[" + string.Join(", ", v.AsArray().Select(Show)) + "]";
        if (v.Type == RespType.Integer) return ":" + v.Integer;
        return v.Type + ":" + Encoding.UTF8.GetString(v.Bytes ?? []);
    }
}
