using Mirra.Config;
using Mirra.Engine;
using Mirra.Storage;
using Mirra.Storage.Types;

namespace Mirra.Commands;

/// <summary>
/// The list family: pushes and pops at both ends, index and range access, LREM/LTRIM/LINSERT/LPOS,
/// LMOVE and LMPOP, and the blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) built on
/// <see cref="Blocking"/>.
/// </summary>
public static class ListCommands
{
    const string NotPositive = "ERR value is out of range, must be positive";
    const string RankZero = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

    static readonly byte[] LPopWord = "LPOP"u8.ToArray();
    static readonly byte[] RPopWord = "RPOP"u8.ToArray();
    static readonly byte[] LMoveWord = "LMOVE"u8.ToArray();
    static readonly byte[] RPopLPushWord = "RPOPLPUSH"u8.ToArray();
    static readonly byte[] LeftWord = "left"u8.ToArray();
    static readonly byte[] RightWord = "right"u8.ToArray();

    public static void Register(CommandTable t)
    {
        const string pushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
        const string mpopComplexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.";
        t.Add(new CommandSpec("lpush", -3, "write denyoom fast", 1, 1, 1, LPush) { Group = "list", Complexity = pushComplexity, KeySpecs = "RW insert", Summary = "Inserts elements at the head of a list, creating the list if needed." });
        t.Add(new CommandSpec("rpush", -3, "write denyoom fast", 1, 1, 1, RPush) { Group = "list", Complexity = pushComplexity, KeySpecs = "RW insert", Summary = "Appends elements at the tail of a list, creating the list if needed." });
        t.Add(new CommandSpec("lpushx", -3, "write denyoom fast", 1, 1, 1, LPushX) { Group = "list", Since = "2.2.0", Complexity = pushComplexity, KeySpecs = "RW insert", Summary = "Inserts elements at the head of a list only when the list exists." });
        t.Add(new CommandSpec("rpushx", -3, "write denyoom fast", 1, 1, 1, RPushX) { Group = "list", Since = "2.2.0", Complexity = pushComplexity, KeySpecs = "RW insert", Summary = "Appends elements at the tail of a list only when the list exists." });
        t.Add(new CommandSpec("lpop", -2, "write fast", 1, 1, 1, LPop) { Group = "list", Complexity = "O(N) where N is the number of elements returned", KeySpecs = "RW access delete", Summary = "Removes and returns the first element(s) of a list." });
        t.Add(new CommandSpec("rpop", -2, "write fast", 1, 1, 1, RPop) { Group = "list", Complexity = "O(N) where N is the number of elements returned", KeySpecs = "RW access delete", Summary = "Removes and returns the last element(s) of a list." });
        t.Add(new CommandSpec("lrange", 4, "readonly", 1, 1, 1, LRange) { Group = "list", Complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", KeySpecs = "RO access", Summary = "Returns the elements of a list between two indexes." });
        t.Add(new CommandSpec("lindex", 3, "readonly", 1, 1, 1, LIndex) { Group = "list", Complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", KeySpecs = "RO access", Summary = "Returns the element of a list at an index." });
        t.Add(new CommandSpec("lset", 4, "write denyoom", 1, 1, 1, LSet) { Group = "list", Complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", KeySpecs = "RW update", Summary = "Replaces the element of a list at an index." });
        t.Add(new CommandSpec("llen", 2, "readonly fast", 1, 1, 1, LLen) { Group = "list", KeySpecs = "RO", Summary = "Returns the number of elements of a list." });
        t.Add(new CommandSpec("lrem", 4, "write", 1, 1, 1, LRem) { Group = "list", Complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.", KeySpecs = "RW delete", Summary = "Removes elements equal to a value from a list." });
        t.Add(new CommandSpec("ltrim", 4, "write", 1, 1, 1, LTrim) { Group = "list", Complexity = "O(N) where N is the number of elements to be removed by the operation.", KeySpecs = "RW delete", Summary = "Keeps only the elements of a list between two indexes." });
        t.Add(new CommandSpec("linsert", 5, "write denyoom", 1, 1, 1, LInsert) { Group = "list", Since = "2.2.0", Complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", KeySpecs = "RW insert", Summary = "Inserts an element before or after a pivot element of a list." });
        t.Add(new CommandSpec("lpos", -3, "readonly", 1, 1, 1, LPos) { Group = "list", Since = "6.0.6", Complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", KeySpecs = "RO access", Summary = "Returns the positions of the elements of a list equal to a value." });
        t.Add(new CommandSpec("lmove", 5, "write denyoom", 1, 2, 1, LMove) { Group = "list", Since = "6.2.0", KeySpecs = "RW access delete index:1 range:0:1:0; RW insert index:2 range:0:1:0", Summary = "Moves an element from one end of a list to one end of another list." });
        t.Add(new CommandSpec("rpoplpush", 3, "write denyoom", 1, 2, 1, RPopLPush) { Group = "list", Since = "1.2.0", KeySpecs = "RW access delete index:1 range:0:1:0; RW insert index:2 range:0:1:0", Summary = "Moves the last element of a list to the head of another list (deprecated: use LMOVE)." });
        t.Add(new CommandSpec("lmpop", -4, "write movablekeys", 0, 0, 0, LMPop) { Group = "list", Since = "7.0.0", Complexity = mpopComplexity, KeySpecs = "RW access delete index:1 keynum:0:1:1", Summary = "Pops elements from the first non-empty list among several keys." });
        t.Add(new CommandSpec("blpop", -3, "write noscript blocking", 1, -2, 1, BLPop) { Group = "list", Since = "2.0.0", Complexity = "O(N) where N is the number of provided keys.", KeySpecs = "RW access delete index:1 range:-2:1:0", Summary = "Removes and returns the first element of the first non-empty list, waiting for one if needed." });
        t.Add(new CommandSpec("brpop", -3, "write noscript blocking", 1, -2, 1, BRPop) { Group = "list", Since = "2.0.0", Complexity = "O(N) where N is the number of provided keys.", KeySpecs = "RW access delete index:1 range:-2:1:0", Summary = "Removes and returns the last element of the first non-empty list, waiting for one if needed." });
        t.Add(new CommandSpec("blmove", 6, "write denyoom noscript blocking", 1, 2, 1, BLMove) { Group = "list", Since = "6.2.0", KeySpecs = "RW access delete index:1 range:0:1:0; RW insert index:2 range:0:1:0", Summary = "Moves an element between lists, waiting for the source to have one if needed." });
        t.Add(new CommandSpec("brpoplpush", 4, "write denyoom noscript blocking", 1, 2, 1, BRPopLPush) { Group = "list", Since = "2.2.0", KeySpecs = "RW access delete index:1 range:0:1:0; RW insert index:2 range:0:1:0", Summary = "Moves the last element of a list to the head of another, waiting if needed (deprecated: use BLMOVE)." });
        t.Add(new CommandSpec("blmpop", -5, "write blocking movablekeys", 0, 0, 0, BLMPop) { Group = "list", Since = "7.0.0", Complexity = mpopComplexity, KeySpecs = "RW access delete index:2 keynum:0:1:1", Summary = "Pops elements from the first non-empty list among several keys, waiting for one if needed." });
    }

    // ---- Shared helpers ----

    static int Fill(CommandContext ctx) => ctx.Server.Config.ListMaxListpackSize;

    /// <summary>The list stored in an entry; false (after replying WRONGTYPE) for another type. A missing key gives null.</summary>
    static bool TryGetList(CommandContext ctx, KeyEntry? e, out ListValue? list)
    {
        list = null;
        if (e == null) return true;
        list = e.Value as ListValue;
        if (list != null) return true;
        ctx.WrongType();
        return false;
    }

    /// <summary>LEFT or RIGHT (any case): true for LEFT (the head). Replies a syntax error otherwise.</summary>
    static bool TryGetSide(CommandContext ctx, int arg, out bool head)
    {
        head = ctx.ArgIs(arg, "left"u8);
        if (head || ctx.ArgIs(arg, "right"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    /// <summary>After elements were popped (Redis's listElementsRemoved): the pop event, and the key goes when empty.</summary>
    static void ElementsRemoved(CommandContext ctx, ReadOnlySpan<byte> key, ListValue list, bool head, long count)
    {
        ctx.Notify(KeyspaceEvents.List, head ? "lpop" : "rpop", key);
        if (list.Count == 0)
        {
            ctx.Db.Delete(key);
            ctx.Notify(KeyspaceEvents.Generic, "del", key);
        }
        ctx.Dirty(count);
    }

    /// <summary>Pops up to <paramref name="count"/> elements from one end, replying them as an array (tail first for RPOP).</summary>
    static long PopRangeReply(CommandContext ctx, ListValue list, bool head, long count)
    {
        long n = Math.Min(count, list.Count);
        ctx.Reply.ArrayHeader(n);
        var c = list.EndCursor(head);
        for (long i = 0; i < n; i++)
        {
            if (i > 0) { if (head) list.MoveNext(ref c); else list.MovePrevious(ref c); }
            ctx.Reply.Bulk(list.Get(c));
        }
        list.RemoveRange(head, n);
        return n;
    }

    /// <summary>Turns a start/stop pair into an inclusive range of [0, len), Redis-style; false when empty.</summary>
    static bool NormalizeRange(long len, ref long start, ref long end)
    {
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (start > end || start >= len) return false;
        if (end >= len) end = len - 1;
        return true;
    }

    // ---- Pushes ----

    static void LPush(CommandContext ctx) => Push(ctx, head: true, onlyIfExists: false);
    static void RPush(CommandContext ctx) => Push(ctx, head: false, onlyIfExists: false);
    static void LPushX(CommandContext ctx) => Push(ctx, head: true, onlyIfExists: true);
    static void RPushX(CommandContext ctx) => Push(ctx, head: false, onlyIfExists: true);

    /// <summary>LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]: replies the new length.</summary>
    static void Push(CommandContext ctx, bool head, bool onlyIfExists)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (!TryGetList(ctx, e, out var list)) return;
        if (list == null && onlyIfExists) { ctx.Reply.Integer(0); return; }
        int fill = Fill(ctx);
        if (list == null)
        {
            long bytes = 0;
            for (int i = 2; i < ctx.ArgCount; i++) bytes += ListValue.ElementSize(ctx.Arg(i).Length);
            list = new ListValue(bytes, fill); // a list made in one command gets its node sized once
            for (int i = 2; i < ctx.ArgCount; i++) list.Push(ctx.Arg(i), head, fill);
            ctx.Db.Add(ctx.ArgBytes(1), list);
        }
        else
        {
            ctx.Db.Touch(e!);
            for (int i = 2; i < ctx.ArgCount; i++) list.Push(ctx.Arg(i), head, fill);
        }
        ctx.Reply.Integer(list.Count);
        ctx.Notify(KeyspaceEvents.List, head ? "lpush" : "rpush", key);
        ctx.Dirty(ctx.ArgCount - 2);
    }

    // ---- Pops ----

    static void LPop(CommandContext ctx) => Pop(ctx, head: true);
    static void RPop(CommandContext ctx) => Pop(ctx, head: false);

    /// <summary>LPOP/RPOP key [count]: one element as a bulk, or with a count an array (empty for 0).</summary>
    static void Pop(CommandContext ctx, bool head)
    {
        if (ctx.ArgCount > 3) { ctx.Error(Errors.WrongArgs(ctx.Command.FullName)); return; }
        bool hasCount = ctx.ArgCount == 3;
        long count = 0;
        if (hasCount && (!Util.Numbers.TryParseStrictLong(ctx.Arg(2), out count) || count < 0)) { ctx.Error(NotPositive); return; }
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (e == null)
        {
            if (hasCount) ctx.Reply.NullArray(); else ctx.Reply.Null();
            return;
        }
        if (!TryGetList(ctx, e, out var list)) return;
        if (hasCount && count == 0) { ctx.Reply.EmptyArray(); return; }
        ctx.Db.Touch(e);
        long popped = 1;
        if (!hasCount)
        {
            ctx.Reply.Bulk(list!.End(head));
            list.RemoveEnd(head);
        }
        else popped = PopRangeReply(ctx, list!, head, count);
        ElementsRemoved(ctx, key, list!, head, popped);
    }

    // ---- Reads ----

    /// <summary>LRANGE key start stop</summary>
    static void LRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var e = ctx.LookupRead(ctx.Arg(1));
        if (!TryGetList(ctx, e, out var list)) return;
        if (list == null || !NormalizeRange(list.Count, ref start, ref end)) { ctx.Reply.EmptyArray(); return; }
        long n = end - start + 1;
        ctx.Reply.ArrayHeader(n);
        var c = list.Seek(start);
        for (long i = 0; i < n; i++)
        {
            if (i > 0) list.MoveNext(ref c);
            ctx.Reply.Bulk(list.Get(c));
        }
    }

    /// <summary>LINDEX key index</summary>
    static void LIndex(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Null(); return; }
        if (!TryGetList(ctx, e, out var list)) return;
        if (!ctx.TryGetLong(2, out long index)) return;
        if (list!.TryGet(index, out var value)) ctx.Reply.Bulk(value);
        else ctx.Reply.Null();
    }

    /// <summary>LLEN key</summary>
    static void LLen(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (!TryGetList(ctx, e, out var list)) return;
        ctx.Reply.Integer(list?.Count ?? 0);
    }

    /// <summary>LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]</summary>
    static void LPos(CommandContext ctx)
    {
        long rank = 1, count = -1, maxlen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool moreArgs = j + 1 < ctx.ArgCount;
            if (moreArgs && ctx.ArgIs(j, "rank"u8))
            {
                if (!ctx.TryGetLong(++j, out rank)) return;
                if (rank == 0) { ctx.Error(RankZero); return; }
            }
            else if (moreArgs && ctx.ArgIs(j, "count"u8))
            {
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(++j), out count) || count < 0) { ctx.Error("ERR COUNT can't be negative"); return; }
            }
            else if (moreArgs && ctx.ArgIs(j, "maxlen"u8))
            {
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(++j), out maxlen) || maxlen < 0) { ctx.Error("ERR MAXLEN can't be negative"); return; }
            }
            else { ctx.SyntaxError(); return; }
        }
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null)
        {
            if (count != -1) ctx.Reply.EmptyArray(); else ctx.Reply.Null();
            return;
        }
        if (!TryGetList(ctx, e, out var list)) return;

        // A negative rank searches from the tail; like Redis, the rank's magnitude wraps for LONG_MIN.
        bool fromHead = rank > 0;
        if (!fromHead) rank = unchecked(-rank);
        var element = ctx.Arg(2);
        long llen = list!.Count, index = 0, matches = 0, found = 0;
        int mark = count != -1 ? ctx.Reply.BeginDeferred() : 0;
        var c = list.EndCursor(fromHead);
        bool any = true;
        while (any && (maxlen == 0 || index < maxlen))
        {
            if (list.Get(c).SequenceEqual(element))
            {
                matches++;
                if (matches >= rank)
                {
                    long position = fromHead ? index : llen - index - 1;
                    if (count == -1) { ctx.Reply.Integer(position); return; }
                    found++;
                    ctx.Reply.Integer(position);
                    if (count != 0 && unchecked(matches - rank + 1) >= count) break;
                }
            }
            index++;
            any = fromHead ? list.MoveNext(ref c) : list.MovePrevious(ref c);
        }
        if (count == -1) ctx.Reply.Null();
        else ctx.Reply.EndDeferredArray(mark, found);
    }

    // ---- Middle edits ----

    /// <summary>LSET key index element</summary>
    static void LSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (e == null) { ctx.Error(Errors.NoSuchKey); return; }
        if (!TryGetList(ctx, e, out var list)) return;
        if (!ctx.TryGetLong(2, out long index)) return;
        long len = list!.Count;
        if (index < 0) index += len;
        if (index < 0 || index >= len) { ctx.Error(Errors.OutOfRange); return; }
        ctx.Db.Touch(e);
        list.Set(list.Seek(index), ctx.Arg(3), Fill(ctx));
        ctx.Reply.Ok();
        ctx.Notify(KeyspaceEvents.List, "lset", key);
        ctx.Dirty();
    }

    /// <summary>LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0 without the key.</summary>
    static void LInsert(CommandContext ctx)
    {
        bool after;
        if (ctx.ArgIs(2, "after"u8)) after = true;
        else if (ctx.ArgIs(2, "before"u8)) after = false;
        else { ctx.SyntaxError(); return; }
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (!TryGetList(ctx, e, out var list)) return;
        var pivot = ctx.Arg(3);
        var c = list!.EndCursor(true);
        bool found = false;
        do
        {
            if (list.Get(c).SequenceEqual(pivot)) { found = true; break; }
        } while (list.MoveNext(ref c));
        if (!found) { ctx.Reply.Integer(-1); return; }
        ctx.Db.Touch(e);
        list.InsertAt(c, after, ctx.Arg(4), Fill(ctx));
        ctx.Notify(KeyspaceEvents.List, "linsert", key);
        ctx.Dirty();
        ctx.Reply.Integer(list.Count);
    }

    /// <summary>LREM key count element</summary>
    static void LRem(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long count)) return;
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (!TryGetList(ctx, e, out var list)) return;
        var element = ctx.Arg(3);
        if (list == null || !Contains(list, element)) { ctx.Reply.Integer(0); return; }
        ctx.Db.Touch(e!);
        long removed = list.Remove(element, count, Fill(ctx));
        ctx.Notify(KeyspaceEvents.List, "lrem", key);
        if (list.Count == 0)
        {
            ctx.Db.Delete(key);
            ctx.Notify(KeyspaceEvents.Generic, "del", key);
        }
        ctx.Dirty(removed);
        ctx.Reply.Integer(removed);
    }

    static bool Contains(ListValue list, ReadOnlySpan<byte> element)
    {
        foreach (var item in list)
            if (item.SequenceEqual(element)) return true;
        return false;
    }

    /// <summary>LTRIM key start stop</summary>
    static void LTrim(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (!TryGetList(ctx, e, out var list)) return;
        if (list == null) { ctx.Reply.Ok(); return; }
        long len = list.Count, ltrim, rtrim;
        if (NormalizeRange(len, ref start, ref end)) { ltrim = start; rtrim = len - end - 1; }
        else { ltrim = len; rtrim = 0; }
        ctx.Db.Touch(e!);
        list.RemoveRange(true, ltrim);
        list.RemoveRange(false, rtrim);
        ctx.Notify(KeyspaceEvents.List, "ltrim", key);
        if (list.Count == 0)
        {
            ctx.Db.Delete(key);
            ctx.Notify(KeyspaceEvents.Generic, "del", key);
        }
        ctx.Dirty(ltrim + rtrim);
        ctx.Reply.Ok();
    }

    // ---- Moves ----

    /// <summary>LMOVE source destination LEFT|RIGHT LEFT|RIGHT</summary>
    static void LMove(CommandContext ctx)
    {
        if (!TryGetSide(ctx, 3, out bool from) || !TryGetSide(ctx, 4, out bool to)) return;
        MoveOrNull(ctx, from, to);
    }

    /// <summary>RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT.</summary>
    static void RPopLPush(CommandContext ctx) => MoveOrNull(ctx, false, true);

    /// <summary>Redis's lmoveGenericCommand: null without a source, WRONGTYPE for either key. Returns true when an element moved.</summary>
    static bool MoveOrNull(CommandContext ctx, bool fromHead, bool toHead)
    {
        var se = ctx.LookupWrite(ctx.Arg(1));
        if (se == null) { ctx.Reply.Null(); return false; }
        if (!TryGetList(ctx, se, out var source)) return false;
        return Move(ctx, ctx.Arg(1), se, source!, ctx.Arg(2), fromHead, toHead);
    }

    /// <summary>Moves one element from a non-empty source list to the destination (created if missing) and replies it.</summary>
    static bool Move(CommandContext ctx, ReadOnlySpan<byte> sourceKey, KeyEntry se, ListValue source, ReadOnlySpan<byte> destKey, bool fromHead, bool toHead)
    {
        var de = ctx.LookupWrite(destKey);
        if (!TryGetList(ctx, de, out var dest)) return false;
        ctx.Db.Touch(se);
        var value = source.Pop(fromHead);
        int fill = Fill(ctx);
        if (dest == null)
        {
            dest = new ListValue(ListValue.ElementSize(value.Length), fill);
            dest.Push(value, toHead, fill);
            ctx.Db.Add(destKey.ToArray(), dest);
        }
        else
        {
            if (de != se) ctx.Db.Touch(de!);
            dest.Push(value, toHead, fill);
        }
        ctx.Notify(KeyspaceEvents.List, toHead ? "lpush" : "rpush", destKey);
        ctx.Reply.Bulk(value);
        ElementsRemoved(ctx, sourceKey, source, fromHead, 1);
        return true;
    }

    // ---- LMPOP / BLMPOP ----

    sealed class MPopState
    {
        public bool Head;
        public long Count;
    }

    static void LMPop(CommandContext ctx) => MPop(ctx, numKeysArg: 1, timeoutArg: -1);

    /// <summary>BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]</summary>
    static void BLMPop(CommandContext ctx) => MPop(ctx, numKeysArg: 2, timeoutArg: 1);

    /// <summary>Redis's lmpopGenericCommand: options first, then (BLMPOP) the timeout, then the keys.</summary>
    static void MPop(CommandContext ctx, int numKeysArg, int timeoutArg)
    {
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(numKeysArg), out long numKeys) || numKeys <= 0)
        {
            ctx.Error("ERR numkeys should be greater than 0");
            return;
        }
        if (numKeys >= ctx.ArgCount - numKeysArg - 1) { ctx.SyntaxError(); return; }
        int whereArg = numKeysArg + (int)numKeys + 1;
        if (!TryGetSide(ctx, whereArg, out bool head)) return;
        long count = -1;
        for (int j = whereArg + 1; j < ctx.ArgCount; j++)
        {
            if (count == -1 && ctx.ArgIs(j, "count"u8) && j + 1 < ctx.ArgCount)
            {
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(++j), out count) || count <= 0)
                {
                    ctx.Error("ERR count should be greater than 0");
                    return;
                }
            }
            else { ctx.SyntaxError(); return; }
        }
        if (count == -1) count = 1;
        long deadlineMs = -1;
        if (timeoutArg > 0 && !Blocking.TryParseTimeout(ctx, timeoutArg, out deadlineMs)) return;

