using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class SortedSetBlockingTests
{
    [Fact]
    public void ImmediatePopsAndErrorsMatchRedis()
    {
        // Transcript of redis-server 7.0.15.
        var s = new TestServer();
        Assert.Equal(":2\r\n", s.Run("ZADD", "z", "1", "a", "2", "b"));
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", s.Run("BZPOPMIN", "z", "0"));
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n", s.Run("BZPOPMAX", "z", "nokey", "0"));
        Assert.Equal(":3\r\n", s.Run("ZADD", "y", "1", "a", "2", "b", "3", "c"));
        Assert.Equal("*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            s.Run("BZMPOP", "0", "2", "none", "y", "MAX", "COUNT", "2"));
        Assert.Equal("-ERR timeout is negative\r\n", s.Run("BZPOPMIN", "z", "-1"));
        s.Run("SET", "str", "x");
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", s.Run("BZPOPMIN", "str", "0"));
    }

    [Fact]
    public void ABlockedPopIsServedByAnotherClientsZaddAndReplicatedAsZpopmin()
    {
        var s = new TestServer();
        var waiter = s.NewClient();
        var writer = s.NewClient();
        Assert.Equal("", s.Run(waiter, "BZPOPMIN", "q", "0")); // blocks: no reply yet
        Assert.Equal(1, s.Server.Blocking.BlockedCount);
        var stream = new List<string>();
        s.Server.Propagation.Consumers.Add(new Capture(stream));
        Assert.Equal(":1\r\n", s.Run(writer, "ZADD", "q", "7", "m"));
        Assert.Equal(0, s.Server.Blocking.BlockedCount);
        Assert.Equal("*3\r\n$1\r\nq\r\n$1\r\nm\r\n$1\r\n7\r\n", System.Text.Encoding.UTF8.GetString(waiter.Reply.Written));
        Assert.Contains(stream, c => c.Contains("ZPOPMIN") && c.Contains("\r\nq\r\n"));
    }

    [Fact]
    public void BzmpopTimesOutWithANullArray()
    {
        var s = new TestServer();
        var waiter = s.NewClient();
        Assert.Equal("", s.Run(waiter, "BZMPOP", "0.5", "1", "none", "MIN"));
        s.AdvanceTime(600);
        s.Server.Blocking.CheckTimeouts();
        Assert.Equal("*-1\r\n", System.Text.Encoding.UTF8.GetString(waiter.Reply.Written));
    }

    sealed class Capture(List<string> into) : Mirra.Replication.IStreamConsumer
    {
        public void Append(ReadOnlySpan<byte> resp) => into.Add(System.Text.Encoding.UTF8.GetString(resp));
    }
}
