using System.Buffers.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Storage;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>The generic keyspace family: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, KEYS, SCAN, RANDOMKEY, TOUCH, OBJECT.</summary>
public static class KeyCommands
{
    public const string SameObject = "ERR source and destination objects are the same";
    public const string IntRange = "ERR value is out of range, value must between -2147483648 and 2147483647";

    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("del", -2, "write", 1, -1, 1, Del) { Complexity = "O(N) for N keys, plus O(M) for each aggregate of M elements", Summary = "Removes one or more keys." });
        t.Add(new CommandSpec("unlink", -2, "write fast", 1, -1, 1, Unlink) { Since = "4.0.0", Complexity = "O(1) per key; the memory is reclaimed later", Summary = "Removes one or more keys, reclaiming their memory in the background." });
        t.Add(new CommandSpec("exists", -2, "readonly fast", 1, -1, 1, Exists) { Complexity = "O(N) where N is the number of keys given", Summary = "Counts how many of the given keys exist." });
        t.Add(new CommandSpec("type", 2, "readonly fast", 1, 1, 1, Type) { Summary = "Returns the type of the value stored at a key." });
        t.Add(new CommandSpec("rename", 3, "write", 1, 2, 1, Rename) { Summary = "Gives a key a new name, overwriting the destination." });
        t.Add(new CommandSpec("renamenx", 3, "write fast", 1, 2, 1, RenameNx) { Summary = "Gives a key a new name unless the destination already exists." });
        t.Add(new CommandSpec("copy", -3, "write denyoom", 1, 2, 1, Copy) { Since = "6.2.0", Complexity = "O(N) for aggregates of N nested items, O(1) for strings", Summary = "Duplicates the value of a key under another name, possibly in another database." });
        t.Add(new CommandSpec("move", 3, "write fast", 1, 1, 1, Move) { Summary = "Moves a key to another database." });
        t.Add(new CommandSpec("keys", 2, "readonly", 0, 0, 0, Keys) { Complexity = "O(N) with N the number of keys in the database", Summary = "Lists the keys whose names match a glob-style pattern." });
        t.Add(new CommandSpec("scan", -2, "readonly", 0, 0, 0, Scan) { Since = "2.8.0", Complexity = "O(1) per call, O(N) for a full iteration", Summary = "Walks the keyspace incrementally with a cursor." });
        t.Add(new CommandSpec("randomkey", 1, "readonly", 0, 0, 0, RandomKey) { Summary = "Returns the name of a random key of the database." });
        t.Add(new CommandSpec("touch", -2, "readonly fast", 1, -1, 1, Touch) { Since = "3.2.1", Complexity = "O(N) where N is the number of keys given", Summary = "Updates the last access time of keys and counts those that exist." });

        var obj = t.Add(new CommandSpec("object", -2, "", 0, 0, 0, null) { Since = "2.2.3", Complexity = "Depends on the subcommand", Summary = "Inspects how values are stored." });
        obj.AddSubcommand(new CommandSpec("encoding", 3, "readonly", 2, 2, 1, ObjectEncoding) { Since = "2.2.3", Summary = "Returns the internal encoding of the value of a key." });
        obj.AddSubcommand(new CommandSpec("freq", 3, "readonly", 2, 2, 1, ObjectFreq) { Since = "4.0.0", Summary = "Returns the logarithmic access frequency counter of a key (LFU policies only)." });
        obj.AddSubcommand(new CommandSpec("help", 2, "loading stale", 0, 0, 0, ObjectHelp) { Since = "6.2.0", Summary = "Lists the OBJECT subcommands." });
        obj.AddSubcommand(new CommandSpec("idletime", 3, "readonly", 2, 2, 1, ObjectIdleTime) { Since = "2.2.3", Summary = "Returns the seconds elapsed since a key was last accessed." });
        obj.AddSubcommand(new CommandSpec("refcount", 3, "readonly", 2, 2, 1, ObjectRefCount) { Since = "2.2.3", Summary = "Returns how many references the value of a key has." });
    }

    // ---- Shared helpers ----

    /// <summary>lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts a hit or miss but keeps the access time.</summary>
    internal static KeyEntry? LookupReadNoTouch(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        var e = ctx.Db.LookupNoTouch(key);
        if (e == null) ctx.KeyMiss(key); else ctx.Server.Stats.KeyspaceHits++;
        return e;
    }

    /// <summary>getIntFromObjectOrReply: an integer argument that must fit in 32 bits, with Redis's two errors.</summary>
    internal static bool TryGetInt32(CommandContext ctx, int index, out int value, string? error = null)
    {
        value = 0;
        if (!Numbers.TryParseStrictLong(ctx.Arg(index), out long v)) { ctx.Error(error ?? Errors.NotInteger); return false; }
        if (v < int.MinValue || v > int.MaxValue) { ctx.Error(error ?? IntRange); return false; }
        value = (int)v;
        return true;
    }

    /// <summary>Redis's addReplyHelp: a header naming the command, the given lines, then HELP.</summary>
    internal static void ReplyHelp(CommandContext ctx, string[] lines)
    {
        var r = ctx.Reply;
        r.ArrayHeader(lines.Length + 3);
        r.SimpleString(ctx.ArgString(0).ToUpperInvariant() + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var line in lines) r.SimpleString(line);
        r.SimpleString("HELP"u8);
        r.SimpleString("    Prints this help."u8);
    }

    static bool AsciiEqualsIgnoreCase(ReadOnlySpan<byte> a, string b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            int x = a[i], y = b[i];
            if (x >= 'A' && x <= 'Z') x |= 0x20;
            if (y >= 'A' && y <= 'Z') y |= 0x20;
            if (x != y) return false;
        }
        return true;
    }

    // ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ----

    static void Del(CommandContext ctx) => Delete(ctx);

    /// <summary>Memory is reclaimed by the GC either way, so UNLINK is DEL.</summary>
    static void Unlink(CommandContext ctx) => Delete(ctx);

    static void Delete(CommandContext ctx)
    {
        long deleted = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            ctx.LookupWrite(key); // expires the key first, so an expired key is not counted as deleted
            if (ctx.Db.Delete(key))
            {
                ctx.Notify(KeyspaceEvents.Generic, "del", key);
                ctx.Dirty();
                deleted++;
            }
        }
        ctx.Reply.Integer(deleted);
    }

    static void Exists(CommandContext ctx)
    {
        long count = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
            if (LookupReadNoTouch(ctx, ctx.Arg(i)) != null) count++;
        ctx.Reply.Integer(count);
    }

    static void Type(CommandContext ctx)
    {
        var e = LookupReadNoTouch(ctx, ctx.Arg(1));
        ctx.Reply.SimpleString(e == null ? "none" : ValueTypes.TypeName(e.Value));
    }

    static void Touch(CommandContext ctx)
    {
        long count = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
            if (ctx.LookupRead(ctx.Arg(i)) != null) count++;
        ctx.Reply.Integer(count);
    }

    // ---- RENAME, RENAMENX, COPY, MOVE ----

    static void Rename(CommandContext ctx) => RenameGeneric(ctx, nx: false);
    static void RenameNx(CommandContext ctx) => RenameGeneric(ctx, nx: true);

    static void RenameGeneric(CommandContext ctx, bool nx)
    {
        var db = ctx.Db;
        var src = ctx.Arg(1);
        var dst = ctx.Arg(2);
        var e = ctx.LookupWrite(src);
        if (e == null) { ctx.Error(Errors.NoSuchKey); return; }
        if (src.SequenceEqual(dst))
        {
            // Renaming a key to itself succeeds (or is refused by NX) without touching anything.
            if (nx) ctx.Reply.Integer(0); else ctx.Reply.Ok();
            return;
        }
        if (ctx.LookupWrite(dst) != null)
        {
            if (nx) { ctx.Reply.Integer(0); return; }
            db.Delete(dst);
        }
        // The value moves with its TTL; the source name goes away.
        var value = e.Value;
        long expireAt = db.ExpireAtOf(e);
        db.Add(ctx.ArgBytes(2), value, expireAt);
        db.Delete(src);
        ctx.Notify(KeyspaceEvents.Generic, "rename_from", src);
        ctx.Notify(KeyspaceEvents.Generic, "rename_to", dst);
        ctx.Dirty();
        if (nx) ctx.Reply.Integer(1); else ctx.Reply.Ok();
    }

    /// <summary>COPY source destination [DB destination-db] [REPLACE]</summary>
    static void Copy(CommandContext ctx)
    {
        var src = ctx.Db;
        var dst = src;
        bool replace = false;
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "replace"u8)) replace = true;
            else if (ctx.ArgIs(i, "db"u8) && i + 1 < ctx.ArgCount)
            {
                if (!TryGetInt32(ctx, i + 1, out int index)) return;
                if (index < 0 || index >= ctx.Keyspace.Databases.Length) { ctx.Error(Errors.DbIndexOutOfRange); return; }
                dst = ctx.Keyspace[index];
                i++;
            }
            else { ctx.SyntaxError(); return; }
        }
        var key = ctx.Arg(1);
        var newKey = ctx.Arg(2);
        if (src == dst && key.SequenceEqual(newKey)) { ctx.Error(SameObject); return; }

        var e = ctx.LookupRead(key);
        if (e == null) { ctx.Reply.Integer(0); return; }
        long expireAt = src.ExpireAtOf(e);
        bool delete = false;
        if (dst.Lookup(newKey) != null)
        {
            if (!replace) { ctx.Reply.Integer(0); return; }
            delete = true;
        }
        // A copy is a new object: even a shared small integer gets its own box (OBJECT REFCOUNT 1).
        object copy = e.Value is long l ? l : ValueTypes.DeepCopy(e.Value);
        if (delete) dst.Delete(newKey);
        dst.Add(ctx.ArgBytes(2), copy, expireAt);
        ctx.Server.Notifications.Notify(KeyspaceEvents.Generic, "copy_to", newKey, dst.Index);
        ctx.Dirty();
        ctx.Reply.Integer(1);
    }

    static void Move(CommandContext ctx)
    {
        var src = ctx.Db;
        if (!TryGetInt32(ctx, 2, out int index)) return;
        if (index < 0 || index >= ctx.Keyspace.Databases.Length) { ctx.Error(Errors.DbIndexOutOfRange); return; }
        var dst = ctx.Keyspace[index];
        if (src == dst) { ctx.Error(SameObject); return; }

        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (dst.Lookup(key) != null) { ctx.Reply.Integer(0); return; }
        dst.Add(ctx.ArgBytes(1), e.Value, src.ExpireAtOf(e));
        src.Delete(key);
        ctx.Notify(KeyspaceEvents.Generic, "move_from", key);
        ctx.Server.Notifications.Notify(KeyspaceEvents.Generic, "move_to", key, dst.Index);
        ctx.Dirty();
        ctx.Reply.Integer(1);
    }

    // ---- KEYS, SCAN, RANDOMKEY ----

    static void Keys(CommandContext ctx)
    {
        var db = ctx.Db;
        var pattern = ctx.Arg(1);
        bool all = pattern.Length == 1 && pattern[0] == '*';
        var r = ctx.Reply;
        int mark = r.BeginDeferred();
        long n = 0;
        foreach (var e in db.Table.Entries())
        {
            if (!all && !Glob.Match(pattern, e.Key)) continue;
            if (db.IsLogicallyExpired(e)) continue; // hidden, but KEYS never deletes
            r.Bulk(e.Key);
            n++;
        }
        r.EndDeferredArray(mark, n);
    }

    [ThreadStatic] static List<KeyEntry>? _scanBuffer;

    /// <summary>SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]</summary>
    static void Scan(CommandContext ctx)
    {
        if (!ScanArguments.TryParseCursor(ctx, 1, out ulong cursor)) return;
        if (!ScanArguments.TryParse(ctx, 2, allowType: true, out var scan)) return;

        var db = ctx.Db;
        var keys = _scanBuffer ??= new List<KeyEntry>();
        keys.Clear();
        // At most 10 × COUNT buckets, so a sparse table cannot make one call slow.
        long maxIterations = scan.Count > long.MaxValue / 10 ? long.MaxValue : scan.Count * 10;
        do cursor = db.Table.Scan(cursor, keys);
        while (cursor != 0 && maxIterations-- != 0 && keys.Count < scan.Count);

        var r = ctx.Reply;
        r.ArrayHeader(2);
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(cursor, digits, out int len);
        r.Bulk(digits[..len]);
        int mark = r.BeginDeferred();
        long n = 0;
        foreach (var e in keys)
        {
            if (!scan.Matches(e.Key)) continue;
            if (scan.TypeIndex >= 0)
            {
                // Like Redis, a normal lookup (hit/miss counted, expired keys deleted) whose absence reads as "none".
                var found = LookupReadNoTouch(ctx, e.Key);
                ctx.Server.Propagation.EndCommand(); // an expired key's DEL goes out alone, as below
                if (!AsciiEqualsIgnoreCase(ctx.Arg(scan.TypeIndex), found == null ? "none" : ValueTypes.TypeName(found.Value))) continue;
            }
            if (e.HasExpiry)
            {
                var current = db.Peek(e.Key);
                if (current != null && db.IsLogicallyExpired(current) && ctx.Keyspace.ExpireIfNeeded(db, current))
                {
                    ctx.Server.Propagation.EndCommand(); // like Redis 7.0.15: each DEL goes out alone, never in MULTI/EXEC
                    continue;
                }
            }
            r.Bulk(e.Key);
            n++;
        }
        r.EndDeferredArray(mark, n);
        keys.Clear();
        if (keys.Capacity > 4096) _scanBuffer = null;
    }

    static void RandomKey(CommandContext ctx)
    {
        var db = ctx.Db;
        int maxTries = 100;
        bool allVolatile = db.Count == db.ExpiresCount;
        while (true)
        {
            var e = db.RandomEntry(ctx.Server.Random);
            if (e == null) { ctx.Reply.Null(); return; }
            if (e.HasExpiry && db.IsLogicallyExpired(e))
            {
                // A replica does not delete expired keys: when they are all expired, give up after
                // a few tries and return one of them rather than loop forever.
                if (allVolatile && ctx.Keyspace.ExpiryDisabled && --maxTries == 0) { ctx.Reply.Bulk(e.Key); return; }
                if (ctx.Keyspace.ExpireIfNeeded(db, e))
                {
                    ctx.Server.Propagation.EndCommand(); // like Redis 7.0.15: each DEL goes out alone, never in MULTI/EXEC
                    continue;
                }
            }
            ctx.Reply.Bulk(e.Key);
            return;
        }
    }

    // ---- OBJECT ----

    static readonly string[] ObjectHelpLines =
    {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
    };

    static void ObjectHelp(CommandContext ctx) => ReplyHelp(ctx, ObjectHelpLines);

    static KeyEntry? ObjectLookup(CommandContext ctx)
    {
        var e = LookupReadNoTouch(ctx, ctx.Arg(2));
        if (e == null) ctx.Reply.Null();
        return e;
    }

    static bool LfuPolicy(CommandContext ctx) => ctx.Server.Config.MaxMemoryPolicy is Config.MaxMemoryPolicy.VolatileLfu or Config.MaxMemoryPolicy.AllKeysLfu;

    static void ObjectEncoding(CommandContext ctx)
    {
        var e = ObjectLookup(ctx);
        if (e != null) ctx.Reply.Bulk(ValueTypes.EncodingName(e.Value));
    }

    /// <summary>Shared small integers report INT_MAX like Redis's OBJ_SHARED_REFCOUNT; anything else has one owner.</summary>
    static void ObjectRefCount(CommandContext ctx)
    {
        var e = ObjectLookup(ctx);
        if (e != null) ctx.Reply.Integer(StringValue.IsShared(e.Value) ? int.MaxValue : 1);
    }

    static void ObjectIdleTime(CommandContext ctx)
    {
        var e = ObjectLookup(ctx);
        if (e == null) return;
        if (LfuPolicy(ctx))
        {
            ctx.Error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        uint clock = ctx.Keyspace.LruClock;
        // Modulo 2^32, like Redis's wrapping LRU clock: RESTORE ... IDLETIME and RDB loading may set an
        // access time before the server started.
        ctx.Reply.Integer(unchecked(clock - e.LastAccess));
    }

    const int LfuInitialCounter = 5;

    /// <summary>
    /// Access counters are not tracked yet: a key reports Redis's initial LFU counter, decayed by
    /// one per minute without access (lfu-decay-time 1).
    /// </summary>
    static void ObjectFreq(CommandContext ctx)
    {
        var e = ObjectLookup(ctx);
        if (e == null) return;
        if (!LfuPolicy(ctx))
        {
            ctx.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        uint clock = ctx.Keyspace.LruClock;
        long idleMinutes = unchecked(clock - e.LastAccess) / 60;
        ctx.Reply.Integer(Math.Max(0, LfuInitialCounter - idleMinutes));
    }
}
