using System.Buffers.Text;
using System.Globalization;

namespace Mirra.Util;

/// <summary>Number parsing and formatting with Redis's exact rules (string2ll, string2ld, ld2string).</summary>
public static class Numbers
{
    /// <summary>
    /// Redis's string2ll: optional '-', then digits with no leading zero (except "0" itself),
    /// no '+', no spaces, and no overflow. This is what decides that "10" is an integer and "010" is not.
    /// </summary>
    public static bool TryParseStrictLong(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-') { negative = true; i = 1; if (s.Length == 1) return false; }
        if (s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>
    /// Redis's string2d (scores, weights, ZINCRBY increments): the whole input must be a number strtod
    /// accepts (decimal, hexadecimal "0x1p3", "inf"/"infinity"), with no leading space, not NaN, and
    /// neither overflowing to infinity nor underflowing to zero ("1e400" and "1e-400" are refused).
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || IsSpace(s[0])) return false;
        int consumed = Strtod(s, out value, out bool rangeError);
        if (consumed != s.Length || rangeError || double.IsNaN(value)) { value = 0; return false; }
        return true;
    }

    /// <summary>
    /// C's strtod: skips leading white space, reads the longest prefix that is a number (decimal with
    /// optional exponent, hexadecimal with optional binary exponent, "inf", "infinity", "nan", "nan(...)",
    /// any letter case) and returns how many bytes it used (0 when there is no number, value 0).
    /// <paramref name="rangeError"/> is strtod's ERANGE for a result that overflowed to infinity or a
    /// nonzero number that underflowed to zero; the value is then infinity or zero, like strtod's.
    /// </summary>
    public static int Strtod(ReadOnlySpan<byte> s, out double value, out bool rangeError)
    {
        value = 0;
        rangeError = false;
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }
        int start = i;
        if (StartsWithIgnoreCase(s[i..], "inf"u8))
        {
            i += StartsWithIgnoreCase(s[i..], "infinity"u8) ? 8 : 3;
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return i;
        }
        if (StartsWithIgnoreCase(s[i..], "nan"u8))
        {
            i += 3;
            if (i < s.Length && s[i] == '(')
            {
                int j = i + 1;
                while (j < s.Length && (IsAlnum(s[j]) || s[j] == '_')) j++;
                if (j < s.Length && s[j] == ')') i = j + 1;
            }
            value = double.NaN;
            return i;
        }
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
        {
            int hexEnd = ParseHexFloat(s, i + 2, negative, out double hex, out bool hexRange);
            if (hexEnd > 0) { value = hex; rangeError = hexRange; return hexEnd; }
            // "0x" without hex digits: strtod reads the "0".
            value = negative ? -0.0 : 0.0;
            return i + 1;
        }

