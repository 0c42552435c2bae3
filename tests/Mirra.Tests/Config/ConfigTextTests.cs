using Mirra.Config;
using Xunit;

namespace Mirra.Tests.Config;

public class ConfigTextTests
{
    [Theory]
    [InlineData("port 6379", new[] { "port", "6379" })]
    [InlineData("  save   900 1  ", new[] { "save", "900", "1" })]
    [InlineData("requirepass \"a b\"", new[] { "requirepass", "a b" })]
    [InlineData("x \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"", new[] { "x", "\n\r\t\b\a\\\"q" })]
    [InlineData("x \"\\x41\\x7a\\xZZ\"", new[] { "x", "AzxZZ" })]
    [InlineData("x 'it\\'s' 'a\"b'", new[] { "x", "it's", "a\"b" })]
    [InlineData("x a\"b c\"", new[] { "x", "ab c" })]
    [InlineData("save \"\"", new[] { "save", "" })]
    [InlineData("", new string[0])]
    public void SplitArgsFollowsSdssplitargs(string line, string[] expected) => Assert.Equal(expected, ConfigText.SplitArgs(line));

    [Theory]
    [InlineData("port \"abc")]
    [InlineData("port 'abc")]
    [InlineData("port \"a\"b")]
    [InlineData("port 'a'b")]
    [InlineData("port \"abc\\")]
    public void SplitArgsRejectsUnbalancedQuotes(string line) => Assert.Null(ConfigText.SplitArgs(line));

    [Fact]
    public void ReprQuotesLikeSdscatrepr()
    {
        Assert.Equal("\"/tmp/rc\"", ConfigText.Repr("/tmp/rc"));
        Assert.Equal("\"a\\\"b\\\\c\\n\\x01\\xff\"", ConfigText.Repr("a\"b\\c\n\x01\xff"));
        Assert.Equal("\"\"", ConfigText.Repr(""));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("", 0L)]
    [InlineData("05", 5L)]
    [InlineData("1b", 1L)]
    [InlineData("1k", 1000L)]
    [InlineData("1kb", 1024L)]
    [InlineData("1Kb", 1024L)]
    [InlineData("1m", 1000000L)]
    [InlineData("1MB", 1048576L)]
    [InlineData("1g", 1000000000L)]
    [InlineData("1gb", 1073741824L)]
    [InlineData("mb", 0L)]
    public void MemoryUnits(string s, long expected)
    {
        Assert.True(ConfigText.TryParseMemory(s, out long v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("1.5mb")]
    [InlineData("+5")]
    [InlineData("-0")]
    [InlineData("1 mb")]
    [InlineData(" 5")]
    [InlineData("1t")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    public void MemoryRejects(string s) => Assert.False(ConfigText.TryParseMemory(s, out _));

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1024L, "1kb")]
    [InlineData(2097152L, "2mb")]
    [InlineData(1073741824L, "1gb")]
    [InlineData(1025L, "1025")]
    [InlineData(3000000L, "3000000")]
    public void MemoryRewriteFormat(long v, string expected) => Assert.Equal(expected, ConfigText.FormatMemory(v));

    [Theory]
    [InlineData("+5")]
    [InlineData("05")]
    [InlineData("-0")]
    [InlineData(" 5")]
    [InlineData("5.0")]
    [InlineData("")]
    [InlineData("1k")]
    public void IntegersAreStrict(string s) => Assert.False(ConfigText.TryParseStrictLong(s, out _));
}
