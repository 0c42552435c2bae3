using Mirra.Engine;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>
/// The options shared by SCAN, HSCAN, SSCAN and ZSCAN: [MATCH pattern] [COUNT count] (and SCAN's
/// [TYPE type]), parsed with Redis's errors: a non-integer COUNT is "value is not an integer",
/// COUNT below 1 or anything unknown is a syntax error.
/// </summary>
public readonly ref struct ScanArguments
{
    public readonly long Count;
    public readonly int TypeIndex;
    readonly ReadOnlySpan<byte> _pattern;
    readonly bool _usePattern;

    ScanArguments(long count, ReadOnlySpan<byte> pattern, bool usePattern, int typeIndex)
    {
        Count = count;
        _pattern = pattern;
        _usePattern = usePattern;
        TypeIndex = typeIndex;
    }

    /// <summary>Parses the options from argument <paramref name="first"/> on; replies the error and returns false on bad input.</summary>
    public static bool TryParse(CommandContext ctx, int first, bool allowType, out ScanArguments result)
    {
        result = default;
        long count = 10;
        int patternIndex = -1, typeIndex = -1;
        for (int i = first; i < ctx.ArgCount; i++)
        {
            bool hasValue = i + 1 < ctx.ArgCount;
            if (ctx.ArgIs(i, "count"u8) && hasValue)
            {
                if (!ctx.TryGetLong(i + 1, out count)) return false;
                if (count < 1) { ctx.SyntaxError(); return false; }
                i++;
            }
            else if (ctx.ArgIs(i, "match"u8) && hasValue) patternIndex = ++i;
            else if (allowType && ctx.ArgIs(i, "type"u8) && hasValue) typeIndex = ++i;
            else { ctx.SyntaxError(); return false; }
        }
        var pattern = patternIndex >= 0 ? ctx.Arg(patternIndex) : default;
        // "*" matches everything: skip the matcher (Glob.Match("*", "") is false, as in Redis's matcher).
        bool usePattern = patternIndex >= 0 && !(pattern.Length == 1 && pattern[0] == '*');
        result = new ScanArguments(count, pattern, usePattern, typeIndex);
        return true;
    }

    public bool Matches(ReadOnlySpan<byte> element) => !_usePattern || Glob.Match(_pattern, element);

    /// <summary>Reads the cursor argument like Redis (strtoul rules); replies "invalid cursor" and returns false otherwise.</summary>
    public static bool TryParseCursor(CommandContext ctx, int index, out ulong cursor)
    {
        if (Numbers.TryParseScanCursor(ctx.Arg(index), out cursor)) return true;
        ctx.Error("ERR invalid cursor");
        return false;
    }

    /// <summary>The reply to scanning a key that does not exist: cursor 0, no elements.</summary>
    public static void ReplyEmpty(CommandContext ctx) => ctx.Reply.WriteRaw("*2\r\n$1\r\n0\r\n*0\r\n"u8);
}
