using System.Buffers;
using System.Buffers.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Protocol;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>The set family: SADD and friends, random picks and pops, the set algebra and SSCAN.</summary>
public static class SetCommands
{
    const string MustBePositive = "ERR value is out of range, must be positive";
    const string NumKeysNotPositive = "ERR numkeys should be greater than 0";
    const string TooManyKeys = "ERR Number of keys can't be greater than number of args";
    const string NegativeLimit = "ERR LIMIT can't be negative";

    /// <summary>SPOP with a count pops by random picks while the set keeps more than count/5 members (Redis's SPOP_MOVE_STRATEGY_MUL).</summary>
    const int SpopMoveStrategyMul = 5;
    /// <summary>SRANDMEMBER copies the whole set when count is more than a third of it (SRANDMEMBER_SUB_STRATEGY_MUL).</summary>
    const int SrandmemberSubStrategyMul = 3;

    /// <summary>A reply this large is never sent: the client is dropped instead (SRANDMEMBER with a huge negative count).</summary>
    internal static long MaxReplyBytes = 512L << 20;

    static readonly byte[] SRemName = "SREM"u8.ToArray();
    static readonly byte[] DelName = "DEL"u8.ToArray();

    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("sadd", -3, "write denyoom fast", 1, 1, 1, SAdd) { Group = "set", Since = "1.0.0", KeySpecs = "RW insert", Complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", Summary = "Adds members to a set, creating the set if needed." });
        t.Add(new CommandSpec("srem", -3, "write fast", 1, 1, 1, SRem) { Group = "set", Since = "1.0.0", KeySpecs = "RW delete", Complexity = "O(N) where N is the number of members to be removed.", Summary = "Removes members from a set; the set disappears with its last member." });
        t.Add(new CommandSpec("smembers", 2, "readonly", 1, 1, 1, SMembers) { Group = "set", Since = "1.0.0", KeySpecs = "RO access", Tips = "nondeterministic_output_order", Complexity = "O(N) where N is the set cardinality.", Summary = "Returns every member of a set." });
        t.Add(new CommandSpec("sismember", 3, "readonly fast", 1, 1, 1, SIsMember) { Group = "set", Since = "1.0.0", KeySpecs = "RO", Summary = "Tells whether a value is a member of a set." });
        t.Add(new CommandSpec("smismember", -3, "readonly fast", 1, 1, 1, SMIsMember) { Group = "set", Since = "6.2.0", KeySpecs = "RO access", Complexity = "O(N) where N is the number of elements being checked for membership", Summary = "Tells for each of several values whether it is a member of a set." });
        t.Add(new CommandSpec("scard", 2, "readonly fast", 1, 1, 1, SCard) { Group = "set", Since = "1.0.0", KeySpecs = "RO", Summary = "Returns how many members a set has." });
        t.Add(new CommandSpec("spop", -2, "write fast", 1, 1, 1, SPop) { Group = "set", Since = "1.0.0", KeySpecs = "RW access delete", Tips = "nondeterministic_output", Complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", Summary = "Removes random members from a set and returns them." });
        t.Add(new CommandSpec("srandmember", -2, "readonly", 1, 1, 1, SRandMember) { Group = "set", Since = "1.0.0", KeySpecs = "RO access", Tips = "nondeterministic_output", Complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", Summary = "Returns random members of a set without removing them." });
        t.Add(new CommandSpec("smove", 4, "write fast", 1, 2, 1, SMove) { Group = "set", Since = "1.0.0", KeySpecs = "RW access delete index:1 range:0:1:0; RW insert index:2 range:0:1:0", Summary = "Moves a member from one set to another." });
        t.Add(new CommandSpec("sinter", -2, "readonly", 1, -1, 1, SInter) { Group = "set", Since = "1.0.0", KeySpecs = "RO access", Tips = "nondeterministic_output_order", Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Summary = "Returns the members common to all the given sets." });
        t.Add(new CommandSpec("sinterstore", -3, "write denyoom", 1, -1, 1, SInterStore) { Group = "set", Since = "1.0.0", KeySpecs = "RW update index:1 range:0:1:0; RO access index:2 range:-1:1:0", Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Summary = "Stores the intersection of sets in a key." });
        t.Add(new CommandSpec("sintercard", -3, "readonly movablekeys", 0, 0, 0, SInterCard) { Group = "set", Since = "7.0.0", KeySpecs = "RO access index:1 keynum:0:1:1", Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Summary = "Counts the members common to all the given sets, optionally stopping at a limit." });
        t.Add(new CommandSpec("sunion", -2, "readonly", 1, -1, 1, SUnion) { Group = "set", Since = "1.0.0", KeySpecs = "RO access", Tips = "nondeterministic_output_order", Complexity = "O(N) where N is the total number of elements in all given sets.", Summary = "Returns the members of any of the given sets." });
        t.Add(new CommandSpec("sunionstore", -3, "write denyoom", 1, -1, 1, SUnionStore) { Group = "set", Since = "1.0.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 range:-1:1:0", Complexity = "O(N) where N is the total number of elements in all given sets.", Summary = "Stores the union of sets in a key." });
        t.Add(new CommandSpec("sdiff", -2, "readonly", 1, -1, 1, SDiff) { Group = "set", Since = "1.0.0", KeySpecs = "RO access", Tips = "nondeterministic_output_order", Complexity = "O(N) where N is the total number of elements in all given sets.", Summary = "Returns the members of the first set that are in none of the others." });
        t.Add(new CommandSpec("sdiffstore", -3, "write denyoom", 1, -1, 1, SDiffStore) { Group = "set", Since = "1.0.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 range:-1:1:0", Complexity = "O(N) where N is the total number of elements in all given sets.", Summary = "Stores the difference of sets in a key." });
        t.Add(new CommandSpec("sscan", -3, "readonly", 1, 1, 1, SScan) { Group = "set", Since = "2.8.0", KeySpecs = "RO access", Tips = "nondeterministic_output", Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", Summary = "Walks the members of a set incrementally with a cursor." });
    }

    // ---- Shared helpers ----

    /// <summary>Reads a key that must hold a set: false (after replying WRONGTYPE) for any other type.</summary>
    static bool TryGetSet(CommandContext ctx, KeyEntry? e, out Set set)
    {
        set = default;
        if (e == null || Set.TryOpen(e.Value, out set)) return true;
        ctx.WrongType();
        return false;
    }

    /// <summary>A builder for a new set under the current set-max-intset-entries and set-max-listpack-* limits.</summary>
    static SetBuilder NewBuilder(CommandContext ctx)
    {
        var c = ctx.Server.Config;
        return new SetBuilder(c.SetMaxIntsetEntries, c.SetMaxListpackEntries, c.SetMaxListpackValue);
    }

    static void ReplyMember(RespWriter r, in SetMember m)
    {
        if (m.IsInteger) r.BulkLong(m.Integer);
        else r.Bulk(m.Bytes);
    }

    /// <summary>Stores the view's value object in the key when a write replaced it (the write was announced with Touch).</summary>
    static void StoreIfMoved(CommandContext ctx, KeyEntry e, in Set set)
    {
        if (!ReferenceEquals(e.Value, set.Value)) ctx.Db.StoreAfterTouch(e, set.Value);
    }

    // ---- Writes ----

    /// <summary>SADD key member [member ...]</summary>
    static void SAdd(CommandContext ctx)
    {
        var e = ctx.LookupWrite(ctx.Arg(1));
        Set set;
        if (e == null) set = Set.New();
        else if (!Set.TryOpen(e.Value, out set)) { ctx.WrongType(); return; }

        var config = ctx.Server.Config;
        long max = config.SetMaxIntsetEntries, lpEntries = config.SetMaxListpackEntries, lpValue = config.SetMaxListpackValue;
        int members = ctx.ArgCount - 2;
        long added = 0;
        bool touched = e == null;
        long[]? ints = members > 1 && set.IsIntsetEncoded ? ParseAllIntegers(ctx, 2, members) : null;
        if (ints != null)
        {
            // Integers into an intset: one merge (an intset array is never changed in place, so the write
            // can be announced afterwards).
            added = set.AddIntegers(ints.AsSpan(0, members), max, lpEntries, lpValue);
            ArrayPool<long>.Shared.Return(ints);
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var member = ctx.Arg(i);
                if (!touched)
                {
                    if (set.Contains(member)) continue;
                    ctx.Db.Touch(e!);
                    touched = true;
                }
                if (set.Add(member, max, lpEntries, lpValue)) added++;
            }
        }

        if (added > 0)
        {
            if (e == null) ctx.Db.Add(ctx.ArgBytes(1), set.Value);
            else
            {
                if (!touched) ctx.Db.Touch(e);
                StoreIfMoved(ctx, e, set);
            }
            ctx.Notify(KeyspaceEvents.Set, "sadd", ctx.Arg(1));
            ctx.Dirty(added);
        }
        ctx.Reply.Integer(added);
    }

    /// <summary>The arguments as integers (in a pooled array), or null when one of them is not an integer.</summary>
    static long[]? ParseAllIntegers(CommandContext ctx, int first, int count)
    {
        var ints = ArrayPool<long>.Shared.Rent(count);
        for (int i = 0; i < count; i++)
        {
            if (!Numbers.TryParseStrictLong(ctx.Arg(first + i), out ints[i]))
            {
                ArrayPool<long>.Shared.Return(ints);
                return null;
            }
        }
        return ints;
    }

    /// <summary>SREM key member [member ...]: removing the last member deletes the key.</summary>
    static void SRem(CommandContext ctx)
    {
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (!TryGetSet(ctx, e, out var set)) return;
        long deleted = 0;
        bool keyRemoved = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var member = ctx.Arg(i);
            if (deleted == 0)
            {
                if (!set.Contains(member)) continue;
                ctx.Db.Touch(e);
            }
            if (!set.Remove(member)) continue;
            deleted++;
            if (set.IsEmpty)
            {
                ctx.Db.Delete(ctx.Arg(1));
                keyRemoved = true;
                break;
            }
        }
        if (deleted > 0)
        {
            if (!keyRemoved) StoreIfMoved(ctx, e, set);
            ctx.Notify(KeyspaceEvents.Set, "srem", ctx.Arg(1));
            if (keyRemoved) ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
            ctx.Dirty(deleted);
        }
        ctx.Reply.Integer(deleted);
    }

    /// <summary>SMOVE source destination member</summary>
    static void SMove(CommandContext ctx)
    {
        var src = ctx.LookupWrite(ctx.Arg(1));
        var dst = ctx.LookupWrite(ctx.Arg(2));
        var member = ctx.Arg(3);
        if (src == null) { ctx.Reply.Integer(0); return; }
        if (!Set.TryOpen(src.Value, out var srcSet) || (dst != null && !Set.IsSet(dst.Value))) { ctx.WrongType(); return; }

        // The same key: nothing moves.
        if (ReferenceEquals(src, dst))
        {
            ctx.Reply.Integer(srcSet.Contains(member) ? 1 : 0);
            return;
        }
        if (!srcSet.Contains(member)) { ctx.Reply.Integer(0); return; }

        ctx.Db.Touch(src);
        srcSet.Remove(member);
        ctx.Notify(KeyspaceEvents.Set, "srem", ctx.Arg(1));
        if (srcSet.IsEmpty)
        {
            ctx.Db.Delete(ctx.Arg(1));
            ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
        }
        else StoreIfMoved(ctx, src, srcSet);
        ctx.Dirty();

        var config = ctx.Server.Config;
        long max = config.SetMaxIntsetEntries, lpEntries = config.SetMaxListpackEntries, lpValue = config.SetMaxListpackValue;
        bool added;
        if (dst == null)
        {
            var created = Set.New();
            added = created.Add(member, max, lpEntries, lpValue);
            ctx.Db.Add(ctx.ArgBytes(2), created.Value);
        }
        else
        {
            Set.TryOpen(dst.Value, out var dstSet);
            added = !dstSet.Contains(member);
            if (added)
            {
                ctx.Db.Touch(dst);
                dstSet.Add(member, max, lpEntries, lpValue);
                StoreIfMoved(ctx, dst, dstSet);
            }
        }
        if (added)
        {
            ctx.Dirty();
            ctx.Notify(KeyspaceEvents.Set, "sadd", ctx.Arg(2));
        }
        ctx.Reply.Integer(1);
    }

    /// <summary>SPOP key [count]: replicated as SREM of each popped member (DEL when the whole set goes).</summary>
    static void SPop(CommandContext ctx)
    {
        if (ctx.ArgCount == 3) { SPopWithCount(ctx); return; }
        if (ctx.ArgCount > 3) { ctx.SyntaxError(); return; }

        var e = ctx.LookupWrite(ctx.Arg(1));
        if (e == null) { ctx.Reply.Null(); return; }
        if (!TryGetSet(ctx, e, out var set)) return;

        ctx.Db.Touch(e);
        var picked = set.RandomMember(ctx.Server.Random);
        var member = picked.ToArray();
        set.Remove(picked);
        ctx.Notify(KeyspaceEvents.Set, "spop", ctx.Arg(1));
        ctx.Propagate(SRemName, ctx.ArgBytes(1), member);
        ctx.Reply.Bulk(member);
        if (set.IsEmpty)
        {
            ctx.Db.Delete(ctx.Arg(1));
            ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
        }
        else StoreIfMoved(ctx, e, set);
        ctx.Dirty();
    }

    static void SPopWithCount(CommandContext ctx)
    {
        if (!Numbers.TryParseStrictLong(ctx.Arg(2), out long l) || l < 0) { ctx.Error(MustBePositive); return; }
        ulong count = (ulong)l;
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (e == null) { ctx.Reply.SetHeader(0); return; }
        if (!TryGetSet(ctx, e, out var set)) return;
        if (count == 0) { ctx.Reply.SetHeader(0); return; }

        long size = set.Count;
        var r = ctx.Reply;
        ctx.Notify(KeyspaceEvents.Set, "spop", ctx.Arg(1));

        // Case 1: the whole set, replied like SUNION of the key (which counts a keyspace hit), replicated as DEL.
        if (count >= (ulong)size)
        {
            ctx.LookupRead(ctx.Arg(1));
            var whole = NewBuilder(ctx);
            foreach (var m in set) whole.Add(m);
            Set.TryOpen(whole.Build()!, out var copy);
            ReplySet(r, copy);
            ctx.Db.Delete(ctx.Arg(1));
            ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
            ctx.Propagate(DelName, ctx.ArgBytes(1));
            ctx.Dirty(size);
            return;
        }

        ctx.Db.Touch(e);
        var key = ctx.ArgBytes(1);
        var rng = ctx.Server.Random;
        long n = (long)count, remaining = size - n;
        r.SetHeader(n);
        if (remaining * SpopMoveStrategyMul > n)
        {
            // Case 2: few members popped: random picks, removed one by one.
            for (long i = 0; i < n; i++)
            {
                var picked = set.RandomMember(rng);
                var member = picked.ToArray();
                set.Remove(picked);
                r.Bulk(member);
                ctx.Propagate(SRemName, key, member);
            }
            StoreIfMoved(ctx, e, set);
        }
        else
        {
            // Case 3: most of the set popped: the members that stay are picked into a new set, the rest is returned.
            var kept = NewBuilder(ctx);
            for (long i = 0; i < remaining; i++)
            {
                var picked = set.RandomMember(rng);
                kept.Add(picked);
                set.Remove(picked);
            }
            Span<byte> scratch = stackalloc byte[24];
            foreach (var m in set)
            {
                var member = m.AsBytes(scratch).ToArray();
                r.Bulk(member);
                ctx.Propagate(SRemName, key, member);
            }
            ctx.Db.StoreAfterTouch(e, kept.Build()!);
        }
        ctx.Dirty(n);
    }

    // ---- Reads ----

    static void ReplySet(RespWriter r, in Set set)
    {
        r.SetHeader(set.Count);
        foreach (var m in set) ReplyMember(r, m);
    }

    /// <summary>SMEMBERS key</summary>
    static void SMembers(CommandContext ctx)
    {
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        if (!set.Exists) { ctx.Reply.SetHeader(0); return; }
        ReplySet(ctx.Reply, set);
    }

    /// <summary>SISMEMBER key member</summary>
    static void SIsMember(CommandContext ctx)
    {
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        ctx.Reply.Integer(set.Exists && set.Contains(ctx.Arg(2)) ? 1 : 0);
    }

    /// <summary>SMISMEMBER key member [member ...]: a missing key is an empty set.</summary>
    static void SMIsMember(CommandContext ctx)
    {
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
            ctx.Reply.Integer(set.Exists && set.Contains(ctx.Arg(i)) ? 1 : 0);
    }

    /// <summary>SCARD key</summary>
    static void SCard(CommandContext ctx)
    {
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        ctx.Reply.Integer(set.Exists ? set.Count : 0);
    }

    /// <summary>SRANDMEMBER key [count]</summary>
    static void SRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount == 3) { SRandMemberWithCount(ctx); return; }
        if (ctx.ArgCount > 3) { ctx.SyntaxError(); return; }
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        if (!set.Exists) { ctx.Reply.Null(); return; }
        ReplyMember(ctx.Reply, set.RandomMember(ctx.Server.Random));
    }

    /// <summary>
    /// SRANDMEMBER key count: a negative count picks independently (repeats allowed, in pick order); a positive
    /// one returns distinct members: the whole set when count reaches its size, otherwise a random subset.
    /// </summary>
    static void SRandMemberWithCount(CommandContext ctx)
    {
        if (!Numbers.TryParseStrictLong(ctx.Arg(2), out long l)) { ctx.Error(Errors.NotInteger); return; }
        if (l < -long.MaxValue)
        {
            ctx.Error($"ERR value is out of range, value must between {-long.MaxValue} and {long.MaxValue}");
            return;
        }
        bool unique = l >= 0;
        ulong count = unique ? (ulong)l : (ulong)(-l);
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.EmptyArray(); return; }
        if (!TryGetSet(ctx, e, out var set)) return;
        var r = ctx.Reply;
        if (count == 0) { r.EmptyArray(); return; }
        var rng = ctx.Server.Random;
        long size = set.Count;

        // Case 1: independent picks.
        if (!unique || count == 1)
        {
            r.ArrayHeader((long)count);
            for (ulong i = 0; i < count; i++)
            {
                ReplyMember(r, set.RandomMember(rng));
                if ((i & 1023) == 1023 && r.Length > MaxReplyBytes)
                {
                    // Redis would grow the output buffer until the client is closed; we drop the client now.
                    ctx.Server.Log.Warning($"Closing client whose SRANDMEMBER reply grew past {MaxReplyBytes >> 20} MB");
                    r.Truncate(0);
                    ctx.Server.Clients.Kill(ctx.Client);
                    return;
                }
            }
            return;
        }

        // Case 2: at least the whole set.
        if (count >= (ulong)size)
        {
            r.ArrayHeader(size);
            foreach (var m in set) ReplyMember(r, m);
            return;
        }

        int k = (int)count;
        r.ArrayHeader(k);
        var table = set.Table;
        if (count * SrandmemberSubStrategyMul > (ulong)size)
        {
            // Case 3: a large part of the set: a partial shuffle of all the members.
            if (table == null)
            {
                foreach (int index in PickDistinct(rng, (int)size, k)) ReplyMember(r, set.MemberAt(index));
                return;
            }
            var all = new TableEntry[size];
            int n = 0;
            foreach (var entry in table) all[n++] = entry;
            for (int i = 0; i < k; i++)
            {
                int j = i + rng.Next(n - i);
                (all[i], all[j]) = (all[j], all[i]);
                r.Bulk(all[i].Key);
            }
            return;
        }

        // Case 4: a small part of a large set: random picks until enough distinct ones.
        if (table == null)
        {
            var seen = new HashSet<int>();
            while (seen.Count < k)
            {
                int index = rng.Next((int)size);
                if (seen.Add(index)) ReplyMember(r, set.MemberAt(index));
            }
            return;
        }
        var picked = new HashSet<TableEntry>(ReferenceEqualityComparer.Instance);
        while (picked.Count < k)
        {
            var entry = table.RandomEntry(rng)!;
            if (picked.Add(entry)) r.Bulk(entry.Key);
        }
    }

    /// <summary><paramref name="k"/> distinct indexes in [0, n), in random order.</summary>
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

    // ---- Set algebra ----

    /// <summary>
    /// Looks up the keys [first, first+count) for reading (counting hits and misses like Redis); a missing key
    /// is null. False, after replying WRONGTYPE, at the first key holding another type.
    /// </summary>
    static bool LoadSets(CommandContext ctx, int first, int count, object?[] sets)
    {
        for (int j = 0; j < count; j++)
        {
            var e = ctx.LookupRead(ctx.Arg(first + j));
            if (e == null) { sets[j] = null; continue; }
            if (!Set.IsSet(e.Value)) { ctx.WrongType(); return false; }
            sets[j] = e.Value;
        }
        return true;
    }

    static long CountOf(object value)
    {
        Set.TryOpen(value, out var s);
        return s.Count;
    }

    /// <summary>Stores a computed set in the destination (or deletes it when the result is empty) and replies its size.</summary>
    static void StoreResult(CommandContext ctx, int dstIndex, object? value, string eventName)
    {
        var dst = ctx.Arg(dstIndex);
        if (value != null)
        {
            ctx.Db.Set(dst, value);
            ctx.Reply.Integer(CountOf(value));
            ctx.Notify(KeyspaceEvents.Set, eventName, dst);
            ctx.Dirty();
            return;
        }
        ctx.Reply.Integer(0);
        if (ctx.Db.Delete(dst))
        {
            ctx.Dirty();
            ctx.Notify(KeyspaceEvents.Generic, "del", dst);
        }
    }

    static void SInter(CommandContext ctx) => Intersect(ctx, 1, ctx.ArgCount - 1, -1, false, 0);
    static void SInterStore(CommandContext ctx) => Intersect(ctx, 2, ctx.ArgCount - 2, 1, false, 0);

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit]</summary>
    static void SInterCard(CommandContext ctx)
    {
        if (!Numbers.TryParseStrictLong(ctx.Arg(1), out long numKeys) || numKeys < 1) { ctx.Error(NumKeysNotPositive); return; }
        if (numKeys > ctx.ArgCount - 2) { ctx.Error(TooManyKeys); return; }
        long limit = 0;
        for (int i = 2 + (int)numKeys; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "limit"u8) && i + 1 < ctx.ArgCount)
            {
                i++;
                if (!Numbers.TryParseStrictLong(ctx.Arg(i), out limit) || limit < 0) { ctx.Error(NegativeLimit); return; }
            }
            else { ctx.SyntaxError(); return; }
        }
        Intersect(ctx, 2, (int)numKeys, -1, true, limit);
    }

    /// <summary>
    /// Redis's sinterGenericCommand: walks the smallest set and keeps the members every other set holds.
    /// Replies them (SINTER, in the smallest set's order), counts them (SINTERCARD, stopping at a non-zero
    /// limit) or stores them (SINTERSTORE into the argument at <paramref name="dstIndex"/>).
    /// </summary>
    static void Intersect(CommandContext ctx, int first, int count, int dstIndex, bool cardinalityOnly, long limit)
    {
        var sets = new object?[count];
        if (!LoadSets(ctx, first, count, sets)) return;
        var r = ctx.Reply;
        if (Array.IndexOf(sets, null) >= 0)
        {
            // An empty set empties the intersection.
            if (dstIndex >= 0) StoreResult(ctx, dstIndex, null, "sinterstore");
            else if (cardinalityOnly) r.Integer(0);
            else r.SetHeader(0);
            return;
        }

        // Smallest first (a stable sort, so equal sizes keep the order of the arguments).
        var sizes = new long[count];
        for (int j = 0; j < count; j++) sizes[j] = CountOf(sets[j]!);
        for (int j = 1; j < count; j++)
        {
            var s = sets[j]; long size = sizes[j]; int i = j - 1;
            while (i >= 0 && sizes[i] > size) { sets[i + 1] = sets[i]; sizes[i + 1] = sizes[i]; i--; }
            sets[i + 1] = s; sizes[i + 1] = size;
        }

        var builder = dstIndex >= 0 ? NewBuilder(ctx) : null;
        int mark = builder == null && !cardinalityOnly ? r.BeginDeferred() : 0;
        long cardinality = 0;
        Set.TryOpen(sets[0]!, out var smallest);
        foreach (var m in smallest)
        {
            int j = 1;
            for (; j < count; j++)
            {
                if (ReferenceEquals(sets[j], sets[0])) continue;
                Set.TryOpen(sets[j]!, out var other);
                if (!other.Contains(m)) break;
            }
            if (j < count) continue;
            if (cardinalityOnly)
            {
                cardinality++;
                if (limit != 0 && cardinality >= limit) break;
            }
            else if (builder == null)
            {
                ReplyMember(r, m);
                cardinality++;
            }
            else builder.Add(m);
        }

        if (cardinalityOnly) r.Integer(cardinality);
        else if (builder != null) StoreResult(ctx, dstIndex, builder.Build(), "sinterstore");
        else r.EndDeferredSet(mark, cardinality);
    }

    static void SUnion(CommandContext ctx) => UnionOrDiff(ctx, 1, ctx.ArgCount - 1, -1, diff: false);
    static void SUnionStore(CommandContext ctx) => UnionOrDiff(ctx, 2, ctx.ArgCount - 2, 1, diff: false);
    static void SDiff(CommandContext ctx) => UnionOrDiff(ctx, 1, ctx.ArgCount - 1, -1, diff: true);
    static void SDiffStore(CommandContext ctx) => UnionOrDiff(ctx, 2, ctx.ArgCount - 2, 1, diff: true);

    /// <summary>
    /// Redis's sunionDiffGenericCommand: the result is built as a new set (so its encoding and, for an intset,
    /// its order are those of a set made by adding the members one by one), then replied or stored.
    /// </summary>
    static void UnionOrDiff(CommandContext ctx, int first, int count, int dstIndex, bool diff)
    {
        var sets = new object?[count];
        if (!LoadSets(ctx, first, count, sets)) return;
        var result = NewBuilder(ctx);

        if (!diff)
        {
            foreach (var value in sets)
            {
                if (value == null) continue;
                Set.TryOpen(value, out var s);
                foreach (var m in s) result.Add(m);
            }
        }
        else if (sets[0] != null && Array.IndexOf(sets, sets[0], 1) < 0)
        {
            Set.TryOpen(sets[0]!, out var head);
            // Redis's choice of algorithm: checking each member of the first set against every other set
            // (with an advantage), or subtracting everything the other sets hold.
            long oneWork = 0, twoWork = 0;
            foreach (var value in sets)
            {
                if (value == null) continue;
                oneWork += head.Count;
                twoWork += CountOf(value);
            }
            if (oneWork / 2 <= twoWork)
            {
                // Largest subtrahends first: a shared member is found sooner.
                var others = new List<object>();
                for (int j = 1; j < count; j++) if (sets[j] != null) others.Add(sets[j]!);
                others.Sort((a, b) => CountOf(b).CompareTo(CountOf(a)));
                foreach (var m in head)
                {
                    bool found = false;
                    foreach (var value in others)
                    {
                        Set.TryOpen(value, out var other);
                        if (other.Contains(m)) { found = true; break; }
                    }
                    if (!found) result.Add(m);
                }
            }
            else
            {
                // Everything the other sets hold, gathered once, then the first set filtered through it.
                var subtrahend = new SetBuilder(long.MaxValue);
                for (int j = 1; j < count; j++)
                {
                    if (sets[j] == null) continue;
                    Set.TryOpen(sets[j]!, out var s);
                    foreach (var m in s) subtrahend.Add(m);
                }
                var removed = subtrahend.Build();
                Set.TryOpen(removed ?? Array.Empty<IntsetInt16>(), out var minus);
                foreach (var m in head)
                    if (!minus.Contains(m)) result.Add(m);
            }
        }

        var value0 = result.Build();
        if (dstIndex >= 0)
        {
            StoreResult(ctx, dstIndex, value0, diff ? "sdiffstore" : "sunionstore");
            return;
        }
        if (value0 == null) { ctx.Reply.SetHeader(0); return; }
        Set.TryOpen(value0, out var output);
        ReplySet(ctx.Reply, output);
    }

    // ---- SSCAN ----

    [ThreadStatic] static List<TableEntry>? _scanBuffer;

    /// <summary>
    /// SSCAN key cursor [MATCH pattern] [COUNT count]. An intset or a compact set is returned whole with cursor 0
    /// (Redis does so for intsets, and a small hashtable set fits in one COUNT 10 call anyway);
    /// a table is walked with its reverse-binary cursor.
    /// </summary>
    static void SScan(CommandContext ctx)
    {
        if (!ScanArguments.TryParseCursor(ctx, 2, out ulong cursor)) return;
        if (!TryGetSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var set)) return;
        if (!set.Exists) { ScanArguments.ReplyEmpty(ctx); return; }

        if (!ScanArguments.TryParse(ctx, 3, allowType: false, out var scan)) return;

        var r = ctx.Reply;
        r.ArrayHeader(2);
        var table = set.Table;
        if (table == null)
        {
            r.Bulk("0"u8);
            int mark = r.BeginDeferred();
            long n = 0;
            Span<byte> scratch = stackalloc byte[24];
            foreach (var m in set)
            {
                var text = m.AsBytes(scratch);
                if (!scan.Matches(text)) continue;
                r.Bulk(text);
                n++;
            }
            r.EndDeferredArray(mark, n);
            return;
        }

        var members = _scanBuffer ??= new List<TableEntry>();
        members.Clear();
        // Like Redis: at most 10 × COUNT buckets per call.
        long maxIterations = scan.Count > long.MaxValue / 10 ? long.MaxValue : scan.Count * 10;
        do cursor = table.Scan(cursor, members);
        while (cursor != 0 && maxIterations-- != 0 && members.Count < scan.Count);

        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(cursor, digits, out int len);
        r.Bulk(digits[..len]);
        int start = r.BeginDeferred();
        long elements = 0;
        foreach (var entry in members)
        {
            if (!scan.Matches(entry.Key)) continue;
            r.Bulk(entry.Key);
            elements++;
        }
        r.EndDeferredArray(start, elements);
        members.Clear();
        if (members.Capacity > 4096) _scanBuffer = null;
    }
}
