using System.Buffers.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Protocol;
using Mirra.Storage;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>
/// The string family: GET/SET and their variants, multi-key MGET/MSET, counters (INCR...,
/// INCRBYFLOAT), APPEND, ranges (GETRANGE/SETRANGE). Bit commands live in <see cref="BitCommands"/>.
/// </summary>
public static partial class StringCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("get", 2, "readonly fast", 1, 1, 1, Get) { Group = "string", Summary = "Returns the string value of a key." });
        t.Add(new CommandSpec("set", -3, "write denyoom", 1, 1, 1, Set) { Group = "string", Summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist." });
        t.Add(new CommandSpec("setnx", 3, "write denyoom fast", 1, 1, 1, SetNx) { Group = "string", Summary = "Sets a string value only when the key is absent." });
        t.Add(new CommandSpec("setex", 4, "write denyoom", 1, 1, 1, SetEx) { Group = "string", Since = "2.0.0", Summary = "Sets a string value together with a time to live in seconds." });
        t.Add(new CommandSpec("psetex", 4, "write denyoom", 1, 1, 1, PSetEx) { Group = "string", Since = "2.6.0", Summary = "Sets a string value together with a time to live in milliseconds." });
        t.Add(new CommandSpec("mget", -2, "readonly fast", 1, -1, 1, MGet) { Group = "string", Complexity = "O(N) for N keys", Summary = "Returns the values of several keys at once." });
        t.Add(new CommandSpec("mset", -3, "write denyoom", 1, -1, 2, MSet) { Group = "string", Since = "1.0.1", Complexity = "O(N) for N keys", Summary = "Sets several keys to several values at once." });
        t.Add(new CommandSpec("msetnx", -3, "write denyoom", 1, -1, 2, MSetNx) { Group = "string", Since = "1.0.1", Complexity = "O(N) for N keys", Summary = "Sets several keys at once, but only when none of them exists." });
        t.Add(new CommandSpec("incr", 2, "write denyoom fast", 1, 1, 1, Incr) { Group = "string", Summary = "Adds one to the integer stored at a key (created as 0 when absent)." });
        t.Add(new CommandSpec("decr", 2, "write denyoom fast", 1, 1, 1, Decr) { Group = "string", Summary = "Subtracts one from the integer stored at a key (created as 0 when absent)." });
        t.Add(new CommandSpec("incrby", 3, "write denyoom fast", 1, 1, 1, IncrBy) { Group = "string", Summary = "Adds an integer to the integer stored at a key (created as 0 when absent)." });
        t.Add(new CommandSpec("decrby", 3, "write denyoom fast", 1, 1, 1, DecrBy) { Group = "string", Summary = "Subtracts an integer from the integer stored at a key (created as 0 when absent)." });
        t.Add(new CommandSpec("incrbyfloat", 3, "write denyoom fast", 1, 1, 1, IncrByFloat) { Group = "string", Since = "2.6.0", Summary = "Adds a floating point number to the number stored at a key (created as 0 when absent)." });
        t.Add(new CommandSpec("append", 3, "write denyoom fast", 1, 1, 1, Append) { Group = "string", Since = "2.0.0", Complexity = "O(1) amortized: a grown string keeps spare room, doubled on each reallocation", Summary = "Appends bytes to the string at a key, creating it when absent." });
        t.Add(new CommandSpec("strlen", 2, "readonly fast", 1, 1, 1, StrLen) { Group = "string", Since = "2.2.0", Summary = "Returns the length in bytes of the string at a key." });
        t.Add(new CommandSpec("getrange", 4, "readonly", 1, 1, 1, GetRange) { Group = "string", Since = "2.4.0", Complexity = "O(N) for a returned substring of N bytes", Summary = "Returns the bytes of a string between two inclusive offsets." });
        t.Add(new CommandSpec("substr", 4, "readonly", 1, 1, 1, GetRange) { Group = "string", Complexity = "O(N) for a returned substring of N bytes", Summary = "Returns the bytes of a string between two inclusive offsets (old name of GETRANGE)." });
        t.Add(new CommandSpec("setrange", 4, "write denyoom", 1, 1, 1, SetRange) { Group = "string", Since = "2.2.0", Complexity = "O(1) plus the copy of the M bytes written (and of the zero padding when the string grows)", Summary = "Overwrites part of a string from an offset, zero-padding it when needed." });
        t.Add(new CommandSpec("getdel", 2, "write fast", 1, 1, 1, GetDel) { Group = "string", Since = "6.2.0", Summary = "Returns the string value of a key and deletes the key." });
        t.Add(new CommandSpec("getex", -2, "write fast", 1, 1, 1, GetEx) { Group = "string", Since = "6.2.0", Summary = "Returns the string value of a key and optionally changes or removes its time to live." });
        t.Add(new CommandSpec("getset", 3, "write denyoom fast", 1, 1, 1, GetSet) { Group = "string", Summary = "Sets a new string value and returns the previous one." });
    }

    // Arguments of propagated effects (never mutated, so shared).
    static readonly byte[] SetWord = "SET"u8.ToArray();
    static readonly byte[] PxAtWord = "PXAT"u8.ToArray();
    static readonly byte[] KeepTtlWord = "KEEPTTL"u8.ToArray();
    static readonly byte[] DelWord = "DEL"u8.ToArray();
    static readonly byte[] PExpireAtWord = "PEXPIREAT"u8.ToArray();
    static readonly byte[] PersistWord = "PERSIST"u8.ToArray();

    internal const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

    static void Get(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Null(); return; }
        ReplyString(ctx, e.Value);
    }

    /// <summary>Replies a string value as a bulk string, or WRONGTYPE for any other type.</summary>
    internal static bool ReplyString(CommandContext ctx, object value)
    {
        if (WriteBulk(ctx.Reply, value)) return true;
        ctx.WrongType();
        return false;
    }

    /// <summary>Writes a string value as a bulk string; false (nothing written) for other types.</summary>
    static bool WriteBulk(RespWriter reply, object value)
    {
        switch (value)
        {
            case byte[] b: reply.Bulk(b); return true;
            case long l: reply.BulkLong(l); return true;
            case MutableString m: reply.Bulk(m.Span); return true;
            default: return false;
        }
    }

    /// <summary>The longest string a command may build: proto-max-bulk-len, within what one array can hold.</summary>
    internal static long MaxStringLength(CommandContext ctx) => Math.Min(ctx.Server.Config.ProtoMaxBulkLen, Array.MaxLength - (1 << 20));

    /// <summary>Redis's checkStringLength: an existing size plus an addition must stay within proto-max-bulk-len.</summary>
    static bool CheckStringLength(CommandContext ctx, long size, long append)
    {
        long max = MaxStringLength(ctx);
        if (size > max || append > max || size + append > max)
        {
            ctx.Error(StringTooLong);
            return false;
        }
        return true;
    }

    /// <summary>Grows a mutable string to <paramref name="length"/> bytes, the new bytes zeroed (sdsgrowzero).</summary>
    internal static void GrowZero(MutableString m, int length)
    {
        int old = m.Length;
        if (length <= old) return;
        m.EnsureLength(length);
        m.Buffer.AsSpan(old, length - old).Clear();
    }

    static byte[] LongBytes(long v)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, digits, out int n);
        return digits[..n].ToArray();
    }

    /// <summary>Sets a key like Redis's setKey: overwrites any type, clears the TTL.</summary>
    static void SetKey(CommandContext ctx, ReadOnlySpan<byte> key, object value)
    {
        var e = ctx.LookupWrite(key);
        if (e == null) ctx.Db.Add(key.ToArray(), value);
        else
        {
            ctx.Db.Replace(e, value);
            ctx.Db.RemoveExpire(e);
        }
        ctx.Notify(KeyspaceEvents.String, "set", key);
    }

    // ---------------------------------------------------------------- SET and friends

    [Flags]
    enum SetFlags { None = 0, Nx = 1, Xx = 2, Get = 4, KeepTtl = 8, Persist = 16, Ex = 32, Px = 64, ExAt = 128, PxAt = 256 }

    const SetFlags AnyExpire = SetFlags.Ex | SetFlags.Px | SetFlags.ExAt | SetFlags.PxAt;

    /// <summary>
    /// The options of SET (NX XX GET KEEPTTL EX PX EXAT PXAT) or GETEX (PERSIST EX PX EXAT PXAT),
    /// with Redis's rules: NX/XX exclude each other, one kind of expiry (which may repeat, the
    /// last value wins), KEEPTTL/PERSIST exclude any expiry. The expiry value is only read later.
    /// </summary>
    static bool ParseOptions(CommandContext ctx, int from, bool getex, ref SetFlags flags, ref int expireArg)
    {
        for (int j = from; j < ctx.ArgCount; j++)
        {
            bool hasNext = j + 1 < ctx.ArgCount;
            SetFlags unit;
            if (!getex && ctx.ArgIs(j, "nx"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (!getex && ctx.ArgIs(j, "xx"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (!getex && ctx.ArgIs(j, "get"u8)) flags |= SetFlags.Get;
            else if (!getex && ctx.ArgIs(j, "keepttl"u8) && (flags & (SetFlags.Persist | AnyExpire)) == 0) flags |= SetFlags.KeepTtl;
            else if (getex && ctx.ArgIs(j, "persist"u8) && (flags & (SetFlags.KeepTtl | AnyExpire)) == 0) flags |= SetFlags.Persist;
            else if (hasNext && (unit = ExpireUnit(ctx, j)) != SetFlags.None &&
                     (flags & (SetFlags.KeepTtl | SetFlags.Persist | (AnyExpire & ~unit))) == 0)
            {
                flags |= unit;
                expireArg = ++j;
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        return true;
    }

    static SetFlags ExpireUnit(CommandContext ctx, int i)
    {
        if (ctx.ArgIs(i, "ex"u8)) return SetFlags.Ex;
        if (ctx.ArgIs(i, "px"u8)) return SetFlags.Px;
        if (ctx.ArgIs(i, "exat"u8)) return SetFlags.ExAt;
        if (ctx.ArgIs(i, "pxat"u8)) return SetFlags.PxAt;
        return SetFlags.None;
    }

    static bool ParseExpire(CommandContext ctx, int arg, SetFlags flags, string command, out long expireAtMs) =>
        Expiry.TryParseExpireArgument(ctx, arg,
            seconds: (flags & (SetFlags.Ex | SetFlags.ExAt)) != 0,
            absolute: (flags & (SetFlags.ExAt | SetFlags.PxAt)) != 0,
            command, out expireAtMs);

    /// <summary>SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL]</summary>
    static void Set(CommandContext ctx)
    {
        var flags = SetFlags.None;
        int expireArg = -1;
        if (ctx.ArgCount > 3 && !ParseOptions(ctx, 3, false, ref flags, ref expireArg)) return;
        SetGeneric(ctx, flags, 2, expireArg, "set", integerReplies: false);
    }

    /// <summary>SETNX key value: SET NX answering 1 or 0.</summary>
    static void SetNx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Nx, 2, -1, "setnx", integerReplies: true);

    /// <summary>SETEX key seconds value</summary>
    static void SetEx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Ex, 3, 2, "setex", integerReplies: false);

    /// <summary>PSETEX key milliseconds value</summary>
    static void PSetEx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Px, 3, 2, "psetex", integerReplies: false);

    /// <summary>
    /// Redis's setGenericCommand: expiry checked first, then GET's reply (WRONGTYPE on another type),
    /// then NX/XX, then the write. Any expiry is replicated as SET key value PXAT &lt;absolute ms&gt;,
    /// and GET is dropped from what is replicated.
    /// </summary>
    static void SetGeneric(CommandContext ctx, SetFlags flags, int valueArg, int expireArg, string command, bool integerReplies)
    {
        long expireAt = -1;
        if (expireArg >= 0 && !ParseExpire(ctx, expireArg, flags, command, out expireAt)) return;

        var key = ctx.Arg(1);
        bool get = (flags & SetFlags.Get) != 0;
        KeyEntry? existing;
        if (get)
        {
            existing = ctx.LookupRead(key);
            if (existing == null) ctx.Reply.Null();
            else if (!ReplyString(ctx, existing.Value)) return;
        }
        else existing = ctx.LookupWrite(key);

        if (((flags & SetFlags.Nx) != 0 && existing != null) || ((flags & SetFlags.Xx) != 0 && existing == null))
        {
            if (!get)
            {
                if (integerReplies) ctx.Reply.Integer(0);
                else ctx.Reply.Null();
            }
            return;
        }

        var value = StringValue.FromSpan(ctx.Arg(valueArg));
        if (existing == null) ctx.Db.Add(key.ToArray(), value, expireAt);
        else
        {
            ctx.Db.Replace(existing, value);
            if (expireAt >= 0) ctx.Db.SetExpire(existing, expireAt);
            else if ((flags & SetFlags.KeepTtl) == 0) ctx.Db.RemoveExpire(existing);
        }
        ctx.Dirty();
        ctx.Notify(KeyspaceEvents.String, "set", key);
        if (expireAt >= 0) ctx.Notify(KeyspaceEvents.Generic, "expire", key);

        if (expireAt >= 0)
            ctx.Propagate(SetWord, ctx.ArgBytes(1), ctx.ArgBytes(valueArg), PxAtWord, LongBytes(expireAt));
        else if (get)
            ctx.Propagate(WithoutGet(ctx));

        if (!get)
        {
            if (integerReplies) ctx.Reply.Integer(1);
            else ctx.Reply.Ok();
        }
    }

    /// <summary>The SET command as received minus its GET options (which may repeat).</summary>
    static byte[][] WithoutGet(CommandContext ctx)
    {
        var argv = new List<byte[]>(ctx.ArgCount);
        for (int j = 0; j < ctx.ArgCount; j++)
            if (j < 3 || !ctx.ArgIs(j, "get"u8)) argv.Add(ctx.ArgBytes(j));
        return argv.ToArray();
    }

    /// <summary>GETSET key value: SET that answers the old value (and, like SET, clears the TTL). Replicated as SET.</summary>
    static void GetSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupRead(key);
        if (e == null) ctx.Reply.Null();
        else if (!ReplyString(ctx, e.Value)) return;
        var value = StringValue.FromSpan(ctx.Arg(2));
        if (e == null) ctx.Db.Add(key.ToArray(), value);
        else
        {
            ctx.Db.Replace(e, value);
            ctx.Db.RemoveExpire(e);
        }
        ctx.Notify(KeyspaceEvents.String, "set", key);
        ctx.Dirty();
        ctx.Propagate(SetWord, ctx.ArgBytes(1), ctx.ArgBytes(2));
    }

    /// <summary>GETDEL key: replicated as DEL when a key was deleted.</summary>
    static void GetDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupRead(key);
        if (e == null) { ctx.Reply.Null(); return; }
        if (!ReplyString(ctx, e.Value)) return;
        ctx.Db.Delete(key);
        ctx.Notify(KeyspaceEvents.Generic, "del", key);
        ctx.Dirty();
        ctx.Propagate(DelWord, ctx.ArgBytes(1));
    }

    /// <summary>
    /// GETEX key [EX s | PX ms | EXAT ts | PXAT ts-ms | PERSIST]. Never replicated as received:
    /// a new expiry becomes PEXPIREAT, an absolute time already past deletes the key (DEL),
    /// PERSIST of a volatile key becomes PERSIST; a plain read replicates nothing.
    /// </summary>
    static void GetEx(CommandContext ctx)
    {
        var flags = SetFlags.None;
        int expireArg = -1;
        if (!ParseOptions(ctx, 2, true, ref flags, ref expireArg)) return;

        var key = ctx.Arg(1);
        var e = ctx.LookupRead(key);
        if (e == null) { ctx.Reply.Null(); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        long expireAt = -1;
        if (expireArg >= 0 && !ParseExpire(ctx, expireArg, flags, "getex", out expireAt)) return;
        ReplyString(ctx, e.Value);

        if ((flags & (SetFlags.ExAt | SetFlags.PxAt)) != 0 && expireAt <= ctx.NowMs && !ctx.Server.IsReplica && !ctx.Keyspace.Loading)
        {
            ctx.Db.Delete(key);
            ctx.Dirty();
            ctx.Propagate(DelWord, ctx.ArgBytes(1));
            ctx.Notify(KeyspaceEvents.Generic, "del", key);
        }
        else if (expireArg >= 0)
        {
            ctx.Db.SetExpire(e, expireAt);
            ctx.Notify(KeyspaceEvents.Generic, "expire", key);
            ctx.Dirty();
            ctx.Propagate(PExpireAtWord, ctx.ArgBytes(1), LongBytes(expireAt));
        }
        else if ((flags & SetFlags.Persist) != 0 && ctx.Db.RemoveExpire(e))
        {
            ctx.Notify(KeyspaceEvents.Generic, "persist", key);
            ctx.Dirty();
            ctx.Propagate(PersistWord, ctx.ArgBytes(1));
        }
    }

    // ---------------------------------------------------------------- multi-key

    /// <summary>MGET key [key ...]: a nil for each missing key or non-string value.</summary>
    static void MGet(CommandContext ctx)
    {
        ctx.Reply.ArrayHeader(ctx.ArgCount - 1);
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var e = ctx.LookupRead(ctx.Arg(i));
            if (e == null || !WriteBulk(ctx.Reply, e.Value)) ctx.Reply.Null();
        }
    }

    /// <summary>MSET key value [key value ...]</summary>
    static void MSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0) { ctx.Error(Errors.WrongArgs(ctx.Command.FullName)); return; }
        for (int i = 1; i < ctx.ArgCount; i += 2) SetKey(ctx, ctx.Arg(i), StringValue.FromSpan(ctx.Arg(i + 1)));
        ctx.Dirty((ctx.ArgCount - 1) / 2);
        ctx.Reply.Ok();
    }

    /// <summary>MSETNX key value [key value ...]: all or nothing, 1 when set, 0 when any key exists.</summary>
    static void MSetNx(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0) { ctx.Error(Errors.WrongArgs(ctx.Command.FullName)); return; }
        for (int i = 1; i < ctx.ArgCount; i += 2)
            if (ctx.LookupWrite(ctx.Arg(i)) != null) { ctx.Reply.Integer(0); return; }
        for (int i = 1; i < ctx.ArgCount; i += 2) SetKey(ctx, ctx.Arg(i), StringValue.FromSpan(ctx.Arg(i + 1)));
        ctx.Dirty((ctx.ArgCount - 1) / 2);
        ctx.Reply.Integer(1);
    }

    // ---------------------------------------------------------------- counters

    static void Incr(CommandContext ctx) => IncrDecr(ctx, 1);
    static void Decr(CommandContext ctx) => IncrDecr(ctx, -1);

    static void IncrBy(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long increment)) return;
        IncrDecr(ctx, increment);
    }

    static void DecrBy(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long decrement)) return;
        if (decrement == long.MinValue) { ctx.Error("ERR decrement would overflow"); return; }
        IncrDecr(ctx, -decrement);
    }

    /// <summary>
    /// The INCR family: the value must be a canonical integer string (string2ll: no sign '+', no
    /// leading zero or space, at most 20 characters); the result is stored int-encoded and keeps the TTL.
    /// </summary>
    static void IncrDecr(CommandContext ctx, long increment)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        long value = 0;
        if (e != null)
        {
            if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
            if (!StringValue.TryGetLong(e.Value, out value)) { ctx.Error(Errors.NotInteger); return; }
        }
        if ((increment < 0 && value < 0 && increment < long.MinValue - value) ||
            (increment > 0 && value > 0 && increment > long.MaxValue - value))
        {
            ctx.Error(Errors.Overflow);
            return;
        }
        value += increment;
        var boxed = StringValue.FromLong(value);
        if (e == null) ctx.Db.Add(key.ToArray(), boxed);
        else ctx.Db.Replace(e, boxed);
        ctx.Notify(KeyspaceEvents.String, "incrby", key);
        ctx.Dirty();
        ctx.Reply.Integer(value);
    }

    /// <summary>
    /// INCRBYFLOAT key increment, in x87 long double precision like Redis. The result is stored as a
    /// plain string (embstr, not int, even for "5000") and replicated as SET key result KEEPTTL.
    /// </summary>
    static void IncrByFloat(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        var current = LongDouble.Zero;
        if (e != null)
        {
            if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
            if (!TryGetLongDouble(e.Value, out current)) { ctx.Error(Errors.NotFloat); return; }
        }
        if (!LongDouble.TryParse(ctx.Arg(2), out var increment)) { ctx.Error(Errors.NotFloat); return; }
        var sum = current + increment;
        if (!sum.IsFinite) { ctx.Error("ERR increment would produce NaN or Infinity"); return; }
        var result = sum.ToHumanBytes();
        if (e == null) ctx.Db.Add(key.ToArray(), result);
        else ctx.Db.Replace(e, result);
        ctx.Notify(KeyspaceEvents.String, "incrbyfloat", key);
        ctx.Dirty();
        ctx.Reply.Bulk(result);
        ctx.Propagate(SetWord, ctx.ArgBytes(1), result, KeepTtlWord);
    }

    /// <summary>Reads a string value as a long double (Redis's getLongDoubleFromObject).</summary>
    internal static bool TryGetLongDouble(object value, out LongDouble result)
    {
        if (value is long l) { result = LongDouble.FromLong(l); return true; }
        Span<byte> scratch = stackalloc byte[24];
        return LongDouble.TryParse(StringValue.GetSpan(value, scratch), out result);
    }

    // ---------------------------------------------------------------- APPEND, STRLEN, ranges

    /// <summary>
    /// APPEND key value. A new key is stored like SET would store the value; an existing one becomes
    /// a <see cref="MutableString"/> ("raw") with spare room, so repeated appends are amortized O(1).
    /// </summary>
    static void Append(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var addition = ctx.Arg(2);
        var e = ctx.LookupWrite(key);
        long total;
        if (e == null)
        {
            ctx.Db.Add(key.ToArray(), StringValue.FromSpan(addition));
            total = addition.Length;
        }
        else
        {
            if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
            long old = StringValue.Length(e.Value);
            if (!CheckStringLength(ctx, old, addition.Length)) return;
            int length = (int)old + addition.Length;
            var m = e.Value as MutableString;
            if (m == null)
            {
                m = StringValue.ToMutable(e.Value, GreedyCapacity(length) - (int)old);
                ctx.Db.Replace(e, m);
            }
            else ctx.Db.Touch(e);
            m.EnsureLength(length);
            addition.CopyTo(m.Buffer.AsSpan((int)old));
            total = m.Length;
        }
        ctx.Notify(KeyspaceEvents.String, "append", key);
        ctx.Dirty();
        ctx.Reply.Integer(total);
    }

    /// <summary>Capacity for a string growing to <paramref name="length"/> bytes (sdsMakeRoomFor's greedy rule).</summary>
    static int GreedyCapacity(int length) =>
        (int)Math.Min(Array.MaxLength, length < 1024 * 1024 ? 2L * length : (long)length + 1024 * 1024);

    /// <summary>STRLEN key: 0 when absent; an int-encoded value counts its decimal digits.</summary>
    static void StrLen(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        ctx.Reply.Integer(StringValue.Length(e.Value));
    }

    /// <summary>
    /// GETRANGE (and SUBSTR) key start end: inclusive offsets, negative ones from the end, clamped
    /// to the string, with Redis's quirk that a negative end before the start clamps to 0 (so
    /// GETRANGE "hello" 0 -100 is "h"), while start and end both negative with start &gt; end is empty.
    /// </summary>
    static void GetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        Span<byte> scratch = stackalloc byte[24];
        var s = StringValue.GetSpan(e.Value, scratch);
        long length = s.Length;
        if (start < 0 && end < 0 && start > end) { ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty); return; }
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= length) end = length - 1;
        if (start > end || length == 0) { ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty); return; }
        ctx.Reply.Bulk(s.Slice((int)start, (int)(end - start + 1)));
    }

    /// <summary>
    /// SETRANGE key offset value: overwrites from offset, zero-padding past the end; answers the new
    /// length. An empty value changes nothing (and creates no key). The result is a raw string.
    /// </summary>
    static void SetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long offset)) return;
        if (offset < 0) { ctx.Error("ERR offset is out of range"); return; }
        var key = ctx.Arg(1);
        var value = ctx.Arg(3);
        var e = ctx.LookupWrite(key);
        MutableString m;
        if (e == null)
        {
            if (value.Length == 0) { ctx.Reply.Integer(0); return; }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            int length = (int)offset + value.Length;
            m = new MutableString(ReadOnlySpan<byte>.Empty, length);
            m.EnsureLength(length);
            value.CopyTo(m.Buffer.AsSpan((int)offset));
            ctx.Db.Add(key.ToArray(), m);
        }
        else
        {
            if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
            long old = StringValue.Length(e.Value);
            if (value.Length == 0) { ctx.Reply.Integer(old); return; }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            int length = (int)Math.Max(old, offset + value.Length);
            if (e.Value is MutableString mutable)
            {
                m = mutable;
                ctx.Db.Touch(e);
            }
            else
            {
                m = StringValue.ToMutable(e.Value, length - (int)old);
                ctx.Db.Replace(e, m);
            }
            GrowZero(m, length);
            value.CopyTo(m.Buffer.AsSpan((int)offset));
        }
        ctx.Notify(KeyspaceEvents.String, "setrange", key);
        ctx.Dirty();
        ctx.Reply.Integer(m.Length);
    }
}
