using System.Numerics;
using System.Text;

namespace Mirra.Util;

/// <summary>
/// The x87 80-bit extended float ("long double" on x86-64 Linux) that Redis uses for INCRBYFLOAT
/// and HINCRBYFLOAT: a 64-bit significand and a 15-bit exponent. Emulated exactly (parsing like
/// glibc's strtold, round-to-nearest-even addition, "%.17Lf" formatting), because doubles give
/// visibly different answers (0.1 + 0.2 is "0.3" in Redis, 1e18 + 0.1 is "1000000000000000000.125").
/// Only what those commands need: parse, add, format.
/// </summary>
public readonly struct LongDouble
{
    // value = (-1)^Negative × Mantissa × 2^Exponent. Normal values have bit 63 of the mantissa set;
    // subnormals have a smaller mantissa and the minimum exponent.
    const int MinExponent = -16445;          // 2^-16382 (smallest normal) = 2^63 × 2^-16445
    const int MaxExponent = 16320;           // largest finite value is (2^64 - 1) × 2^16320
    const int MaxTextLength = 5 * 1024 - 1;  // Redis's MAX_LONG_DOUBLE_CHARS buffer, minus the NUL

    enum Kind : byte { Finite, Infinity, NaN }

    readonly ulong _mantissa;
    readonly int _exponent;
    readonly bool _negative;
    readonly Kind _kind;

    LongDouble(bool negative, ulong mantissa, int exponent, Kind kind = Kind.Finite)
    {
        _negative = negative;
        _mantissa = mantissa;
        _exponent = exponent;
        _kind = kind;
    }

    public static LongDouble Zero => default;
    public bool IsFinite => _kind == Kind.Finite;
    public bool IsInfinity => _kind == Kind.Infinity;
    public bool IsNaN => _kind == Kind.NaN;
    public bool IsZero => _kind == Kind.Finite && _mantissa == 0;

    public static LongDouble FromLong(long v)
    {
        if (v == 0) return default;
        ulong m = v < 0 ? 0 - (ulong)v : (ulong)v;
        int shift = BitOperations.LeadingZeroCount(m);
        return new LongDouble(v < 0, m << shift, -shift);
    }

    /// <summary>
    /// Redis's string2ld: the whole text must be a number strtold accepts (decimal or hexadecimal,
    /// "inf"/"infinity"), without leading space, and must neither overflow nor underflow to zero; NaN is refused.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        if (s.Length == 0 || s.Length > MaxTextLength) return false;
        int i = 0;
        // strtold would skip leading spaces, but Redis refuses them.
        bool negative = false;
        if (s[0] == '+' || s[0] == '-') { negative = s[0] == '-'; i = 1; }
        var rest = s[i..];
        if (AsciiEqualsIgnoreCase(rest, "inf"u8) || AsciiEqualsIgnoreCase(rest, "infinity"u8))
        {
            value = new LongDouble(negative, 0, 0, Kind.Infinity);
            return true;
        }
        if (rest.Length >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x')
            return TryParseHex(negative, rest[2..], out value);
        return TryParseDecimal(negative, rest, out value);
    }

    static bool TryParseDecimal(bool negative, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0, digits = 0, fractionDigits = 0;
        var mantissa = new StringBuilder();
        bool seenPoint = false;
        for (; i < s.Length; i++)
        {
            byte c = s[i];
            if (c >= '0' && c <= '9')
            {
                digits++;
                if (seenPoint) fractionDigits++;
                if (mantissa.Length > 0 || c != '0') mantissa.Append((char)c);
            }
            else if (c == '.' && !seenPoint) seenPoint = true;
            else break;
        }
        if (digits == 0) return false;
        long exponent = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'e' || !TryParseExponent(s[(i + 1)..], out exponent)) return false;
        }
        // A significant digit that was a fraction digit (or a trailing zero dropped) shifts the exponent.
        long scale = exponent - fractionDigits;
        if (mantissa.Length == 0) { value = new LongDouble(negative, 0, 0); return true; }
        // Magnitude is about 10^(digits + scale - 1): outside ~1e±4951 it over- or underflows for sure.
        long magnitude = mantissa.Length + scale;
        if (magnitude > 4940) return false;            // above 1.19e4932: overflow (strtold gives ERANGE)
        if (magnitude < -4960) return false;           // below the smallest subnormal: rounds to zero (ERANGE)
        var n = BigInteger.Parse(mantissa.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        BigInteger num, den;
        if (scale >= 0) { num = n * BigInteger.Pow(10, (int)scale); den = BigInteger.One; }
        else { num = n; den = BigInteger.Pow(10, (int)-scale); }
        value = Round(negative, num, den, 0);
        return value.IsFinite && !value.IsZero;
    }

    static bool TryParseHex(bool negative, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0, digits = 0, fractionDigits = 0;
        BigInteger n = BigInteger.Zero;
        bool seenPoint = false;
        for (; i < s.Length; i++)
        {
            int d = HexDigit(s[i]);
            if (d >= 0)
            {
                digits++;
                if (seenPoint) fractionDigits++;
                n = (n << 4) + d;
            }
            else if (s[i] == '.' && !seenPoint) seenPoint = true;
            else break;
        }
        if (digits == 0) return false; // "0x" alone parses as "0" followed by garbage
        long exponent = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'p' || !TryParseExponent(s[(i + 1)..], out exponent)) return false;
        }
        if (n.IsZero) { value = new LongDouble(negative, 0, 0); return true; }
        long scale = exponent - 4L * fractionDigits;
        long magnitude = (long)n.GetBitLength() + scale;
        if (magnitude > 16400) return false;
        if (magnitude < -16500) return false;
        value = Round(negative, n, BigInteger.One, (int)scale);
        return value.IsFinite && !value.IsZero;
    }

    /// <summary>[+-]digits, saturating (the value is refused by range checks anyway when huge).</summary>
    static bool TryParseExponent(ReadOnlySpan<byte> s, out long exponent)
    {
        exponent = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (exponent < 100_000_000) exponent = exponent * 10 + d;
        }
        if (negative) exponent = -exponent;
        return true;
    }

    static int HexDigit(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        c |= 0x20;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    static bool AsciiEqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (int i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>Rounds num/den × 2^scale (num, den positive) to nearest-even; infinity past the largest value.</summary>
    static LongDouble Round(bool negative, BigInteger num, BigInteger den, int scale)
    {
        if (num.IsZero) return new LongDouble(negative, 0, 0);
        // floor(log2(num/den))
        long log2 = (long)num.GetBitLength() - (long)den.GetBitLength();
        if (Compare(num, den, log2) < 0) log2--;
        long k = log2 + scale - 63;
        if (k < MinExponent) k = MinExponent;
        if (k > MaxExponent + 1) return new LongDouble(negative, 0, 0, Kind.Infinity);
        long shift = scale - k; // mantissa = num / den × 2^shift
        BigInteger n = num, d = den;
        if (shift >= 0) n <<= (int)shift; else d <<= (int)-shift;
        var q = BigInteger.DivRem(n, d, out var r);
        int half = (r << 1).CompareTo(d);
        if (half > 0 || (half == 0 && !q.IsEven)) q += 1;
        if (q.GetBitLength() > 64) { q >>= 1; k++; }
        if (k > MaxExponent) return new LongDouble(negative, 0, 0, Kind.Infinity);
        ulong m = (ulong)q;
        return new LongDouble(negative, m, m == 0 ? 0 : (int)k);
    }

    /// <summary>Compares num/den with 2^log2.</summary>
    static int Compare(BigInteger num, BigInteger den, long log2) =>
        log2 >= 0 ? num.CompareTo(den << (int)log2) : (num << (int)-log2).CompareTo(den);

    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.IsNaN || b.IsNaN) return new LongDouble(false, 0, 0, Kind.NaN);
        if (a.IsInfinity || b.IsInfinity)
        {
            if (a.IsInfinity && b.IsInfinity && a._negative != b._negative) return new LongDouble(false, 0, 0, Kind.NaN);
            return a.IsInfinity ? a : b;
        }
        if (a.IsZero && b.IsZero) return new LongDouble(a._negative && b._negative, 0, 0);
        if (a.IsZero) return b;
        if (b.IsZero) return a;
        int e = Math.Min(a._exponent, b._exponent);
        var x = new BigInteger(a._mantissa) << (a._exponent - e);
        var y = new BigInteger(b._mantissa) << (b._exponent - e);
        if (a._negative) x = -x;
        if (b._negative) y = -y;
        var sum = x + y;
        if (sum.IsZero) return default; // exact cancellation gives +0 when rounding to nearest
        return Round(sum.Sign < 0, BigInteger.Abs(sum), BigInteger.One, e);
    }

    /// <summary>
    /// Redis's ld2string in "human" mode: printf("%.17Lf") then trailing zeros (and a bare point)
    /// removed, and "-0" written as "0". Infinity and NaN are not expected here (callers refuse them).
    /// </summary>
    public string ToHumanString()
    {
        if (_kind == Kind.Infinity) return _negative ? "-inf" : "inf";
        if (_kind == Kind.NaN) return "nan";
        var sb = new StringBuilder();
        if (_negative) sb.Append('-');
        if (_mantissa == 0) sb.Append('0');
        else if (_exponent >= 0) sb.Append((new BigInteger(_mantissa) << _exponent).ToString(System.Globalization.CultureInfo.InvariantCulture));
        else
        {
            // Round m × 2^e to 17 decimals, ties to even (glibc's printf in round-to-nearest mode).
            var scaled = new BigInteger(_mantissa) * BigInteger.Pow(10, 17);
            var d = BigInteger.One << -_exponent;
            var q = BigInteger.DivRem(scaled, d, out var r);
            int half = (r << 1).CompareTo(d);
            if (half > 0 || (half == 0 && !q.IsEven)) q += 1;
            var unit = BigInteger.Pow(10, 17);
            var integer = BigInteger.DivRem(q, unit, out var fraction);
            sb.Append(integer.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!fraction.IsZero)
            {
                string f = fraction.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(17, '0').TrimEnd('0');
                sb.Append('.').Append(f);
            }
        }
        string s = sb.ToString();
        return s == "-0" ? "0" : s;
    }

    public override string ToString() => ToHumanString();
}
