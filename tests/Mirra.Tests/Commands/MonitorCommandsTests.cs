using System.Text;
using System.Text.RegularExpressions;
using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// Monitor lines were compared with redis-server 7.0.15's (timestamps and ports aside).
public class MonitorCommandsTests
{
    static (TestServer Ts, Client Monitor, Client Other) Setup()
    {
        var ts = new TestServer();
        var monitor = FakeTransport.Connect(ts, "127.0.0.1:40000");
        var other = FakeTransport.Connect(ts, "127.0.0.1:40001");
        Assert.Equal("+OK\r\n", ts.Run(monitor, "MONITOR"));
        return (ts, monitor, other);
    }

    /// <summary>What the monitor received since the last call, timestamps replaced by "TS".</summary>
    static string Feed(Client monitor)
    {
        var text = Encoding.Latin1.GetString(monitor.Reply.Written);
        monitor.Reply.Clear();
        return Regex.Replace(text, @"^\+\d{10}\.\d{6} ", "+TS ", RegexOptions.Multiline);
    }

    static string RunBytes(TestServer ts, Client c, params byte[][] argv)
    {
        int mark = c.Reply.Length;
        ts.Server.Dispatcher.ExecuteArgv(c, argv);
        var reply = Encoding.UTF8.GetString(c.Reply.Written[mark..]);
        c.Reply.Truncate(mark);
        return reply;
    }

    [Fact]
    public void ArgumentsAreQuotedLikeSdscatrepr()
    {
        var (ts, monitor, other) = Setup();
        var key = "k\0\u0001\"\\\n\r\t\a\b y"u8.ToArray().Concat(new byte[] { 0xff, 0xc3, 0xa9 }).ToArray();
        Assert.Equal("+OK\r\n", RunBytes(ts, other, "SET"u8.ToArray(), key, "v"u8.ToArray()));
        Assert.Equal("+TS [0 127.0.0.1:40001] \"SET\" \"k\\x00\\x01\\\"\\\\\\n\\r\\t\\a\\b y\\xff\\xc3\\xa9\" \"v\"\r\n", Feed(monitor));
    }

    [Fact]
    public void ShowsTheDatabaseAfterTheCommandAndSkipsRejectedAndAdminCommands()
    {
        var (ts, monitor, other) = Setup();
        ts.Run(other, "FOO", "bar");
        ts.Run(other, "GET");
        ts.Run(other, "SELECT", "3");
        ts.Run(other, "GET", "a");
        ts.Run(other, "CLIENT", "LIST");
        ts.Run(other, "CLIENT", "SETNAME", "z");
        ts.Run(other, "SHUTDOWN", "FOO");
        Assert.Equal(
            "+TS [3 127.0.0.1:40001] \"SELECT\" \"3\"\r\n" +
            "+TS [3 127.0.0.1:40001] \"GET\" \"a\"\r\n" +
            "+TS [3 127.0.0.1:40001] \"CLIENT\" \"SETNAME\" \"z\"\r\n",
            Feed(monitor));
    }

    [Fact]
    public void PasswordsAreRedactedWhereRedisRedactsThem()
    {
        var (ts, monitor, other) = Setup();
        ts.Run(other, "AUTH", "pw");
        ts.Run(other, "AUTH", "user", "pw");
        ts.Run(other, "AUTH", "a", "b", "c");
        ts.Run(other, "HELLO", "3", "AUTH", "default", "pw", "SETNAME", "nm");
        ts.Run(other, "HELLO", "3", "SETNAME", "nm", "AUTH", "default", "pw");
        ts.Run(other, "HELLO", "2", "FOO", "AUTH", "default", "pw");
        ts.Run(other, "HELLO", "x", "AUTH", "default", "pw");
        Assert.Equal(
            "+TS [0 127.0.0.1:40001] \"AUTH\" \"(redacted)\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"AUTH\" \"a\" \"b\" \"c\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"HELLO\" \"3\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"nm\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"HELLO\" \"3\" \"SETNAME\" \"nm\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"HELLO\" \"2\" \"FOO\" \"AUTH\" \"default\" \"pw\"\r\n" +
            "+TS [0 127.0.0.1:40001] \"HELLO\" \"x\" \"AUTH\" \"default\" \"pw\"\r\n",
            Feed(monitor));
    }

    [Fact]
    public void TheMonitorSeesItsOwnCommandsAfterTheirRepliesButCannotTouchKeys()
    {
        var (ts, monitor, _) = Setup();
        int mark = monitor.Reply.Length;
        ts.Server.Dispatcher.ExecuteArgv(monitor, new[] { "PING"u8.ToArray() });
        Assert.Equal("+PONG\r\n+TS [0 127.0.0.1:40000] \"PING\"\r\n", Feed(monitor));
        Assert.Equal("-ERR Replica can't interact with the keyspace\r\n", ts.Run(monitor, "GET", "x"));
        Assert.Equal("-ERR Replica can't interact with the keyspace\r\n", ts.Run(monitor, "SET", "x", "1"));
        // A second MONITOR is ignored without a reply.
        Assert.Equal("", ts.Run(monitor, "MONITOR"));
        Assert.Single(ts.Server.Clients.Monitors);
        Assert.True(monitor.Is(ClientFlags.Monitor) && monitor.Is(ClientFlags.Replica));
    }

    [Fact]
    public void UnixSocketClientsAndInternalClientsAreNamedLikeRedis()
    {
        var ts = new TestServer("unixsocket", "/tmp/m.sock");
        var monitor = FakeTransport.Connect(ts);
        ts.Run(monitor, "MONITOR");
        var unix = FakeTransport.Connect(ts, "/tmp/m.sock:0", unix: true);
        ts.Run(unix, "PING");
        var script = ts.NewClient(); // no connection: a script/internal client
        ts.Run(script, "ECHO", "x");
        Assert.Equal("+TS [0 unix:/tmp/m.sock] \"PING\"\r\n+TS [0 lua] \"ECHO\" \"x\"\r\n", Feed(monitor));
    }

    [Fact]
    public void ClosedMonitorsStopReceiving()
    {
        var (ts, monitor, other) = Setup();
        var second = FakeTransport.Connect(ts, "127.0.0.1:40002");
        ts.Run(second, "MONITOR");
        ts.Server.Clients.Kill(monitor);
        ts.Run(other, "PING");
        Assert.Single(ts.Server.Clients.Monitors);
        Assert.Equal("+TS [0 127.0.0.1:40001] \"PING\"\r\n", Feed(second));
    }

    [Fact]
    public void MonitorIsNotAllowedForReplicas()
    {
        var ts = new TestServer();
        var replica = FakeTransport.Connect(ts);
        replica.Flags |= ClientFlags.Replica;
        Assert.Equal("", ts.Run(replica, "MONITOR"));
        Assert.Empty(ts.Server.Clients.Monitors);
    }
}