        bool nonZeroDigit = false;
        int digits = 0;
        while (i < s.Length && IsDigit(s[i])) { nonZeroDigit |= s[i] != '0'; i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            int dot = i++;
            while (i < s.Length && IsDigit(s[i])) { nonZeroDigit |= s[i] != '0'; i++; digits++; }
            if (digits == 0) i = dot;
        }
        if (digits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            int j = i + 1;
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) j++;
            if (j < s.Length && IsDigit(s[j]))
            {
                while (j < s.Length && IsDigit(s[j])) j++;
                i = j;
            }
        }
        var text = s[start..i];
        Span<char> chars = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        for (int k = 0; k < text.Length; k++) chars[k] = (char)text[k];
        double v = double.Parse(chars, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (double.IsInfinity(v) || (v == 0 && nonZeroDigit)) rangeError = true;
        value = negative ? -v : v;
        return i;
    }

    /// <summary>The hexadecimal part of strtod after "0x": returns the end, or 0 when no hex digit follows.</summary>
    static int ParseHexFloat(ReadOnlySpan<byte> s, int i, bool negative, out double value, out bool rangeError)
    {
        value = 0;
        rangeError = false;
        ulong mantissa = 0;
        long exponent = 0; // value = mantissa * 2^exponent (plus sticky bits)
        bool sticky = false;
        int digits = 0;
        int p = i;
        for (; p < s.Length && HexValue(s[p]) >= 0; p++, digits++) AddHexDigit(ref mantissa, ref exponent, ref sticky, HexValue(s[p]), false);
        if (p < s.Length && s[p] == '.')
        {
            int q = p + 1;
            int fractionDigits = 0;
            for (; q < s.Length && HexValue(s[q]) >= 0; q++, fractionDigits++) AddHexDigit(ref mantissa, ref exponent, ref sticky, HexValue(s[q]), true);
            if (digits + fractionDigits > 0) { p = q; digits += fractionDigits; }
        }
        if (digits == 0) return 0;
        if (p < s.Length && (s[p] | 0x20) == 'p')
        {
            int j = p + 1;
            bool expNegative = false;
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) { expNegative = s[j] == '-'; j++; }
            if (j < s.Length && IsDigit(s[j]))
            {
                long e = 0;
                while (j < s.Length && IsDigit(s[j])) { if (e < 1_000_000_000) e = e * 10 + (s[j] - '0'); j++; }
                exponent += expNegative ? -e : e;
                p = j;
            }
        }
        value = ComposeDouble(mantissa, exponent, sticky, out rangeError);
        if (negative) value = -value;
        return p;
    }

    static void AddHexDigit(ref ulong mantissa, ref long exponent, ref bool sticky, int digit, bool fraction)
    {
        if (mantissa >> 58 == 0)
        {
            mantissa = (mantissa << 4) | (uint)digit;
            if (fraction) exponent -= 4;
        }
        else
        {
            // No room: the digit only matters as a sticky bit (and as a scale for integer digits).
            sticky |= digit != 0;
            if (!fraction) exponent += 4;
        }
    }

    /// <summary>
    /// mantissa * 2^exponent (mantissa below 2^62; plus a little more when sticky) rounded to the nearest
    /// double, ties to even, with subnormals; overflow gives infinity and underflow zero, with rangeError.
    /// </summary>
    static double ComposeDouble(ulong mantissa, long exponent, bool sticky, out bool rangeError)
    {
        rangeError = false;
        if (mantissa == 0) return 0;
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(mantissa);
        long top = exponent + bits; // the value is in [2^(top-1), 2^top)
        if (top > 1024) { rangeError = true; return double.PositiveInfinity; }
        long lowest = Math.Max(top - 53, -1074); // weight of the last bit a double keeps here
        long shift = lowest - exponent;          // low mantissa bits rounded away
        double result;
        if (shift <= 0)
        {
            result = Math.ScaleB((double)mantissa, (int)exponent); // exact: at most 53 bits
        }
        else
        {
            ulong kept = 0;
            if (shift < 63)
            {
                ulong rest = mantissa & ((1UL << (int)shift) - 1);
                ulong half = 1UL << (int)(shift - 1);
                kept = mantissa >> (int)shift;
                if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) kept++;
            }
            if (kept == 0) { rangeError = true; return 0; }
            result = Math.ScaleB((double)kept, (int)lowest);
        }
        if (double.IsInfinity(result)) rangeError = true;
        return result;
    }

    /// <summary>
    /// Formats a number the way Redis prints INCRBYFLOAT/HINCRBYFLOAT results (ld2string in human
    /// mode: "%.17Lf" of the long double, trailing zeros trimmed, no exponent). The double converts
    /// exactly; to reproduce Redis's results, do the arithmetic in <see cref="LongDouble"/> too.
    /// </summary>
    public static string FormatHumanDouble(double v) => LongDouble.FromDouble(v).ToHumanString();

    /// <summary>
    /// Formats a double like C's "%.17g", which Redis uses for scores and double replies (addReplyDouble):
    /// 17 significant digits, trailing zeros dropped, exponent form below 1e-4 and from 1e17 on
    /// (0.1 → "0.10000000000000001", 1e20 → "1e+20", -0.0 → "-0"); infinities are "inf" and "-inf".
    /// </summary>
    public static string FormatDouble(double v)
    {
        Span<byte> buffer = stackalloc byte[MaxDoubleChars];
        int n = FormatDouble(v, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>Enough room for any <see cref="FormatDouble(double, Span{byte})"/> result.</summary>
    public const int MaxDoubleChars = 32;

    /// <summary>"%.17g" of <paramref name="v"/> written as ASCII into <paramref name="dest"/> (at least 32 bytes); returns the length.</summary>
    public static int FormatDouble(double v, Span<byte> dest)
    {
        if (double.IsNaN(v)) return Copy("nan"u8, dest);
        if (double.IsPositiveInfinity(v)) return Copy("inf"u8, dest);
        if (double.IsNegativeInfinity(v)) return Copy("-inf"u8, dest);
        // "E16" is 17 significant digits, correctly rounded: [-]d.dddddddddddddddd E[+-]ddd
        Span<char> e = stackalloc char[32];
        v.TryFormat(e, out int len, "E16", CultureInfo.InvariantCulture);
        int pos = 0, n = 0;
        if (e[0] == '-') { dest[n++] = (byte)'-'; pos = 1; }
        Span<char> digits = stackalloc char[17];
        digits[0] = e[pos];
        for (int k = 0; k < 16; k++) digits[k + 1] = e[pos + 2 + k];
        int expAt = pos + 18; // 'E'
        int exponent = int.Parse(e[(expAt + 1)..len], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int significant = 17;
        while (significant > 1 && digits[significant - 1] == '0') significant--;
        if (exponent < -4 || exponent >= 17)
        {
            dest[n++] = (byte)digits[0];
            if (significant > 1)
            {
                dest[n++] = (byte)'.';
                for (int k = 1; k < significant; k++) dest[n++] = (byte)digits[k];
            }
            dest[n++] = (byte)'e';
            dest[n++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int a = Math.Abs(exponent);
            if (a >= 100) dest[n++] = (byte)('0' + a / 100);
            dest[n++] = (byte)('0' + a / 10 % 10);
            dest[n++] = (byte)('0' + a % 10);
            return n;
        }
        if (exponent >= 0)
        {
            for (int k = 0; k <= exponent; k++) dest[n++] = (byte)digits[k];
            if (significant > exponent + 1)
            {
                dest[n++] = (byte)'.';
                for (int k = exponent + 1; k < significant; k++) dest[n++] = (byte)digits[k];
            }
            return n;
        }
        dest[n++] = (byte)'0';
        dest[n++] = (byte)'.';
        for (int k = 1; k < -exponent; k++) dest[n++] = (byte)'0';
        for (int k = 0; k < significant; k++) dest[n++] = (byte)digits[k];
        return n;
    }

    static int Copy(ReadOnlySpan<byte> s, Span<byte> dest)
    {
        s.CopyTo(dest);
        return s.Length;
    }

    public static int FormatLong(long v, Span<byte> dest)
    {
        Utf8Formatter.TryFormat(v, dest, out int written);
        return written;
    }

    public static int DigitCount(long v)
    {
        if (v < 0) return v == long.MinValue ? 20 : 1 + DigitCount(-v);
        int n = 1;
        while (v >= 10) { v /= 10; n++; }
        return n;
    }

    /// <summary>
    /// Redis 7.0 reads the cursor with strtoul: no leading space, an optional sign ("-1" wraps to
    /// 2^64-1), decimal digits only, no overflow; an empty string is cursor 0.
    /// </summary>
    public static bool TryParseScanCursor(ReadOnlySpan<byte> s, out ulong cursor)
    {
        cursor = 0;
        if (s.Length == 0) return true;
        int i = 0;
        bool negative = false;
        if (s[0] == '+' || s[0] == '-') { negative = s[0] == '-'; i = 1; }
        if (i == s.Length) return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        cursor = negative ? 0 - v : v;
        return true;
    }

    static bool IsSpace(byte c) => c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    static bool IsDigit(byte c) => c >= '0' && c <= '9';
    static bool IsAlnum(byte c) => IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');

    static int HexValue(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        int l = c | 0x20;
        if (l >= 'a' && l <= 'f') return l - 'a' + 10;
        return -1;
    }

    static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length < lower.Length) return false;
        for (int i = 0; i < lower.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }
}
