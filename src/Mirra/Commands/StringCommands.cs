using Mirra.Engine;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>The string family: GET, SET and friends, counters, ranges and bits.</summary>
public static partial class StringCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("get", 2, "readonly fast", 1, 1, 1, Get) { Group = "string", Summary = "Returns the string value of a key." });
        t.Add(new CommandSpec("set", -3, "write denyoom", 1, 1, 1, Set) { Group = "string", Complexity = "O(1)", Summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist." });
    }

    static void Get(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Null(); return; }
        ReplyString(ctx, e.Value);
    }

    /// <summary>Replies a string value as a bulk string, or WRONGTYPE for any other type.</summary>
    internal static bool ReplyString(CommandContext ctx, object value)
    {
        switch (value)
        {
            case byte[] b: ctx.Reply.Bulk(b); return true;
            case long l: ctx.Reply.BulkLong(l); return true;
            case MutableString m: ctx.Reply.Bulk(m.Span); return true;
            default: ctx.WrongType(); return false;
        }
    }

    [Flags]
    enum SetFlags { None = 0, Nx = 1, Xx = 2, Get = 4, KeepTtl = 8, Ex = 16, Px = 32, ExAt = 64, PxAt = 128 }

    /// <summary>SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL]</summary>
    static void Set(CommandContext ctx)
    {
        var flags = SetFlags.None;
        long expireAt = -1;
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            bool hasNext = i + 1 < ctx.ArgCount;
            if (ctx.ArgIs(i, "nx"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (ctx.ArgIs(i, "xx"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (ctx.ArgIs(i, "get"u8)) flags |= SetFlags.Get;
            else if (ctx.ArgIs(i, "keepttl"u8) && (flags & (SetFlags.Ex | SetFlags.Px | SetFlags.ExAt | SetFlags.PxAt)) == 0) flags |= SetFlags.KeepTtl;
            else if (hasNext && (flags & (SetFlags.KeepTtl | SetFlags.Ex | SetFlags.Px | SetFlags.ExAt | SetFlags.PxAt)) == 0 &&
                     (ctx.ArgIs(i, "ex"u8) || ctx.ArgIs(i, "px"u8) || ctx.ArgIs(i, "exat"u8) || ctx.ArgIs(i, "pxat"u8)))
            {
                var unit = ctx.ArgIs(i, "ex"u8) ? SetFlags.Ex : ctx.ArgIs(i, "px"u8) ? SetFlags.Px : ctx.ArgIs(i, "exat"u8) ? SetFlags.ExAt : SetFlags.PxAt;
                flags |= unit;
                i++;
                if (!Expiry.TryParseExpireArgument(ctx, i, unit == SetFlags.Ex || unit == SetFlags.ExAt, unit == SetFlags.ExAt || unit == SetFlags.PxAt, "set", out expireAt))
                    return;
            }
            else { ctx.SyntaxError(); return; }
        }

        var key = ctx.Arg(1);
        var existing = ctx.LookupWrite(key);
        if ((flags & SetFlags.Get) != 0)
        {
            if (existing != null && !StringValue.IsString(existing.Value)) { ctx.WrongType(); return; }
            if (existing == null) ctx.Reply.Null(); else ReplyString(ctx, existing.Value);
        }
        if (((flags & SetFlags.Nx) != 0 && existing != null) || ((flags & SetFlags.Xx) != 0 && existing == null))
        {
            if ((flags & SetFlags.Get) == 0) ctx.Reply.Null();
            return;
        }
        var value = StringValue.FromSpan(ctx.Arg(2));
        if (existing != null)
        {
            ctx.Db.Replace(existing, value);
            if (expireAt >= 0) ctx.Db.SetExpire(existing, expireAt);
            else if ((flags & SetFlags.KeepTtl) == 0) ctx.Db.RemoveExpire(existing);
            existing.LastAccess = ctx.Keyspace.LruClock;
        }
        else ctx.Db.Add(key.ToArray(), value, expireAt);
        ctx.Dirty();
        if (expireAt >= 0 && (flags & (SetFlags.Ex | SetFlags.Px | SetFlags.ExAt)) != 0)
            ctx.Propagate(Expiry.AbsoluteSet(ctx, expireAt));
        if ((flags & SetFlags.Get) == 0) ctx.Reply.Ok();
    }
}
