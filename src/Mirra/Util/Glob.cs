namespace Mirra.Util;

/// <summary>
/// Glob-style matching with the exact semantics of Redis 7.0's <c>stringmatchlen</c>, used by KEYS, SCAN MATCH,
/// PSUBSCRIBE and CONFIG GET.
/// <list type="bullet">
/// <item><c>*</c> any run of bytes (consecutive stars collapse), <c>?</c> exactly one byte;</item>
/// <item><c>[abc]</c>, <c>[^abc]</c>, ranges <c>[a-z]</c> (reversed ranges are swapped), <c>\x</c> inside a class
/// matches x literally and case-sensitively; an unterminated class ends at the end of the pattern;</item>
/// <item><c>\x</c> outside a class matches x literally (a trailing lone backslash matches a backslash);</item>
/// <item>at most 1000 nested stars are followed: deeper patterns do not match (Redis's abuse protection), and a
/// failed star tail stops the outer stars from retrying longer matches (no exponential blow-up).</item>
/// </list>
/// Case folding is ASCII only (the C locale's <c>tolower</c>). Bytes are compared as signed chars inside ranges,
/// like Redis on x86-64. Allocation-free.
/// </summary>
public static class Glob
{
    private const int MaxNesting = 1000;

    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase = false)
    {
        bool skipLongerMatches = false;
        return MatchImpl(pattern, text, ignoreCase, ref skipLongerMatches, 0);
    }

    /// <summary>Convenience overload for ASCII/Latin-1 strings (each char is taken as one byte).</summary>
    public static bool Match(string pattern, string text, bool ignoreCase = false)
    {
        Span<byte> p = pattern.Length <= 256 ? stackalloc byte[pattern.Length] : new byte[pattern.Length];
        Span<byte> t = text.Length <= 256 ? stackalloc byte[text.Length] : new byte[text.Length];
        for (int i = 0; i < pattern.Length; i++) p[i] = (byte)pattern[i];
        for (int i = 0; i < text.Length; i++) t[i] = (byte)text[i];
        return Match(p, t, ignoreCase);
    }

    private static int Lower(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c;

    private static bool MatchImpl(ReadOnlySpan<byte> p, ReadOnlySpan<byte> s, bool nocase, ref bool skipLongerMatches, int nesting)
    {
        if (nesting > MaxNesting) return false;
        while (p.Length > 0 && s.Length > 0)
        {
            switch (p[0])
            {
                case (byte)'*':
                    while (p.Length > 1 && p[1] == (byte)'*') p = p[1..];
                    if (p.Length == 1) return true;
                    while (s.Length > 0)
                    {
                        if (MatchImpl(p[1..], s, nocase, ref skipLongerMatches, nesting + 1)) return true;
                        if (skipLongerMatches) return false;
                        s = s[1..];
                    }
                    skipLongerMatches = true;
                    return false;
                case (byte)'?':
                    s = s[1..];
                    break;
                case (byte)'[':
                {
                    p = p[1..];
                    bool not = p.Length > 0 && p[0] == (byte)'^';
                    if (not) p = p[1..];
                    bool match = false;
                    while (true)
                    {
                        if (p.Length == 0)
                        {
                            // Unterminated class: it ends with the pattern, which is now exhausted.
                            goto classDone;
                        }
                        if (p[0] == (byte)'\\' && p.Length >= 2)
                        {
                            p = p[1..];
                            if (p[0] == s[0]) match = true;
                        }
                        else if (p[0] == (byte)']')
                        {
                            break;
                        }
                        else if (p.Length >= 3 && p[1] == (byte)'-')
                        {
                            int start = (sbyte)p[0], end = (sbyte)p[2], c = (sbyte)s[0];
                            if (start > end) (start, end) = (end, start);
                            if (nocase) { start = Lower(start); end = Lower(end); c = Lower(c); }
                            p = p[2..];
                            if (c >= start && c <= end) match = true;
                        }
                        else if (!nocase)
                        {
                            if (p[0] == s[0]) match = true;
                        }
                        else if (Lower(p[0]) == Lower(s[0]))
                        {
                            match = true;
                        }
                        p = p[1..];
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    s = s[1..];
                    break;
                classDone:
                    if (not) match = !match;
                    if (!match) return false;
                    s = s[1..];
                    // The pattern is exhausted: skip the common "advance pattern" step.
                    if (s.Length == 0) return true;
                    return false;
                }
                case (byte)'\\':
                    if (p.Length >= 2) p = p[1..];
                    goto default;
                default:
                    if (!nocase)
                    {
                        if (p[0] != s[0]) return false;
                    }
                    else if (Lower(p[0]) != Lower(s[0]))
                    {
                        return false;
                    }
                    s = s[1..];
                    break;
            }
            p = p[1..];
            if (s.Length == 0)
            {
                while (p.Length > 0 && p[0] == (byte)'*') p = p[1..];
                break;
            }
        }
        return p.Length == 0 && s.Length == 0;
    }
}
