using System.Text.RegularExpressions;
using Mirra.Config;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>DEBUG. Replies verified against redis-server 7.0.15 started with --enable-debug-command yes.</summary>
public class DebugTests
{
    static TestServer Enabled() => new("enable-debug-command", "yes");

    const string NotAllowed = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";

    [Fact]
    public void DebugIsRefusedByDefaultAfterTheArityCheck()
    {
        var s = new TestServer();
        Assert.Equal("-ERR wrong number of arguments for 'debug' command\r\n", s.Run("DEBUG"));
        Assert.Equal(NotAllowed, s.Run("DEBUG", "HELP"));
        Assert.Equal(NotAllowed, s.Run("DEBUG", "SLEEP", "0"));
        string stats = s.Run("INFO", "commandstats");
        Assert.Contains("cmdstat_debug:calls=0,usec=0,usec_per_call=0.00,rejected_calls=3,failed_calls=0\r\n", stats);
        Assert.Contains("errorstat_ERR:count=3", s.Run("INFO", "errorstats"));
    }

    [Fact]
    public void LocalAllowsInternalClients()
    {
        var s = new TestServer("enable-debug-command", "local");
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "SLEEP", "0"));
    }

    [Fact]
    public void HelpIsRedisText()
    {
        var s = Enabled();
        string help = s.Run("DEBUG", "HELP");
        Assert.StartsWith("*106\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+AOF-FLUSH-SLEEP <microsec>\r\n+    Server will sleep before flushing the AOF, this is used for testing.\r\n+ASSERT\r\n", help);
        Assert.Contains("+SET-ACTIVE-EXPIRE <0|1>\r\n+    Setting it to 0 disables expiring keys in background when they are not\r\n+    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the\r\n+    default.\r\n", help);
        Assert.EndsWith("+CLUSTERLINK KILL <to|from|all> <node-id>\r\n+    Kills the link based on the direction to/from (both) with the provided node.\r\n+HELP\r\n+    Prints this help.\r\n", help);
    }

    [Fact]
    public void UnknownSubcommandOrWrongArgumentCount()
    {
        var s = Enabled();
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.\r\n", s.Run("DEBUG", "nosuch"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n", s.Run("DEBUG", "SLEEP"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'set-active-expire'. Try DEBUG HELP.\r\n", s.Run("debug", "set-active-expire"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP.\r\n", s.Run("DEBUG", "OBJECT"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.\r\n", s.Run("DEBUG", "object", "a", "b"));
    }

    [Fact]
    public void SleepParsesLikeStrtod()
    {
        var s = Enabled();
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "SLEEP", "0"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "SLEEP", "abc"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "SLEEP", "-1"));
        Assert.Equal(0.25, Mirra.Commands.DebugCommands.LeadingDouble("0.25s"u8));
        Assert.Equal(100, Mirra.Commands.DebugCommands.LeadingDouble("1e2"u8));
        Assert.Equal(1, Mirra.Commands.DebugCommands.LeadingDouble("1e"u8));
        Assert.Equal(0, Mirra.Commands.DebugCommands.LeadingDouble("."u8));
        Assert.Equal(-0.5, Mirra.Commands.DebugCommands.LeadingDouble("-.5"u8));
    }

    [Fact]
    public void SetActiveExpireTakesAnyNonZeroNumberAsOn()
    {
        var s = Enabled();
        Assert.True(s.Server.ActiveExpireEnabled);
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
        Assert.False(s.Server.ActiveExpireEnabled);
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "set-active-expire", "2"));
        Assert.True(s.Server.ActiveExpireEnabled);
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "set-active-expire", "x"));
        Assert.False(s.Server.ActiveExpireEnabled);
        s.Run("DEBUG", "set-active-expire", "1");
        Assert.True(s.Server.ActiveExpireEnabled);
    }

    static string ObjectLine(TestServer s, string key)
    {
        string reply = s.Run("DEBUG", "OBJECT", key);
        var m = Regex.Match(reply, @"^\+Value at:0x[0-9a-f]+ (refcount:\d+ encoding:\S+ serializedlength:\d+) lru:(\d+) lru_seconds_idle:(\d+)\r\n$");
        Assert.True(m.Success, reply);
        Assert.InRange(long.Parse(m.Groups[2].Value), 0, 0xFFFFFF);
        return m.Groups[1].Value;
    }

    [Theory]
    [InlineData("1", "refcount:2147483647 encoding:int serializedlength:2")]
    [InlineData("1000", "refcount:2147483647 encoding:int serializedlength:3")]
    [InlineData("100000", "refcount:1 encoding:int serializedlength:5")]
    [InlineData("12345678901", "refcount:1 encoding:int serializedlength:12")]
    [InlineData("-5", "refcount:1 encoding:int serializedlength:2")]
    [InlineData("hello", "refcount:1 encoding:embstr serializedlength:6")]
    [InlineData("", "refcount:1 encoding:embstr serializedlength:1")]
    [InlineData("0123", "refcount:1 encoding:embstr serializedlength:5")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123", "refcount:1 encoding:embstr serializedlength:31")]
    public void ObjectDescribesStringValues(string value, string expected)
    {
        var s = Enabled();
        s.Run("SET", "k", value);
        Assert.Equal(expected, ObjectLine(s, "k"));
    }

    [Fact]
    public void ObjectOfMissingOrExpiredKey()
    {
        var s = Enabled();
        Assert.Equal("-ERR no such key\r\n", s.Run("DEBUG", "OBJECT", "nokey"));
        s.Run("SET", "k", "v", "PX", "100");
        s.AdvanceTime(200);
        Assert.Equal("-ERR no such key\r\n", s.Run("DEBUG", "OBJECT", "k"));
        Assert.Equal(1, s.Server.Keyspace.ExpiredKeys);
        Assert.Equal(0, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void ObjectReportsIdleTimeWithoutTouchingIt()
    {
        var s = Enabled();
        s.Run("SET", "k", "a-long-enough-value-that-is-not-shared");
        s.Server.Keyspace.LruClock += 30;
        Assert.Matches(@"lru_seconds_idle:30\r\n$", s.Run("DEBUG", "OBJECT", "k"));
        Assert.Matches(@"lru_seconds_idle:30\r\n$", s.Run("DEBUG", "OBJECT", "k"));
    }

    [Fact]
    public void PopulateAddsKeysWithoutDirtyingTheDataset()
    {
        var s = Enabled();
        s.Run("SET", "key:1", "mine");
        long dirty = s.Server.Dirty;
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "POPULATE", "3"));
        Assert.Equal("$7\r\nvalue:0\r\n", s.Run("GET", "key:0"));
        Assert.Equal("$4\r\nmine\r\n", s.Run("GET", "key:1")); // existing keys are kept
        Assert.Equal("$7\r\nvalue:2\r\n", s.Run("GET", "key:2"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "POPULATE", "2", "pre", "10"));
        Assert.Equal("$10\r\nvalue:1\0\0\0\r\n", s.Run("GET", "pre:1"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "POPULATE", "1", "ww", "3"));
        Assert.Equal("$3\r\nval\r\n", s.Run("GET", "ww:0"));
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "POPULATE", "0"));
        Assert.Equal(dirty, s.Server.Dirty);
        Assert.Equal(6, s.Server.Keyspace[0].Count);
        Assert.Equal("-ERR value is out of range, must be positive\r\n", s.Run("DEBUG", "POPULATE", "-1"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", s.Run("DEBUG", "POPULATE", "x"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", s.Run("DEBUG", "POPULATE", "1", "a", "b"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", s.Run("DEBUG", "POPULATE", "2", "pre", "-1"));
    }

    [Theory]
    [InlineData("string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n")]
    [InlineData("integer", ":12345\r\n", ":12345\r\n")]
    [InlineData("double", "$5\r\n3.141\r\n", ",3.141\r\n")]
    [InlineData("bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n")]
    [InlineData("null", "$-1\r\n", "_\r\n")]
    [InlineData("array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n")]
    [InlineData("set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n")]
    [InlineData("map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n")]
    [InlineData("attrib", "$39\r\nSome real reply following the attribute\r\n", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n")]
    [InlineData("push", "-ERR RESP2 is not supported by this command\r\n", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n")]
    [InlineData("verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n")]
    [InlineData("true", ":1\r\n", "#t\r\n")]
    [InlineData("FALSE", ":0\r\n", "#f\r\n")]
    [InlineData("foo", "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n",
                       "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n")]
    public void ProtocolRepliesEachType(string type, string resp2, string resp3)
    {
        var s = Enabled();
        Assert.Equal(resp2, s.Run("DEBUG", "PROTOCOL", type));
        s.Run("HELLO", "3");
        Assert.Equal(resp3, s.Run("DEBUG", "PROTOCOL", type));
    }

    [Fact]
    public void ErrorIsRawProtocolNotCountedAsAnError()
    {
        var s = Enabled();
        Assert.Equal("-CUSTOM hello\r\n", s.Run("DEBUG", "ERROR", "CUSTOM hello"));
        Assert.Equal("-hello\r\n", s.Run("DEBUG", "ERROR", "hello"));
        Assert.Equal("$14\r\n# Errorstats\r\n\r\n", s.Run("INFO", "errorstats"));
        Assert.Contains("cmdstat_debug:calls=2,", s.Run("INFO", "commandstats"));
        Assert.Contains("failed_calls=0", Regex.Match(s.Run("INFO", "commandstats"), "cmdstat_debug:.*").Value);
    }

    [Fact]
    public void ChangeReplIdMakesANewIdAndClearsTheSecondOne()
    {
        var s = Enabled();
        string before = s.Server.Replication.ReplId;
        s.Server.Replication.ReplId2 = new string('a', 40);
        s.Server.Replication.SecondOffset = 10;
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "CHANGE-REPL-ID"));
        Assert.NotEqual(before, s.Server.Replication.ReplId);
        Assert.Matches("^[0-9a-f]{40}$", s.Server.Replication.ReplId);
        Assert.Equal(new string('0', 40), s.Server.Replication.ReplId2);
        Assert.Equal(-1, s.Server.Replication.SecondOffset);
        Assert.Equal("+OK\r\n", s.Run("DEBUG", "LOG", "hello"));
    }
}
