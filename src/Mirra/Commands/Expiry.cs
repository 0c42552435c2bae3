using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>Expiry argument rules shared by SET, GETEX, EXPIRE and friends.</summary>
public static class Expiry
{
    /// <summary>
    /// Parses a relative (EX/PX) or absolute (EXAT/PXAT) expiry into absolute Unix milliseconds,
    /// with Redis's checks: positive, and no overflow when converted.
    /// </summary>
    public static bool TryParseExpireArgument(CommandContext ctx, int index, bool seconds, bool absolute, string command, out long expireAtMs)
    {
        expireAtMs = -1;
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(index), out long v)) { ctx.Error(Errors.NotInteger); return false; }
        if (v <= 0 || (seconds && v > long.MaxValue / 1000))
        {
            ctx.Error(string.Format(Errors.InvalidExpire, command));
            return false;
        }
        if (seconds) v *= 1000;
        if (!absolute)
        {
            if (v > long.MaxValue - ctx.NowMs) { ctx.Error(string.Format(Errors.InvalidExpire, command)); return false; }
            v += ctx.NowMs;
        }
        expireAtMs = v;
        return true;
    }
}
