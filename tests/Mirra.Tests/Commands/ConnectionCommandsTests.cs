using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class ConnectionCommandsTests
{
    [Fact]
    public void ResetLeavesSubscriptionsTransactionsAndTheSelectedDatabase()
    {
        // Transcript of redis-server 7.0.15 (CLIENT SETNAME, SELECT 3, SUBSCRIBE c, RESET, CLIENT GETNAME).
        var s = new TestServer();
        Assert.Equal("+OK\r\n", s.Run("CLIENT", "SETNAME", "n1"));
        Assert.Equal("+OK\r\n", s.Run("SELECT", "3"));
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n", s.Run("SUBSCRIBE", "c"));
        Assert.Equal("+RESET\r\n", s.Run("RESET"));
        Assert.Equal("$-1\r\n", s.Run("CLIENT", "GETNAME"));
        Assert.Equal(0, s.Client.Db.Index);
        Assert.False(s.Client.Is(ClientFlags.PubSub));
        Assert.Equal(":0\r\n", s.Run("PUBLISH", "c", "x"));

        Assert.Equal("+OK\r\n", s.Run("MULTI"));
        Assert.Equal("+QUEUED\r\n", s.Run("SET", "k", "v"));
        Assert.Equal("+RESET\r\n", s.Run("RESET"));
        Assert.Equal("-ERR EXEC without MULTI\r\n", s.Run("EXEC"));
        Assert.Equal("$-1\r\n", s.Run("GET", "k"));
        Assert.Equal("-ERR wrong number of arguments for 'reset' command\r\n", s.Run("RESET", "extra"));
    }

    [Fact]
    public void ResetGoesBackToResp2AndDeauthenticates()
    {
        var s = new TestServer("requirepass", "pw");
        Assert.Equal("+OK\r\n", s.Run("AUTH", "pw"));
        s.Run("HELLO", "3");
        Assert.Equal("+RESET\r\n", s.Run("RESET"));
        Assert.Equal(2, s.Client.Protocol);
        Assert.Equal("-NOAUTH Authentication required.\r\n", s.Run("GET", "k"));
    }
}
