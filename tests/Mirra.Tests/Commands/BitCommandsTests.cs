using Mirra.Config;

namespace Mirra.Tests.Commands;

/// <summary>
/// SETBIT, GETBIT, BITCOUNT, BITPOS, every reply verified byte for byte against redis-server
/// 7.0.15 (the scenario facts were produced by running the same commands on the real server).
/// </summary>
public class BitCommandsTests
{
    [Fact]
    public void LargeBitmapsScanWordsAndEdges()
    {
        // A 1 MB bitmap: counts and searches cross word boundaries and skip long uniform runs.
        var t = new StringHarness();
        t.Check(":0\r\n", "setbit", "big", "8388607", "1");
        t.Check(":1\r\n", "bitcount", "big");
        t.Check(":8388607\r\n", "bitpos", "big", "1");
        t.Check(":0\r\n", "bitpos", "big", "0");
        t.Check(":0\r\n", "setbit", "big", "12345", "1");
        t.Check(":12345\r\n", "bitpos", "big", "1", "3", "-1");
        t.Check(":1\r\n", "bitcount", "big", "12345", "12345", "bit");
        t.Check(":0\r\n", "bitcount", "big", "12346", "8388606", "bit");
        t.Check(":8388607\r\n", "bitpos", "big", "1", "12346", "-1", "bit");
        t.Check(":1048576\r\n", "strlen", "big");
    }

    [Fact]
    public void SetBitOnlyCountsRealChanges()
    {
        var t = new StringHarness();
        t.Run("set", "k", "1");
        long dirty = t.Server.Dirty;
        t.Check(":0\r\n", "setbit", "k", "0", "0");   // bit already clear: not a write
        Assert.Equal(dirty, t.Server.Dirty);
        Assert.Empty(t.TakePropagated().Where(c => c.StartsWith("setbit")));
        t.Check(":0\r\n", "setbit", "k", "15", "0");  // grows the string: a write
        Assert.Equal(dirty + 1, t.Server.Dirty);
        t.Check("$2\r\n1\u0000\r\n", "get", "k");
    }

    /// <summary>Bit 0 is the most significant bit of the first byte; writes grow the string with zero bytes.</summary>
    [Fact]
    public void SetBitAndGetBit()
    {
        var t = new StringHarness();
        t.Check(":0\r\n", "setbit", "b", "7", "1");
        t.Check("$1\r\n\u0001\r\n", "get", "b");
        t.Check(":1\r\n", "setbit", "b", "7", "1");
        t.Check(":1\r\n", "setbit", "b", "7", "0");
        t.Check(":0\r\n", "setbit", "b", "0", "1");
        t.Check("$1\r\n\u0080\r\n", "get", "b");
        t.Check(":0\r\n", "setbit", "b", "100", "0");
        t.Check(":13\r\n", "strlen", "b");
        t.Check("$13\r\n\u0080\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\r\n", "get", "b");
        t.Check(":0\r\n", "setbit", "b", "100", "1");
        t.Check(":1\r\n", "getbit", "b", "100");
        t.Check(":0\r\n", "getbit", "b", "101");
        t.Check(":1\r\n", "getbit", "b", "0");
        t.Check(":0\r\n", "getbit", "b", "7");
        t.Check(":0\r\n", "getbit", "b", "104");
        t.Check(":0\r\n", "getbit", "b", "1000000");
        t.Check(":0\r\n", "setbit", "nb", "0", "0");
        t.Check("$1\r\n\u0000\r\n", "get", "nb");
        t.Check("+OK\r\n", "set", "i", "1");
        t.Check(":0\r\n", "setbit", "i", "0", "0");
        t.Check("$1\r\n1\r\n", "get", "i");
        t.Check(":1\r\n", "getbit", "i", "2");
        t.Check(":1\r\n", "getbit", "i", "7");
        t.Check(":0\r\n", "getbit", "i", "100");
        t.Check("+OK\r\n", "set", "n", "-5");
        t.Check(":1\r\n", "getbit", "n", "2");
        t.Check(":1\r\n", "setbit", "n", "15", "1");
        t.Check("$2\r\n-5\r\n", "get", "n");
        t.Check(":0\r\n", "getbit", "nokey", "0");
        t.Check(":0\r\n", "getbit", "nokey", "4294967295");
    }

