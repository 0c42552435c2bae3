using System.Text.RegularExpressions;
using Mirra.Engine;
using Mirra.Networking;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// Expected replies were captured from redis-server 7.0.15 (memory fields of CLIENT LIST aside).
public class ClientCommandsTests
{
    static (TestServer Ts, Client C) Setup(params string[] config)
    {
        var ts = new TestServer(config);
        ts.Server.Clients.Attach(ts.Client);
        ts.Client.Transport = new FakeTransport();
        return (ts, ts.Client);
    }

    static string Line(string reply)
    {
        // "$N\r\n<text>\r\n" → text
        var m = Regex.Match(reply, @"^\$(\d+)\r\n", RegexOptions.Singleline);
        Assert.True(m.Success, reply);
        return reply.Substring(m.Length, int.Parse(m.Groups[1].Value));
    }

    [Fact]
    public void ContainerNeedsASubcommandAndRejectsUnknownOnes()
    {
        var (ts, _) = Setup();
        Assert.Equal("-ERR wrong number of arguments for 'client' command\r\n", ts.Run("CLIENT"));
        Assert.Equal("-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n", ts.Run("CLIENT", "FOO"));
        Assert.Equal("-ERR wrong number of arguments for 'client|id' command\r\n", ts.Run("CLIENT", "ID", "x"));
        Assert.Equal("-ERR wrong number of arguments for 'client|info' command\r\n", ts.Run("client", "info", "x"));
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command\r\n", ts.Run("CLIENT", "SETNAME"));
        Assert.Equal("-ERR wrong number of arguments for 'client|kill' command\r\n", ts.Run("CLIENT", "KILL"));
    }

    [Fact]
    public void HelpIsRedisText()
    {
        var (ts, _) = Setup();
        var reply = ts.Run("CLIENT", "HELP");
        Assert.StartsWith("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CACHING (YES|NO)\r\n", reply);
        Assert.Contains("+KILL <option> <value> [<option> <value> [...]]\r\n+    Kill connections. Options are:\r\n", reply);
        Assert.EndsWith("+NO-EVICT (ON|OFF)\r\n+    Protect current client connection from eviction.\r\n+HELP\r\n+    Prints this help.\r\n", reply);
    }

