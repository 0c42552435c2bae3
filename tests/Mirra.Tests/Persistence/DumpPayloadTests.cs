using System.Buffers.Binary;
using Mirra.Persistence.Rdb;
using Mirra.Storage;
using Mirra.Tests.Support;
using Xunit;

namespace Mirra.Tests.Persistence;

/// <summary>
/// DUMP payloads. Every hex string below is what a real redis-server 7.0.15 DUMPed for the same value
/// (defaults, rdbcompression yes unless the test says otherwise); where Mirra deliberately writes another
/// RDB type than Redis (small hashes and lists), the structure is asserted instead.
/// </summary>
public class DumpPayloadTests
{
    static object Value(TestServer s, string key) => s.Server.Keyspace[0].Peek(System.Text.Encoding.UTF8.GetBytes(key))!.Value;

    static string Dump(object value, bool compress = true) => Convert.ToHexStringLower(DumpPayload.Create(value, compress));

    static object StringOf(byte[] bytes)
    {
        var s = new TestServer();
        s.Server.Keyspace[0].Set("k"u8, StringValue.FromBytes(bytes));
        return Value(s, "k");
    }

    [Theory]
    [InlineData("hello", "000568656c6c6f0a006372df766534200a")]
    [InlineData("", "00000a005d9b5c400f7fa2da")]
    [InlineData("12345", "00c139300a009d94ea2793fc08b9")]
    [InlineData("-1", "00c0ff0a000c937e2485089dc5")]
    [InlineData("127", "00c07f0a000db5eb315254c514")]
    [InlineData("128", "00c180000a00eb7ab3b510cf4b65")]
    [InlineData("-129", "00c17fff0a001760822854808480")]
    [InlineData("32767", "00c1ff7f0a00495a37da17f4d52b")]
    [InlineData("32768", "00c2008000000a0045d82eedd5bda910")]
    [InlineData("2147483647", "00c2ffffff7f0a002c74e59ee02eada1")]
    [InlineData("2147483648", "000a323134373438333634380a00e7b129a34c1d76ee")]
    [InlineData("-2147483648", "00c2000000800a00c74f873e33558187")]
    [InlineData("007", "00033030370a007258e27b4c69bad9")]
    [InlineData("+1", "00022b310a00c286f0d7439aee6f")]
    [InlineData("1.5", "0003312e350a001df5d4bedb5b860d")]
    [InlineData("-0", "00022d300a00d5411fd9d6d050cc")]
    [InlineData("9223372036854775807", "0013393232333337323033363835343737353830370a003a657e9481e85f22")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789", "00246162636465666768696a6b6c6d6e6f707172737475767778797a303132333435363738390a00c3d18e5aec8d8f0d")]
    public void StringsMatchRedis(string text, string redisHex)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.Equal(redisHex, Dump(StringOf(bytes)));
        Assert.Equal(redisHex, Dump(bytes));                          // a byte[] that was never integer-encoded
        Assert.Equal(redisHex, Dump(new MutableString(bytes, 64)));   // an APPENDed string
    }

    [Fact]
    public void BinaryStringMatchesRedis() =>
        Assert.Equal("00056100620d0a0a00a1de065a439054c6", Dump(StringOf("a\0b\r\n"u8.ToArray())));

    [Fact]
    public void LongStringWithoutCompressionMatchesRedis() =>
        Assert.Equal("004064" + string.Concat(Enumerable.Repeat("61", 100)) + "0a00afa7a1bf69717045",
            Dump(new string('a', 100).Select(c => (byte)c).ToArray(), compress: false));

    [Fact]
    public void CompressibleStringIsLzfAndShorterThanRedis()
    {
        // Redis: 00 c3 09 40 64 + 9 bytes of LZF. The LZF bytes are ours, the frame is Redis's.
        var p = DumpPayload.Create(new string('a', 100).Select(c => (byte)c).ToArray());
        Assert.Equal(new byte[] { 0x00, 0xC3 }, p[..2]);
        int clen = p[2];
        Assert.Equal(0x40, p[3]);
        Assert.Equal(100, p[4]);
        Assert.True(clen <= 9);
        Assert.Equal(new string('a', 100), System.Text.Encoding.ASCII.GetString(LzfCompressorTests.Decompress(p.AsSpan(5, clen), 100)));
        AssertTrailer(p);
    }