    /// <summary>Offsets are checked against proto-max-bulk-len (512MB = 2^32 bits) before the bit, the bit before the type.</summary>
    [Fact]
    public void SetBitAndGetBitErrors()
    {
        var t = new StringHarness();
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "b", "-1", "1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "b", "a", "1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "b", "1.5", "1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "b", "01", "1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "b", "4294967296", "1");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "4294967295", "2");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "0", "2");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "0", "-1");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "0", "a");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "0", "");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "b", "0", "01");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "getbit", "nokey", "-1");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "getbit", "nokey", "4294967296");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "getbit", "nokey", "a");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "getbit", "h", "0");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "getbit", "h", "a");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "setbit", "h", "0", "1");
        t.Check("-ERR bit is not an integer or out of range\r\n", "setbit", "h", "0", "5");
        t.Check("-ERR bit offset is not an integer or out of range\r\n", "setbit", "h", "a", "1");
        t.Check("$-1\r\n", "get", "b");
    }

    [Fact]
    public void BitCountRanges()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "foobar");
        t.Check(":26\r\n", "bitcount", "s");
        t.Check(":4\r\n", "bitcount", "s", "0", "0");
        t.Check(":6\r\n", "bitcount", "s", "1", "1");
        t.Check(":26\r\n", "bitcount", "s", "0", "-1");
        t.Check(":7\r\n", "bitcount", "s", "-2", "-1");
        t.Check(":0\r\n", "bitcount", "s", "-1", "-2");
        t.Check(":17\r\n", "bitcount", "s", "5", "30", "bit");
        t.Check(":17\r\n", "bitcount", "s", "5", "30", "BIT");
        t.Check(":4\r\n", "bitcount", "s", "5", "30", "BYTE");
        t.Check(":26\r\n", "bitcount", "s", "0", "47", "bit");
        t.Check(":26\r\n", "bitcount", "s", "-100", "100");
        t.Check(":4\r\n", "bitcount", "s", "-100", "-50");
        t.Check(":0\r\n", "bitcount", "s", "100", "200");
        t.Check(":26\r\n", "bitcount", "s", "-9223372036854775808", "9223372036854775807");
        t.Check(":26\r\n", "bitcount", "s", "-9223372036854775808", "9223372036854775807", "bit");
        t.Check(":0\r\n", "bitcount", "s", "9223372036854775807", "9223372036854775807", "bit");
        t.Check(":0\r\n", "bitcount", "s", "-1", "-1", "bit");
        t.Check(":4\r\n", "bitcount", "s", "-8", "-1", "bit");
        t.Check(":0\r\n", "bitcount", "s", "3", "3", "bit");
        t.Check(":4\r\n", "bitcount", "s", "1", "6", "bit");
        t.Check(":25\r\n", "bitcount", "s", "0", "-5", "bit");
        t.Check("+OK\r\n", "set", "e", "");
        t.Check(":0\r\n", "bitcount", "e");
        t.Check(":0\r\n", "bitcount", "e", "0", "-1");
        t.Check(":0\r\n", "bitcount", "e", "0", "-1", "bit");
        t.Check("+OK\r\n", "set", "i", "123");
        t.Check(":10\r\n", "bitcount", "i");
        t.Check(":3\r\n", "bitcount", "i", "1", "1");
        t.Check(":0\r\n", "bitcount", "nokey");
        t.Check(":0\r\n", "bitcount", "nokey", "0", "-1");
        t.Check("+OK\r\n", "set", "ff", "\u00ff\u00ff\u00ff\u00ff");
        t.Check(":26\r\n", "bitcount", "ff", "3", "28", "bit");
        t.Check(":16\r\n", "bitcount", "ff", "1", "2");
    }

    /// <summary>Redis 7.0 checks the key before the arguments: a missing key answers 0 whatever follows.</summary>
    [Fact]
    public void BitCountErrors()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "foobar");
        t.Check("-ERR syntax error\r\n", "bitcount", "s", "0", "1", "bits");
        t.Check("-ERR syntax error\r\n", "bitcount", "s", "0");
        t.Check("-ERR syntax error\r\n", "bitcount", "s", "0", "1", "bit", "x");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitcount", "s", "a", "1");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitcount", "s", "0", "a");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitcount", "s", "a", "b", "c");
        t.Check("-ERR syntax error\r\n", "bitcount", "s", "0", "1", "foo");
        t.Check(":0\r\n", "bitcount", "s", "-2", "-5", "foo");
        t.Check(":0\r\n", "bitcount", "s", "-2", "-5");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitcount", "s", "01", "1");
        t.Check(":0\r\n", "bitcount", "nokey", "a", "b");
        t.Check(":0\r\n", "bitcount", "nokey", "0");
        t.Check(":0\r\n", "bitcount", "nokey", "0", "1", "2", "3");
        t.Check(":0\r\n", "bitcount", "nokey", "0", "1", "foo");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitcount", "h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitcount", "h", "a", "b", "c", "d");
    }

    /// <summary>Looking for 0 without an explicit end treats the string as followed by zeros; with an end, -1.</summary>
    [Fact]
    public void BitPosRanges()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "foobar");
        t.Check(":1\r\n", "bitpos", "s", "1");
        t.Check(":0\r\n", "bitpos", "s", "0");
        t.Check(":17\r\n", "bitpos", "s", "1", "2");
        t.Check(":17\r\n", "bitpos", "s", "1", "2", "-1");
        t.Check(":2\r\n", "bitpos", "s", "1", "2", "-1", "bit");
        t.Check(":3\r\n", "bitpos", "s", "0", "2", "-1", "bit");
        t.Check(":9\r\n", "bitpos", "s", "1", "7", "15", "bit");
        t.Check(":-1\r\n", "bitpos", "s", "1", "7", "15", "byte");
        t.Check(":9\r\n", "bitpos", "s", "1", "7", "15", "BIT");
        t.Check(":1\r\n", "bitpos", "s", "1", "0", "1", "BIT");
        t.Check(":41\r\n", "bitpos", "s", "1", "-1");
        t.Check(":40\r\n", "bitpos", "s", "0", "-1");
        t.Check(":1\r\n", "bitpos", "s", "1", "-100", "-50");
        t.Check(":-1\r\n", "bitpos", "s", "1", "100");
        t.Check(":-1\r\n", "bitpos", "s", "0", "100");
        t.Check(":1\r\n", "bitpos", "s", "1", "-9223372036854775808", "9223372036854775807", "bit");
        t.Check("+OK\r\n", "set", "ff", "\u00ff\u00ff\u00ff");
        t.Check(":24\r\n", "bitpos", "ff", "0");
        t.Check(":24\r\n", "bitpos", "ff", "0", "0");
        t.Check(":-1\r\n", "bitpos", "ff", "0", "0", "-1");
        t.Check(":24\r\n", "bitpos", "ff", "0", "1");
        t.Check(":-1\r\n", "bitpos", "ff", "0", "0", "-1", "bit");
        t.Check(":-1\r\n", "bitpos", "ff", "0", "5", "17", "bit");
        t.Check(":-1\r\n", "bitpos", "ff", "1", "3");
        t.Check(":-1\r\n", "bitpos", "ff", "0", "3");
        t.Check(":-1\r\n", "bitpos", "ff", "0", "-1", "-2");
        t.Check(":5\r\n", "bitpos", "ff", "1", "5", "5", "bit");
        t.Check(":23\r\n", "bitpos", "ff", "1", "23", "23", "bit");
        t.Check("+OK\r\n", "set", "z", "\u0000\u0000");
        t.Check(":-1\r\n", "bitpos", "z", "1");
        t.Check(":0\r\n", "bitpos", "z", "0");
        t.Check(":-1\r\n", "bitpos", "z", "1", "0", "-1", "bit");
        t.Check(":3\r\n", "bitpos", "z", "0", "3", "-1", "bit");
        t.Check(":9\r\n", "bitpos", "z", "0", "9", "9", "bit");
        t.Check("+OK\r\n", "set", "m", "\u0000\u00ff\u0000\u00ff\u0000");
        t.Check(":8\r\n", "bitpos", "m", "1", "3", "30", "bit");
        t.Check(":-1\r\n", "bitpos", "m", "0", "8", "15", "bit");
        t.Check(":16\r\n", "bitpos", "m", "0", "8", "16", "bit");
        t.Check(":8\r\n", "bitpos", "m", "1", "1");
        t.Check(":-1\r\n", "bitpos", "m", "0", "1", "1");
        t.Check(":16\r\n", "bitpos", "m", "0", "1");
        t.Check("+OK\r\n", "set", "e", "");
        t.Check(":-1\r\n", "bitpos", "e", "0");
        t.Check(":-1\r\n", "bitpos", "e", "1");
        t.Check(":-1\r\n", "bitpos", "e", "0", "0");
        t.Check(":-1\r\n", "bitpos", "e", "0", "0", "-1");
        t.Check("+OK\r\n", "set", "i", "123");
        t.Check(":0\r\n", "bitpos", "i", "0");
        t.Check(":2\r\n", "bitpos", "i", "1");
        t.Check(":-1\r\n", "bitpos", "nokey", "1");
        t.Check(":0\r\n", "bitpos", "nokey", "0");
        t.Check(":0\r\n", "bitpos", "nokey", "0", "a", "b", "c");
        t.Check(":-1\r\n", "bitpos", "nokey", "1", "a");
    }

    /// <summary>The bit is checked first, then the key, then start, the unit, and end last.</summary>
    [Fact]
    public void BitPosErrors()
    {
        var t = new StringHarness();
        t.Check("+OK\r\n", "set", "s", "foobar");
        t.Check("-ERR syntax error\r\n", "bitpos", "s", "1", "7", "15", "foo");
        t.Check("-ERR The bit argument must be 1 or 0.\r\n", "bitpos", "s", "2");
        t.Check("-ERR The bit argument must be 1 or 0.\r\n", "bitpos", "s", "-1");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "a");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "01");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "1", "a");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "1", "0", "a");
        t.Check("-ERR syntax error\r\n", "bitpos", "s", "1", "0", "a", "foo");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "1", "a", "0", "foo");
        t.Check("-ERR syntax error\r\n", "bitpos", "s", "1", "0", "1", "2", "3");
        t.Check("-ERR The bit argument must be 1 or 0.\r\n", "bitpos", "nokey", "2");
        t.Check("-ERR value is not an integer or out of range\r\n", "bitpos", "nokey", "a");
        t.MakeHash("h");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitpos", "h", "1");
        t.Check("-ERR The bit argument must be 1 or 0.\r\n", "bitpos", "h", "2");
        t.Check("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "bitpos", "h", "1", "a");
    }

    [Fact]
    public void BitArityErrors()
    {
        var t = new StringHarness();
        t.Check("-ERR wrong number of arguments for 'setbit' command\r\n", "setbit", "k", "0");
        t.Check("-ERR wrong number of arguments for 'getbit' command\r\n", "getbit", "k");
        t.Check("-ERR wrong number of arguments for 'bitcount' command\r\n", "bitcount");
        t.Check("-ERR wrong number of arguments for 'bitpos' command\r\n", "bitpos", "k");
    }
}
