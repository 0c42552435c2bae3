using System.Buffers.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Protocol;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Commands;

/// <summary>
/// The sorted set family: ZADD and friends, ranges by rank/score/lex (and their STORE forms), pops,
/// ZUNION/ZINTER/ZDIFF (+STORE, ZINTERCARD), range removals, ZRANDMEMBER and ZSCAN. The blocking
/// variants (BZPOPMIN, BZPOPMAX, BZMPOP) are wired by the blocking mechanism through <see cref="PopAndReply"/>.
/// </summary>
public static class SortedSetCommands
{
    const string NaNResult = "ERR resulting score is not a number (NaN)";
    const string NotFloatRange = "ERR min or max is not a float";
    const string NotLexRange = "ERR min or max not valid string range item";

    /// <summary>A reply this large is never sent: the client is dropped instead (ZRANDMEMBER with a huge negative count).</summary>
    internal static long MaxReplyBytes = 512L << 20;

    public static void Register(CommandTable t)
    {
        const string g = "sorted-set";
        const string logN = "O(log(N)) where N is the number of members";
        const string rangeC = "O(log(N)+M) with N members in the set and M members returned";
        t.Add(new CommandSpec("zadd", -4, "write denyoom fast", 1, 1, 1, ZAdd) { Group = g, Since = "1.2.0", KeySpecs = "RW update", Complexity = "O(log(N)) for each member added or updated", Summary = "Adds members with scores to a sorted set, or changes their scores." });
        t.Add(new CommandSpec("zincrby", 4, "write denyoom fast", 1, 1, 1, ZIncrBy) { Group = g, Since = "1.2.0", KeySpecs = "RW access update", Complexity = logN, Summary = "Adds a number to the score of one member of a sorted set." });
        t.Add(new CommandSpec("zrem", -3, "write fast", 1, 1, 1, ZRem) { Group = g, Since = "1.2.0", KeySpecs = "RW delete", Complexity = "O(M*log(N)) for M members removed", Summary = "Removes members from a sorted set; the key disappears with its last member." });
        t.Add(new CommandSpec("zscore", 3, "readonly fast", 1, 1, 1, ZScore) { Group = g, Since = "1.2.0", KeySpecs = "RO access", Summary = "Returns the score of one member of a sorted set." });
        t.Add(new CommandSpec("zmscore", -3, "readonly fast", 1, 1, 1, ZMScore) { Group = g, Since = "6.2.0", KeySpecs = "RO access", Complexity = "O(N) for N members asked", Summary = "Returns the scores of several members of a sorted set." });
        t.Add(new CommandSpec("zcard", 2, "readonly fast", 1, 1, 1, ZCard) { Group = g, Since = "1.2.0", KeySpecs = "RO", Summary = "Returns how many members a sorted set has." });
        t.Add(new CommandSpec("zcount", 4, "readonly fast", 1, 1, 1, ZCount) { Group = g, Since = "2.0.0", KeySpecs = "RO access", Complexity = logN, Summary = "Counts the members whose score is within a range." });
        t.Add(new CommandSpec("zlexcount", 4, "readonly fast", 1, 1, 1, ZLexCount) { Group = g, Since = "2.8.9", KeySpecs = "RO access", Complexity = logN, Summary = "Counts the members within a lexicographical range (members of equal score)." });
        t.Add(new CommandSpec("zrank", 3, "readonly fast", 1, 1, 1, ZRank) { Group = g, Since = "2.0.0", KeySpecs = "RO access", Complexity = "O(log(N))", Summary = "Returns the position of a member in score order, lowest first." });
        t.Add(new CommandSpec("zrevrank", 3, "readonly fast", 1, 1, 1, ZRevRank) { Group = g, Since = "2.0.0", KeySpecs = "RO access", Complexity = "O(log(N))", Summary = "Returns the position of a member in score order, highest first." });
        t.Add(new CommandSpec("zrange", -4, "readonly", 1, 1, 1, ZRange) { Group = g, Since = "1.2.0", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns members by rank, score or lexicographical range, in either direction." });
        t.Add(new CommandSpec("zrangestore", -5, "write denyoom", 1, 2, 1, ZRangeStore) { Group = g, Since = "6.2.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 range:0:1:0", Complexity = rangeC, Summary = "Stores a range of a sorted set (as ZRANGE selects it) into another key." });
        t.Add(new CommandSpec("zrangebyscore", -4, "readonly", 1, 1, 1, ZRangeByScore) { Group = g, Since = "1.0.5", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns the members within a score range, lowest first (superseded by ZRANGE BYSCORE)." });
        t.Add(new CommandSpec("zrevrangebyscore", -4, "readonly", 1, 1, 1, ZRevRangeByScore) { Group = g, Since = "2.2.0", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns the members within a score range, highest first (superseded by ZRANGE BYSCORE REV)." });
        t.Add(new CommandSpec("zrangebylex", -4, "readonly", 1, 1, 1, ZRangeByLex) { Group = g, Since = "2.8.9", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns the members within a lexicographical range (superseded by ZRANGE BYLEX)." });
        t.Add(new CommandSpec("zrevrangebylex", -4, "readonly", 1, 1, 1, ZRevRangeByLex) { Group = g, Since = "2.8.9", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns the members within a lexicographical range, highest first (superseded by ZRANGE BYLEX REV)." });
        t.Add(new CommandSpec("zrevrange", -4, "readonly", 1, 1, 1, ZRevRange) { Group = g, Since = "1.2.0", KeySpecs = "RO access", Complexity = rangeC, Summary = "Returns members by rank counted from the highest score (superseded by ZRANGE REV)." });
        t.Add(new CommandSpec("zpopmin", -2, "write fast", 1, 1, 1, ZPopMin) { Group = g, Since = "5.0.0", KeySpecs = "RW access delete", Complexity = "O(log(N)*M) for M members popped", Summary = "Removes and returns the members with the lowest scores." });
        t.Add(new CommandSpec("zpopmax", -2, "write fast", 1, 1, 1, ZPopMax) { Group = g, Since = "5.0.0", KeySpecs = "RW access delete", Complexity = "O(log(N)*M) for M members popped", Summary = "Removes and returns the members with the highest scores." });
        t.Add(new CommandSpec("zmpop", -4, "write movablekeys", 0, 0, 0, ZMPop) { Group = g, Since = "7.0.0", KeySpecs = "RW access delete index:1 keynum:0:1:1", Complexity = "O(K) + O(M*log(N)) for K keys and M members popped", Summary = "Pops the lowest or highest members of the first non-empty sorted set among several keys." });
        t.Add(new CommandSpec("zunion", -3, "readonly movablekeys", 0, 0, 0, ZUnion) { Group = g, Since = "6.2.0", KeySpecs = "RO access index:1 keynum:0:1:1", Complexity = "O(N)+O(M*log(M)) for N input members and M result members", Summary = "Returns the union of sorted sets (and sets), with weighted and aggregated scores." });
        t.Add(new CommandSpec("zinter", -3, "readonly movablekeys", 0, 0, 0, ZInter) { Group = g, Since = "6.2.0", KeySpecs = "RO access index:1 keynum:0:1:1", Complexity = "O(N*K)+O(M*log(M)) for the smallest input N, K inputs and M result members", Summary = "Returns the intersection of sorted sets (and sets), with weighted and aggregated scores." });
        t.Add(new CommandSpec("zdiff", -3, "readonly movablekeys", 0, 0, 0, ZDiff) { Group = g, Since = "6.2.0", KeySpecs = "RO access index:1 keynum:0:1:1", Complexity = "O(L + (N-K)log(N)) for L input members, N in the first set, K in the result", Summary = "Returns the members of the first sorted set that no other given set has." });
        t.Add(new CommandSpec("zunionstore", -4, "write denyoom movablekeys", 1, 1, 1, ZUnionStore) { Group = g, Since = "2.0.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 keynum:0:1:1", Complexity = "O(N)+O(M log(M)) for N input members and M result members", Summary = "Stores the union of sorted sets (and sets) into a key." });
        t.Add(new CommandSpec("zinterstore", -4, "write denyoom movablekeys", 1, 1, 1, ZInterStore) { Group = g, Since = "2.0.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 keynum:0:1:1", Complexity = "O(N*K)+O(M*log(M)) for the smallest input N, K inputs and M result members", Summary = "Stores the intersection of sorted sets (and sets) into a key." });
        t.Add(new CommandSpec("zdiffstore", -4, "write denyoom movablekeys", 1, 1, 1, ZDiffStore) { Group = g, Since = "6.2.0", KeySpecs = "OW update index:1 range:0:1:0; RO access index:2 keynum:0:1:1", Complexity = "O(L + (N-K)log(N)) for L input members, N in the first set, K in the result", Summary = "Stores the difference between the first sorted set and the others into a key." });
        t.Add(new CommandSpec("zintercard", -3, "readonly movablekeys", 0, 0, 0, ZInterCard) { Group = g, Since = "7.0.0", KeySpecs = "RO access index:1 keynum:0:1:1", Complexity = "O(N*K) for the smallest input N and K inputs", Summary = "Counts the members of the intersection of sorted sets, optionally stopping at a limit." });
        t.Add(new CommandSpec("zremrangebyrank", 4, "write", 1, 1, 1, ZRemRangeByRank) { Group = g, Since = "2.0.0", KeySpecs = "RW delete", Complexity = rangeC, Summary = "Removes the members within a range of ranks." });
        t.Add(new CommandSpec("zremrangebyscore", 4, "write", 1, 1, 1, ZRemRangeByScore) { Group = g, Since = "1.2.0", KeySpecs = "RW delete", Complexity = rangeC, Summary = "Removes the members whose score is within a range." });
        t.Add(new CommandSpec("zremrangebylex", 4, "write", 1, 1, 1, ZRemRangeByLex) { Group = g, Since = "2.8.9", KeySpecs = "RW delete", Complexity = rangeC, Summary = "Removes the members within a lexicographical range." });
        t.Add(new CommandSpec("zrandmember", -2, "readonly", 1, 1, 1, ZRandMember) { Group = g, Since = "6.2.0", KeySpecs = "RO access", Tips = "nondeterministic_output", Complexity = "O(N) for N members returned", Summary = "Returns random members of a sorted set, optionally with their scores." });
        t.Add(new CommandSpec("zscan", -3, "readonly", 1, 1, 1, ZScan) { Group = g, Since = "2.8.0", KeySpecs = "RO access", Tips = "nondeterministic_output", Complexity = "O(1) per call, O(N) for a full iteration", Summary = "Walks the members and scores of a sorted set incrementally with a cursor." });
    }

    // ---- Shared helpers ----

    /// <summary>Reads a key that must hold a sorted set: false (after replying WRONGTYPE) for any other type; null when missing.</summary>
    static bool TryGetZSet(CommandContext ctx, KeyEntry? e, out SortedSetValue? z)
    {
        z = null;
        if (e == null) return true;
        z = e.Value as SortedSetValue;
        if (z != null) return true;
        ctx.WrongType();
        return false;
    }

    static long MaxEntries(CommandContext ctx) => ctx.Server.Config.ZsetMaxListpackEntries;
    static long MaxValue(CommandContext ctx) => ctx.Server.Config.ZsetMaxListpackValue;

    /// <summary>
    /// A score range bound like Redis's zslParseRange: "(" makes it exclusive, the rest goes through C's
    /// strtod (so leading spaces, hex, "inf" and an empty string are accepted; overflow is infinity).
    /// </summary>
    static bool TryParseScoreBound(ReadOnlySpan<byte> s, out double value, out bool exclusive)
    {
        int nul = s.IndexOf((byte)0); // the C string ends there
        if (nul >= 0) s = s[..nul];
        exclusive = s.Length > 0 && s[0] == '(';
        if (exclusive) s = s[1..];
        int consumed = Numbers.Strtod(s, out value, out _);
        return consumed == s.Length && !double.IsNaN(value);
    }

    static bool TryParseScoreRange(CommandContext ctx, int minIndex, int maxIndex, out ScoreRange range)
    {
        range = default;
        if (!TryParseScoreBound(ctx.Arg(minIndex), out double min, out bool minEx) ||
            !TryParseScoreBound(ctx.Arg(maxIndex), out double max, out bool maxEx))
            return false;
        range = new ScoreRange(min, minEx, max, maxEx);
        return true;
    }

    /// <summary>Redis's zslParseLexRangeItem: "[x", "(x", "-" or "+".</summary>
    static bool TryParseLexBound(ReadOnlySpan<byte> s, out byte[] value, out LexRange.Bound kind, out bool exclusive)
    {
        value = Array.Empty<byte>();
        kind = LexRange.Bound.Value;
        exclusive = false;
        if (s.Length == 0) return false;
        switch (s[0])
        {
            case (byte)'+':
                if (s.Length > 1 && s[1] != 0) return false;
                kind = LexRange.Bound.PlusInfinity;
                exclusive = true;
                return true;
            case (byte)'-':
                if (s.Length > 1 && s[1] != 0) return false;
                kind = LexRange.Bound.MinusInfinity;
                exclusive = true;
                return true;
            case (byte)'(':
                exclusive = true;
                value = s[1..].ToArray();
                return true;
            case (byte)'[':
                value = s[1..].ToArray();
                return true;
            default:
                return false;
        }
    }

    static bool TryParseLexRange(CommandContext ctx, int minIndex, int maxIndex, out LexRange range)
    {
        range = default;
        if (!TryParseLexBound(ctx.Arg(minIndex), out var min, out var minKind, out bool minEx) ||
            !TryParseLexBound(ctx.Arg(maxIndex), out var max, out var maxKind, out bool maxEx))
            return false;
        range = new LexRange(min, minKind, minEx, max, maxKind, maxEx);
        return true;
    }

    /// <summary>A member with its score; with scores in RESP3 each pair is a nested array.</summary>
    static void ReplyMember(RespWriter r, ReadOnlySpan<byte> member, double score, bool withScores)
    {
        if (withScores && r.Resp3) r.ArrayHeader(2);
        r.Bulk(member);
        if (withScores) r.Double(score);
    }

    // ---- ZADD / ZINCRBY ----

    [Flags]
    enum AddFlags { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8, Incr = 16 }

    /// <summary>ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]</summary>
    static void ZAdd(CommandContext ctx) => AddGeneric(ctx, AddFlags.None);

    /// <summary>ZINCRBY key increment member: ZADD with INCR (so an option word in place of the increment is a syntax error, as in Redis).</summary>
    static void ZIncrBy(CommandContext ctx) => AddGeneric(ctx, AddFlags.Incr);

    /// <summary>Redis's zaddGenericCommand.</summary>
    static void AddGeneric(CommandContext ctx, AddFlags flags)
    {
        bool ch = false;
        int scoreIndex = 2;
        for (; scoreIndex < ctx.ArgCount; scoreIndex++)
        {
            if (ctx.ArgIs(scoreIndex, "nx"u8)) flags |= AddFlags.Nx;
            else if (ctx.ArgIs(scoreIndex, "xx"u8)) flags |= AddFlags.Xx;
            else if (ctx.ArgIs(scoreIndex, "ch"u8)) ch = true;
            else if (ctx.ArgIs(scoreIndex, "incr"u8)) flags |= AddFlags.Incr;
            else if (ctx.ArgIs(scoreIndex, "gt"u8)) flags |= AddFlags.Gt;
            else if (ctx.ArgIs(scoreIndex, "lt"u8)) flags |= AddFlags.Lt;
            else break;
        }
        bool incr = (flags & AddFlags.Incr) != 0, nx = (flags & AddFlags.Nx) != 0, xx = (flags & AddFlags.Xx) != 0;
        bool gt = (flags & AddFlags.Gt) != 0, lt = (flags & AddFlags.Lt) != 0;
        int elements = ctx.ArgCount - scoreIndex;
        if (elements % 2 != 0 || elements == 0) { ctx.SyntaxError(); return; }
        elements /= 2;
        if (nx && xx) { ctx.Error("ERR XX and NX options at the same time are not compatible"); return; }
        if ((gt && nx) || (lt && nx) || (gt && lt)) { ctx.Error("ERR GT, LT, and/or NX options at the same time are not compatible"); return; }
        if (incr && elements > 1) { ctx.Error("ERR INCR option supports a single increment-element pair"); return; }

        // All scores are parsed before anything changes: the command does all or nothing.
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : new double[elements];
        for (int j = 0; j < elements; j++)
            if (!Numbers.TryParseDouble(ctx.Arg(scoreIndex + j * 2), out scores[j])) { ctx.Error(Errors.NotFloat); return; }

        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        if (!TryGetZSet(ctx, e, out var z)) return;
        long added = 0, updated = 0, processed = 0;
        double score = 0;
        bool touched = false;
        if (z == null && !xx)
            z = SortedSetValue.NewFor(ctx.Arg(scoreIndex + 1).Length, MaxEntries(ctx), MaxValue(ctx));
        if (z != null)
        {
            long maxEntries = MaxEntries(ctx), maxValue = MaxValue(ctx);
            for (int j = 0; j < elements; j++)
            {
                var member = ctx.Arg(scoreIndex + 1 + j * 2);
                score = scores[j];
                if (z.TryGetScore(member, out double current, out var slot))
                {
                    if (nx) continue;
                    if (incr)
                    {
                        score += current;
                        if (double.IsNaN(score)) { ctx.Error(NaNResult); break; }
                    }
                    if ((lt && score >= current) || (gt && score <= current)) continue;
                    processed++;
                    if (score != current)
                    {
                        if (!touched && e != null) { ctx.Db.Touch(e); touched = true; }
                        z.UpdateScore(slot, member, score);
                        updated++;
                    }
                }
                else
                {
                    if (xx) continue;
                    if (!touched && e != null) { ctx.Db.Touch(e); touched = true; }
                    z.Insert(slot, member, score, maxEntries, maxValue);
                    added++;
                    processed++;
                }
            }
            if (e == null && z.Count > 0) ctx.Db.Add(ctx.ArgBytes(1), z);
        }
        ctx.Dirty(added + updated);
        if (!ctx.Failed)
        {
            if (!incr) ctx.Reply.Integer(ch ? added + updated : added);
            else if (processed > 0) ctx.Reply.Double(score);
            else ctx.Reply.Null();
        }
        // Like Redis, the event follows the reply.
        if (added + updated > 0) ctx.Notify(KeyspaceEvents.ZSet, incr ? "zincr" : "zadd", key);
    }

    // ---- ZREM ----

    /// <summary>ZREM key member [member ...]: removing the last member deletes the key.</summary>
    static void ZRem(CommandContext ctx)
    {
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetZSet(ctx, e, out var z)) return;
        long deleted = 0;
        bool keyRemoved = false;
        if (z != null)
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var member = ctx.Arg(i);
                if (deleted == 0)
                {
                    if (!z.Contains(member)) continue;
                    ctx.Db.Touch(e!);
                }
                if (z.Remove(member)) deleted++;
                if (z.Count == 0)
                {
                    ctx.Db.Delete(ctx.Arg(1));
                    keyRemoved = true;
                    break;
                }
            }
        }
        if (deleted > 0)
        {
            ctx.Notify(KeyspaceEvents.ZSet, "zrem", ctx.Arg(1));
            if (keyRemoved) ctx.Notify(KeyspaceEvents.Generic, "del", ctx.Arg(1));
            ctx.Dirty(deleted);
        }
        ctx.Reply.Integer(deleted);
    }

    // ---- Point reads ----

    /// <summary>ZSCORE key member</summary>
    static void ZScore(CommandContext ctx)
    {
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        if (z != null && z.TryGetScore(ctx.Arg(2), out double score)) ctx.Reply.Double(score);
        else ctx.Reply.Null();
    }

    /// <summary>ZMSCORE key member [member ...]</summary>
    static void ZMScore(CommandContext ctx)
    {
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        var r = ctx.Reply;
        r.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (z != null && z.TryGetScore(ctx.Arg(i), out double score)) r.Double(score);
            else r.Null();
        }
    }

    /// <summary>ZCARD key</summary>
    static void ZCard(CommandContext ctx)
    {
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        ctx.Reply.Integer(z?.Count ?? 0);
    }

    /// <summary>ZCOUNT key min max</summary>
    static void ZCount(CommandContext ctx)
    {
        if (!TryParseScoreRange(ctx, 2, 3, out var range)) { ctx.Error(NotFloatRange); return; }
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        ctx.Reply.Integer(z?.CountInRange(range) ?? 0);
    }

    /// <summary>ZLEXCOUNT key min max</summary>
    static void ZLexCount(CommandContext ctx)
    {
        if (!TryParseLexRange(ctx, 2, 3, out var range)) { ctx.Error(NotLexRange); return; }
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        ctx.Reply.Integer(z?.CountInLexRange(range) ?? 0);
    }

    /// <summary>ZRANK key member (Redis 7.0 has no WITHSCORE option).</summary>
    static void ZRank(CommandContext ctx) => RankGeneric(ctx, reverse: false);

    /// <summary>ZREVRANK key member</summary>
    static void ZRevRank(CommandContext ctx) => RankGeneric(ctx, reverse: true);

    static void RankGeneric(CommandContext ctx, bool reverse)
    {
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        long rank = z?.Rank(ctx.Arg(2), reverse) ?? -1;
        if (rank >= 0) ctx.Reply.Integer(rank);
        else ctx.Reply.Null();
    }

    // ---- Ranges: ZRANGE and its older forms, ZRANGESTORE ----

    enum RangeKind { Auto, Rank, Score, Lex }

    static void ZRange(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Auto, 0);
    static void ZRangeStore(CommandContext ctx) => RangeGeneric(ctx, 2, store: true, RangeKind.Auto, 0);
    static void ZRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Score, 1);
    static void ZRevRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Score, -1);
    static void ZRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Lex, 1);
    static void ZRevRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Lex, -1);
    static void ZRevRange(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeKind.Rank, -1);

    /// <summary>Where a range goes: the reply (flat pairs in RESP2, nested in RESP3) or a new sorted set (STORE).</summary>
    struct RangeOutput
    {
        public RespWriter Reply;
        public bool WithScores;
        public SortedSetValue? Store;
        public long MaxEntries, MaxValue;
        public long Count;
        int _mark;

        bool _known;

        /// <summary>Starts a reply whose length is found while emitting (score and lex ranges).</summary>
        public void Begin()
        {
            if (Store == null) _mark = Reply.BeginDeferred();
        }

        /// <summary>Starts a reply of <paramref name="count"/> members (rank ranges know it up front).</summary>
        public void BeginKnown(long count)
        {
            if (Store != null) { Expect(count); return; }
            Reply.ArrayHeader(WithScores && !Reply.Resp3 ? count * 2 : count);
            _known = true;
        }

        /// <summary>
        /// A rank range knows its length up front: like Redis's zrangeResultBeginStore, a destination
        /// that will exceed zset-max-listpack-entries starts as a skiplist (so it never held -0 as 0).
        /// </summary>
        public void Expect(long length)
        {
            if (Store != null && Store.Count == 0 && length > MaxEntries) Store = SortedSetValue.NewSkiplist();
        }

        public void Emit(ReadOnlySpan<byte> member, double score)
        {
            Count++;
            if (Store != null) Store.Insert(member, score, MaxEntries, MaxValue);
            else ReplyMember(Reply, member, score, WithScores);
        }

        public readonly void EndReply()
        {
            if (!_known) Reply.EndDeferredArray(_mark, WithScores && !Reply.Resp3 ? Count * 2 : Count);
        }
    }

    /// <summary>
    /// Redis's zrangeGenericCommand: options first (WITHSCORES, LIMIT, REV, BYSCORE|BYLEX, each once), then
    /// the conflicts, then the range (swapped for REV with scores and lex), then the key.
    /// </summary>
    static void RangeGeneric(CommandContext ctx, int keyIndex, bool store, RangeKind kind, int direction)
    {
        int minIndex = keyIndex + 1, maxIndex = keyIndex + 2;
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = keyIndex + 3; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            if (!store && ctx.ArgIs(j, "withscores"u8)) withScores = true;
            else if (ctx.ArgIs(j, "limit"u8) && left >= 2)
            {
                if (!ctx.TryGetLong(j + 1, out offset) || !ctx.TryGetLong(j + 2, out limit)) return;
                j += 2;
            }
            else if (direction == 0 && ctx.ArgIs(j, "rev"u8)) direction = -1;
            else if (kind == RangeKind.Auto && ctx.ArgIs(j, "bylex"u8)) kind = RangeKind.Lex;
            else if (kind == RangeKind.Auto && ctx.ArgIs(j, "byscore"u8)) kind = RangeKind.Score;
            else { ctx.SyntaxError(); return; }
        }
        if (direction == 0) direction = 1;
        if (kind == RangeKind.Auto) kind = RangeKind.Rank;
        if (limit != -1 && kind == RangeKind.Rank)
        {
            ctx.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (withScores && kind == RangeKind.Lex)
        {
            ctx.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        bool reverse = direction < 0;
        if (reverse && kind != RangeKind.Rank) (minIndex, maxIndex) = (maxIndex, minIndex);

        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        switch (kind)
        {
            case RangeKind.Rank:
                if (!ctx.TryGetLong(minIndex, out start) || !ctx.TryGetLong(maxIndex, out end)) return;
                break;
            case RangeKind.Score:
                if (!TryParseScoreRange(ctx, minIndex, maxIndex, out scoreRange)) { ctx.Error(NotFloatRange); return; }
                break;
            default:
                if (!TryParseLexRange(ctx, minIndex, maxIndex, out lexRange)) { ctx.Error(NotLexRange); return; }
                break;
        }

        var e = ctx.LookupRead(ctx.Arg(keyIndex));
        if (!TryGetZSet(ctx, e, out var z)) return;
        var output = new RangeOutput
        {
            Reply = ctx.Reply,
            WithScores = withScores,
            Store = store ? SortedSetValue.NewCompact() : null,
            MaxEntries = MaxEntries(ctx),
            MaxValue = MaxValue(ctx),
        };
        if (z == null)
        {
            if (store) FinishStore(ctx, output.Store!, 0, "zrangestore");
            else ctx.Reply.EmptyArray();
            return;
        }
        if (kind != RangeKind.Rank) output.Begin();
        switch (kind)
        {
            case RangeKind.Rank: EmitRankRange(z, start, end, reverse, ref output); break;
            case RangeKind.Score: EmitScoreRange(z, scoreRange, offset, limit, reverse, ref output); break;
            default: EmitLexRange(z, lexRange, offset, limit, reverse, ref output); break;
        }
        if (store) FinishStore(ctx, output.Store!, output.Count, "zrangestore");
        else output.EndReply();
    }

    static void EmitRankRange(SortedSetValue z, long start, long end, bool reverse, ref RangeOutput output)
    {
        long length = z.Count;
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (start > end || start >= length) { output.BeginKnown(0); return; }
        if (end >= length) end = length - 1;
        long n = end - start + 1;
        output.BeginKnown(n);
        var c = z.AtRank(reverse ? length - 1 - start : start);
        for (; n > 0 && c.IsValid; n--)
        {
            output.Emit(c.Member, c.Score);
            c.Advance(reverse);
        }
    }

    static void EmitScoreRange(SortedSetValue z, in ScoreRange range, long offset, long limit, bool reverse, ref RangeOutput output)
    {
        // A negative offset walks past the end in Redis: nothing is returned.
        if (offset < 0 || (offset > 0 && offset >= z.Count)) return;
        var c = reverse ? z.LastInRange(range) : z.FirstInRange(range);
        while (c.IsValid && offset-- > 0) c.Advance(reverse);
        while (c.IsValid && limit-- != 0)
        {
            double score = c.Score;
            if (reverse ? !range.GteMin(score) : !range.LteMax(score)) break;
            output.Emit(c.Member, score);
            c.Advance(reverse);
        }
    }

    static void EmitLexRange(SortedSetValue z, in LexRange range, long offset, long limit, bool reverse, ref RangeOutput output)
    {
        if (offset < 0 || (offset > 0 && offset >= z.Count)) return;
        var c = reverse ? z.LastInLexRange(range) : z.FirstInLexRange(range);
        while (c.IsValid && offset-- > 0) c.Advance(reverse);
        while (c.IsValid && limit-- != 0)
        {
            if (reverse ? !range.GteMin(c.Member) : !range.LteMax(c.Member)) break;
            output.Emit(c.Member, c.Score);
            c.Advance(reverse);
        }
    }

    /// <summary>
    /// The end of every STORE command (Redis's setKey or dbDelete of the destination): a non-empty result
    /// replaces whatever the key held (and its TTL); an empty one deletes the key.
    /// </summary>
    static void FinishStore(CommandContext ctx, SortedSetValue result, long count, string eventName)
    {
        var dst = ctx.Arg(1);
        if (count > 0)
        {
            ctx.Db.Set(dst, result);
            ctx.Reply.Integer(count);
            ctx.Notify(KeyspaceEvents.ZSet, eventName, dst);
            ctx.Dirty();
        }
        else
        {
            ctx.Reply.Integer(0);
            if (ctx.Db.Delete(dst))
            {
                ctx.Notify(KeyspaceEvents.Generic, "del", dst);
                ctx.Dirty();
            }
        }
    }

    // ---- Pops ----

    /// <summary>ZPOPMIN key [count]</summary>
    static void ZPopMin(CommandContext ctx) => PopCommand(ctx, max: false);

    /// <summary>ZPOPMAX key [count]</summary>
    static void ZPopMax(CommandContext ctx) => PopCommand(ctx, max: true);

    static void PopCommand(CommandContext ctx, bool max)
    {
        if (ctx.ArgCount > 3) { ctx.SyntaxError(); return; }
        long count = -1;
        if (ctx.ArgCount == 3 && !TryGetNonNegative(ctx, 2, out count)) return;
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetZSet(ctx, e, out var z)) return;
        if (z == null || count == 0) { ctx.Reply.EmptyArray(); return; }
        Pop(ctx, e!, z, max, count, emitKey: false, nested: ctx.Reply.Resp3 && count != -1);
    }

    /// <summary>Redis's getPositiveLongFromObjectOrReply with its default message.</summary>
    static bool TryGetNonNegative(CommandContext ctx, int index, out long value)
    {
        if (!Numbers.TryParseStrictLong(ctx.Arg(index), out value) || value < 0)
        {
            ctx.Error("ERR value is out of range, must be positive");
            return false;
        }
        return true;
    }

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: replicated as ZPOPMIN|ZPOPMAX key popped-count.</summary>
    static void ZMPop(CommandContext ctx)
    {
        if (!TryParseMPop(ctx, 1, out long numKeys, out bool max, out long count)) return;
        for (int i = 0; i < numKeys; i++)
        {
            var key = ctx.Arg(2 + i);
            var e = ctx.LookupWrite(key);
            if (!TryGetZSet(ctx, e, out var z)) return;
            if (z == null) continue;
            long popped = Pop(ctx, e!, z, max, count, emitKey: true, nested: true);
            PropagatePop(ctx, key, max, popped);
            return;
        }
        ctx.Reply.NullArray();
    }

    /// <summary>
    /// Parses "numkeys key... MIN|MAX [COUNT count]" (ZMPOP at <paramref name="numKeysIndex"/> 1, BZMPOP at 2)
    /// with Redis's errors; replies the error and returns false when it does not parse.
    /// </summary>
    public static bool TryParseMPop(CommandContext ctx, int numKeysIndex, out long numKeys, out bool max, out long count)
    {
        max = false;
        count = -1;
        if (!Numbers.TryParseStrictLong(ctx.Arg(numKeysIndex), out numKeys) || numKeys < 1)
        {
            ctx.Error("ERR numkeys should be greater than 0");
            return false;
        }
        long whereIndex = numKeysIndex + numKeys + 1;
        if (whereIndex >= ctx.ArgCount) { ctx.SyntaxError(); return false; }
        int w = (int)whereIndex;
        if (ctx.ArgIs(w, "min"u8)) max = false;
        else if (ctx.ArgIs(w, "max"u8)) max = true;
        else { ctx.SyntaxError(); return false; }
        for (int j = w + 1; j < ctx.ArgCount; j++)
        {
            bool more = j < ctx.ArgCount - 1;
            if (count == -1 && ctx.ArgIs(j, "count"u8) && more)
            {
                j++;
                if (!Numbers.TryParseStrictLong(ctx.Arg(j), out count) || count < 1)
                {
                    ctx.Error("ERR count should be greater than 0");
                    return false;
                }
            }
            else { ctx.SyntaxError(); return false; }
        }
        if (count == -1) count = 1;
        return true;
    }

    /// <summary>
    /// For the blocking commands (BZPOPMIN, BZPOPMAX, BZMPOP) once <paramref name="key"/> holds members: Redis's
    /// genericZpopCommand on that key. Pops up to <paramref name="count"/> members (-1: one, the plain form)
    /// from the low end, or the high end when <paramref name="max"/>, and replies in the shape the caller asks:
    /// <list type="bullet">
    /// <item><paramref name="emitKey"/> and not <paramref name="nested"/>: [key, member, score, ...] (BZPOPMIN/BZPOPMAX);</item>
    /// <item><paramref name="emitKey"/> and <paramref name="nested"/>: [key, [[member, score], ...]] (BZMPOP);</item>
    /// <item>neither: [member, score, ...]; <paramref name="nested"/> alone: [[member, score], ...] (ZPOPMIN in RESP3).</item>
    /// </list>
    /// Counts the changes, announces "zpopmin"/"zpopmax" (and "del" when the set empties, which deletes the key),
    /// and returns how many members were popped (0, with nothing written, when the key holds no sorted set).
    /// The caller states the effect with <see cref="PropagatePop"/> (Redis replicates BZPOPMIN as ZPOPMIN key,
    /// and the COUNT forms as ZPOPMIN key count).
    /// </summary>
    public static long PopAndReply(CommandContext ctx, ReadOnlySpan<byte> key, bool max, long count, bool emitKey, bool nested)
    {
        var e = ctx.LookupWrite(key);
        if (e?.Value is not SortedSetValue z || z.Count == 0) return 0;
        return Pop(ctx, e, z, max, count, emitKey, nested);
    }

    /// <summary>States a pop's effect for replicas and the AOF: ZPOPMIN|ZPOPMAX key [count] (count -1: no count argument).</summary>
    public static void PropagatePop(CommandContext ctx, ReadOnlySpan<byte> key, bool max, long count)
    {
        var name = max ? "ZPOPMAX"u8.ToArray() : "ZPOPMIN"u8.ToArray();
        if (count < 0) { ctx.Propagate(name, key.ToArray()); return; }
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(count, digits, out int n);
        ctx.Propagate(name, key.ToArray(), digits[..n].ToArray());
    }

    static long Pop(CommandContext ctx, KeyEntry e, SortedSetValue z, bool max, long count, bool emitKey, bool nested)
    {
        if (count == -1) count = 1;
        long length = z.Count;
        long n = Math.Min(count, length);
        var r = ctx.Reply;
        var key = e.Key;
        if (!nested && !emitKey) r.ArrayHeader(n * 2);
        else if (nested && !emitKey) r.ArrayHeader(n);
        else if (!nested) { r.ArrayHeader(n * 2 + 1); r.Bulk(key); }
        else { r.ArrayHeader(2); r.Bulk(key); r.ArrayHeader(n); }

        var c = max ? z.Last() : z.First();
        for (long i = 0; i < n; i++)
        {
            if (nested) r.ArrayHeader(2);
            r.Bulk(c.Member);
            r.Double(c.Score);
            c.Advance(max);
        }
        ctx.Db.Touch(e);
        if (max) z.RemoveRangeByRank(length - n, length - 1);
        else z.RemoveRangeByRank(0, n - 1);
        ctx.Dirty(n);
        ctx.Notify(KeyspaceEvents.ZSet, max ? "zpopmax" : "zpopmin", key);
        if (z.Count == 0)
        {
            ctx.Db.Delete(key);
            ctx.Notify(KeyspaceEvents.Generic, "del", key);
        }
        return n;
    }

    // ---- ZUNION / ZINTER / ZDIFF ----

    enum SetOp { Union, Inter, Diff }
    enum Aggregate { Sum, Min, Max }

    static void ZUnion(CommandContext ctx) => SetOpGeneric(ctx, 1, store: false, SetOp.Union, cardinalityOnly: false);
    static void ZInter(CommandContext ctx) => SetOpGeneric(ctx, 1, store: false, SetOp.Inter, cardinalityOnly: false);
    static void ZDiff(CommandContext ctx) => SetOpGeneric(ctx, 1, store: false, SetOp.Diff, cardinalityOnly: false);
    static void ZUnionStore(CommandContext ctx) => SetOpGeneric(ctx, 2, store: true, SetOp.Union, cardinalityOnly: false);
    static void ZInterStore(CommandContext ctx) => SetOpGeneric(ctx, 2, store: true, SetOp.Inter, cardinalityOnly: false);
    static void ZDiffStore(CommandContext ctx) => SetOpGeneric(ctx, 2, store: true, SetOp.Diff, cardinalityOnly: false);
    static void ZInterCard(CommandContext ctx) => SetOpGeneric(ctx, 1, store: false, SetOp.Inter, cardinalityOnly: true);

    /// <summary>One input of a set operation: a sorted set, a plain set (scores 1), or a missing key.</summary>
    struct Operand
    {
        public SortedSetValue? ZSet;
        public ISetMembers? Set;
        public double Weight;
        public int Index;

        public readonly long Length => ZSet?.Count ?? Set?.Count ?? 0;

        public readonly bool TryGetScore(ReadOnlySpan<byte> member, out double score)
        {
            if (ZSet != null) return ZSet.TryGetScore(member, out score);
            score = 1;
            return Set != null && Set.Contains(member);
        }
    }

    sealed class Accumulated : TableEntry
    {
        public double Score;
        public Accumulated(byte[] member, double score) : base(member) => Score = score;
    }

    static ISetMembers? AsSet(object value) => Set.IsSet(value) ? new SetMembersView(value) : null;

    /// <summary>Redis's zunionInterAggregate (a SUM of +inf and -inf is 0).</summary>
    static void AggregateInto(ref double target, double value, Aggregate aggregate)
    {
        switch (aggregate)
        {
            case Aggregate.Sum:
                target += value;
                if (double.IsNaN(target)) target = 0;
                break;
            case Aggregate.Min:
                target = value < target ? value : target;
                break;
            default:
                target = value > target ? value : target;
                break;
        }
    }

    /// <summary>Walks an operand's members with their scores (a sorted set from its highest member, like Redis's iterator).</summary>
    static IEnumerable<(byte[] Member, double Score)> MembersOf(Operand op)
    {
        if (op.ZSet != null)
        {
            var list = new List<(byte[], double)>((int)Math.Min(op.ZSet.Count, 1 << 20));
            for (var c = op.ZSet.Last(); c.IsValid; c.MovePrevious()) list.Add((c.Member.ToArray(), c.Score));
            return list;
        }
        if (op.Set != null) return op.Set.Members().Select(m => (m.ToArray(), 1.0));
        return Array.Empty<(byte[], double)>();
    }

    /// <summary>Redis's zunionInterDiffGenericCommand.</summary>
    static void SetOpGeneric(CommandContext ctx, int numKeysIndex, bool store, SetOp op, bool cardinalityOnly)
    {
        if (!ctx.TryGetLong(numKeysIndex, out long setCount)) return;
        if (setCount < 1)
        {
            ctx.Error($"ERR at least 1 input key is needed for '{ctx.Command.FullName}' command");
            return;
        }
        if (setCount > ctx.ArgCount - (numKeysIndex + 1)) { ctx.SyntaxError(); return; }

        // The keys are looked up (and type checked) before the options are parsed, as in Redis.
        var src = new Operand[setCount];
        int j = numKeysIndex + 1;
        for (int i = 0; i < setCount; i++, j++)
        {
            var e = ctx.LookupRead(ctx.Arg(j));
            src[i].Weight = 1;
            src[i].Index = i;
            if (e == null) continue;
            if (e.Value is SortedSetValue z) src[i].ZSet = z;
            else if (AsSet(e.Value) is { } set) src[i].Set = set;
            else { ctx.WrongType(); return; }
        }

        var aggregate = Aggregate.Sum;
        bool withScores = false;
        long limit = 0;
        int remaining = ctx.ArgCount - j;
        while (remaining > 0)
        {
            if (op != SetOp.Diff && !cardinalityOnly && remaining >= setCount + 1 && ctx.ArgIs(j, "weights"u8))
            {
                j++; remaining--;
                for (int i = 0; i < setCount; i++, j++, remaining--)
                {
                    if (!Numbers.TryParseDouble(ctx.Arg(j), out src[i].Weight))
                    {
                        ctx.Error("ERR weight value is not a float");
                        return;
                    }
                }
            }
            else if (op != SetOp.Diff && !cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "aggregate"u8))
            {
                j++; remaining--;
                if (ctx.ArgIs(j, "sum"u8)) aggregate = Aggregate.Sum;
                else if (ctx.ArgIs(j, "min"u8)) aggregate = Aggregate.Min;
                else if (ctx.ArgIs(j, "max"u8)) aggregate = Aggregate.Max;
                else { ctx.SyntaxError(); return; }
                j++; remaining--;
            }
            else if (remaining >= 1 && !store && !cardinalityOnly && ctx.ArgIs(j, "withscores"u8))
            {
                j++; remaining--;
                withScores = true;
            }
            else if (cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "limit"u8))
            {
                j++; remaining--;
                if (!Numbers.TryParseStrictLong(ctx.Arg(j), out limit) || limit < 0)
                {
                    ctx.Error("ERR LIMIT can't be negative");
                    return;
                }
                j++; remaining--;
            }
            else { ctx.SyntaxError(); return; }
        }

        // Smallest inputs first (a stable sort, like glibc's qsort): fewer lookups for ZINTER.
        if (op != SetOp.Diff)
            Array.Sort(src, (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));

        var result = new List<(byte[] Member, double Score)>();
        long cardinality = 0;
        if (op == SetOp.Inter)
        {
            if (src[0].Length > 0)
            {
                foreach (var (member, value) in MembersOf(src[0]))
                {
                    double score = src[0].Weight * value;
                    if (double.IsNaN(score)) score = 0;
                    int k = 1;
                    for (; k < src.Length; k++)
                    {
                        if (!src[k].TryGetScore(member, out double other)) break;
                        AggregateInto(ref score, other * src[k].Weight, aggregate);
                    }
                    if (k < src.Length) continue;
                    if (cardinalityOnly)
                    {
                        cardinality++;
                        if (limit > 0 && cardinality >= limit) break;
                    }
                    else result.Add((member, score));
                }
            }
        }
        else if (op == SetOp.Union)
        {
            var accumulator = new HashTable<Accumulated>();
            foreach (var input in src)
            {
                if (input.Length == 0) continue;
                foreach (var (member, value) in MembersOf(input))
                {
                    double score = input.Weight * value;
                    if (double.IsNaN(score)) score = 0;
                    var existing = accumulator.Find(member);
                    if (existing == null) accumulator.Add(new Accumulated(member, score));
                    else AggregateInto(ref existing.Score, score, aggregate);
                }
            }
            foreach (var a in accumulator) result.Add((a.Key, a.Score));
        }
        else if (src[0].Length > 0)
        {
            foreach (var (member, value) in MembersOf(src[0]))
            {
                bool elsewhere = false;
                for (int k = 1; k < src.Length && !elsewhere; k++) elsewhere = src[k].TryGetScore(member, out _);
                if (!elsewhere) result.Add((member, value));
            }
        }

        if (cardinalityOnly) { ctx.Reply.Integer(cardinality); return; }
        result.Sort(static (a, b) => a.Score < b.Score ? -1 : a.Score > b.Score ? 1 : a.Member.AsSpan().SequenceCompareTo(b.Member));

        if (store)
        {
            string eventName = op == SetOp.Union ? "zunionstore" : op == SetOp.Inter ? "zinterstore" : "zdiffstore";
            var value = result.Count > 0 ? SortedSetValue.FromSorted(result, MaxEntries(ctx), MaxValue(ctx)) : SortedSetValue.NewCompact();
            FinishStore(ctx, value, result.Count, eventName);
            return;
        }
        var r = ctx.Reply;
        r.ArrayHeader(withScores && !r.Resp3 ? result.Count * 2L : result.Count);
        foreach (var (member, score) in result) ReplyMember(r, member, score, withScores);
    }

