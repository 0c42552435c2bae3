using System.Globalization;
using System.Text;

namespace Mirra.Config;

/// <summary>
/// The text rules of redis.conf: argument splitting (sdssplitargs), quoting for output (sdscatrepr),
/// CONFIG SET's space splitting (sdssplitlen), and number parsing (string2ll, memtoull, strtoll, strtod).
/// Config strings are Latin-1: one char per byte, so values round-trip byte for byte.
/// </summary>
public static class ConfigText
{
    /// <summary>Splits a config line like Redis's sdssplitargs. Returns null on unbalanced quotes.</summary>
    public static List<string>? SplitArgs(string line)
    {
        var result = new List<string>();
        var cur = new StringBuilder();
        int p = 0, n = line.Length;
        while (true)
        {
            while (p < n && IsSpace(line[p])) p++;
            if (p >= n) return result;
            bool inq = false, insq = false, done = false;
            cur.Clear();
            while (!done)
            {
                if (inq)
                {
                    if (p >= n) return null;
                    char c = line[p];
                    if (c == '\\' && p + 3 < n && line[p + 1] == 'x' && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        cur.Append((char)(HexVal(line[p + 2]) * 16 + HexVal(line[p + 3])));
                        p += 3;
                    }
                    else if (c == '\\' && p + 1 < n)
                    {
                        p++;
                        cur.Append(line[p] switch
                        {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'b' => '\b',
                            'a' => '\a',
                            var o => o,
                        });
                    }
                    else if (c == '"')
                    {
                        // The closing quote must be followed by a space or the end.
                        if (p + 1 < n && !IsSpace(line[p + 1])) return null;
                        done = true;
                    }
                    else
                    {
                        cur.Append(c);
                    }
                }
                else if (insq)
                {
                    if (p >= n) return null;
                    char c = line[p];
                    if (c == '\\' && p + 1 < n && line[p + 1] == '\'')
                    {
                        p++;
                        cur.Append('\'');
                    }
                    else if (c == '\'')
                    {
                        if (p + 1 < n && !IsSpace(line[p + 1])) return null;
                        done = true;
                    }
                    else
                    {
                        cur.Append(c);
                    }
                }
                else
                {
                    if (p >= n) { done = true; break; }
                    char c = line[p];
                    switch (c)
                    {
                        case ' ': case '\n': case '\r': case '\t': case '\0':
                            done = true;
                            break;
                        case '"': inq = true; break;
                        case '\'': insq = true; break;
                        default: cur.Append(c); break;
                    }
                }
                if (p < n) p++;
            }
            result.Add(cur.ToString());
        }
    }

    private static bool IsSpace(char c) => c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';
    private static int HexVal(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Quotes a value like Redis's sdscatrepr: "..." with \n \r \t \a \b \\ \" and \xHH escapes.</summary>
    public static string Repr(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                default:
                    if (c >= 0x20 && c <= 0x7e) sb.Append(c);
                    else sb.Append("\\x").Append(((int)c & 0xff).ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>CONFIG SET's split of a multi-argument value: on every single space; "" gives no arguments.</summary>
    public static string[] SplitSpaces(string value) => value.Length == 0 ? [] : value.Split(' ');

    /// <summary>Redis's string2ll: no spaces, no '+', no leading zeros, no "-0", no overflow.</summary>
    public static bool TryParseStrictLong(string s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 20) return false;
        Span<byte> bytes = stackalloc byte[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] > 127) return false;
            bytes[i] = (byte)s[i];
        }
        return Util.Numbers.TryParseStrictLong(bytes, out value);
    }

    /// <summary>
    /// C's strtoll(s, &amp;end, base) followed by a check that the whole string was consumed: leading white space and
    /// a sign are accepted, overflow saturates. An empty string parses as 0 (as in Redis, which only checks *end).
    /// </summary>
    public static bool TryParseStrtoll(string s, out long value, int numberBase = 10)
    {
        value = 0;
        int i = 0, n = s.Length;
        while (i < n && IsSpace(s[i])) i++;
        bool neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        int start = i;
        ulong v = 0;
        bool overflow = false;
        for (; i < n; i++)
        {
            int d = s[i] - '0';
            if (d < 0 || d >= numberBase) break;
            if (v > (ulong.MaxValue - (ulong)d) / (ulong)numberBase) overflow = true;
            else v = v * (ulong)numberBase + (ulong)d;
        }
        if (i == start)
        {
            // No digits: strtoll leaves end at the start of the string.
            return s.Length == 0;
        }
        if (i != n) return false;
        if (neg) value = overflow || v > (ulong)long.MaxValue + 1 ? long.MinValue : (long)(0 - v);
        else value = overflow || v > long.MaxValue ? long.MaxValue : (long)v;
        return true;
    }

