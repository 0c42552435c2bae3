using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class ExpireCommandsTests
{
    [Fact]
    public void OptionErrorsAndConditions()
    {
        KeyspaceScript.Run(new TestServer(), """
            set a 1 => +OK\r\n
            expire a 100 nx xx => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
            expire a 100 nx gt => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
            expire a 100 lt nx => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
            expire a 100 gt lt => -ERR GT and LT options at the same time are not compatible\r\n
            expire a 100 foo => -ERR Unsupported option foo\r\n
            expire a 100 gt foo => -ERR Unsupported option foo\r\n
            expire a x foo => -ERR Unsupported option foo\r\n
            expire a x => -ERR value is not an integer or out of range\r\n
            expire a 1.5 => -ERR value is not an integer or out of range\r\n
            expire a => -ERR wrong number of arguments for 'expire' command\r\n
            expire a 100 xx => :0\r\n
            expire a 100 gt => :0\r\n
            expire a 100 xx gt => :0\r\n
            expire a 100 lt => :1\r\n
            ttl a => :100\r\n
            expire a 100 nx => :0\r\n
            expire a 200 gt => :1\r\n
            ttl a => :200\r\n
            expire a 200 gt => :0\r\n
            expire a 300 lt => :0\r\n
            expire a 50 LT => :1\r\n
            pttl a => :50000\r\n
            expire a 60 XX => :1\r\n
            ttl a => :60\r\n
            persist a => :1\r\n
            expire a 60 NX => :1\r\n
            ttl a => :60\r\n
            expire nokey 100 => :0\r\n
            expire nokey 100 xx => :0\r\n
            pexpire a 5000 => :1\r\n
            pttl a => :5000\r\n
            pexpireat a 4000000000000 => :1\r\n
            pexpiretime a => :4000000000000\r\n
            expiretime a => :4000000000\r\n
            expireat a 4100000000 gt => :1\r\n
            pexpiretime a => :4100000000000\r\n
            pexpireat a 4000000000000 gt => :0\r\n
            """);
    }

    [Fact]
    public void OverflowIsAnErrorButNegativeTimesAreNot()
    {
        KeyspaceScript.Run(new TestServer(), """
            set a 1 => +OK\r\n
            expire a 9223372036854775807 => -ERR invalid expire time in 'expire' command\r\n
            expire a 9223372036854776 => -ERR invalid expire time in 'expire' command\r\n
            expire a -9223372036854775808 => -ERR invalid expire time in 'expire' command\r\n
            expire a -9223372036854776 => -ERR invalid expire time in 'expire' command\r\n
            pexpire a 9223372036854775807 => -ERR invalid expire time in 'pexpire' command\r\n
            expireat a 9223372036854775807 => -ERR invalid expire time in 'expireat' command\r\n
            pexpireat a 9223372036854775807 => :1\r\n
            expiretime a => :9223372036854776\r\n
            pexpireat a 9223372036854775499 => :1\r\n
            expiretime a => :9223372036854775\r\n
            pexpiretime a => :9223372036854775499\r\n
            expire nokey -9223372036854775 => :0\r\n
            pexpire nokey -9223372036854775808 => :0\r\n
            pexpireat a -9223372036854775808 => :1\r\n
            exists a => :0\r\n
            set b 1 => +OK\r\n
            expire b 0 => :1\r\n
            exists b => :0\r\n
            set c 1 => +OK\r\n
            expireat c 1 => :1\r\n
            get c => $-1\r\n
            """);
    }

    [Fact]
    public void TtlFamilyAndPersist()
    {
        KeyspaceScript.Run(new TestServer(), """
            ttl nokey => :-2\r\n
            pttl nokey => :-2\r\n
            expiretime nokey => :-2\r\n
            pexpiretime nokey => :-2\r\n
            set a 1 => +OK\r\n
            ttl a => :-1\r\n
            pttl a => :-1\r\n
            expiretime a => :-1\r\n
            pexpiretime a => :-1\r\n
            persist a => :0\r\n
            persist nokey => :0\r\n
            pexpireat a 4000000000499 => :1\r\n
            expiretime a => :4000000000\r\n
            pexpireat a 4000000000500 => :1\r\n
            expiretime a => :4000000001\r\n
            persist a => :1\r\n
            pexpiretime a => :-1\r\n
            persist a => :0\r\n
            ttl => -ERR wrong number of arguments for 'ttl' command\r\n
            ttl a b => -ERR wrong number of arguments for 'ttl' command\r\n
            persist => -ERR wrong number of arguments for 'persist' command\r\n
            """);
    }

    [Fact]
    public void TtlRoundsToTheNearestSecondAndExpiresWithTime()
    {
        var s = new TestServer();
        s.Run("set", "a", "1");
        Assert.Equal(":1\r\n", s.Run("pexpire", "a", "1500"));
        Assert.Equal(":2\r\n", s.Run("ttl", "a"));
        Assert.Equal(":1\r\n", s.Run("pexpire", "a", "1499"));
        Assert.Equal(":1\r\n", s.Run("ttl", "a"));
        s.AdvanceTime(1000);
        Assert.Equal(":0\r\n", s.Run("ttl", "a"));
        long pttl = long.Parse(s.Run("pttl", "a").Trim(':', '\r', '\n'));
        Assert.InRange(pttl, 0, 499);
        s.AdvanceTime(1000);
        Assert.Equal(":-2\r\n", s.Run("ttl", "a"));
        Assert.Equal("$-1\r\n", s.Run("get", "a"));
        Assert.Equal(1, s.Server.Keyspace.ExpiredKeys);
    }

    [Fact]
    public void RelativeExpiresArePropagatedAsAbsolutePexpireat()
    {
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Run("set", "a", "1");
        stream.Take();
        s.Server.Clock.OffsetMs = 0;
        long before = s.Server.Clock.NowMs();
        Assert.Equal(":1\r\n", s.Run("expire", "a", "100", "nx"));
        long after = s.Server.Clock.NowMs();
        var text = stream.Take();
        // *4 PEXPIREAT a <ms> nx: the condition argument is kept, as redis-server does.
        var parts = text.Split("\r\n");
        Assert.Equal(new[] { "*4", "$9", "PEXPIREAT", "$1", "a" }, parts[..5]);
        long when = long.Parse(parts[6]);
        Assert.InRange(when, before + 100_000, after + 100_000);
        Assert.Equal(new[] { "$2", "nx", "" }, parts[7..]);

        Assert.Equal(":1\r\n", s.Run("expireat", "a", "4000000000"));
        Assert.Equal(RecordingConsumer.Resp("PEXPIREAT", "a", "4000000000000"), stream.Take());
        Assert.Equal(":1\r\n", s.Run("pexpireat", "a", "4000000000001", "GT"));
        Assert.Equal(RecordingConsumer.Resp("pexpireat", "a", "4000000000001", "GT"), stream.Take());
        Assert.Equal(":1\r\n", s.Run("pexpire", "a", "5000", "xx"));
        Assert.StartsWith("*4\r\n$9\r\nPEXPIREAT\r\n$1\r\na\r\n$13\r\n", stream.Take());

        // Refused conditions and PERSIST without a TTL change nothing and propagate nothing.
        Assert.Equal(":0\r\n", s.Run("expire", "a", "100", "nx"));
        Assert.Equal(":0\r\n", s.Run("expire", "nokey", "100"));
        Assert.Equal(":1\r\n", s.Run("persist", "a"));
        Assert.Equal(":0\r\n", s.Run("persist", "a"));
        Assert.Equal(RecordingConsumer.Resp("persist", "a"), stream.Take());
    }

    [Fact]
    public void ATimeInThePastDeletesTheKeyAndPropagatesDel()
    {
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Run("set", "a", "1");
        s.Run("set", "b", "1");
        stream.Take();
        long dirty = s.Server.Dirty;
        Assert.Equal(":1\r\n", s.Run("expire", "a", "-1"));
        Assert.Equal(RecordingConsumer.Resp("DEL", "a"), stream.Take());
        Assert.Equal(dirty + 1, s.Server.Dirty);
        s.Configure("lazyfree-lazy-expire", "yes");
        Assert.Equal(":1\r\n", s.Run("pexpireat", "b", "1"));
        Assert.Equal(RecordingConsumer.Resp("UNLINK", "b"), stream.Take());
        Assert.Equal(0, s.Server.Keyspace[0].Count);
        Assert.Equal(0, s.Server.Keyspace.ExpiredKeys); // deleted by the command, not expired
    }

    [Fact]
    public void AReplicaKeepsAKeyWhoseNewTimeIsPastAndWaitsForItsMaster()
    {
        var s = new TestServer();
        s.Run("set", "a", "1");
        s.Server.IsReplica = true;
        s.Configure("replica-read-only", "no"); // a writable replica: its own writes are not refused
        Assert.Equal(":1\r\n", s.Run("expire", "a", "-10"));
        Assert.Equal(1, s.Server.Keyspace[0].Count);
        var db = s.Server.Keyspace[0];
        Assert.True(db.ExpireAtOf(db.Peek("a"u8)!) < s.Server.Clock.NowMs());
    }

    [Fact]
    public void AnExpiredKeyCannotBeGivenANewTtl()
    {
        var s = new TestServer();
        s.Run("set", "a", "1");
        s.Run("pexpire", "a", "10");
        s.AdvanceTime(20);
        Assert.Equal(":0\r\n", s.Run("expire", "a", "100"));
        Assert.Equal(":0\r\n", s.Run("persist", "a"));
        Assert.Equal(":-2\r\n", s.Run("pttl", "a"));
    }
}