    [Fact]
    public void IdAndNames()
    {
        var (ts, c) = Setup();
        Assert.Equal($":{c.Id}\r\n", ts.Run("CLIENT", "ID"));
        Assert.Equal("$-1\r\n", ts.Run("CLIENT", "GETNAME"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "SETNAME", "foo"));
        Assert.Equal("$3\r\nfoo\r\n", ts.Run("CLIENT", "GETNAME"));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", ts.Run("CLIENT", "SETNAME", "a b"));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", ts.Run("CLIENT", "SETNAME", "é"));
        Assert.Equal("$3\r\nfoo\r\n", ts.Run("CLIENT", "GETNAME"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "SETNAME", ""));
        Assert.Equal("$-1\r\n", ts.Run("CLIENT", "GETNAME"));
        c.Protocol = 3;
        Assert.Equal("_\r\n", ts.Run("CLIENT", "GETNAME"));
    }

    [Fact]
    public void ListLineHasRedis70FieldsInOrder()
    {
        var (ts, c) = Setup();
        ts.Run("CLIENT", "SETNAME", "worker");
        var line = Line(ts.Run("CLIENT", "LIST"));
        Assert.EndsWith("\n", line);
        var names = Regex.Matches(line.TrimEnd('\n'), @"(?:^| )([a-z-]+)=").Select(m => m.Groups[1].Value);
        Assert.Equal("id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp",
            string.Join(' ', names));
        Assert.StartsWith($"id={c.Id} addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=8 name=worker age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 ", line);
        // The running command: 26 bytes as received, 10 bytes of arguments ("CLIENT" + "LIST").
        Assert.Contains(" argv-mem=10 multi-mem=0 ", line);
        Assert.EndsWith(" events=r cmd=client|list user=default redir=-1 resp=2\n", line);
    }

    [Fact]
    public void ListShowsLastCommandOfOtherClientsAndNullAfterUnknownCommand()
    {
        var (ts, _) = Setup();
        var other = FakeTransport.Connect(ts, "127.0.0.1:50001", fd: 9);
        Assert.Contains($"id={other.Id} addr=127.0.0.1:50001 laddr=127.0.0.1:6379 fd=9 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 ",
            ts.Run("CLIENT", "LIST"));
        Assert.Contains(" argv-mem=0 ", Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString())));
        ts.Run(other, "GET");
        Assert.Contains(" cmd=get user=default", Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString())));
        ts.Run(other, "FOO");
        Assert.Contains(" cmd=NULL user=default", Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString())));
        ts.Run(other, "CLIENT", "NOSUCH");
        Assert.Contains(" cmd=NULL user=default", Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString())));
        ts.Run(other, "SELECT", "3");
        Assert.Contains(" db=3 ", Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString())));
    }

    [Fact]
    public void ListFiltersAndErrors()
    {
        var (ts, c) = Setup();
        var other = FakeTransport.Connect(ts, "127.0.0.1:50001");
        Assert.Equal("-ERR Unknown client type 'foo'\r\n", ts.Run("CLIENT", "LIST", "TYPE", "foo"));
        Assert.Equal("-ERR Invalid client ID\r\n", ts.Run("CLIENT", "LIST", "ID", "abc"));
        Assert.Equal("-ERR Invalid client ID\r\n", ts.Run("CLIENT", "LIST", "ID", "1", "abc"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "LIST", "foo"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "LIST", "TYPE"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "LIST", "ID"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "LIST", "TYPE", "normal", "ID", "3"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "TYPE", "master"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "TYPE", "Replica"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "TYPE", "slave"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "TYPE", "pubsub"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "ID", "0", "-1", "999999999"));

        var normal = Line(ts.Run("CLIENT", "LIST", "TYPE", "NORMAL")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, normal.Length);
        // ID: argument order, repeats kept, unknown ids skipped.
        var byId = Line(ts.Run("CLIENT", "LIST", "ID", other.Id.ToString(), "424242", c.Id.ToString(), other.Id.ToString()))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { other.Id, c.Id, other.Id }, byId.Select(l => long.Parse(Regex.Match(l, @"^id=(\d+)").Groups[1].Value)));
    }

    [Fact]
    public void ListAndInfoAreVerbatimStringsInResp3()
    {
        var (ts, c) = Setup();
        c.Protocol = 3;
        Assert.Equal("=4\r\ntxt:\r\n", ts.Run("CLIENT", "LIST", "ID", "999999999"));
        var info = ts.Run("CLIENT", "INFO");
        Assert.StartsWith("=", info);
        Assert.Contains("\r\ntxt:id=" + c.Id + " addr=", info);
        Assert.EndsWith(" cmd=client|info user=default redir=-1 resp=3\n\r\n", info);
    }

    [Fact]
    public void FlagsFollowRedisLetters()
    {
        var (ts, c) = Setup();
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "NO-EVICT", "on"));
        Assert.Contains(" flags=e ", ts.Run("CLIENT", "INFO"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "NO-EVICT", "OFF"));
        Assert.Contains(" flags=N ", ts.Run("CLIENT", "INFO"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "NO-EVICT", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'client|no-evict' command\r\n", ts.Run("CLIENT", "NO-EVICT"));

        var unix = FakeTransport.Connect(ts, "/tmp/redis.sock:0", unix: true);
        var line = Line(ts.Run("CLIENT", "LIST", "ID", unix.Id.ToString()));
        Assert.Contains(" addr=/tmp/redis.sock:0 laddr=/tmp/redis.sock:0 ", line);
        Assert.Contains(" flags=U ", line);
        ts.Run(unix, "MONITOR");
        Assert.Contains(" flags=OU ", Line(ts.Run("CLIENT", "LIST", "ID", unix.Id.ToString())));
    }

    [Fact]
    public void KillOldFormMatchesTheAddressAndMayKillTheCaller()
    {
        var (ts, c) = Setup();
        var other = FakeTransport.Connect(ts, "127.0.0.1:50001");
        Assert.Equal("-ERR No such client\r\n", ts.Run("CLIENT", "KILL", "1.2.3.4:5"));
        Assert.Equal("-ERR No such client\r\n", ts.Run("CLIENT", "KILL", "id"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "KILL", "127.0.0.1:50001"));
        Assert.True(other.Closed);
        Assert.True(((FakeTransport)other.Transport!).IsClosed);
        Assert.Null(ts.Server.Clients.Find(other.Id));

        // The caller itself: +OK first, then closed after the reply.
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "KILL", "127.0.0.1:50000"));
        Assert.True(c.Is(ClientFlags.CloseAfterReply));
        Assert.False(c.Closed);
    }

    [Fact]
    public void KillNewFormCountsAndSkipsTheCallerByDefault()
    {
        var (ts, c) = Setup();
        var a = FakeTransport.Connect(ts, "127.0.0.1:50001");
        var b = FakeTransport.Connect(ts, "127.0.0.1:50002");
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "KILL", "ID", "999999999"));
        Assert.Equal(":1\r\n", ts.Run("CLIENT", "KILL", "ID", a.Id.ToString()));
        Assert.True(a.Closed);
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "KILL", "ID", b.Id.ToString(), "TYPE", "master"));
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "KILL", "ADDR", "127.0.0.1:50002", "LADDR", "1.1.1.1:1"));
        Assert.Equal(":1\r\n", ts.Run("CLIENT", "KILL", "TYPE", "normal", "USER", "default"));
        Assert.True(b.Closed);
        Assert.False(c.Is(ClientFlags.CloseAfterReply));
        Assert.Equal(":1\r\n", ts.Run("CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "SKIPME", "no"));
        Assert.True(c.Is(ClientFlags.CloseAfterReply));
    }

    [Fact]
    public void KillErrors()
    {
        var (ts, _) = Setup();
        Assert.Equal("-ERR client-id should be greater than 0\r\n", ts.Run("CLIENT", "KILL", "id", "abc"));
        Assert.Equal("-ERR client-id should be greater than 0\r\n", ts.Run("CLIENT", "KILL", "id", "0"));
        Assert.Equal("-ERR client-id should be greater than 0\r\n", ts.Run("CLIENT", "KILL", "id", "-5"));
        Assert.Equal("-ERR Unknown client type 'foo'\r\n", ts.Run("CLIENT", "KILL", "type", "foo"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "KILL", "type", "normal", "x"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "KILL", "foo", "bar"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "KILL", "skipme", "maybe"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "KILL", "maxage", "10"));
        Assert.Equal("-ERR No such user 'nobody'\r\n", ts.Run("CLIENT", "KILL", "user", "nobody"));
    }

    [Fact]
    public void KillTypeNormalIncludesMonitorsAndTypeReplicaExcludesThem()
    {
        var (ts, _) = Setup();
        var monitor = FakeTransport.Connect(ts, "127.0.0.1:50001");
        Assert.Equal("+OK\r\n", ts.Run(monitor, "MONITOR"));
        Assert.Equal("$0\r\n\r\n", ts.Run("CLIENT", "LIST", "TYPE", "replica"));
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "KILL", "TYPE", "replica"));
        Assert.Equal(":1\r\n", ts.Run("CLIENT", "KILL", "TYPE", "normal"));
        Assert.True(monitor.Closed);
        Assert.Empty(ts.Server.Clients.Monitors);
    }

    [Fact]
    public void PauseArgumentsAreCheckedLikeRedis()
    {
        var (ts, _) = Setup();
        Assert.Equal("-ERR wrong number of arguments for 'client|pause' command\r\n", ts.Run("CLIENT", "PAUSE"));
        Assert.Equal("-ERR timeout is not an integer or out of range\r\n", ts.Run("CLIENT", "PAUSE", "abc"));
        Assert.Equal("-ERR timeout is not an integer or out of range\r\n", ts.Run("CLIENT", "PAUSE", "1.5"));
        Assert.Equal("-ERR timeout is negative\r\n", ts.Run("CLIENT", "PAUSE", "-1"));
        // The mode is checked before the timeout.
        Assert.Equal("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n", ts.Run("CLIENT", "PAUSE", "abc", "foo"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n", ts.Run("CLIENT", "PAUSE", "10", "WRITE", "ALL"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.\r\n", ts.Run("client", "pause", "1", "2", "3"));
        Assert.Equal(PauseType.None, ts.Server.Clients.PauseType);
    }

    [Fact]
    public void PauseLastsItsTimeoutAndTheStrongerModeWins()
    {
        var (ts, c) = Setup();
        var clients = ts.Server.Clients;
        var get = ts.Server.Commands.Find("get")!;
        var set = ts.Server.Commands.Find("set")!;
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "PAUSE", "1000", "write"));
        Assert.Equal(PauseType.Write, clients.PauseType);
        Assert.True(clients.ClientsPaused);
        Assert.False(clients.MustPostpone(c, get));
        Assert.True(clients.MustPostpone(c, set));
        // PAUSE 0 does not shorten the pause but upgrades it to ALL.
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "PAUSE", "0"));
        Assert.Equal(PauseType.All, clients.PauseType);
        Assert.True(clients.MustPostpone(c, get));
        ts.AdvanceTime(999);
        Assert.True(clients.ClientsPaused);
        ts.AdvanceTime(2);
        Assert.False(clients.ClientsPaused);
        Assert.Equal(PauseType.None, clients.PauseType);
        Assert.False(clients.MustPostpone(c, set));
    }

    [Fact]
    public void UnpauseAndHugeTimeoutsEndThePause()
    {
        var (ts, c) = Setup();
        var clients = ts.Server.Clients;
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "PAUSE", "100000"));
        Assert.True(clients.ClientsPaused);
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "UNPAUSE"));
        Assert.False(clients.ClientsPaused);
        Assert.Equal("-ERR wrong number of arguments for 'client|unpause' command\r\n", ts.Run("CLIENT", "UNPAUSE", "x"));
        // Redis 7.0 adds the timeout to the clock without an overflow check: the end is in the past.
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "PAUSE", "9223372036854775807"));
        Assert.False(clients.ClientsPaused);
    }

    [Fact]
    public void ReplicasAndMonitorsAreNeverPaused()
    {
        var (ts, c) = Setup();
        ts.Run("CLIENT", "PAUSE", "100000");
        var replica = FakeTransport.Connect(ts);
        replica.Flags |= ClientFlags.Replica;
        Assert.False(ts.Server.Clients.MustPostpone(replica, ts.Server.Commands.Find("ping")!));
        Assert.True(ts.Server.Clients.MustPostpone(c, ts.Server.Commands.Find("ping")!));
    }

    [Fact]
    public void ReplyOffSkipOn()
    {
        var (ts, _) = Setup();
        Assert.Equal("", ts.Run("CLIENT", "REPLY", "SKIP"));
        Assert.Equal("", ts.Run("FOO"));               // the skipped reply: even an error
        Assert.Equal("$1\r\na\r\n", ts.Run("PING", "a"));
        Assert.Equal("", ts.Run("CLIENT", "REPLY", "OFF"));
        Assert.Equal("", ts.Run("GET"));
        Assert.Equal("", ts.Run("PING", "c"));
        Assert.Equal("", ts.Run("CLIENT", "REPLY", "SKIP")); // SKIP while OFF stays OFF
        Assert.Equal("", ts.Run("PING", "d"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "REPLY", "ON"));
        Assert.Equal("$1\r\ne\r\n", ts.Run("PING", "e"));
        Assert.Equal("", ts.Run("CLIENT", "REPLY", "SKIP"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "REPLY", "ON")); // ON ends a pending SKIP
        Assert.Equal("$1\r\nf\r\n", ts.Run("PING", "f"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "REPLY", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'client|reply' command\r\n", ts.Run("CLIENT", "REPLY"));
    }

    [Fact]
    public void TrackingIsReportedOff()
    {
        var (ts, c) = Setup();
        Assert.Equal(":-1\r\n", ts.Run("CLIENT", "GETREDIR"));
        Assert.Equal("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n", ts.Run("CLIENT", "TRACKINGINFO"));
        Assert.Equal("+OK\r\n", ts.Run("CLIENT", "TRACKING", "off"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("CLIENT", "TRACKING", "foo"));
        Assert.StartsWith("-ERR ", ts.Run("CLIENT", "TRACKING", "on"));
        Assert.Equal("-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n", ts.Run("CLIENT", "CACHING", "yes"));
        c.Protocol = 3;
        Assert.Equal("%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n", ts.Run("CLIENT", "TRACKINGINFO"));
    }

    [Fact]
    public void UnblockChecksItsArgumentsAndAsksTheBlockingCode()
    {
        var (ts, _) = Setup();
        var other = FakeTransport.Connect(ts);
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "UNBLOCK", other.Id.ToString()));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", ts.Run("CLIENT", "UNBLOCK", "x"));
        Assert.Equal("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n", ts.Run("CLIENT", "UNBLOCK", "1", "foo"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n", ts.Run("CLIENT", "UNBLOCK", "1", "timeout", "x"));
        (Client, bool)? asked = null;
        ts.Server.Clients.UnblockHandler = (c, error) => { asked = (c, error); return true; };
        Assert.Equal(":1\r\n", ts.Run("CLIENT", "UNBLOCK", other.Id.ToString(), "ERROR"));
        Assert.Equal((other, true), asked);
        Assert.Equal(":0\r\n", ts.Run("CLIENT", "UNBLOCK", "999999999"));
    }

    [Fact]
    public void IdleClientsAreClosedByTheCronButNotReplicasMastersBlockedOrSubscribers()
    {
        var (ts, _) = Setup("timeout", "2");
        var idle = FakeTransport.Connect(ts);
        var replica = FakeTransport.Connect(ts);
        replica.Flags |= ClientFlags.Replica;
        var master = FakeTransport.Connect(ts);
        master.Flags |= ClientFlags.Master;
        var blocked = FakeTransport.Connect(ts);
        blocked.Flags |= ClientFlags.Blocked;
        var subscriber = FakeTransport.Connect(ts);
        subscriber.Flags |= ClientFlags.PubSub;
        var monitor = FakeTransport.Connect(ts);
        ts.Run(monitor, "MONITOR");
        var active = FakeTransport.Connect(ts);

        ts.AdvanceTime(1000);
        RunCron(ts);
        Assert.False(idle.Closed); // idle for 1 s (2 at most in whole seconds): not more than the timeout
        ts.AdvanceTime(2000);
        ts.Run(active, "PING");
        RunCron(ts);
        Assert.True(idle.Closed);
        Assert.True(((FakeTransport)idle.Transport!).IsClosed);
        Assert.Null(ts.Server.Clients.Find(idle.Id));
        Assert.False(active.Closed);
        foreach (var kept in new[] { replica, master, blocked, subscriber, monitor }) Assert.False(kept.Closed);
    }

    [Fact]
    public void NoTimeoutByDefault()
    {
        var (ts, c) = Setup();
        ts.AdvanceTime(10_000_000);
        RunCron(ts);
        Assert.False(c.Closed);
    }

    static void RunCron(TestServer ts)
    {
        foreach (var job in ts.Server.CronJobs) job();
    }

    [Fact]
    public void ProtectedModeRefusalIsRedis70Text()
    {
        // Byte for byte what redis-server 7.0.15 sent to a client of another host (its "Setup a an" typo included).
        Assert.StartsWith("-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. ",
            ClientRegistry.ProtectedModeMessage);
        Assert.Contains(" 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n",
            ClientRegistry.ProtectedModeMessage);
        Assert.Equal(1067, ClientRegistry.ProtectedModeMessage.Length);
    }
}