    [Theory]
    [InlineData("1 2 3", "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b")]
    [InlineData("-40000 5", "0b100400000002000000c063ffff050000000a0007c3a8de35047092")]
    [InlineData("5000000000 -1", "0b180800000002000000ffffffffffffffff00f2052a010000000a007c5c26b46e56fe62")]
    public void IntsetsMatchRedis(string members, string redisHex)
    {
        var s = new TestServer();
        s.Run(["SADD", "k", .. members.Split(' ')]);
        Assert.Equal(redisHex, Dump(Value(s, "k"), compress: false));
        // Compressed: Redis's liblzf found no 4-byte saving in these blobs; our LZF may (the 64-bit one has
        // runs of ff and 00), and then writes the same blob LZF-framed.
        var p = DumpPayload.Create(Value(s, "k"));
        if (Convert.ToHexStringLower(p) != redisHex)
        {
            var blob = Convert.FromHexString(redisHex[4..^20]);
            Assert.Equal(new byte[] { 0x0b, 0xc3 }, p[..2]);
            Assert.Equal(blob.Length, p[3]);
            Assert.True(p[2] <= blob.Length - 4);
            Assert.Equal(blob, LzfCompressorTests.Decompress(p.AsSpan(4, p[2]), blob.Length));
            AssertTrailer(p);
        }
    }

    [Fact]
    public void ListpackSortedSetsMatchRedis()
    {
        var s = new TestServer();
        s.Run("ZADD", "z1", "1", "a", "2", "b", "3", "c");
        Assert.Equal("1116160000000600816102010181620202018163020301ff0a002e1b7cc500aa3596", Dump(Value(s, "z1")));
        s.Run("ZADD", "z2", "-5000", "x", "0.5", "y", "1e10", "z", "inf", "w", "-inf", "v", "1.25", "12");
        Assert.Equal("113c3c0000000c00817602842d696e6605817802f178ec0381790283302e35040c0184312e323505817a02f400e40b54020000000981770283696e6604ff0a00bfa1cc526d18b4ca",
            Dump(Value(s, "z2")));
    }

    [Fact]
    public void FractionalScoresUseTheShortestText()
    {
        // Redis writes "0.10000000000000001" (and LZF-compresses the listpack); we write "0.1", which reads back the same.
        var s = new TestServer();
        s.Run("ZADD", "z", "0.1", "a", "-0", "b", "1e-7", "c");
        var p = DumpPayload.Create(Value(s, "z"));
        Assert.Equal(0x11, p[0]);
        var lp = p.AsSpan(2, p[1]).ToArray();
        Assert.Equal(lp.Length, BinaryPrimitives.ReadInt32LittleEndian(lp));
        Assert.Equal(6, BinaryPrimitives.ReadUInt16LittleEndian(lp.AsSpan(4)));
        // b -0 (the integer 0, as Redis writes it), c 1e-07, a 0.1, in score order.
        Assert.Equal("816202" + "0001" + "81630285" + "31652d303706" + "81610283" + "302e3104" + "ff",
            Convert.ToHexStringLower(lp.AsSpan(6)));
        AssertTrailer(p);
    }