    // ---- Range removals ----

    /// <summary>ZREMRANGEBYRANK key start stop</summary>
    static void ZRemRangeByRank(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetZSet(ctx, e, out var z)) return;
        if (z == null) { ctx.Reply.Integer(0); return; }
        long length = z.Count;
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (start > end || start >= length) { ctx.Reply.Integer(0); return; }
        if (end >= length) end = length - 1;
        ctx.Db.Touch(e!);
        long deleted = z.RemoveRangeByRank(start, end);
        FinishRemoval(ctx, z, deleted, "zremrangebyrank");
    }

    /// <summary>ZREMRANGEBYSCORE key min max</summary>
    static void ZRemRangeByScore(CommandContext ctx)
    {
        if (!TryParseScoreRange(ctx, 2, 3, out var range)) { ctx.Error(NotFloatRange); return; }
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetZSet(ctx, e, out var z)) return;
        if (z == null) { ctx.Reply.Integer(0); return; }
        var db = ctx.Db;
        long deleted = z.RemoveRangeByScore(range, () => db.Touch(e!));
        FinishRemoval(ctx, z, deleted, "zremrangebyscore");
    }

    /// <summary>ZREMRANGEBYLEX key min max</summary>
    static void ZRemRangeByLex(CommandContext ctx)
    {
        if (!TryParseLexRange(ctx, 2, 3, out var range)) { ctx.Error(NotLexRange); return; }
        var e = ctx.LookupWrite(ctx.Arg(1));
        if (!TryGetZSet(ctx, e, out var z)) return;
        if (z == null) { ctx.Reply.Integer(0); return; }
        var db = ctx.Db;
        long deleted = z.RemoveRangeByLex(range, () => db.Touch(e!));
        FinishRemoval(ctx, z, deleted, "zremrangebylex");
    }

    static void FinishRemoval(CommandContext ctx, SortedSetValue z, long deleted, string eventName)
    {
        if (deleted > 0)
        {
            var key = ctx.Arg(1);
            bool keyRemoved = z.Count == 0;
            if (keyRemoved) ctx.Db.Delete(key);
            ctx.Notify(KeyspaceEvents.ZSet, eventName, key);
            if (keyRemoved) ctx.Notify(KeyspaceEvents.Generic, "del", key);
            ctx.Dirty(deleted);
        }
        ctx.Reply.Integer(deleted);
    }

    // ---- ZRANDMEMBER ----

    /// <summary>ZRANDMEMBER key [count [WITHSCORES]]</summary>
    static void ZRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!Numbers.TryParseStrictLong(ctx.Arg(2), out long l)) { ctx.Error(Errors.NotInteger); return; }
            if (l < -long.MaxValue)
            {
                ctx.Error($"ERR value is out of range, value must between {-long.MaxValue} and {long.MaxValue}");
                return;
            }
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "withscores"u8))) { ctx.SyntaxError(); return; }
            bool withScores = ctx.ArgCount == 4;
            if (withScores && (l < -long.MaxValue / 2 || l > long.MaxValue / 2)) { ctx.Error("ERR value is out of range"); return; }
            RandomMembersWithCount(ctx, l, withScores);
            return;
        }
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        if (z == null) { ctx.Reply.Null(); return; }
        ctx.Reply.Bulk(z.RandomMember(ctx.Server.Random).Member);
    }

    static void RandomMembersWithCount(CommandContext ctx, long l, bool withScores)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.EmptyArray(); return; }
        if (!TryGetZSet(ctx, e, out var z)) return;
        var r = ctx.Reply;
        bool unique = l >= 0;
        ulong count = unique ? (ulong)l : (ulong)(-l);
        if (count == 0) { r.EmptyArray(); return; }
        var rng = ctx.Server.Random;
        long size = z!.Count;

        // Negative count (or 1): independent picks, repetitions allowed, in pick order.
        if (!unique || count == 1)
        {
            r.ArrayHeader(withScores && !r.Resp3 ? (long)count * 2 : (long)count);
            for (ulong i = 0; i < count; i++)
            {
                var c = z.RandomMember(rng);
                ReplyMember(r, c.Member, c.Score, withScores);
                if ((i & 1023) == 1023 && r.Length > MaxReplyBytes)
                {
                    // Redis would grow the output buffer until the client is closed; we drop the client now.
                    ctx.Server.Log.Warning($"Closing client whose ZRANDMEMBER reply grew past {MaxReplyBytes >> 20} MB");
                    r.Truncate(0);
                    ctx.Server.Clients.Kill(ctx.Client);
                    return;
                }
            }
            return;
        }

        long replySize = (long)Math.Min(count, (ulong)size);
        r.ArrayHeader(withScores && !r.Resp3 ? replySize * 2 : replySize);

        // At least the whole set: all of it, from the highest member down (Redis's set iterator order).
        if (count >= (ulong)size)
        {
            for (var c = z.Last(); c.IsValid; c.MovePrevious()) ReplyMember(r, c.Member, c.Score, withScores);
            return;
        }

        int k = (int)count;
        if ((ulong)k * 3 > (ulong)size)
        {
            // Many of them: a partial shuffle of all the members (Redis's order here is its dict's: random too).
            var all = new (byte[] Member, double Score)[size];
            int n = 0;
            for (var c = z.First(); c.IsValid; c.MoveNext()) all[n++] = (c.Member.ToArray(), c.Score);
            for (int i = 0; i < k; i++)
            {
                int pick = i + rng.Next(n - i);
                (all[i], all[pick]) = (all[pick], all[i]);
                ReplyMember(r, all[i].Member, all[i].Score, withScores);
            }
            return;
        }

        if (z.IsCompact)
        {
            // Compact: a random subset returned in the set's order (like lpRandomPairsUnique).
            var chosen = new int[size];
            for (int i = 0; i < size; i++) chosen[i] = i;
            for (int i = 0; i < k; i++)
            {
                int pick = i + rng.Next((int)size - i);
                (chosen[i], chosen[pick]) = (chosen[pick], chosen[i]);
            }
            Array.Sort(chosen, 0, k);
            int rank = 0, next = 0;
            for (var c = z.First(); c.IsValid && next < k; c.MoveNext(), rank++)
                if (rank == chosen[next]) { ReplyMember(r, c.Member, c.Score, withScores); next++; }
            return;
        }

        var table = z.Table!;
        // Few of them: random picks until enough distinct ones.
        var seen = new HashSet<ZSetNode>(ReferenceEqualityComparer.Instance);
        while (seen.Count < k)
        {
            var node = table.RandomEntry(rng)!;
            if (seen.Add(node)) ReplyMember(r, node.Key, node.Score, withScores);
        }
    }

    // ---- ZSCAN ----

    [ThreadStatic] static List<ZSetNode>? _scanBuffer;

    /// <summary>
    /// ZSCAN key cursor [MATCH pattern] [COUNT count]. A listpack set is returned whole with cursor 0 and its
    /// scores as the listpack holds them (integral scores as integers); a skiplist set is walked with the
    /// member table's reverse-binary cursor, scores in "%.17g".
    /// </summary>
    static void ZScan(CommandContext ctx)
    {
        if (!ScanArguments.TryParseCursor(ctx, 2, out ulong cursor)) return;
        if (!TryGetZSet(ctx, ctx.LookupRead(ctx.Arg(1)), out var z)) return;
        if (z == null) { ScanArguments.ReplyEmpty(ctx); return; }

        if (!ScanArguments.TryParse(ctx, 3, allowType: false, out var scan)) return;

        var r = ctx.Reply;
        r.ArrayHeader(2);
        Span<byte> text = stackalloc byte[Numbers.MaxDoubleChars];
        var table = z.Table;
        if (table == null)
        {
            r.Bulk("0"u8);
            int mark = r.BeginDeferred();
            long n = 0;
            for (var c = z.First(); c.IsValid; c.MoveNext())
            {
                if (!scan.Matches(c.Member)) continue;
                r.Bulk(c.Member);
                r.Bulk(text[..FormatListpackScore(c.Score, text)]);
                n += 2;
            }
            r.EndDeferredArray(mark, n);
            return;
        }

        var nodes = _scanBuffer ??= new List<ZSetNode>();
        nodes.Clear();
        // Like Redis: at most 10 × COUNT buckets per call, and COUNT is compared with members and scores together.
        long maxIterations = scan.Count > long.MaxValue / 10 ? long.MaxValue : scan.Count * 10;
        do cursor = table.Scan(cursor, nodes);
        while (cursor != 0 && maxIterations-- != 0 && nodes.Count * 2L < scan.Count);

        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(cursor, digits, out int len);
        r.Bulk(digits[..len]);
        int start = r.BeginDeferred();
        long elements = 0;
        foreach (var node in nodes)
        {
            if (!scan.Matches(node.Key)) continue;
            r.Bulk(node.Key);
            r.Bulk(text[..Numbers.FormatDouble(node.Score, text)]);
            elements += 2;
        }
        r.EndDeferredArray(start, elements);
        nodes.Clear();
        if (nodes.Capacity > 4096) _scanBuffer = null;
    }

    /// <summary>
    /// A score as Redis's listpack holds it (what ZSCAN of a listpack set shows): an integral score within
    /// ±2^62 as an integer (so -0 is "0"), anything else in "%.17g".
    /// </summary>
    internal static int FormatListpackScore(double score, Span<byte> dest)
    {
        const double limit = 4611686018427387904.0; // 2^62: Redis's double2ll range
        if (score >= -limit && score <= limit && score == Math.Floor(score))
        {
            Utf8Formatter.TryFormat((long)score, dest, out int n);
            return n;
        }
        return Numbers.FormatDouble(score, dest);
    }
}
