using System.Buffers.Text;
using System.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>The hash family: HSET and friends, counters, whole-hash reads, HSCAN and HRANDFIELD.</summary>
public static class HashCommands
{
    const string NotIntegerHashValue = "ERR hash value is not an integer";
    const string NotFloatHashValue = "ERR hash value is not a float";
    const string NaNOrInfinity = "ERR value is NaN or Infinity";
    const string WouldProduceNaNOrInfinity = "ERR increment would produce NaN or Infinity";

    /// <summary>A reply this large is never sent: the client is dropped instead (HRANDFIELD with a huge negative count).</summary>
    internal static long MaxReplyBytes = 512L << 20;

    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("hset", -4, "write denyoom fast", 1, 1, 1, HSet) { Group = "hash", Since = "2.0.0", Complexity = "O(1) for each field/value pair added", Summary = "Sets one or more fields of a hash, creating the hash if needed." });
        t.Add(new CommandSpec("hsetnx", 4, "write denyoom fast", 1, 1, 1, HSetNx) { Group = "hash", Since = "2.0.0", Summary = "Sets a field of a hash only when the field does not exist yet." });
        t.Add(new CommandSpec("hmset", -4, "write denyoom fast", 1, 1, 1, HSet) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the number of fields being set", Summary = "Sets several fields of a hash (deprecated: HSET takes several pairs)." });
        t.Add(new CommandSpec("hget", 3, "readonly fast", 1, 1, 1, HGet) { Group = "hash", Since = "2.0.0", Summary = "Returns the value of one field of a hash." });
        t.Add(new CommandSpec("hmget", -3, "readonly fast", 1, 1, 1, HMGet) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the number of fields requested", Summary = "Returns the values of the given fields of a hash." });
        t.Add(new CommandSpec("hgetall", 2, "readonly", 1, 1, 1, HGetAll) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the size of the hash", Summary = "Returns every field of a hash with its value." });
        t.Add(new CommandSpec("hkeys", 2, "readonly", 1, 1, 1, HKeys) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the size of the hash", Summary = "Returns the field names of a hash." });
        t.Add(new CommandSpec("hvals", 2, "readonly", 1, 1, 1, HVals) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the size of the hash", Summary = "Returns the values stored in a hash." });
        t.Add(new CommandSpec("hdel", -3, "write fast", 1, 1, 1, HDel) { Group = "hash", Since = "2.0.0", Complexity = "O(N) where N is the number of fields to remove", Summary = "Removes fields from a hash; the hash disappears with its last field." });
        t.Add(new CommandSpec("hexists", 3, "readonly fast", 1, 1, 1, HExists) { Group = "hash", Since = "2.0.0", Summary = "Tells whether a field exists in a hash." });
        t.Add(new CommandSpec("hlen", 2, "readonly fast", 1, 1, 1, HLen) { Group = "hash", Since = "2.0.0", Summary = "Returns how many fields a hash has." });
        t.Add(new CommandSpec("hstrlen", 3, "readonly fast", 1, 1, 1, HStrLen) { Group = "hash", Since = "3.2.0", Summary = "Returns the length in bytes of the value of a hash field." });
        t.Add(new CommandSpec("hincrby", 4, "write denyoom fast", 1, 1, 1, HIncrBy) { Group = "hash", Since = "2.0.0", Summary = "Adds an integer to the integer stored in a hash field." });
        t.Add(new CommandSpec("hincrbyfloat", 4, "write denyoom fast", 1, 1, 1, HIncrByFloat) { Group = "hash", Since = "2.6.0", Summary = "Adds a floating point number to the number stored in a hash field." });
        t.Add(new CommandSpec("hscan", -3, "readonly", 1, 1, 1, HScan) { Group = "hash", Since = "2.8.0", Complexity = "O(1) per call, O(N) for a full iteration", Summary = "Walks the fields and values of a hash incrementally with a cursor." });
        t.Add(new CommandSpec("hrandfield", -2, "readonly", 1, 1, 1, HRandField) { Group = "hash", Since = "6.2.0", Complexity = "O(N) where N is the number of fields returned", Summary = "Returns random fields of a hash, optionally with their values." });
    }

    // ---- Shared helpers ----

    /// <summary>
    /// Reads a key that must hold a hash: false (after replying WRONGTYPE) for any other type. A missing
    /// key gives a hash that does not <see cref="Hash.Exists"/>.
    /// </summary>
    static bool TryGetHash(CommandContext ctx, KeyEntry? e, out Hash hash)
    {
        hash = default;
        if (e == null || Hash.TryOpen(e.Value, out hash)) return true;
        ctx.WrongType();
        return false;
    }

    /// <summary>
    /// Redis's hashTypeLookupWriteOrCreate: the existing hash, or a new empty one that the caller
    /// fills and then stores with <see cref="Store"/> (so a key is never seen empty).
    /// </summary>
    static bool TryGetHashForWrite(CommandContext ctx, out KeyEntry? e, out Hash hash)
    {
        e = ctx.LookupWrite(ctx.Arg(1));
        if (e == null) { hash = Hash.New(); return true; }
        if (Hash.TryOpen(e.Value, out hash)) return true;
        ctx.WrongType();
        return false;
    }

    /// <summary>Announces the change of an existing key before its hash is modified (WATCH, snapshots).</summary>
    static void BeforeChange(CommandContext ctx, KeyEntry? e)
    {
        if (e != null) ctx.Db.Touch(e);
    }

    /// <summary>
    /// After a write: adds a new key, or stores the hash's value object in the existing key when the write
    /// moved it (the compact array grew, shrank or became a table). The write to an existing key was
    /// announced once by <see cref="BeforeChange"/> (or Touch) before the old value was modified, so the
    /// new object is stored without a second announcement (StoreAfterTouch, not Replace): hooks see one write
    /// per command, and a snapshot hook has seen the value before any change.
    /// </summary>
    static void Store(CommandContext ctx, KeyEntry? e, in Hash hash)
    {
        if (e == null) ctx.Db.Add(ctx.ArgBytes(1), hash.Value);
        else if (!ReferenceEquals(e.Value, hash.Value)) ctx.Db.StoreAfterTouch(e, hash.Value);
    }

    /// <summary>
    /// Redis's hashTypeTryConversion for arguments [first, last]: a string longer than
    /// hash-max-listpack-value (or a listpack growing past 1 GB) converts the hash before anything is
    /// written. A new hash gets its compact array sized once for all the pairs.
    /// </summary>
    static void PrepareForPairs(CommandContext ctx, ref Hash hash, int first, int last)
    {
        if (!hash.IsCompact) return;
        int maxValue = ClampToInt(ctx.Server.Config.HashMaxListpackValue);
        long longest = 0, encoded = 0;
        for (int i = first; i + 1 <= last; i += 2)
        {
            int fl = ctx.Arg(i).Length, vl = ctx.Arg(i + 1).Length;
            longest = Math.Max(longest, Math.Max(fl, vl));
            encoded += Hash.EncodedPairSize(fl, vl);
        }
        hash.ConvertIfTooLong(longest, maxValue);
        hash.ReserveCompact(encoded);
    }

    static bool SetField(CommandContext ctx, ref Hash hash, scoped ReadOnlySpan<byte> field, scoped ReadOnlySpan<byte> value)
    {
        var config = ctx.Server.Config;
        return hash.Set(field, value, ClampToInt(config.HashMaxListpackEntries), ClampToInt(config.HashMaxListpackValue));
    }

    // ---- Writes ----

    /// <summary>HSET key field value [field value ...] (and the deprecated HMSET, which replies OK).</summary>
    static void HSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 1) { ctx.Error(Errors.WrongArgs(ctx.Command.FullName)); return; }
        if (!TryGetHashForWrite(ctx, out var e, out var hash)) return;
        BeforeChange(ctx, e);
        PrepareForPairs(ctx, ref hash, 2, ctx.ArgCount - 1);
        long created = 0;
        for (int i = 2; i < ctx.ArgCount; i += 2)
            if (SetField(ctx, ref hash, ctx.Arg(i), ctx.Arg(i + 1))) created++;
        Store(ctx, e, hash);
        if (ctx.Command.Name == "hset") ctx.Reply.Integer(created); else ctx.Reply.Ok();
        ctx.Notify(KeyspaceEvents.Hash, "hset", ctx.Arg(1));
        ctx.Dirty((ctx.ArgCount - 2) / 2);
    }

    /// <summary>HSETNX key field value</summary>
    static void HSetNx(CommandContext ctx)
    {
        if (!TryGetHashForWrite(ctx, out var e, out var hash)) return;
        if (hash.Contains(ctx.Arg(2))) { ctx.Reply.Integer(0); return; }
        BeforeChange(ctx, e);
        PrepareForPairs(ctx, ref hash, 2, 3);
        SetField(ctx, ref hash, ctx.Arg(2), ctx.Arg(3));
        Store(ctx, e, hash);
        ctx.Reply.Integer(1);
        ctx.Notify(KeyspaceEvents.Hash, "hset", ctx.Arg(1));
        ctx.Dirty();
    }

    /// <summary>HDEL key field [field ...]: deleting the last field deletes the key.</summary>
    static void HDel(CommandContext ctx)
    {
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetHash(ctx, e, out var hash)) return;
        long deleted = 0;
        if (hash.Exists)
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var field = ctx.Arg(i);
                if (deleted == 0)
                {
                    if (!hash.Contains(field)) continue;
                    ctx.Db.Touch(e!);
                }
                if (!hash.Remove(field)) continue;
                deleted++;
                if (hash.IsEmpty) break;
            }
            if (deleted > 0)
            {
                bool removed = hash.IsEmpty;
                if (removed) ctx.Db.Delete(ctx.Arg(1));
                else Store(ctx, e, hash);
                ctx.Notify(KeyspaceEvents.Hash, "hdel", ctx.Arg(1));
                if (removed) ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
            }
        }
        ctx.Reply.Integer(deleted);
        if (deleted > 0) ctx.Dirty(deleted);
    }

    /// <summary>HINCRBY key field increment</summary>
    static void HIncrBy(CommandContext ctx)
    {
        if (!ctx.TryGetLong(3, out long increment)) return;
        if (!TryGetHashForWrite(ctx, out var e, out var hash)) return;
        long value = 0;
        if (hash.TryGetValue(ctx.Arg(2), out var current) && !Numbers.TryParseStrictLong(current, out value))
        {
            ctx.Error(NotIntegerHashValue);
            return;
        }
        if ((increment < 0 && value < 0 && increment < long.MinValue - value) ||
            (increment > 0 && value > 0 && increment > long.MaxValue - value))
        {
            ctx.Error(Errors.Overflow);
            return;
        }
        value += increment;
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out int n);
        BeforeChange(ctx, e);
        SetField(ctx, ref hash, ctx.Arg(2), digits[..n]);
        Store(ctx, e, hash);
        ctx.Reply.Integer(value);
        ctx.Notify(KeyspaceEvents.Hash, "hincrby", ctx.Arg(1));
        ctx.Dirty();
    }

    /// <summary>
    /// HINCRBYFLOAT key field increment: computed in long double like Redis, and replicated as
    /// HSET key field result so replicas and the AOF never redo the arithmetic.
    /// </summary>
    static void HIncrByFloat(CommandContext ctx)
    {
        if (!LongDouble.TryParse(ctx.Arg(3), out var increment)) { ctx.Error(Errors.NotFloat); return; }
        if (!increment.IsFinite) { ctx.Error(NaNOrInfinity); return; }
        if (!TryGetHashForWrite(ctx, out var e, out var hash)) return;
        var value = LongDouble.Zero;
        if (hash.TryGetValue(ctx.Arg(2), out var current) && !LongDouble.TryParse(current, out value))
        {
            ctx.Error(NotFloatHashValue);
            return;
        }
        value += increment;
        if (!value.IsFinite) { ctx.Error(WouldProduceNaNOrInfinity); return; }
        var result = Encoding.ASCII.GetBytes(value.ToHumanString());
        BeforeChange(ctx, e);
        SetField(ctx, ref hash, ctx.Arg(2), result);
        Store(ctx, e, hash);
        ctx.Reply.Bulk(result);
        ctx.Notify(KeyspaceEvents.Hash, "hincrbyfloat", ctx.Arg(1));
        ctx.Dirty();
        ctx.Propagate("HSET"u8.ToArray(), ctx.ArgBytes(1), ctx.ArgBytes(2), result);
    }

    // ---- Reads ----

    /// <summary>HGET key field</summary>
    static void HGet(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (hash.Exists && hash.TryGetValue(ctx.Arg(2), out var value)) ctx.Reply.Bulk(value);
        else ctx.Reply.Null();
    }

    /// <summary>HMGET key field [field ...]</summary>
    static void HMGet(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (hash.Exists && hash.TryGetValue(ctx.Arg(i), out var value)) ctx.Reply.Bulk(value);
            else ctx.Reply.Null();
        }
    }

    /// <summary>HGETALL key: a map in RESP3, a flat array of field, value, ... in RESP2.</summary>
    static void HGetAll(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (!hash.Exists) { ctx.Reply.MapHeader(0); return; }
        var r = ctx.Reply;
        r.MapHeader(hash.Count);
        foreach (var p in hash)
        {
            r.Bulk(p.Field);
            r.Bulk(p.Value);
        }
    }

    /// <summary>HKEYS key</summary>
    static void HKeys(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (!hash.Exists) { ctx.Reply.EmptyArray(); return; }
        var r = ctx.Reply;
        r.ArrayHeader(hash.Count);
        var it = hash.GetEnumerator();
        while (it.MoveNext()) r.Bulk(it.Field);
    }

    /// <summary>HVALS key</summary>
    static void HVals(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (!hash.Exists) { ctx.Reply.EmptyArray(); return; }
        var r = ctx.Reply;
        r.ArrayHeader(hash.Count);
        var it = hash.GetEnumerator();
        while (it.MoveNext()) r.Bulk(it.Value);
    }

    /// <summary>HEXISTS key field</summary>
    static void HExists(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        ctx.Reply.Integer(hash.Exists && hash.Contains(ctx.Arg(2)) ? 1 : 0);
    }

    /// <summary>HLEN key</summary>
    static void HLen(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        ctx.Reply.Integer(hash.Exists ? hash.Count : 0);
    }

    /// <summary>HSTRLEN key field</summary>
    static void HStrLen(CommandContext ctx)
    {
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        ctx.Reply.Integer(hash.Exists ? hash.ValueLength(ctx.Arg(2)) : 0);
    }

    // ---- HSCAN ----

    [ThreadStatic] static List<HashField>? _scanBuffer;

    /// <summary>
    /// HSCAN key cursor [MATCH pattern] [COUNT count]. A compact hash is returned whole with cursor 0
    /// (like Redis's listpack); a full one is walked with the table's reverse-binary cursor.
    /// </summary>
    static void HScan(CommandContext ctx)
    {
        if (!ScanArguments.TryParseCursor(ctx, 2, out ulong cursor)) return;
        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (!hash.Exists) { ScanArguments.ReplyEmpty(ctx); return; }

        if (!ScanArguments.TryParse(ctx, 3, allowType: false, out var scan)) return;

        var r = ctx.Reply;
        r.ArrayHeader(2);
        var table = hash.Table;
        if (table == null)
        {
            r.Bulk("0"u8);
            int mark = r.BeginDeferred();
            long n = 0;
            var it = hash.GetEnumerator();
            while (it.MoveNext())
            {
                if (!scan.Matches(it.Field)) continue;
                r.Bulk(it.Field);
                r.Bulk(it.Value);
                n += 2;
            }
            r.EndDeferredArray(mark, n);
            return;
        }

        var fields = _scanBuffer ??= new List<HashField>();
        fields.Clear();
        // Like Redis: at most 10 × COUNT buckets per call, and COUNT is compared with fields and values together.
        long maxIterations = scan.Count > long.MaxValue / 10 ? long.MaxValue : scan.Count * 10;
        do cursor = table.Scan(cursor, fields);
        while (cursor != 0 && maxIterations-- != 0 && fields.Count * 2L < scan.Count);

        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(cursor, digits, out int len);
        r.Bulk(digits[..len]);
        int start = r.BeginDeferred();
        long elements = 0;
        foreach (var f in fields)
        {
            if (!scan.Matches(f.Key)) continue;
            r.Bulk(f.Key);
            r.Bulk(f.Value);
            elements += 2;
        }
        r.EndDeferredArray(start, elements);
        fields.Clear();
        if (fields.Capacity > 4096) _scanBuffer = null;
    }

    // ---- HRANDFIELD ----

    /// <summary>HRANDFIELD key [count [WITHVALUES]]</summary>
    static void HRandField(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!Numbers.TryParseStrictLong(ctx.Arg(2), out long l)) { ctx.Error(Errors.NotInteger); return; }
            if (l < -long.MaxValue)
            {
                ctx.Error($"ERR value is out of range, value must between {-long.MaxValue} and {long.MaxValue}");
                return;
            }
            bool withValues = false;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "withvalues"u8))) { ctx.SyntaxError(); return; }
            if (ctx.ArgCount == 4)
            {
                withValues = true;
                if (l < -long.MaxValue / 2 || l > long.MaxValue / 2) { ctx.Error("ERR value is out of range"); return; }
            }
            RandomFieldsWithCount(ctx, l, withValues);
            return;
        }

        if (!TryGetHash(ctx, ctx.LookupRead(ctx.Arg(1)), out var hash)) return;
        if (!hash.Exists) { ctx.Reply.Null(); return; }
        ctx.Reply.Bulk(hash.RandomPair(ctx.Server.Random).Field);
    }

    static void RandomFieldsWithCount(CommandContext ctx, long l, bool withValues)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.EmptyArray(); return; }
        if (!TryGetHash(ctx, e, out var hash)) return;
        var r = ctx.Reply;
        bool unique = l >= 0;
        ulong count = unique ? (ulong)l : (ulong)(-l);
        if (count == 0) { r.EmptyArray(); return; }
        bool nested = withValues && r.Resp3;
        var rng = ctx.Server.Random;
        long size = hash.Count;
        var table = hash.Table;
        int[]? positions = table == null ? hash.CompactPairPositions() : null;

        // Negative count (or 1): independent picks, repetitions allowed, in pick order.
        if (!unique || count == 1)
        {
            r.ArrayHeader(withValues && !r.Resp3 ? (long)count * 2 : (long)count);
            for (ulong i = 0; i < count; i++)
            {
                if (nested) r.ArrayHeader(2);
                if (table != null)
                {
                    var f = table.RandomEntry(rng)!;
                    r.Bulk(f.Key);
                    if (withValues) r.Bulk(f.Value);
                }
                else
                {
                    var p = hash.CompactPairAt(positions![rng.Next(positions.Length)]);
                    r.Bulk(p.Field);
                    if (withValues) r.Bulk(p.Value);
                }
                if ((i & 1023) == 1023 && r.Length > MaxReplyBytes)
                {
                    // Redis would grow the output buffer until the client is closed; we drop the client now.
                    ctx.Server.Log.Warning($"Closing client whose HRANDFIELD reply grew past {MaxReplyBytes >> 20} MB");
                    r.Truncate(0);
                    ctx.Server.Clients.Kill(ctx.Client);
                    return;
                }
            }
            return;
        }

        long replySize = (long)Math.Min(count, (ulong)size);
        r.ArrayHeader(withValues && !r.Resp3 ? replySize * 2 : replySize);

        // The whole hash when asking for at least all of it (in the hash's own order).
        if (count >= (ulong)size)
        {
            foreach (var p in hash)
            {
                if (nested) r.ArrayHeader(2);
                r.Bulk(p.Field);
                if (withValues) r.Bulk(p.Value);
            }
            return;
        }

        int k = (int)count;
        if (positions != null)
        {
            // Compact: a random subset returned in the hash's order (like lpRandomPairsUnique).
            var chosen = PickDistinct(rng, positions.Length, k);
            Array.Sort(chosen);
            foreach (int index in chosen) ReplyPair(r, hash.CompactPairAt(positions[index]), withValues, nested);
            return;
        }

        if ((ulong)k * 3 > (ulong)size)
        {
            // Many of them: a partial shuffle of all the entries.
            var all = new HashField[size];
            int n = 0;
            foreach (var f in table!) all[n++] = f;
            for (int i = 0; i < k; i++)
            {
                int j = i + rng.Next(n - i);
                (all[i], all[j]) = (all[j], all[i]);
                ReplyField(r, all[i], withValues, nested);
            }
            return;
        }

        // Few of them: random picks until enough distinct ones.
        var seen = new HashSet<HashField>(ReferenceEqualityComparer.Instance);
        while (seen.Count < k)
        {
            var f = table!.RandomEntry(rng)!;
            if (seen.Add(f)) ReplyField(r, f, withValues, nested);
        }
    }

    /// <summary><paramref name="k"/> distinct indexes in [0, n).</summary>
    static int[] PickDistinct(Random rng, int n, int k)
    {
        var all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.Next(n - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..k];
    }

    static void ReplyPair(Protocol.RespWriter r, Hash.Pair p, bool withValues, bool nested)
    {
        if (nested) r.ArrayHeader(2);
        r.Bulk(p.Field);
        if (withValues) r.Bulk(p.Value);
    }

    static void ReplyField(Protocol.RespWriter r, HashField f, bool withValues, bool nested)
    {
        if (nested) r.ArrayHeader(2);
        r.Bulk(f.Key);
        if (withValues) r.Bulk(f.Value);
    }

    static int ClampToInt(long v) => (int)Math.Clamp(v, 0, int.MaxValue);
}
