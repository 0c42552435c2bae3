using System.Security.Cryptography;
using System.Text;
using Mirra.Storage;

namespace Mirra.Tests.Commands;

/// <summary>
/// PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. Every expected value was captured from redis-server
/// 7.0.15 for the same inputs: the exact bytes GET returns (hex for sparse values, SHA-256 of the
/// 12304 bytes for dense ones), the estimates and the reply texts.
/// </summary>
public class HyperLogLogTests
{
    static string[] Elements(int n) => Enumerable.Range(0, n).Select(i => "e" + i).ToArray();

    static string[] Args(string command, string key, string[] elements) => new[] { command, key }.Concat(elements).ToArray();

    /// <summary>The value's bytes as GET returns them.</summary>
    static byte[] GetBytes(StringHarness t, string key)
    {
        var reply = t.Run("get", key);
        int header = reply.IndexOf("\r\n", StringComparison.Ordinal);
        int length = int.Parse(reply[1..header]);
        return Encoding.Latin1.GetBytes(reply.Substring(header + 2, length));
    }

    static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();
    static string Sha(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();
    static string Bin(string hex) => Encoding.Latin1.GetString(Convert.FromHexString(hex));

    [Fact]
    public void EmptyHyperLogLogIsOneXZeroOpcode()
    {
        var t = new StringHarness();
        t.Check(":1\r\n", "pfadd", "h");                      // creating the key is a change
        Assert.Equal("48594c4c0100000000000000000000807fff", Hex(GetBytes(t, "h"))); // cache marked stale
        t.Check(":0\r\n", "pfadd", "h");
        t.Check(":0\r\n", "pfcount", "h");
        Assert.Equal("48594c4c0100000000000000000000007fff", Hex(GetBytes(t, "h"))); // 0 cached
        Assert.Equal("raw", t.EncodingOf("h"));
        t.Check(":0\r\n", "pfcount", "missing");
    }

    [Fact]
    public void SparseBytesMatchRedis()
    {
        var t = new StringHarness();
        t.Check(":1\r\n", "pfadd", "abc", "a", "b", "c");
        Assert.Equal("48594c4c01000000000000000000008060f38050b1844bfb80425a", Hex(GetBytes(t, "abc")));
        t.Check(":0\r\n", "pfadd", "abc", "c", "a");
        t.Check(":3\r\n", "pfcount", "abc");
        Assert.Equal("48594c4c01000000030000000000000060f38050b1844bfb80425a", Hex(GetBytes(t, "abc")));
        t.Check("$44\r\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n", "pfdebug", "decode", "abc");
        t.Check("+sparse\r\n", "pfdebug", "encoding", "abc");

        t.Check(":1\r\n", Args("pfadd", "e100", Elements(100)));
        Assert.Equal(
            "48594c4c01000000000000000000008036843c8040a9a40e88409084406c9c048840e28041358840d380411d8840898041168c419080098040e08040948041578440a280408384405d8440e1844199844081803c844047840780404e80408f840984405184268441258440d38042638040a280404b8c406f80420b8c41798041478041638040668440f98c0184218811804182844062803088407984228040de8440d3884045800a88420090118440c184018041138440848c1684228040a88440e180422a84410384168041178441658c414e802680058040598040ec882e88413c880380405b841b803f80409b802184412e88408f90407e80408480415f8033844079844193844058902e80406a840d8039801380409a882880408c",
            Hex(GetBytes(t, "e100")));
        t.Check(":100\r\n", "pfcount", "e100");
    }

    [Fact]
    public void AddingOneByOneGivesTheSameBytesAsOneCall()
    {
        var t = new StringHarness();
        foreach (var e in Elements(1000)) t.Run("pfadd", "one", e);
        t.Run(Args("pfadd", "all", Elements(1000)));
        var one = GetBytes(t, "one");
        Assert.Equal(1906, one.Length);
        Assert.Equal("519a7f0764d633e025ff9f8cdeb30cd2f452e2ad37f729f6b9ea7a4699791162", Sha(one));
        Assert.Equal(Hex(one), Hex(GetBytes(t, "all")));
        t.Check(":1008\r\n", "pfcount", "one");
        Assert.Equal("f003000000000000", Hex(GetBytes(t, "one")[8..16]));
    }

    [Fact]
    public void PromotedToDensePastTheSparseLimit()
    {
        var t = new StringHarness();
        t.Run(Args("pfadd", "e5000", Elements(5000)));
        var dense = GetBytes(t, "e5000");
        Assert.Equal(12304, dense.Length);
        Assert.Equal("48594c4c000000000000000000000080", Hex(dense[..16]));
        Assert.Equal("0a4b61a05c269540574e1293e6e18e69a4e9cb96ade9ecb5b7ff490debf31722", Sha(dense));
        t.Check(":4968\r\n", "pfcount", "e5000");
        t.Check("+dense\r\n", "pfdebug", "encoding", "e5000");
        t.Check("-ERR HLL encoding is not sparse\r\n", "pfdebug", "decode", "e5000");

        t.Run(Args("pfadd", "e100k", Elements(100_000)));
        Assert.Equal("db44442a96c3ca475b58a386c4e1263c33d76900a2a9f2a934e50769c36644f9", Sha(GetBytes(t, "e100k")));
        t.Check(":100853\r\n", "pfcount", "e100k");
        Assert.Equal("f589010000000000", Hex(GetBytes(t, "e100k")[8..16]));
    }

    [Fact]
    public void SparseLimitFollowsTheConfiguration()
    {
        var t = new StringHarness("hll-sparse-max-bytes", "100");
        t.Run(Args("pfadd", "small", Elements(100)));
        var value = GetBytes(t, "small");
        Assert.Equal(12304, value.Length);
        Assert.Equal("20fe1664e02cf5631a726440d289f3bca9fd057a63d3c74cae18e575e250cf74", Sha(value));
        t.Check(":100\r\n", "pfcount", "small");
    }

    [Fact]
    public void UnionCountsAndMerges()
    {
        var t = new StringHarness();
        t.Run("pfadd", "abc", "a", "b", "c");
        t.Run(Args("pfadd", "e100", Elements(100)));
        t.Run(Args("pfadd", "e1000", Elements(1000)));
        t.Run(Args("pfadd", "e5000", Elements(5000)));
        t.Check(":1012\r\n", "pfcount", "e100", "e1000", "abc", "missing");
        var before = GetBytes(t, "abc");
        t.Check(":3\r\n", "pfcount", "abc", "abc");
        Assert.Equal(Hex(before), Hex(GetBytes(t, "abc"))); // several keys: nothing cached

        t.Check("+OK\r\n", "pfmerge", "m1", "abc", "e100"); // sparse inputs: sparse result
        Assert.Equal(
            "48594c4c01000000000000000000008036843c8040a9a40e88409084406c9c048840e28041358840d380411d8840898041168c419080098040e08040948041578440a280408384405d8440e1844199844081803c844047840780404e80408f840984405184268441258440d38042638040a280404b8c406f80420b8c41798041478041638040668440f98c01842188118040878040f9844062803088407984228040de8440d3884045800a88420090118440c184018041138440848c1684228040a88440e180422a84410384168041178441658c40718440db802680058040598040ec882e88413c880380405b841b803f80409b802184412e88408f90407e80408480415f803384407984419384404b800b902e80406a840d8039801380409a882880408c",
            Hex(GetBytes(t, "m1")));
        t.Check(":103\r\n", "pfcount", "m1");

        t.Check("+OK\r\n", "pfmerge", "m2", "abc", "e5000"); // a dense input: dense result
        Assert.Equal("b962e90b93bb25b3556afe413c0f5df81d0c40a6972968f131a57de48132b72b", Sha(GetBytes(t, "m2")));
        t.Check(":4972\r\n", "pfcount", "m2");

        t.Run("pfadd", "m3", "x");                                 // the destination is part of the union
        t.Check("+OK\r\n", "pfmerge", "m3", "e1000");
        Assert.Equal("210bb93baf15191bd201b690b6ec66eb8d16ae183e7dcee7df80a6db45ce7b9d", Sha(GetBytes(t, "m3")));
        t.Check(":1009\r\n", "pfcount", "m3");

        t.Check("+OK\r\n", "pfmerge", "m4");                        // no sources: an empty HyperLogLog
        Assert.Equal("48594c4c0100000000000000000000807fff", Hex(GetBytes(t, "m4")));
    }

    [Fact]
    public void ValuesAreOrdinaryStrings()
    {
        var t = new StringHarness();
        t.Run("set", "copy", Bin("48594c4c01000000000000000000008060f38050b1844bfb80425a"));
        t.Check("$6\r\nembstr\r\n", "object", "encoding", "copy");
        t.Check(":3\r\n", "pfcount", "copy");                       // a SET copy is a valid HyperLogLog
        t.Check("$3\r\nraw\r\n", "object", "encoding", "copy");
        t.Check(":1\r\n", "pfadd", "copy", "d");
        t.Check(":4\r\n", "pfcount", "copy");
        t.Check(":5\r\n", "append", "abc", "HYLL!");
        t.Check(":1\r\n", "pfadd", "copy", "z");
        t.Check(":34\r\n", "append", "copy", "x");               // 'x' reads as one more ZERO opcode
        t.Check("-INVALIDOBJ Corrupted HLL object detected\r\n", "pfcount", "copy");
    }

    [Fact]
    public void TypeErrors()
    {
        var t = new StringHarness();
        const string notHll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
        const string wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        t.Run("pfadd", "abc", "a");
        t.Run("set", "s", "hello");
        t.Check(notHll, "pfadd", "s", "a");
        t.Check(notHll, "pfcount", "s");
        t.Check(notHll, "pfcount", "s", "abc");
        t.Check(notHll, "pfmerge", "d", "s");
        t.Check(":0\r\n", "exists", "d");
        t.Check(notHll, "pfdebug", "encoding", "s");
        t.Run("set", "i", "123");
        t.Check(notHll, "pfadd", "i", "x");                          // integers never are
        t.Run("set", "hdr", "HYLL");
        t.Check(notHll, "pfcount", "hdr");                           // shorter than the header
        t.Run("set", "baddense", Bin("48594c4c00000000000000000000008000"));
        t.Check(notHll, "pfcount", "baddense");                      // dense must be exactly 12304 bytes
        t.Run("set", "badenc", Bin("48594c4c0200000000000000000000807fff"));
        t.Check(notHll, "pfcount", "badenc");                        // the internal raw encoding is not a value
        t.MakeHash("h");
        t.Check(wrongType, "pfadd", "h", "x");
        t.Check(wrongType, "pfmerge", "h", "abc");
        t.Check(wrongType, "pfmerge", "abc", "h");
        t.Check(wrongType, "pfcount", "h", "abc");
        t.Check("-ERR The specified key does not exist\r\n", "pfdebug", "getreg", "missing");
        t.Check("-ERR Unknown PFDEBUG subcommand 'foo'\r\n", "pfdebug", "foo", "abc");
        t.Check("-ERR wrong number of arguments for 'pfadd' command\r\n", "pfadd");
        t.Check("-ERR wrong number of arguments for 'pfcount' command\r\n", "pfcount");
        t.Check("-ERR wrong number of arguments for 'pfmerge' command\r\n", "pfmerge");
        t.Check("-ERR wrong number of arguments for 'pfdebug' command\r\n", "pfdebug", "x");
    }

    [Fact]
    public void CorruptSparseValuesAreReported()
    {
        var t = new StringHarness();
        const string invalid = "-INVALIDOBJ Corrupted HLL object detected\r\n";
        // One XZERO for all registers, then a VAL for a register past the end, cache marked stale.
        t.Run("set", "bad", Bin("48594c4c0100000000000000000000807fff80"));
        t.Check(invalid, "pfcount", "bad");
        t.Check(invalid, "pfcount", "bad", "bad");
        t.Check(invalid, "pfmerge", "m", "bad");
        t.Check(invalid, "pfdebug", "todense", "bad");
        t.Check(invalid, "pfdebug", "getreg", "bad");
        // Too few registers, with a valid cached 0: the cache answers, the other paths notice.
        t.Run("set", "short", Bin("48594c4c0100000000000000000000007ffe"));
        t.Check(":0\r\n", "pfcount", "short");
        t.Check(invalid, "pfcount", "short", "short");
        t.Check(":1\r\n", "pfadd", "short", "a", "b", "c");         // the registers it touches are within the opcodes
    }

    [Fact]
    public void CountCachingIsAReplicatedWrite()
    {
        var t = new StringHarness();
        t.Run("pfadd", "h", "a", "b", "c");
        t.TakePropagated();
        long dirty = t.Server.Dirty;
        t.Check(":3\r\n", "pfcount", "h");
        Assert.Equal(dirty + 1, t.Server.Dirty);
        Assert.Equal(new[] { "pfcount h" }, t.TakePropagated());
        t.Check(":3\r\n", "pfcount", "h");                         // cached: nothing written
        t.Check(":3\r\n", "pfcount", "h", "h");
        Assert.Equal(dirty + 1, t.Server.Dirty);
        t.Check(":0\r\n", "pfadd", "h", "a");                        // no register changed: not a write
        Assert.Empty(t.TakePropagated());
        t.Check(":1\r\n", "pfadd", "h", "a", "d", "e");
        Assert.Equal(dirty + 3, t.Server.Dirty);                     // one per changed register
        t.Check("+OK\r\n", "pfmerge", "h2");                         // always a write
        t.Check("+OK\r\n", "pfmerge", "h2");
        Assert.Equal(new[] { "pfadd h a d e", "pfmerge h2", "pfmerge h2" }, t.TakePropagated());
    }

    [Fact]
    public void DebugConvertsToDense()
    {
        var t = new StringHarness();
        t.Run("pfadd", "abc", "a", "b", "c");
        t.Check(":1\r\n", "pfdebug", "todense", "abc");
        t.Check(":0\r\n", "pfdebug", "todense", "abc");
        t.Check("+dense\r\n", "pfdebug", "encoding", "abc");
        t.Check(":3\r\n", "pfcount", "abc");
        t.Run("pfadd", "x", "a", "b", "c");
        var regs = t.Run("pfdebug", "getreg", "x");                  // converts too
        Assert.StartsWith("*16384\r\n", regs);
        Assert.Equal(3, regs.Split("\r\n").Count(l => l.StartsWith(':') && l != ":0"));
        t.Check("+dense\r\n", "pfdebug", "encoding", "x");
        t.Check("+OK\r\n", "pfselftest");
    }

    [Fact]
    public void ValueTooLargeForASparseOpcodePromotes()
    {
        // Registers above 32 do not fit a VAL opcode: the value goes dense at once.
        var hll = HyperLogLog.CreateEmpty();
        Assert.Equal(1, HyperLogLog.SparseSet(hll, 100, 32, 3000));
        Assert.Equal(HyperLogLog.Sparse, hll.Span[4]);
        Assert.Equal(0, HyperLogLog.SparseSet(hll, 100, 30, 3000));
        Assert.Equal(1, HyperLogLog.SparseSet(hll, 200, 33, 3000));
        Assert.Equal(HyperLogLog.Dense, hll.Span[4]);
        Assert.Equal(HyperLogLog.DenseSize, hll.Length);
        Assert.Equal(32, HyperLogLog.GetRegister(hll.Span, 100));
        Assert.Equal(33, HyperLogLog.GetRegister(hll.Span, 200));
        Assert.Equal(0, HyperLogLog.GetRegister(hll.Span, 16383));
    }

    [Fact]
    public void DenseRegistersPackSixBitsLittleEndian()
    {
        var registers = new byte[HyperLogLog.DenseSize - HyperLogLog.HeaderSize];
        HyperLogLog.SetDenseRegister(registers, 0, 63);
        HyperLogLog.SetDenseRegister(registers, 1, 1);
        HyperLogLog.SetDenseRegister(registers, 16383, 42);
        Assert.Equal(new byte[] { 0x7f, 0x00 }, registers[..2]);
        Assert.Equal(42 << 2, registers[^1]);
        Assert.Equal(63, HyperLogLog.GetDenseRegister(registers, 0));
        Assert.Equal(1, HyperLogLog.GetDenseRegister(registers, 1));
        Assert.Equal(42, HyperLogLog.GetDenseRegister(registers, 16383));
    }
}
