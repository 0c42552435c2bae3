using System.Text;
using Mirra.Engine;
using Mirra.Protocol;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>
/// Blocking list commands with several in-process clients: one blocks, others push. Expected replies and
/// behaviours were observed on redis-server 7.0.15 with several connections.
/// </summary>
public class BlockingTests
{
    readonly TestServer _s = new();

    Client Connect() => FakeTransport.Connect(_s);

    string Run(Client c, params string[] args) => _s.Run(c, args);

    /// <summary>What a client received since the last look (a blocked client's reply arrives later).</summary>
    static string Take(Client c)
    {
        var text = Encoding.UTF8.GetString(c.Reply.Written);
        c.Reply.Clear();
        return text;
    }

    static string Bulks(params string[] items)
    {
        var sb = new StringBuilder().Append('*').Append(items.Length).Append("\r\n");
        foreach (var i in items) sb.Append('$').Append(Encoding.UTF8.GetByteCount(i)).Append("\r\n").Append(i).Append("\r\n");
        return sb.ToString();
    }

    void Expire(long ms)
    {
        _s.AdvanceTime(ms);
        _s.Server.Blocking.CheckTimeouts();
    }

    [Fact]
    public void BlpopWaitsAndIsServedRightAfterThePush()
    {
        var a = Connect();
        var b = Connect();
        Assert.Equal("", Run(a, "blpop", "k", "0"));
        Assert.True(a.IsPaused);
        Assert.True(a.Is(ClientFlags.Blocked));
        Assert.Equal(1, _s.Server.Blocking.BlockedCount);
        Assert.Equal(":2\r\n", Run(b, "rpush", "k", "a", "b"));
        Assert.Equal(Bulks("k", "a"), Take(a));
        Assert.False(a.IsPaused);
        Assert.False(a.Is(ClientFlags.Blocked));
        Assert.Equal(0, _s.Server.Blocking.BlockedCount);
        Assert.Equal(Bulks("b"), Run(b, "lrange", "k", "0", "-1"));
    }

    [Fact]
    public void ClientsAreServedInTheOrderTheyBlocked()
    {
        var a = Connect();
        var b = Connect();
        var c = Connect();
        var pusher = Connect();
        Run(a, "blpop", "f", "0");
        Run(b, "blpop", "f", "10");
        Run(c, "brpop", "f", "0");
        Assert.Equal(":2\r\n", Run(pusher, "rpush", "f", "1", "2"));
        Assert.Equal(Bulks("f", "1"), Take(a));
        Assert.Equal(Bulks("f", "2"), Take(b));
        Assert.Equal("", Take(c));
        Assert.Equal(":0\r\n", Run(pusher, "exists", "f"));
        Assert.Equal(":1\r\n", Run(pusher, "rpush", "f", "3"));
        Assert.Equal(Bulks("f", "3"), Take(c));
    }