    [Fact]
    public void SkiplistSortedSetMatchesRedis()
    {
        var s = new TestServer();
        var args = new List<string> { "ZADD", "k" };
        for (int i = 0; i < 130; i++)
        {
            args.Add((i % 2 == 1 ? i * 1.5 : i * 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
            args.Add("m" + i);
        }
        s.Run([.. args]);
        Assert.Equal(Z130, Dump(Value(s, "k")));
    }

    const string Words = "lpvbskc fptk wfxkbj lhqhdg zsggbbj jhhmnjwjh jqmbprhg dnmzx znd pmtnh thclbp qbwrpqxbs hzj ksp pvlsfxp mcrdjnvzp nlwd nmhdg mthcdzwq kzp lsrgcctnj xgrf rpgc rmgszhvst ntlmtqgf whtnhd lvwvpd pxcmpwltl mnhxbtwln lsmvpplp rphspnvg hjptmdr zxvr zwlbj xszh hctk cgfn tjwc spqzdx kpbp";

    [Fact]
    public void HashOfMoreThanSixteenPairsIsARedisListpack()
    {
        var w = Words.Split(' ');
        var s = new TestServer();
        var args = new List<string> { "HSET", "k" };
        for (int i = 0; i < 20; i++) { args.Add(w[i]); args.Add(w[20 + i]); }
        s.Run([.. args]);
        Assert.Equal("104146460100002800876c707662736b6308896c7372676363746e6a0a846670746b05847867726605867766786b626a07847270676305866c68716864670789726d67737a687673740a877a73676762626a08886e746c6d7471676609896a68686d6e6a776a680a867768746e686407886a716d627072686709866c76777670640785646e6d7a7806897078636d70776c746c0a837a6e6404896d6e68786274776c6e0a85706d746e6806886c736d7670706c7009867468636c6270078872706873706e766709897162777270717862730a87686a70746d64720883687a6a04847a78767205836b737004857a776c626a068770766c73667870088478737a6805896d6372646a6e767a700a846863746b05846e6c776405846367666e05856e6d6864670684746a776305886d746863647a777109867370717a647807836b7a7004846b70627005ff0a002b4744c811f4edae", Dump(Value(s, "k")));
    }

    [Fact]
    public void ListOfMoreThanSixteenElementsIsARedisQuicklist()
    {
        var s = new TestServer();
        s.Run(["RPUSH", "k", .. Words.Split(' ')[..20]]);
        Assert.Equal("12010240a4a40000001400876c707662736b6308846670746b05867766786b626a07866c687168646707877a73676762626a08896a68686d6e6a776a680a886a716d62707268670985646e6d7a7806837a6e640485706d746e6806867468636c627007897162777270717862730a83687a6a04836b7370048770766c7366787008896d6372646a6e767a700a846e6c776405856e6d68646706886d746863647a777109836b7a7004ff0a000f852d8581ce82fa", Dump(Value(s, "k")));
    }

    [Fact]
    public void SmallHashIsAPlainHashRecord()
    {
        // Redis DUMPs 10 + a 13-byte listpack (100d0d0000000200816602817602ff...); the plain record is 6 bytes.
        var s = new TestServer();
        s.Run("HSET", "k", "f", "v");
        Assert.Equal("04" + "01" + "0166" + "0176" + "0a00", Dump(Value(s, "k"))[..(6 * 2 + 4)]);
        s.Run("HSET", "k", "n", "300");
        Assert.Equal("04" + "02" + "0166" + "0176" + "016e" + "c12c01" + "0a00", Dump(Value(s, "k"))[..(11 * 2 + 4)]);
        AssertTrailer(DumpPayload.Create(Value(s, "k")));
    }

    [Fact]
    public void CompactHashStaysPlainWithoutCompression()
    {
        var w = Words.Split(' ');
        var s = new TestServer();
        var args = new List<string> { "HSET", "k" };
        for (int i = 0; i < 20; i++) { args.Add(w[i]); args.Add(w[20 + i]); }
        s.Run([.. args]);
        var p = DumpPayload.Create(Value(s, "k"), compress: false);
        Assert.Equal(new byte[] { 4, 20 }, p[..2]);
        AssertTrailer(p);
    }

    [Fact]
    public void SmallListIsAPlainListRecord()
    {
        // Redis DUMPs 12 01 02 + a listpack; the plain record: count, then each element as an RDB string.
        var s = new TestServer();
        s.Run("RPUSH", "k", "a", "1", "hello");
        Assert.Equal("01" + "03" + "0161" + "c001" + "0568656c6c6f" + "0a00", Dump(Value(s, "k"))[..(12 * 2 + 4)]);
        AssertTrailer(DumpPayload.Create(Value(s, "k")));
    }

    [Fact]
    public void LargeHashAndSetAreCountedRecords()
    {
        var s = new TestServer();
        var args = new List<string> { "HSET", "h" };
        for (int i = 0; i < 600; i++) { args.Add("f" + i); args.Add(i.ToString()); }
        s.Run([.. args]);
        var p = DumpPayload.Create(Value(s, "h"));
        Assert.Equal(new byte[] { 4, 0x42, 0x58 }, p[..3]); // 600 fields, a 14-bit length
        AssertTrailer(p);

        s.Run("SADD", "set", "x", "y", "42");
        p = DumpPayload.Create(Value(s, "set"));
        Assert.Equal(new byte[] { 2, 3 }, p[..2]);
        var members = new HashSet<string>();
        int pos = 2;
        for (int i = 0; i < 3; i++)
        {
            if (p[pos] == 0xC0) { members.Add(((sbyte)p[pos + 1]).ToString()); pos += 2; }
            else { members.Add(System.Text.Encoding.ASCII.GetString(p, pos + 1, p[pos])); pos += 1 + p[pos]; }
        }
        Assert.Equal(new HashSet<string> { "x", "y", "42" }, members);
        Assert.Equal(p.Length - 10, pos);
        AssertTrailer(p);
    }

    [Fact]
    public void WriterIsReusedAcrossCallsWithoutLeakingState()
    {
        var big = DumpPayload.Create(new byte[5000]);          // LZF: zeros compress
        var small = DumpPayload.Create("hello"u8.ToArray());
        Assert.Equal("000568656c6c6f0a006372df766534200a", Convert.ToHexStringLower(small));
        Assert.Equal(big, DumpPayload.Create(new byte[5000]));
        var uncompressed = DumpPayload.Create(new byte[5000], compress: false);
        Assert.Equal(5000 + 3 + 10, uncompressed.Length);
        AssertTrailer(big);
        AssertTrailer(uncompressed);
    }

    [Fact]
    public void UnknownValueTypeIsRejected() => Assert.Throws<ArgumentException>(() => DumpPayload.Create(new object()));

    /// <summary>Version 10 little-endian, then the CRC-64 of everything before it.</summary>
    internal static void AssertTrailer(byte[] p)
    {
        Assert.Equal(new byte[] { 10, 0 }, p[^10..^8]);
        Assert.Equal(Crc64.Compute(p.AsSpan(0, p.Length - 8)), BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(p.Length - 8)));
    }

        const string Z130 =
            "054082046d3132380000000000007840046d3132360000000000a07740046d3132340000000000407740046d3132320000000000e07640046d313230" +
            "0000000000807640046d3131380000000000207640046d3131360000000000c07540046d3131340000000000607540046d3131320000000000007540" +
            "046d3131300000000000a07440046d3130380000000000407440046d3130360000000000e07340046d3130340000000000807340046d313032000000" +
            "0000207340046d3130300000000000c07240036d39380000000000607240036d39360000000000007240036d39340000000000a07140036d39320000" +
            "000000407140036d39300000000000e07040036d38380000000000807040036d38360000000000207040036d38340000000000806f40036d38320000" +
            "000000c06e40036d38300000000000006e40036d37380000000000406d40036d37360000000000806c40036d37340000000000c06b40036d37320000" +
            "000000006b40036d37300000000000406a40036d36380000000000806940036d36360000000000c06840046d3132390000000000306840036d363400" +
            "00000000006840046d3132370000000000d06740046d3132350000000000706740036d36320000000000406740046d3132330000000000106740046d" +
            "3132310000000000b06640036d36300000000000806640046d3131390000000000506640046d3131370000000000f06540036d35380000000000c065" +
            "40046d3131350000000000906540046d3131330000000000306540036d35360000000000006540046d3131310000000000d06440046d313039000000" +
            "0000706440036d35340000000000406440046d3130370000000000106440046d3130350000000000b06340036d35320000000000806340046d313033" +
            "0000000000506340046d3130310000000000f06240036d35300000000000c06240036d39390000000000906240036d39370000000000306240036d34" +
            "380000000000006240036d39350000000000d06140036d39330000000000706140036d34360000000000406140036d39310000000000106140036d38" +
            "390000000000b06040036d34340000000000806040036d38370000000000506040036d38350000000000e05f40036d34320000000000805f40036d38" +
            "330000000000205f40036d38310000000000605e40036d34300000000000005e40036d37390000000000a05d40036d37370000000000e05c40036d33" +
            "380000000000805c40036d37350000000000205c40036d37330000000000605b40036d33360000000000005b40036d37310000000000a05a40036d36" +
            "390000000000e05940036d33340000000000805940036d36370000000000205940036d36350000000000605840036d33320000000000005840036d36" +
            "330000000000a05740036d36310000000000e05640036d33300000000000805640036d35390000000000205640036d35370000000000605540036d32" +
            "380000000000005540036d35350000000000a05440036d35330000000000e05340036d32360000000000805340036d35310000000000205340036d34" +
            "390000000000605240036d32340000000000005240036d34370000000000a05140036d34350000000000e05040036d32320000000000805040036d34" +
            "330000000000205040036d34310000000000c04e40036d32300000000000004e40036d33390000000000404d40036d33370000000000c04b40036d31" +
            "380000000000004b40036d33350000000000404a40036d33330000000000c04840036d31360000000000004840036d33310000000000404740036d32" +
            "390000000000c04540036d31340000000000004540036d32370000000000404440036d32350000000000c04240036d31320000000000004240036d32" +
            "330000000000404140036d32310000000000803f40036d31300000000000003e40036d31390000000000803c40036d31370000000000803940026d38" +
            "0000000000003840036d31350000000000803640036d31330000000000803340026d360000000000003240036d31310000000000803040026d390000" +
            "000000002b40026d340000000000002840026d370000000000002540026d350000000000001e40026d320000000000001840026d3300000000000012" +
            "40026d31000000000000f83f026d3000000000000000000a00867db62038ea541a";
}