        for (int i = numKeysArg + 1; i < whereArg; i++)
        {
            var key = ctx.Arg(i);
            var e = ctx.LookupWrite(key);
            if (e == null) continue;
            if (!TryGetList(ctx, e, out var list)) return;
            PopWithKeyReply(ctx, key, e, list!, head, count);
            return;
        }
        if (deadlineMs < 0 || !Blocking.MayBlock(ctx.Client)) { ctx.Reply.NullArray(); return; }
        var keys = new byte[whereArg - numKeysArg - 1][];
        for (int i = 0; i < keys.Length; i++) keys[i] = ctx.ArgBytes(numKeysArg + 1 + i);
        ctx.Server.Blocking.Block(ctx, keys, deadlineMs, ServeMPop, new MPopState { Head = head, Count = count });
    }

    /// <summary>Pops up to count elements replying [key, [elements]]; propagated as LPOP/RPOP key n.</summary>
    static void PopWithKeyReply(CommandContext ctx, ReadOnlySpan<byte> key, KeyEntry e, ListValue list, bool head, long count)
    {
        ctx.Db.Touch(e);
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk(key);
        long n = PopRangeReply(ctx, list, head, count);
        var keyBytes = key.ToArray();
        ElementsRemoved(ctx, key, list, head, n);
        ctx.Propagate(head ? LPopWord : RPopWord, keyBytes, System.Text.Encoding.ASCII.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    static bool ServeMPop(CommandContext ctx, BlockedClient blocked, byte[] key)
    {
        var e = ctx.LookupWrite(key);
        if (e?.Value is not ListValue list) return false;
        var state = (MPopState)blocked.State!;
        PopWithKeyReply(ctx, key, e, list, state.Head, state.Count);
        return true;
    }

    // ---- BLPOP / BRPOP ----

    static void BLPop(CommandContext ctx) => BlockingPop(ctx, head: true);
    static void BRPop(CommandContext ctx) => BlockingPop(ctx, head: false);

    /// <summary>BLPOP/BRPOP key [key ...] timeout: [key, element] from the first non-empty list, or wait.</summary>
    static void BlockingPop(CommandContext ctx, bool head)
    {
        int timeoutArg = ctx.ArgCount - 1;
        if (!Blocking.TryParseTimeout(ctx, timeoutArg, out long deadline)) return;
        for (int i = 1; i < timeoutArg; i++)
        {
            var key = ctx.Arg(i);
            var e = ctx.LookupWrite(key);
            if (e == null) continue;
            if (!TryGetList(ctx, e, out var list)) return;
            PopOneWithKey(ctx, key, e, list!, head);
            return;
        }
        if (!Blocking.MayBlock(ctx.Client)) { ctx.Reply.NullArray(); return; }
        var keys = new byte[timeoutArg - 1][];
        for (int i = 0; i < keys.Length; i++) keys[i] = ctx.ArgBytes(i + 1);
        ctx.Server.Blocking.Block(ctx, keys, deadline, head ? ServeLPop : ServeRPop);
    }

    /// <summary>Replies [key, element] and pops it; propagated as LPOP/RPOP key.</summary>
    static void PopOneWithKey(CommandContext ctx, ReadOnlySpan<byte> key, KeyEntry e, ListValue list, bool head)
    {
        ctx.Db.Touch(e);
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk(key);
        ctx.Reply.Bulk(list.End(head));
        list.RemoveEnd(head);
        var keyBytes = key.ToArray();
        ElementsRemoved(ctx, key, list, head, 1);
        ctx.Propagate(head ? LPopWord : RPopWord, keyBytes);
    }

    static bool ServeLPop(CommandContext ctx, BlockedClient blocked, byte[] key) => ServePop(ctx, key, head: true);
    static bool ServeRPop(CommandContext ctx, BlockedClient blocked, byte[] key) => ServePop(ctx, key, head: false);

    static bool ServePop(CommandContext ctx, byte[] key, bool head)
    {
        var e = ctx.LookupWrite(key);
        if (e?.Value is not ListValue list) return false;
        PopOneWithKey(ctx, key, e, list, head);
        return true;
    }

    // ---- BLMOVE / BRPOPLPUSH ----

    sealed class MoveState
    {
        public byte[] Destination = null!;
        public bool FromHead, ToHead;
    }

    /// <summary>BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout</summary>
    static void BLMove(CommandContext ctx)
    {
        if (!TryGetSide(ctx, 3, out bool from) || !TryGetSide(ctx, 4, out bool to)) return;
        if (!Blocking.TryParseTimeout(ctx, 5, out long deadline)) return;
        BlockingMove(ctx, from, to, deadline);
    }

    /// <summary>BRPOPLPUSH source destination timeout</summary>
    static void BRPopLPush(CommandContext ctx)
    {
        if (!Blocking.TryParseTimeout(ctx, 3, out long deadline)) return;
        BlockingMove(ctx, false, true, deadline);
    }

    /// <summary>Redis's blmoveGenericCommand: the destination's type is only checked once there is an element to move.</summary>
    static void BlockingMove(CommandContext ctx, bool fromHead, bool toHead, long deadline)
    {
        var se = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetList(ctx, se, out var source)) return;
        if (source != null)
        {
            if (Move(ctx, ctx.Arg(1), se!, source, ctx.Arg(2), fromHead, toHead))
                ctx.Propagate(MoveEffect(ctx.Command.Name == "brpoplpush", ctx.ArgBytes(1), ctx.ArgBytes(2),
                    ctx.ArgCount > 4 ? ctx.ArgBytes(3) : null, ctx.ArgCount > 4 ? ctx.ArgBytes(4) : null));
            return;
        }
        // Redis answers a null bulk here (not the null array of a timeout).
        if (!Blocking.MayBlock(ctx.Client)) { ctx.Reply.Null(); return; }
        ctx.Server.Blocking.Block(ctx, [ctx.ArgBytes(1)], deadline, ServeMove,
            new MoveState { Destination = ctx.ArgBytes(2), FromHead = fromHead, ToHead = toHead });
    }

    /// <summary>What a BLMOVE/BRPOPLPUSH that moved an element is replicated as: LMOVE (sides as given) or RPOPLPUSH.</summary>
    static byte[][] MoveEffect(bool rpoplpush, byte[] source, byte[] destination, byte[]? from, byte[]? to) =>
        rpoplpush ? [RPopLPushWord, source, destination] : [LMoveWord, source, destination, from!, to!];

    static bool ServeMove(CommandContext ctx, BlockedClient blocked, byte[] key)
    {
        var se = ctx.LookupWrite(key);
        if (se?.Value is not ListValue source) return false;
        var state = (MoveState)blocked.State!;
        // A destination of another type answers WRONGTYPE and the element stays (the client is still unblocked).
        if (Move(ctx, key, se, source, state.Destination, state.FromHead, state.ToHead))
            ctx.Propagate(MoveEffect(blocked.Command.Name == "brpoplpush", key, state.Destination,
                state.FromHead ? LeftWord : RightWord, state.ToHead ? LeftWord : RightWord));
        return true;
    }
}