    [Fact]
    public void ThePushedEndDecidesWhatIsServed()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "blpop", "k", "0");
        Run(p, "lpush", "k", "a", "b", "c");
        Assert.Equal(Bulks("k", "c"), Take(a));
        Run(p, "del", "k");
        Run(a, "brpop", "k", "0");
        Run(p, "lpush", "k", "a", "b", "c");
        Assert.Equal(Bulks("k", "a"), Take(a));
    }

    [Fact]
    public void AClientWaitingOnSeveralKeysIsServedOnceFromTheReadyKey()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "brpop", "k1", "k2", "k1", "0");
        Run(p, "lpush", "k2", "a", "b", "c");
        Assert.Equal(Bulks("k2", "a"), Take(a));
        Run(p, "rpush", "k1", "x");
        Assert.Equal("", Take(a));
        Assert.Equal(":1\r\n", Run(p, "llen", "k1"));
    }

    [Fact]
    public void WhenSeveralKeysBecomeReadyTogetherTheFirstWrittenServesFirst()
    {
        // As after an EXEC writing k2 then k1: Redis 7.0 serves from the key that became ready first,
        // not from the first key of the blocked command.
        var a = Connect();
        var c = Connect();
        Run(a, "blpop", "k1", "k2", "0");
        Run(c, "blpop", "k1", "0");
        var db = _s.Server.Keyspace[0];
        var l2 = new ListValue();
        l2.PushTail("x"u8, -2);
        db.Add("k2"u8.ToArray(), l2);
        var l1 = new ListValue();
        l1.PushTail("y"u8, -2);
        db.Add("k1"u8.ToArray(), l1);
        Assert.True(_s.Server.Blocking.HasReadyKeys);
        _s.Server.Blocking.HandleReadyKeys();
        Assert.Equal(Bulks("k2", "x"), Take(a));
        Assert.Equal(Bulks("k1", "y"), Take(c));
        Assert.Null(db.Peek("k1"u8));
        Assert.Null(db.Peek("k2"u8));
    }

    [Fact]
    public void BlmoveServedPushesToTheDestinationWhichServesItsOwnWaiters()
    {
        var a = Connect();
        var c = Connect();
        var p = Connect();
        Run(a, "blmove", "k6", "k7", "left", "left", "0");
        Run(c, "blpop", "k7", "0");
        Assert.Equal(":1\r\n", Run(p, "rpush", "k6", "v"));
        Assert.Equal("$1\r\nv\r\n", Take(a));
        Assert.Equal(Bulks("k7", "v"), Take(c));
        Assert.Equal(":0\r\n", Run(p, "exists", "k6"));
        Assert.Equal(":0\r\n", Run(p, "exists", "k7"));
    }

    [Fact]
    public void BlmoveToAKeyOfAnotherTypeAnswersWrongTypeAndLeavesTheElementToTheNextClient()
    {
        var a = Connect();
        var c = Connect();
        var p = Connect();
        Run(p, "set", "str", "x");
        Run(a, "blmove", "k8", "str", "left", "left", "0");
        Run(c, "blpop", "k8", "0");
        Run(p, "rpush", "k8", "v");
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", Take(a));
        Assert.Equal(Bulks("k8", "v"), Take(c));
        Assert.Equal(0, _s.Server.Blocking.BlockedCount);
    }

    [Fact]
    public void BrpoplpushOnTheSameKeyRotates()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "brpoplpush", "m3", "m3", "0");
        Run(p, "rpush", "m3", "1", "2");
        Assert.Equal("$1\r\n2\r\n", Take(a));
        Assert.Equal(Bulks("2", "1"), Run(p, "lrange", "m3", "0", "-1"));
    }

    [Fact]
    public void BlmpopServedTakesUpToCount()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "blmpop", "0", "2", "m1", "m2", "right", "count", "2");
        Run(p, "rpush", "m2", "1", "2", "3");
        Assert.Equal("*2\r\n$2\r\nm2\r\n" + Bulks("3", "2"), Take(a));
        Assert.Equal(Bulks("1"), Run(p, "lrange", "m2", "0", "-1"));
    }

    [Fact]
    public void ServedPopsArePropagatedAsTheNonBlockingCommands()
    {
        var stream = RecordingConsumer.Attach(_s);
        var a = Connect();
        var p = Connect();
        Run(a, "blpop", "k", "0");
        Run(p, "rpush", "k", "x", "y");
        Assert.Equal(RecordingConsumer.Resp("SELECT", "0") + RecordingConsumer.Resp("rpush", "k", "x", "y") + RecordingConsumer.Resp("LPOP", "k"), stream.Take());
        Run(a, "blmpop", "0", "1", "k2", "left", "count", "3");
        Run(p, "rpush", "k2", "x", "y");
        Assert.Equal(RecordingConsumer.Resp("rpush", "k2", "x", "y") + RecordingConsumer.Resp("LPOP", "k2", "2"), stream.Take());
        Run(a, "blmove", "k4", "dst", "Right", "LEFT", "0");
        Run(p, "rpush", "k4", "x");
        Assert.Equal(RecordingConsumer.Resp("rpush", "k4", "x") + RecordingConsumer.Resp("LMOVE", "k4", "dst", "right", "left"), stream.Take());
        Run(a, "brpoplpush", "k5", "dst", "0");
        Run(p, "rpush", "k5", "x");
        Assert.Equal(RecordingConsumer.Resp("rpush", "k5", "x") + RecordingConsumer.Resp("RPOPLPUSH", "k5", "dst"), stream.Take());
        // A client in another database: its pop goes there.
        Run(a, "select", "2");
        Run(a, "brpop", "k", "0");
        Run(p, "select", "2");
        Run(p, "rpush", "k", "v");
        Assert.Equal(RecordingConsumer.Resp("SELECT", "2") + RecordingConsumer.Resp("rpush", "k", "v") + RecordingConsumer.Resp("RPOP", "k"), stream.Take());
        // The blocking command itself propagates nothing; a timeout neither.
        Run(a, "blpop", "none", "1");
        Expire(1001);
        Assert.Equal("*-1\r\n", Take(a));
        Assert.Equal("", stream.Take());
    }

    [Fact]
    public void TimeoutsAnswerANullArrayOncePastTheDeadline()
    {
        var a = Connect();
        Run(a, "blpop", "k", "1.5");
        Expire(1500);
        Assert.Equal("", Take(a));
        Assert.Equal(1, _s.Server.Blocking.WithTimeoutCount);
        Expire(1);
        Assert.Equal("*-1\r\n", Take(a));
        Assert.Equal(0, _s.Server.Blocking.BlockedCount);
        Assert.Equal(0, _s.Server.Blocking.WithTimeoutCount);

        a.Protocol = 3;
        Run(a, "blmove", "k", "d", "left", "left", "0.0001"); // rounded up to 1 ms
        Expire(2);
        Assert.Equal("_\r\n", Take(a));
        Run(a, "brpoplpush", "k", "d", "0.5");
        Run(a, "blmpop", "0.5", "1", "k", "left");
        Assert.Equal(1, _s.Server.Blocking.BlockedCount); // the second command waits behind the first (see integration tests)
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.001")] // -0.99999... ms in long double, rounded up to 0
    [InlineData("-0.0005")]
    [InlineData("0x0")]
    public void ZeroLikeTimeoutsWaitForever(string timeout)
    {
        var a = Connect();
        Assert.Equal("", Run(a, "blpop", "k", timeout));
        Expire(365L * 24 * 3600 * 1000);
        Assert.Equal("", Take(a));
        Assert.Equal(0, _s.Server.Blocking.WithTimeoutCount);
        Run(Connect(), "rpush", "k", "v");
        Assert.Equal(Bulks("k", "v"), Take(a));
    }

    [Fact]
    public void HexadecimalTimeoutsAreSeconds()
    {
        var a = Connect();
        Run(a, "blpop", "k", "0x10");
        Expire(16000);
        Assert.Equal("", Take(a));
        Expire(1);
        Assert.Equal("*-1\r\n", Take(a));
    }

    [Fact]
    public void ClientUnblockAnswersAsATimeoutOrAnError()
    {
        var a = Connect();
        var admin = Connect();
        string id = a.Id.ToString();
        Assert.Equal(":0\r\n", Run(admin, "client", "unblock", id));
        Run(a, "blpop", "k", "0");
        Assert.Equal(":1\r\n", Run(admin, "client", "unblock", id));
        Assert.Equal("*-1\r\n", Take(a));
        Run(a, "blmove", "k", "x", "left", "left", "0");
        Assert.Equal(":1\r\n", Run(admin, "client", "unblock", id, "TIMEOUT"));
        Assert.Equal("*-1\r\n", Take(a));
        Run(a, "blpop", "k", "5");
        Assert.Equal(":1\r\n", Run(admin, "client", "unblock", id, "error"));
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", Take(a));
        Assert.Equal(0, _s.Server.Blocking.WithTimeoutCount);
        Assert.Equal(":0\r\n", Run(admin, "client", "unblock", id, "error"));
        Assert.Equal("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n", Run(admin, "client", "unblock", id, "foo"));
        Assert.Contains("errorstat_UNBLOCKED:count=1", Run(admin, "info", "errorstats"));
        Assert.Contains("cmdstat_blpop:calls=2,", Run(admin, "info", "commandstats"));
        Assert.Contains("failed_calls=1", Run(admin, "info", "commandstats").Split('\n').First(l => l.StartsWith("cmdstat_blpop")));
        // Nothing is left waiting: a push is not taken by anyone.
        Run(admin, "rpush", "k", "v");
        Assert.Equal(":1\r\n", Run(admin, "llen", "k"));
    }

    [Fact]
    public void InfoAndClientListShowBlockedClients()
    {
        var a = Connect();
        var b = Connect();
        var admin = Connect();
        Run(a, "blpop", "k", "0");
        Run(b, "blpop", "k", "100");
        var info = Run(admin, "info", "clients");
        Assert.Contains("blocked_clients:2\r\n", info);
        Assert.Contains("clients_in_timeout_table:1\r\n", info);
        Assert.Contains(" flags=b ", Run(admin, "client", "list", "id", a.Id.ToString()));
        Assert.Contains(" cmd=blpop ", Run(admin, "client", "list", "id", a.Id.ToString()));
        Run(admin, "rpush", "k", "1");
        info = Run(admin, "info", "clients");
        Assert.Contains("blocked_clients:1\r\n", info);
        Assert.Contains("clients_in_timeout_table:1\r\n", info);
        Assert.Contains(" flags=N ", Run(admin, "client", "list", "id", a.Id.ToString()));
    }

    [Fact]
    public void ADisconnectedClientStopsWaiting()
    {
        var a = Connect();
        var b = Connect();
        var p = Connect();
        Run(a, "blpop", "k", "10");
        Run(b, "blpop", "k", "0");
        _s.Server.Clients.Kill(a);
        Assert.Equal(1, _s.Server.Blocking.BlockedCount);
        Assert.Equal(0, _s.Server.Blocking.WithTimeoutCount);
        Run(p, "rpush", "k", "v");
        Assert.Equal("", Take(a));
        Assert.Equal(Bulks("k", "v"), Take(b));
        _s.Server.Clients.Kill(b);
        Run(p, "rpush", "k", "w");
        Assert.Equal(":1\r\n", Run(p, "llen", "k"));
    }

    [Fact]
    public void FlushAllAndDelThenAPushStillServes()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "blpop", "k", "0");
        Run(p, "set", "k", "string");     // another type: still waiting
        Assert.Equal("", Take(a));
        Run(p, "flushall");
        Run(p, "rpush", "k", "v");
        Assert.Equal(Bulks("k", "v"), Take(a));
        Run(a, "blpop", "k", "0");
        Run(p, "set", "k", "s");
        Run(p, "del", "k");
        Run(p, "rpush", "k", "w");
        Assert.Equal(Bulks("k", "w"), Take(a));
    }

    [Fact]
    public void KeysArrivingByRenameCopyOrSwapdbServe()
    {
        var a = Connect();
        var p = Connect();
        Run(a, "blpop", "k", "0");
        Run(p, "rpush", "src", "v1");
        Run(p, "rename", "src", "k");
        Assert.Equal(Bulks("k", "v1"), Take(a));

        Run(a, "blpop", "k", "0");
        Run(p, "rpush", "src", "v2");
        Run(p, "copy", "src", "k");
        Assert.Equal(Bulks("k", "v2"), Take(a));

        Run(a, "blpop", "k", "0");
        Run(p, "select", "1");
        Run(p, "rpush", "k", "v3");
        Run(p, "swapdb", "0", "1");
        Assert.Equal(Bulks("k", "v3"), Take(a));
    }

    [Fact]
    public void InsideMultiExecBlockingCommandsTimeOutAtOnce()
    {
        // Transcript of redis-server 7.0.15.
        var a = Connect();
        Assert.Equal("+OK\r\n", Run(a, "multi"));
        foreach (var cmd in new[] { "blpop k 0", "brpop k 0", "blmove k x left left 0", "brpoplpush k x 0", "blmpop 0 1 k left" })
            Assert.Equal("+QUEUED\r\n", Run(a, cmd.Split(' ')));
        Assert.Equal("*5\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n", Run(a, "exec"));
        Assert.Equal(0, _s.Server.Blocking.BlockedCount);
    }

    [Fact]
    public void DenyBlockingClientsTimeOutAtOnce()
    {
        var a = Connect();
        a.Flags |= ClientFlags.DenyBlocking;
        Assert.Equal("*-1\r\n", Run(a, "blpop", "k", "0"));
        Assert.Equal("*-1\r\n", Run(a, "brpop", "k", "0"));
        Assert.Equal("$-1\r\n", Run(a, "blmove", "k", "x", "left", "left", "0"));
        Assert.Equal("$-1\r\n", Run(a, "brpoplpush", "k", "x", "0"));
        Assert.Equal("*-1\r\n", Run(a, "blmpop", "0", "1", "k", "left"));
        a.Protocol = 3;
        Assert.Equal("_\r\n", Run(a, "blpop", "k", "0"));
        Assert.Equal("_\r\n", Run(a, "blmove", "k", "x", "left", "left", "0"));
        Assert.Equal(0, _s.Server.Blocking.BlockedCount);
        Run(a, "rpush", "k", "v");
        Assert.Equal(Bulks("k", "v"), Run(a, "blpop", "k", "0"));
    }

    [Fact]
    public void PipelinedCommandsWaitBehindTheBlockedOne()
    {
        var a = Connect();
        var p = Connect();
        // One read holding BLPOP then PING: PING runs only once BLPOP is served.
        Enqueue(a, ["blpop", "k", "0"], ["ping"]);
        Assert.Equal("", Take(a));
        Assert.True(a.IsPaused);
        Run(p, "rpush", "k", "v");
        // Served, then the client runs again: PING answers right behind.
        Assert.Equal(Bulks("k", "v") + "+PONG\r\n", Take(a));
        Assert.False(a.IsPaused);
    }

    /// <summary>Hands a batch of commands to the client as its connection would, and runs the executor inline.</summary>
    void Enqueue(Client c, params string[][] commands)
    {
        var buffer = new List<byte>();
        var args = new List<ArgRange>();
        var starts = new List<int>();
        foreach (var command in commands)
        {
            starts.Add(args.Count);
            foreach (var a in command)
            {
                var bytes = Encoding.UTF8.GetBytes(a);
                args.Add(new ArgRange(buffer.Count, bytes.Length));
                buffer.AddRange(bytes);
            }
        }
        var batch = CommandBatch.Rent();
        batch.Fill(buffer.ToArray(), false, args, starts);
        c.Enqueue(batch, _s.Server.Executor);
    }
}
