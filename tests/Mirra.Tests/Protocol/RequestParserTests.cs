using System.Text;
using Mirra.Protocol;
using Mirra.Tests.Support;

namespace Mirra.Tests.Protocol;

public class RequestParserTests
{
    static (List<string[]> Commands, int Consumed, string? Error) ParseAll(string input, bool authenticated = true)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var parser = new RequestParser();
        int scan = 0;
        int consumed = parser.Parse(bytes, 0, bytes.Length, authenticated, ref scan);
        var commands = new List<string[]>();
        for (int c = 0; c < parser.CommandStarts.Count; c++)
        {
            int from = parser.CommandStarts[c];
            int to = c + 1 < parser.CommandStarts.Count ? parser.CommandStarts[c + 1] : parser.Args.Count;
            commands.Add(parser.Args.Skip(from).Take(to - from).Select(a => Encoding.UTF8.GetString(bytes, a.Offset, a.Length)).ToArray());
        }
        return (commands, consumed, parser.Error);
    }

    [Fact]
    public void ParsesPipelinedMultibulkCommands()
    {
        const string input = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        var (cmds, consumed, error) = ParseAll(input);
        Assert.Null(error);
        Assert.Equal(2, cmds.Count);
        Assert.Equal(new[] { "SET", "k", "hello" }, cmds[1]);
        Assert.Equal(input.Length, consumed);
    }

    [Fact]
    public void KeepsAHalfReceivedCommandForLater()
    {
        var (cmds, consumed, error) = ParseAll("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$3\r\nab");
        Assert.Null(error);
        Assert.Single(cmds);
        Assert.Equal(14, consumed); // the partial GET starts right after PING
    }

    [Fact]
    public void ResumesAcrossReads()
    {
        var parser = new RequestParser();
        var full = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n");
        int scan = 0;
        for (int end = 1; end < full.Length; end++)
        {
            Assert.Equal(0, parser.Parse(full, 0, end, true, ref scan));
            Assert.Empty(parser.CommandStarts);
        }
        parser.Parse(full, 0, full.Length, true, ref scan);
        Assert.Single(parser.CommandStarts);
    }

    [Theory]
    [InlineData("PING\r\n", new[] { "PING" })]
    [InlineData("set k \"a b\\x41\\n\"\n", new[] { "set", "k", "a bA\n" })]
    [InlineData("echo 'it\\'s'\r\n", new[] { "echo", "it's" })]
    [InlineData("   get    k  \r\n", new[] { "get", "k" })]
    public void SplitsInlineCommandsLikeSdssplitargs(string line, string[] expected)
    {
        var (cmds, _, error) = ParseAll(line);
        Assert.Null(error);
        Assert.Equal(expected, Assert.Single(cmds));
    }

    [Theory]
    [InlineData("*abc\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*1\r\nx", "Protocol error: expected '$', got 'x'")]
    [InlineData("*1\r\n$-5\r\n", "Protocol error: invalid bulk length")]
    [InlineData("set k \"abc\r\n", "Protocol error: unbalanced quotes in request")]
    [InlineData("get \"a\"b\r\n", "Protocol error: unbalanced quotes in request")]
    public void ReportsRedisProtocolErrors(string input, string expected)
    {
        var (_, _, error) = ParseAll(input);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void CommandsBeforeAProtocolErrorStillRun()
    {
        var (cmds, _, error) = ParseAll("PING\r\n*1\r\nx");
        Assert.Single(cmds);
        Assert.NotNull(error);
    }

    [Fact]
    public void UnauthenticatedClientsGetTighterLimits()
    {
        Assert.Equal("Protocol error: unauthenticated multibulk length", ParseAll("*11\r\n", authenticated: false).Error);
        Assert.Equal("Protocol error: unauthenticated bulk length", ParseAll("*1\r\n$16385\r\n", authenticated: false).Error);
    }

    [Fact]
    public void RejectsOverlongInlineAndCountLines()
    {
        Assert.Equal("Protocol error: too big inline request", ParseAll(new string('a', 70000)).Error);
        Assert.Equal("Protocol error: too big mbulk count string", ParseAll("*" + new string('1', 70000)).Error);
    }

    [Fact]
    public void EmptyCommandsAreSkipped()
    {
        const string input = "*0\r\n\r\n*-1\r\nPING\r\n";
        var (cmds, consumed, error) = ParseAll(input);
        Assert.Null(error);
        Assert.Single(cmds);
        Assert.Equal(input.Length, consumed);
    }
}

public class DispatcherTests
{
    [Fact]
    public void UnknownCommandQuotesItsArguments()
    {
        var s = new TestServer();
        Assert.Equal("-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n", s.Run("foo", "a", "b"));
    }

    [Fact]
    public void WrongArityNamesTheCommand()
    {
        var s = new TestServer();
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", s.Run("GET"));
    }

    [Fact]
    public void CommandNamesAreCaseInsensitive()
    {
        var s = new TestServer();
        Assert.Equal("+OK\r\n", s.Run("sEt", "k", "v"));
        Assert.Equal("$1\r\nv\r\n", s.Run("GET", "k"));
    }

    [Fact]
    public void RequirepassDemandsAuth()
    {
        var s = new TestServer("requirepass", "secret");
        var c = s.NewClient();
        Assert.Equal("-NOAUTH Authentication required.\r\n", s.Run(c, "GET", "k"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", s.Run(c, "AUTH", "nope"));
        Assert.Equal("+OK\r\n", s.Run(c, "AUTH", "secret"));
        Assert.Equal("$-1\r\n", s.Run(c, "GET", "k"));
    }

    [Fact]
    public void Resp3NullsAfterHello3()
    {
        var s = new TestServer();
        s.Run("HELLO", "3");
        Assert.Equal("_\r\n", s.Run("GET", "missing"));
    }
}
