using Mirra.IntegrationTests.Infrastructure;
using Xunit;

namespace Mirra.IntegrationTests;

/// <summary>Mirra replicating from Mirra, chained: master → replica → sub-replica, all three ending with the same data and offset.</summary>
public class ReplicationChainTests
{
    static string Field(RespClient c, string name)
    {
        foreach (var line in c.Call("INFO", "replication").Text!.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        return "";
    }

    static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what + " did not happen in 30 s");
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void A_chain_of_mirra_servers_converges_on_the_same_data_and_offset()
    {
        using var master = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0");
        using var m = master.Connect();
        m.Call("MSET", "a", "1", "b", "2");
        m.Call("HSET", "h", "f", "v");
        m.Call("ZADD", "z", "1.5", "x");

        using var replica = ServerProcess.StartMirra("--save", "", "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", master.Port.ToString());
        using var r = replica.Connect();
        WaitFor(() => Field(r, "master_link_status") == "up", "the replica's link");
        using var sub = ServerProcess.StartMirra("--save", "", "--replicaof", "127.0.0.1", replica.Port.ToString());
        using var s = sub.Connect();
        WaitFor(() => Field(s, "master_link_status") == "up", "the sub-replica's link");

        // Writes after both syncs travel down the chain unchanged.
        m.Call("INCR", "a");
        m.Call("RPUSH", "l", "x", "y");
        m.Call("SELECT", "3");
        m.Call("SET", "in-db3", "v");
        m.Call("SELECT", "0");
        m.Call("DEL", "b");

        string offset = Field(m, "master_repl_offset");
        WaitFor(() => Field(r, "master_repl_offset") == offset && Field(s, "master_repl_offset") == offset, "equal offsets");
        var expected = KeyspaceDump.Of(m);
        Assert.Equal(expected, KeyspaceDump.Of(r));
        Assert.Equal(expected, KeyspaceDump.Of(s));
        Assert.Equal("1", Field(m, "connected_slaves"));
        Assert.Equal("1", Field(r, "connected_slaves"));
        Assert.StartsWith("READONLY", r.Call("SET", "x", "1").Text);
    }
}
