using System.Numerics;
using System.Text;

namespace Mirra.Util;

/// <summary>
/// The x87 80-bit extended precision number ("long double" on x86-64 Linux) that Redis uses for
/// INCRBYFLOAT and HINCRBYFLOAT: a 64-bit significand and a 15-bit exponent. Redis parses both
/// operands with strtold, adds them in that precision and prints the sum with "%.17Lf"; a plain
/// double would print 10.5 + 0.1 as 10.59999999999999964 where Redis prints 10.6, so this type
/// reproduces the arithmetic exactly: correctly rounded parsing (decimal and hexadecimal),
/// round-half-even addition, subnormals, overflow to infinity, and exact decimal printing.
/// </summary>
public readonly struct LongDouble
{
    /// <summary>Binary exponent of the smallest subnormal (2^-16445); also the exponent of every subnormal.</summary>
    const int MinExponent = -16445;
    /// <summary>Largest exponent: values are below 2^64 * 2^16320 = 2^16384.</summary>
    const int MaxExponent = 16320;
    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused.</summary>
    public const int MaxChars = 5 * 1024;

    enum Kind : byte { Finite, Infinity, NaN }

    // value = (Negative ? -1 : 1) * Mantissa * 2^Exponent when finite.
    readonly ulong _mantissa;
    readonly int _exponent;
    readonly bool _negative;
    readonly Kind _kind;

    LongDouble(bool negative, ulong mantissa, int exponent, Kind kind)
    {
        _negative = negative;
        _mantissa = mantissa;
        _exponent = exponent;
        _kind = kind;
    }

    public static readonly LongDouble Zero = default;
    public static readonly LongDouble PositiveInfinity = new(false, 0, 0, Kind.Infinity);
    public static readonly LongDouble NegativeInfinity = new(true, 0, 0, Kind.Infinity);
    public static readonly LongDouble NaN = new(false, 0, 0, Kind.NaN);

    public bool IsFinite => _kind == Kind.Finite;
    public bool IsNaN => _kind == Kind.NaN;
    public bool IsInfinity => _kind == Kind.Infinity;
    public bool IsZero => _kind == Kind.Finite && _mantissa == 0;
    public bool IsNegative => _negative;

    /// <summary>An integer converts exactly (64 significand bits hold any long).</summary>
    public static LongDouble FromLong(long v)
    {
        if (v == 0) return Zero;
        ulong m = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
        int lz = BitOperations.LeadingZeroCount(m);
        return new LongDouble(v < 0, m << lz, -lz, Kind.Finite);
    }

    /// <summary>A double converts exactly too (53 significand bits, smaller exponent range).</summary>
    public static LongDouble FromDouble(double d)
    {
        if (double.IsNaN(d)) return NaN;
        if (double.IsInfinity(d)) return d > 0 ? PositiveInfinity : NegativeInfinity;
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool negative = bits < 0;
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong fraction = (ulong)bits & 0xF_FFFF_FFFF_FFFFUL;
        if (biased == 0 && fraction == 0) return negative ? new LongDouble(true, 0, 0, Kind.Finite) : Zero;
        ulong m = biased == 0 ? fraction : fraction | (1UL << 52);
        int e = (biased == 0 ? 1 : biased) - 1075;
        int lz = BitOperations.LeadingZeroCount(m);
        return new LongDouble(negative, m << lz, e - lz, Kind.Finite);
    }

    /// <summary>The correctly rounded product, like one x87 FMUL.</summary>
    public static LongDouble operator *(LongDouble a, LongDouble b)
    {
        bool negative = a._negative != b._negative;
        if (a._kind == Kind.NaN || b._kind == Kind.NaN) return NaN;
        if (a._kind == Kind.Infinity || b._kind == Kind.Infinity)
        {
            if ((a._kind == Kind.Finite && a._mantissa == 0) || (b._kind == Kind.Finite && b._mantissa == 0)) return NaN;
            return negative ? NegativeInfinity : PositiveInfinity;
        }
        if (a._mantissa == 0 || b._mantissa == 0) return new LongDouble(negative, 0, 0, Kind.Finite);
        return Round(new BigInteger(a._mantissa) * b._mantissa, (long)a._exponent + b._exponent, false, negative);
    }

    /// <summary>
    /// C's <c>(long long)ceill(x)</c> on x86-64: the smallest integer not below the value, or long.MinValue
    /// (the "integer indefinite" value) when that is out of range, infinite or NaN.
    /// </summary>
    public long CeilingToInt64()
    {
        if (_kind != Kind.Finite) return long.MinValue;
        if (_mantissa == 0) return 0;
        BigInteger magnitude;
        bool fraction = false;
        if (_exponent >= 0)
        {
            if (_exponent > 64) return long.MinValue;
            magnitude = new BigInteger(_mantissa) << _exponent;
        }
        else
        {
            int shift = -_exponent;
            var m = new BigInteger(_mantissa);
            magnitude = shift >= 128 ? BigInteger.Zero : m >> shift;
            fraction = magnitude << shift != m;
        }
        // ceil: up for positive values with a fraction; towards zero (dropping it) for negative ones.
        var result = _negative ? -magnitude : magnitude + (fraction ? 1 : 0);
        return result < long.MinValue || result > long.MaxValue ? long.MinValue : (long)result;
    }

    public static LongDouble operator -(LongDouble a) => new(!a._negative, a._mantissa, a._exponent, a._kind);

    /// <summary>The correctly rounded (to nearest, ties to even) sum, like one x87 FADD.</summary>
    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a._kind == Kind.NaN || b._kind == Kind.NaN) return NaN;
        if (a._kind == Kind.Infinity || b._kind == Kind.Infinity)
        {
            if (a._kind == Kind.Infinity && b._kind == Kind.Infinity && a._negative != b._negative) return NaN;
            return a._kind == Kind.Infinity ? a : b;
        }
        if (a._mantissa == 0)
            return b._mantissa == 0 ? new LongDouble(a._negative && b._negative, 0, 0, Kind.Finite) : b;
        if (b._mantissa == 0) return a;
        int e = Math.Min(a._exponent, b._exponent);
        var sa = new BigInteger(a._mantissa) << (a._exponent - e);
        var sb = new BigInteger(b._mantissa) << (b._exponent - e);
        var sum = (a._negative ? -sa : sa) + (b._negative ? -sb : sb);
        if (sum.IsZero) return Zero;
        return Round(BigInteger.Abs(sum), e, false, sum.Sign < 0);
    }

    /// <summary>
    /// Rounds the exact value n * 2^e (plus a little more when <paramref name="sticky"/>) to the
    /// nearest representable value, ties to even, with gradual underflow and overflow to infinity.
    /// </summary>
    static LongDouble Round(BigInteger n, long e, bool sticky, bool negative)
    {
        if (n.IsZero) return new LongDouble(negative, 0, 0, Kind.Finite);
        long bits = (long)n.GetBitLength();
        long shift = bits - 64;
        if (e + shift < MinExponent) shift = MinExponent - e;
        ulong mantissa;
        if (shift <= 0)
        {
            mantissa = (ulong)(n << (int)-shift);
        }
        else
        {
            if (shift > bits) return new LongDouble(negative, 0, 0, Kind.Finite); // below half the smallest step
            var q = n >> (int)shift;
            var rest = n - (q << (int)shift);
            var half = BigInteger.One << (int)(shift - 1);
            int cmp = rest.CompareTo(half);
            bool up = cmp > 0 || (cmp == 0 && (sticky || !q.IsEven));
            if (up) q += 1;
            if (q.GetBitLength() > 64) { q >>= 1; shift++; }
            mantissa = (ulong)q;
        }
        long exponent = e + shift;
        if (mantissa == 0) return new LongDouble(negative, 0, 0, Kind.Finite);
        if (exponent > MaxExponent) return negative ? NegativeInfinity : PositiveInfinity;
        // Normalize (exact): a subnormal keeps the minimum exponent.
        int lz = BitOperations.LeadingZeroCount(mantissa);
        if (lz > 0 && exponent - lz >= MinExponent) { mantissa <<= lz; exponent -= lz; }
        else if (lz > 0 && exponent > MinExponent) { int s = (int)(exponent - MinExponent); mantissa <<= s; exponent = MinExponent; }
        return new LongDouble(negative, mantissa, (int)exponent, Kind.Finite);
    }

    /// <summary>
    /// Redis's string2ld: the whole input must be a number strtold accepts (decimal, hexadecimal
    /// "0x1.8p3", "inf"/"infinity"), with no leading space, shorter than 5120 bytes, not NaN,
    /// and neither overflowing nor underflowing to zero.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = Zero;
        if (s.Length == 0 || s.Length >= MaxChars) return false;
        int i = 0;
        bool negative = false;
        if (s[0] == '+' || s[0] == '-') { negative = s[0] == '-'; i = 1; }
        var rest = s[i..];
        if (EqualsIgnoreCase(rest, "inf"u8) || EqualsIgnoreCase(rest, "infinity"u8))
        {
            value = negative ? NegativeInfinity : PositiveInfinity;
            return true;
        }
        if (rest.Length >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x')
            return TryParseHex(rest[2..], negative, out value);
        return TryParseDecimal(rest, negative, out value);
    }

    static bool TryParseDecimal(ReadOnlySpan<byte> s, bool negative, out LongDouble value)
    {
        value = Zero;
        int i = 0, digits = 0, fractionDigits = 0;
        int firstSignificant = -1;
        while (i < s.Length && IsDigit(s[i])) { if (firstSignificant < 0 && s[i] != '0') firstSignificant = i; i++; digits++; }
        int intEnd = i;
        int fracStart = -1;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            fracStart = i;
            while (i < s.Length && IsDigit(s[i])) { if (firstSignificant < 0 && s[i] != '0') firstSignificant = i; i++; fractionDigits++; }
        }
        if (digits + fractionDigits == 0) return false;
        int mantissaEnd = i;
        long exp10 = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'e' || !TryParseExponent(s[(i + 1)..], out exp10)) return false;
        }
        if (firstSignificant < 0) { value = new LongDouble(negative, 0, 0, Kind.Finite); return true; }

        // Collect the significant digits (skipping the dot) into one integer.
        var buffer = new StringBuilder(mantissaEnd - firstSignificant);
        for (int k = firstSignificant; k < mantissaEnd; k++)
            if (s[k] != '.') buffer.Append((char)s[k]);
        var d = BigInteger.Parse(buffer.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        long x = exp10 - fractionDigits;
        // d * 10^x with d having buffer.Length digits: its magnitude is 10^(len + x - 1) .. 10^(len + x).
        long magnitude = buffer.Length + x;
        if (magnitude > 4934) return false; // above the largest value (1.19e4932): ERANGE
        if (magnitude < -4952) return false; // rounds to zero (smallest subnormal is 3.6e-4951): ERANGE
        LongDouble result;
        if (x >= 0)
        {
            result = Round(d * BigInteger.Pow(10, (int)x), 0, false, negative);
        }
        else
        {
            var den = BigInteger.Pow(10, (int)-x);
            long k = Math.Max(0, 66 + (long)den.GetBitLength() - (long)d.GetBitLength());
            var q = BigInteger.DivRem(d << (int)k, den, out var r);
            result = Round(q, -k, !r.IsZero, negative);
        }
        if (!result.IsFinite || result._mantissa == 0) return false;
        value = result;
        return true;
    }

    static bool TryParseHex(ReadOnlySpan<byte> s, bool negative, out LongDouble value)
    {
        value = Zero;
        var h = BigInteger.Zero;
        int i = 0, digits = 0, fractionDigits = 0;
        while (i < s.Length && HexValue(s[i]) >= 0) { h = (h << 4) + HexValue(s[i]); i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && HexValue(s[i]) >= 0) { h = (h << 4) + HexValue(s[i]); i++; fractionDigits++; }
        }
        if (digits + fractionDigits == 0) return false; // "0x" alone: strtold stops after the 0
        long exp2 = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'p' || !TryParseExponent(s[(i + 1)..], out exp2)) return false;
        }
        if (h.IsZero) { value = new LongDouble(negative, 0, 0, Kind.Finite); return true; }
        long e = exp2 - 4L * fractionDigits;
        long top = (long)h.GetBitLength() + e;
        if (top > 16385 || top < MinExponent - 2) return false;
        var result = Round(h, e, false, negative);
        if (!result.IsFinite || result._mantissa == 0) return false;
        value = result;
        return true;
    }

    /// <summary>[+-]digits, saturating far beyond any meaningful exponent.</summary>
    static bool TryParseExponent(ReadOnlySpan<byte> s, out long exponent)
    {
        exponent = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            if (!IsDigit(s[i])) return false;
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (s[i] - '0');
        }
        if (negative) exponent = -exponent;
        return true;
    }

    static readonly BigInteger Scale17 = BigInteger.Pow(10, 17);

    /// <summary>
    /// Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" (exact digits, ties to even), then trailing
    /// zeros and a trailing dot removed, and "-0" turned into "0". Infinity prints "inf"/"-inf".
    /// </summary>
    public string ToHumanString()
    {
        if (_kind == Kind.Infinity) return _negative ? "-inf" : "inf";
        if (_kind == Kind.NaN) return "nan";
        BigInteger r;
        if (_exponent >= 0)
        {
            r = (new BigInteger(_mantissa) << _exponent) * Scale17;
        }
        else
        {
            var num = new BigInteger(_mantissa) * Scale17;
            int sh = -_exponent;
            r = num >> sh;
            var rest = num - (r << sh);
            int cmp = rest.CompareTo(BigInteger.One << (sh - 1));
            if (cmp > 0 || (cmp == 0 && !r.IsEven)) r += 1;
        }
        string digits = r.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(18, '0');
        string integer = digits[..^17];
        string fraction = digits[^17..].TrimEnd('0');
        string text = fraction.Length == 0 ? integer : integer + "." + fraction;
        if (_negative && text != "0") text = "-" + text;
        return text;
    }

    public byte[] ToHumanBytes() => Encoding.ASCII.GetBytes(ToHumanString());

    public override string ToString() => ToHumanString();

    static bool IsDigit(byte c) => c >= '0' && c <= '9';

    static int HexValue(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        int l = c | 0x20;
        if (l >= 'a' && l <= 'f') return l - 'a' + 10;
        return -1;
    }

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (int i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }
}
