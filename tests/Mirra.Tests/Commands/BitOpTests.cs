using Mirra.Engine;

namespace Mirra.Tests.Commands;

/// <summary>
/// BITOP, BITFIELD, BITFIELD_RO. Every reply (binary values in Latin-1) was recorded from redis-server
/// 7.0.15 running the same commands; the write accounting (dirty, propagation, WATCH) too.
/// </summary>
public class BitOpTests
{
    [Fact]
    public void BitOpOperations()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "a", "foobar");
        t.Check("+OK\r\n", "set", "b", "abcdef");
        t.Check("+OK\r\n", "set", "c", "12");
        t.Check(":6\r\n", "bitop", "and", "dest", "a", "b");
        t.Check("$6\r\n`bc`ab\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "or", "dest", "a", "b");
        t.Check("$6\r\ngoofev\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "xor", "dest", "a", "b");
        t.Check("$6\r\n\u0007\r\u000c\u0006\u0004\u0014\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "NOT", "dest", "a");
        t.Check("$6\r\n\u0099\u0090\u0090\u009d\u009e\u008d\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "and", "dest", "a", "c");
        t.Check("$6\r\n \"\u0000\u0000\u0000\u0000\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "or", "dest", "c", "a");
        t.Check("$6\r\nw\u007fobar\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "xor", "dest", "a", "missing");
        t.Check("$6\r\nfoobar\r\n", "get", "dest");
        t.Check(":6\r\n", "bitop", "and", "dest", "missing", "a");
        t.Check("$6\r\n\u0000\u0000\u0000\u0000\u0000\u0000\r\n", "get", "dest");
        t.Check("$3\r\nraw\r\n", "object", "encoding", "dest");
        t.Check(":6\r\n", "bitop", "or", "dest", "a", "a", "b", "c");
        t.Check("$6\r\nw\u007fofev\r\n", "get", "dest");
        t.Check("+OK\r\n", "set", "n", "1234");
        t.Check(":4\r\n", "bitop", "not", "dest", "n");
        t.Check("$4\r\n\u00ce\u00cd\u00cc\u00cb\r\n", "get", "dest");
    }

    [Fact]
    public void BitOpDestination()
    {
        // The result replaces the destination (TTL dropped); an empty result deletes it.
        var t = new StringHarness();
        t.Run("set", "a", "foobar");
        t.Run("set", "c", "12");
        t.Check("+OK\r\n", "set", "dest", "x", "ex", "100");
        t.Check(":6\r\n", "bitop", "or", "dest", "a");
        t.Check(":-1\r\n", "ttl", "dest");
        t.Check(":0\r\n", "bitop", "or", "dest", "missing");
        t.Check(":0\r\n", "exists", "dest");
        t.Check("+OK\r\n", "set", "e", "");
        t.Check(":0\r\n", "bitop", "not", "dest", "e");
        t.Check(":0\r\n", "exists", "dest");
        t.Check(":6\r\n", "bitop", "and", "a", "a", "c");
        t.Check("$6\r\n \"\u0000\u0000\u0000\u0000\r\n", "get", "a");
    }

    [Fact]
    public void BitOpErrors()
    {
        var t = new StringHarness();
        t.Run("set", "b", "abcdef");
        t.Run("set", "c", "12");
        t.Check(":1\r\n", "hset", "h", "f", "v");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitop", "and", "dest", "b", "h");
        t.Check(":6\r\n", "bitop", "or", "h", "b");
        t.Check("+string\r\n", "type", "h");
        t.Check("-ERR syntax error\r\n", "bitop", "nand", "dest", "b");
        t.Check("-ERR BITOP NOT must be called with a single source key.\r\n", "bitop", "not", "dest", "b", "c");
        t.Check("-ERR wrong number of arguments for 'bitop' command\r\n", "bitop", "not", "dest");
        t.Check("-ERR wrong number of arguments for 'bitop' command\r\n", "bitop", "and", "dest");
    }

    [Fact]
    public void BitOpWriteAccounting()
    {
        var t = new StringHarness();
        t.Run("set", "a", "x");
        t.TakePropagated();
        long dirty = t.Server.Dirty;
        t.Check(":0\r\n", "bitop", "or", "d", "missing");       // nothing stored, nothing deleted
        Assert.Equal(dirty, t.Server.Dirty);
        t.Check(":1\r\n", "bitop", "or", "d", "a");
        t.Check(":0\r\n", "bitop", "and", "d", "missing");
        Assert.Equal(dirty + 2, t.Server.Dirty);
        Assert.Equal(new[] { "bitop or d a", "bitop and d missing" }, t.TakePropagated());
    }

    [Fact]
    public void BitFieldBasics()
    {
        var t = new StringHarness();
        t.Check("*0\r\n", "bitfield", "bf");
        t.Check("*0\r\n", "bitfield_ro", "bf");
        t.Check("*1\r\n:0\r\n", "bitfield", "bf", "get", "u8", "0");
        t.Check(":0\r\n", "exists", "bf");
        t.Check("*1\r\n:0\r\n", "bitfield", "bf", "set", "i8", "0", "-100");
        t.Check("$1\r\n\u009c\r\n", "get", "bf");
        t.Check("*1\r\n:0\r\n", "bitfield", "bf", "incrby", "i8", "0", "100");
        t.Check("*4\r\n:0\r\n:15\r\n:0\r\n:0\r\n", "bitfield", "bf", "set", "u4", "4", "15", "get", "u8", "0", "incrby", "u4", "#1", "1", "get", "u8", "0");
        t.Check("*3\r\n:0\r\n:0\r\n:123456789\r\n", "bitfield", "bf", "set", "u63", "#1", "123456789", "get", "i64", "0", "get", "u63", "#1");
        t.Check("$16\r\n\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u001do4T\r\n", "get", "bf");
        t.Check(":16\r\n", "strlen", "bf");
        t.Check("*2\r\n:0\r\n:0\r\n", "bitfield", "bf", "get", "u8", "1000", "get", "i64", "12");
        t.Check("*2\r\n:0\r\n:0\r\n", "bitfield_ro", "bf", "get", "u8", "0", "get", "i4", "#3");
    }

    [Fact]
    public void BitFieldOverflow()
    {
        var t = new StringHarness();
        t.Check("*2\r\n:1\r\n:1\r\n", "bitfield", "bf", "incrby", "u2", "100", "1", "overflow", "sat", "incrby", "u2", "102", "1");
        t.Check("*2\r\n:2\r\n:2\r\n", "bitfield", "bf", "incrby", "u2", "100", "1", "overflow", "sat", "incrby", "u2", "102", "1");
        t.Check("*2\r\n:3\r\n:3\r\n", "bitfield", "bf", "incrby", "u2", "100", "1", "overflow", "sat", "incrby", "u2", "102", "1");
        t.Check("*2\r\n:0\r\n:3\r\n", "bitfield", "bf", "incrby", "u2", "100", "1", "overflow", "sat", "incrby", "u2", "102", "1");
        t.Check("*1\r\n$-1\r\n", "bitfield", "bf", "overflow", "fail", "incrby", "u2", "102", "1");
        t.Check("*4\r\n:100\r\n:127\r\n:-128\r\n:84\r\n", "bitfield", "bf", "overflow", "sat", "incrby", "i8", "0", "100", "incrby", "i8", "0", "100", "incrby", "i8", "0", "-300", "overflow", "wrap", "incrby", "i8", "0", "-300");
        t.Check("*3\r\n:6052837899185946624\r\n:9223372036854775807\r\n:9223372036854775807\r\n", "bitfield", "bf", "set", "i64", "0", "-9223372036854775808", "incrby", "i64", "0", "-1", "get", "i64", "0");
        t.Check("*3\r\n:9223372036854775807\r\n:9223372036854775807\r\n:-1\r\n", "bitfield", "bf", "overflow", "sat", "set", "i64", "0", "9223372036854775807", "incrby", "i64", "0", "1", "incrby", "i64", "0", "-9223372036854775808");
        t.Check("*5\r\n:9223372036854775807\r\n:9223372036854775807\r\n:9223372036854775807\r\n:9223372036854775807\r\n$-1\r\n", "bitfield", "bf", "set", "u63", "0", "-1", "get", "u63", "0", "overflow", "sat", "set", "u63", "0", "-1", "get", "u63", "0", "overflow", "fail", "set", "u63", "0", "-1");
        t.Check("*6\r\n:-1\r\n:-1\r\n:-1\r\n:0\r\n:0\r\n:0\r\n", "bitfield", "bf", "set", "i1", "5", "1", "set", "i1", "5", "-1", "get", "i1", "5", "incrby", "i1", "5", "1", "set", "i1", "5", "-2", "set", "i1", "5", "2");
        t.Check("*4\r\n$-1\r\n:251\r\n$-1\r\n:-1\r\n", "bitfield", "bf", "overflow", "fail", "set", "u8", "0", "256", "set", "u8", "0", "255", "set", "i8", "0", "-129", "set", "i8", "0", "127");
    }

    [Fact]
    public void BitFieldErrors()
    {
        var t = new StringHarness();
        t.Check("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "bf", "set", "u64", "0", "1");
        t.Check("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "bf", "get", "i65", "0");
        t.Check("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "bf", "get", "i0", "0");
        t.Check("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "bf", "get", "I8", "0");
        t.Check("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "bf", "get", "u", "0");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "-1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "#-1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "#");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "4294967296");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "#536870912");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "bf", "get", "u8", "#9223372036854775807");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitfield", "bf", "set", "u8", "0", "x");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "set", "u8", "0");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "get", "u8");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "foo");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "overflow");
        t.Check("-ERR Invalid OVERFLOW type specified\r\n", "bitfield", "bf", "overflow", "bar");
        t.Check("*0\r\n", "bitfield", "bf", "overflow", "wrap");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "get", "u8", "0", "set");
        t.Check("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "bitfield_ro", "bf", "set", "u8", "0", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitfield_ro", "bf", "set", "u8", "0", "x");
        t.Check("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "bitfield_ro", "bf", "incrby", "u8", "0", "1", "get", "u8", "0");
        t.Check("*0\r\n", "bitfield_ro", "bf", "overflow", "fail");
        t.Check(":1\r\n", "hset", "hh", "a", "b");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitfield", "hh", "get", "u8", "0");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitfield", "hh", "set", "u8", "0", "1");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitfield_ro", "hh", "get", "u8", "0");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "hh", "get", "u8", "x");
        t.Check("-ERR syntax error\r\n", "bitfield", "bf", "get", "u8", "0", "foo", "u8", "0");
    }

    [Fact]
    public void BitFieldOnIntegersAndNewKeys()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "num", "1234");
        t.Check("*2\r\n:49\r\n:4899\r\n", "bitfield", "num", "get", "u8", "0", "get", "u16", "4");
        t.Check("*1\r\n:49\r\n", "bitfield", "num", "set", "u8", "0", "65");
        t.Check("$4\r\nA234\r\n", "get", "num");
        t.Check("$3\r\nraw\r\n", "object", "encoding", "num");
        t.Check("*1\r\n$-1\r\n", "bitfield", "new", "overflow", "fail", "set", "u8", "100", "1000");
        t.Check("$14\r\n\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\r\n", "get", "new");
    }

    /// <summary>Redis 7.0 counts a BITFIELD write only when the string was created or grown or the field changed; OVERFLOW FAIL writes nothing.</summary>
    [Fact]
    public void BitFieldWriteAccounting()
    {
        var t = new StringHarness();
        t.Run("set", "bits", "a");
        t.TakePropagated();
        long dirty = t.Server.Dirty;
        t.Check("*1\r\n$-1\r\n", "bitfield", "bits", "overflow", "fail", "incrby", "u2", "0", "100");
        t.Check("*1\r\n:97\r\n", "bitfield", "bits", "set", "u8", "0", "97");
        Assert.Equal(dirty, t.Server.Dirty);
        Assert.Empty(t.TakePropagated());
        t.Check("*2\r\n$-1\r\n:2\r\n", "bitfield", "bits", "overflow", "fail", "incrby", "u2", "0", "100", "incrby", "u2", "0", "1");
        Assert.Equal(dirty + 1, t.Server.Dirty);
        t.Check("*1\r\n:0\r\n", "bitfield", "bits", "set", "u8", "200", "0");   // grows the string: a write
        Assert.Equal(dirty + 2, t.Server.Dirty);
        Assert.Equal(2, t.TakePropagated().Count);

        var other = t.Ts.NewClient();
        t.Ts.Run(other, "watch", "bits");
        t.Run("bitfield", "bits", "set", "u8", "0", "161");                 // same value: WATCH holds
        t.Ts.Run(other, "multi");
        Assert.Equal("*0\r\n", t.Ts.Run(other, "exec"));
        t.Ts.Run(other, "watch", "bits");
        t.Run("bitfield", "bits", "set", "u8", "0", "1");
        t.Ts.Run(other, "multi");
        Assert.Equal("*-1\r\n", t.Ts.Run(other, "exec"));
    }

    [Fact]
    public void BitFieldFailReplyIsNullInResp3()
    {
        var t = new StringHarness();
        t.Run("hello", "3");
        t.Check("*1\r\n_\r\n", "bitfield", "k", "overflow", "fail", "set", "u2", "0", "9");
    }
}
