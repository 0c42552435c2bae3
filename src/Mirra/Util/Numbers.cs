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

    /// <summary>Parses a double like Redis's string2ld/strtold: no spaces, no trailing garbage, no NaN.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 5120) return false;
        if (IsSpace(s[0]) || IsSpace(s[^1])) return false;
        Span<char> chars = s.Length <= 256 ? stackalloc char[s.Length] : new char[s.Length];
        for (int i = 0; i < s.Length; i++) chars[i] = (char)s[i];
        if (chars.Equals("inf", StringComparison.OrdinalIgnoreCase) || chars.Equals("+inf", StringComparison.OrdinalIgnoreCase) ||
            chars.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        { value = double.PositiveInfinity; return true; }
        if (chars.Equals("-inf", StringComparison.OrdinalIgnoreCase) || chars.Equals("-infinity", StringComparison.OrdinalIgnoreCase))
        { value = double.NegativeInfinity; return true; }
        if (!double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        return !double.IsNaN(value);
    }

    /// <summary>
    /// Formats a number the way Redis prints INCRBYFLOAT/HINCRBYFLOAT results (ld2string in human
    /// mode: "%.17Lf" of the long double, trailing zeros trimmed, no exponent). The double converts
    /// exactly; to reproduce Redis's results, do the arithmetic in <see cref="LongDouble"/> too.
    /// </summary>
    public static string FormatHumanDouble(double v) => LongDouble.FromDouble(v).ToHumanString();

    /// <summary>Formats a double like Redis's %.17g used for scores and RESP2 double replies.</summary>
    public static string FormatDouble(double v)
    {
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        return v.ToString("R", CultureInfo.InvariantCulture).Replace("E+", "e+").Replace("E-", "e-");
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
}
