using System.Text;
using Mirra.Util;

namespace Mirra.Tests.Util;

/// <summary>Expected texts are what redis-server 7.0.15 (x86-64, glibc) answers to HINCRBYFLOAT.</summary>
public class LongDoubleTests
{
    static LongDouble P(string s)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(s), out var v), s);
        return v;
    }

    [Theory]
    [InlineData("0.1", "0.2", "0.3")]                       // a double would say 0.30000000000000004
    [InlineData("1e18", "0.1", "1000000000000000000.125")]  // 64-bit significand
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData("0", "-0", "0")]
    [InlineData("-0", "-0", "0")]                            // "-0" is written as "0"
    [InlineData("0", "-1e-30", "0")]
    [InlineData("0", "0.000003814697265625", "0.00000381469726562")] // a tie at the 17th decimal rounds to even
    [InlineData("0", "0.000011444091796875", "0.00001144409179688")]
    [InlineData("0", "0x1.8p1", "3")]
    [InlineData("0", "12345678901234567890", "12345678901234567890")]
    [InlineData("0", "123456789012345678901234567890", "123456789012345678899921813504")]
    [InlineData("9223372036854775807", "1", "9223372036854775808")]
    [InlineData("0", "1e-4950", "0")]                        // subnormal, accepted, prints as 0
    [InlineData("-1.5", "1", "-0.5")]
    public void AddsAndFormatsLikeRedis(string a, string b, string expected)
    {
        Assert.Equal(expected, (P(a) + P(b)).ToHumanString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("abc")]
    [InlineData("nan")]
    [InlineData("1e")]
    [InlineData("0x")]
    [InlineData(".")]
    [InlineData("1e5000")]      // overflow
    [InlineData("1e-5000")]     // underflow to zero
    [InlineData("1.8e-4951")]   // rounds to zero
    [InlineData("0x1p16384")]
    [InlineData("1_0")]
    public void RefusesWhatStrtoldRefusesOrRedisRejects(string s)
    {
        Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(s), out _));
    }

    [Fact]
    public void InfinityParsesButOverflowingSumsAreNotFinite()
    {
        Assert.True(P("inf").IsInfinity);
        Assert.True(P("-Infinity").IsInfinity);
        Assert.True(P("0e-99999").IsZero);
        var max = P("1.18973149535723176502e+4932");
        Assert.True(max.IsFinite);
        Assert.False((max + P("1e4931")).IsFinite);
        Assert.True((P("inf") + P("-inf")).IsNaN);
        Assert.Equal("5", (LongDouble.FromLong(7) + P("-2")).ToHumanString());
        Assert.Equal("-9223372036854775808", LongDouble.FromLong(long.MinValue).ToHumanString());
    }
}