    /// <summary>strtod over the whole string (what Redis uses for latency-tracking-info-percentiles).</summary>
    public static bool TryParseStrtod(string s, out double value)
    {
        value = 0;
        if (s.Length == 0) return false;
        string t = s.TrimStart(' ', '\t', '\n', '\r', '\v', '\f');
        if (t.Length == 0 || char.IsWhiteSpace(t[^1])) return false;
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Redis's memtoull: digits followed by an optional unit b, k (1000), kb (1024), m, mb, g, gb (any case).
    /// No sign, no spaces, no fractions; an empty number part means 0. The result wraps into a long the way
    /// Redis stores it in a long long (so values past 2^63 become negative and then fail the bounds check).
    /// </summary>
    public static bool TryParseMemory(string s, out long value)
    {
        value = 0;
        if (s.Length > 0 && s[0] == '-') return false;
        int u = 0;
        while (u < s.Length && s[u] >= '0' && s[u] <= '9') u++;
        string unit = s[u..];
        ulong mul;
        if (unit.Length == 0 || unit.Equals("b", StringComparison.OrdinalIgnoreCase)) mul = 1;
        else if (unit.Equals("k", StringComparison.OrdinalIgnoreCase)) mul = 1000;
        else if (unit.Equals("kb", StringComparison.OrdinalIgnoreCase)) mul = 1024;
        else if (unit.Equals("m", StringComparison.OrdinalIgnoreCase)) mul = 1000UL * 1000;
        else if (unit.Equals("mb", StringComparison.OrdinalIgnoreCase)) mul = 1024UL * 1024;
        else if (unit.Equals("g", StringComparison.OrdinalIgnoreCase)) mul = 1000UL * 1000 * 1000;
        else if (unit.Equals("gb", StringComparison.OrdinalIgnoreCase)) mul = 1024UL * 1024 * 1024;
        else return false;
        if (u >= 128) return false;
        ulong v = 0;
        for (int i = 0; i < u; i++)
        {
            ulong d = (ulong)(s[i] - '0');
            if (v > (ulong.MaxValue - d) / 10) return false; // ERANGE
            v = v * 10 + d;
        }
        value = unchecked((long)(v * mul));
        return true;
    }

    /// <summary>How CONFIG REWRITE writes a byte count: the largest of gb/mb/kb dividing it exactly, else plain.</summary>
    public static string FormatMemory(long bytes)
    {
        const long kb = 1024, mb = kb * 1024, gb = mb * 1024;
        if (bytes != 0 && bytes % gb == 0) return (bytes / gb).ToString(CultureInfo.InvariantCulture) + "gb";
        if (bytes != 0 && bytes % mb == 0) return (bytes / mb).ToString(CultureInfo.InvariantCulture) + "mb";
        if (bytes != 0 && bytes % kb == 0) return (bytes / kb).ToString(CultureInfo.InvariantCulture) + "kb";
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    internal static string L(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Turns a config string (Latin-1, one char per byte) into a file system path (the bytes as UTF-8).</summary>
    public static string ToPath(string configString)
    {
        foreach (char c in configString)
            if (c > 0x7f) return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(configString));
        return configString;
    }

    /// <summary>Turns a path or any .NET string into a config string (its UTF-8 bytes as Latin-1 chars).</summary>
    public static string FromPath(string path)
    {
        foreach (char c in path)
            if (c > 0x7f) return Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(path));
        return path;
    }

    /// <summary>strerror-like text for an I/O exception, as Redis prints errno.</summary>
    public static string Strerror(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        PathTooLongException => "File name too long",
        IOException io when (io.HResult & 0xffff) == 28 => "No space left on device",
        IOException io when (io.HResult & 0xffff) == 30 => "Read-only file system",
        _ => e.Message,
    };
}
