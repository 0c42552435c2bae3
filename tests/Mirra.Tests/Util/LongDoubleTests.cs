using System.Text;
using Mirra.Util;

namespace Mirra.Tests.Util;

/// <summary>
/// The x87 long double used by INCRBYFLOAT. Its arithmetic is checked end to end against
/// redis-server in the INCRBYFLOAT facts; these cover the pieces on their own.
/// </summary>
public class LongDoubleTests
{
    static LongDouble Parse(string s)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(s), out var v), s);
        return v;
    }

    [Theory]
    // Expected: C's "%.17f" of the double, trailing zeros trimmed (what Redis prints for it).
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(1.0 / 3, "0.33333333333333331")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e-20, "0")]
    [InlineData(-1e-20, "0")]
    [InlineData(-0.0, "0")]
    [InlineData(123456789.125, "123456789.125")]
    [InlineData(1e22, "10000000000000000000000")]
    [InlineData(5e-324, "0")]
    [InlineData(1180591620717411303424.0, "1180591620717411303424")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void FormatsDoublesLikeRedis(double value, string expected) => Assert.Equal(expected, Numbers.FormatHumanDouble(value));

    [Theory]
    [InlineData("10.5", "0.1", "10.6")]                 // a double sum would print 10.59999999999999964
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("1.1", "2.2", "3.3")]
    [InlineData("3.3", "-3.3", "0")]
    [InlineData("9223372036854775807", "1", "9223372036854775808")]
    [InlineData("1.000003814697265625", "0", "1.00000381469726562")] // exact tie at the 18th digit: to even
    [InlineData("0x1p-3", "16", "16.125")]
    public void AddsAndPrintsInExtendedPrecision(string a, string b, string expected) =>
        Assert.Equal(expected, (Parse(a) + Parse(b)).ToHumanString());

    [Fact]
    public void IntegersConvertExactly()
    {
        Assert.Equal("-9223372036854775808", LongDouble.FromLong(long.MinValue).ToHumanString());
        Assert.Equal("9223372036854775807", LongDouble.FromLong(long.MaxValue).ToHumanString());
        Assert.Equal("18446744073709551614", (LongDouble.FromLong(long.MaxValue) + LongDouble.FromLong(long.MaxValue)).ToHumanString());
        Assert.True(LongDouble.FromLong(0).IsZero);
    }

    [Fact]
    public void InfinitiesAndNaN()
    {
        var inf = Parse("inf");
        Assert.True(inf.IsInfinity);
        Assert.True((inf + Parse("-Infinity")).IsNaN);
        Assert.True((inf + Parse("1")).IsInfinity);
        // The largest finite value doubled overflows.
        var max = Parse("0x1.fffffffffffffffep16383");
        Assert.True(max.IsFinite);
        Assert.True((max + max).IsInfinity);
    }

    [Fact]
    public void RefusesWhatStringToLongDoubleRefuses()
    {
        foreach (var s in new[] { "", " 1", "1 ", "nan", "-nan", "1e", "1e+", ".", "-", "0x", "0x.p1", "0x1p", "1,5", "1e5000", "1e-5000", "0x1p16384", "inf ", "infinit" })
            Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(s), out _), s);
        // Inputs of 5120 bytes or more are refused outright (Redis's MAX_LONG_DOUBLE_CHARS buffer).
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(new string('0', 5118) + "1"), out var one));
        Assert.Equal("1", one.ToHumanString());
        Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(new string('0', 5119) + "1"), out _));
    }

    [Fact]
    public void SubnormalsParseAndPrintAsZero()
    {
        var tiny = Parse("0x1p-16445");    // the smallest subnormal
        Assert.False(tiny.IsZero);
        Assert.Equal("0", tiny.ToHumanString());
        Assert.False(LongDouble.TryParse("0x1p-16447"u8, out _)); // below half of it: underflow to zero
        Assert.True(Parse("0e-99999").IsZero);                   // an exact zero is fine
    }
}
