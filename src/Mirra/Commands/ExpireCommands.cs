using System.Buffers.Text;
using Mirra.Engine;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>TTLs: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.</summary>
public static class ExpireCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("expire", -3, "write fast", 1, 1, 1, Expire) { Summary = "Sets a key's time to live in seconds." });
        t.Add(new CommandSpec("pexpire", -3, "write fast", 1, 1, 1, PExpire) { Since = "2.6.0", Summary = "Sets a key's time to live in milliseconds." });
        t.Add(new CommandSpec("expireat", -3, "write fast", 1, 1, 1, ExpireAt) { Since = "1.2.0", Summary = "Sets the expiry of a key as a Unix time in seconds." });
        t.Add(new CommandSpec("pexpireat", -3, "write fast", 1, 1, 1, PExpireAt) { Since = "2.6.0", Summary = "Sets the expiry of a key as a Unix time in milliseconds." });
        t.Add(new CommandSpec("ttl", 2, "readonly fast", 1, 1, 1, Ttl) { Summary = "Returns the remaining time to live of a key in seconds." });
        t.Add(new CommandSpec("pttl", 2, "readonly fast", 1, 1, 1, PTtl) { Since = "2.6.0", Summary = "Returns the remaining time to live of a key in milliseconds." });
        t.Add(new CommandSpec("expiretime", 2, "readonly fast", 1, 1, 1, ExpireTime) { Since = "7.0.0", Summary = "Returns the Unix time in seconds at which a key expires." });
        t.Add(new CommandSpec("pexpiretime", 2, "readonly fast", 1, 1, 1, PExpireTime) { Since = "7.0.0", Summary = "Returns the Unix time in milliseconds at which a key expires." });
        t.Add(new CommandSpec("persist", 2, "write fast", 1, 1, 1, Persist) { Since = "2.2.0", Summary = "Removes the expiry of a key." });
    }

    static void Expire(CommandContext ctx) => ExpireGeneric(ctx, relative: true, seconds: true);
    static void PExpire(CommandContext ctx) => ExpireGeneric(ctx, relative: true, seconds: false);
    static void ExpireAt(CommandContext ctx) => ExpireGeneric(ctx, relative: false, seconds: true);
    static void PExpireAt(CommandContext ctx) => ExpireGeneric(ctx, relative: false, seconds: false);

    [Flags]
    enum Condition { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8 }

    /// <summary>EXPIRE key time [NX | XX | GT | LT] and its three siblings.</summary>
    static void ExpireGeneric(CommandContext ctx, bool relative, bool seconds)
    {
        var cond = Condition.None;
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "nx"u8)) cond |= Condition.Nx;
            else if (ctx.ArgIs(i, "xx"u8)) cond |= Condition.Xx;
            else if (ctx.ArgIs(i, "gt"u8)) cond |= Condition.Gt;
            else if (ctx.ArgIs(i, "lt"u8)) cond |= Condition.Lt;
            else { ctx.Error("ERR Unsupported option " + ctx.ArgString(i)); return; }
        }
        if ((cond & Condition.Nx) != 0 && (cond & (Condition.Xx | Condition.Gt | Condition.Lt)) != 0)
        {
            ctx.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if ((cond & (Condition.Gt | Condition.Lt)) == (Condition.Gt | Condition.Lt))
        {
            ctx.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }

        if (!ctx.TryGetLong(2, out long when)) return;
        // Negative times are allowed (they expire the key); only overflow is an error.
        long basetime = relative ? ctx.NowMs : 0;
        string invalid = string.Format(Errors.InvalidExpire, ctx.Command.FullName);
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000) { ctx.Error(invalid); return; }
            when *= 1000;
        }
        if (when > long.MaxValue - basetime) { ctx.Error(invalid); return; }
        when += basetime;

        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (e == null) { ctx.Reply.Integer(0); return; }

        if (cond != Condition.None)
        {
            long current = ctx.Db.ExpireAtOf(e);
            // No TTL counts as an infinite one: GT never beats it, LT always does.
            if ((cond & Condition.Nx) != 0 && current != -1) { ctx.Reply.Integer(0); return; }
            if ((cond & Condition.Xx) != 0 && current == -1) { ctx.Reply.Integer(0); return; }
            if ((cond & Condition.Gt) != 0 && (when <= current || current == -1)) { ctx.Reply.Integer(0); return; }
            if ((cond & Condition.Lt) != 0 && current != -1 && when >= current) { ctx.Reply.Integer(0); return; }
        }

        // A time already past deletes the key, except on a replica, which waits for its master's DEL.
        if (when <= ctx.NowMs && !ctx.Server.IsReplica && !ctx.Keyspace.Loading)
        {
            ctx.Db.Delete(key);
            ctx.Notify(Config.KeyspaceEvents.Generic, "del", key);
            ctx.Dirty();
            bool lazy = ctx.Server.Config.LazyfreeLazyExpire;
            ctx.Propagate(lazy ? "UNLINK"u8.ToArray() : "DEL"u8.ToArray(), ctx.ArgBytes(1));
            ctx.Reply.Integer(1);
            return;
        }

        ctx.Db.SetExpire(e, when);
        ctx.Dirty();
        ctx.Reply.Integer(1);
        ctx.Notify(Config.KeyspaceEvents.Generic, "expire", key);
        // Replicated as PEXPIREAT with the absolute time; the condition arguments are kept.
        if (relative || seconds)
        {
            var argv = ctx.CopyArgs();
            argv[0] = "PEXPIREAT"u8.ToArray();
            argv[2] = FormatLong(when);
            ctx.Propagate(argv);
        }
    }

    static byte[] FormatLong(long v)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, digits, out int n);
        return digits[..n].ToArray();
    }

    static void Ttl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: false);
    static void PTtl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: false);
    static void ExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: true);
    static void PExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: true);

    /// <summary>-2 when the key does not exist, -1 when it has no TTL; seconds are rounded to the nearest.</summary>
    static void TtlGeneric(CommandContext ctx, bool milliseconds, bool absolute)
    {
        var e = KeyCommands.LookupReadNoTouch(ctx, ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(-2); return; }
        long expireAt = ctx.Db.ExpireAtOf(e);
        if (expireAt < 0) { ctx.Reply.Integer(-1); return; }
        long ttl = absolute ? expireAt : expireAt - ctx.NowMs;
        if (ttl < 0) ttl = 0;
        // Rounded to the nearest second without overflowing near long.MaxValue.
        ctx.Reply.Integer(milliseconds ? ttl : ttl / 1000 + (ttl % 1000 + 500) / 1000);
    }

    static void Persist(CommandContext ctx)
    {
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (e != null && ctx.Db.RemoveExpire(e))
        {
            ctx.Notify(Config.KeyspaceEvents.Generic, "persist", ctx.Arg(1));
            ctx.Dirty();
            ctx.Reply.Integer(1);
        }
        else ctx.Reply.Integer(0);
    }
}
