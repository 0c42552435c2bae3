using Mirra.Engine;
using Mirra.Storage.Types;

namespace Mirra.Commands;

/// <summary>
/// BZPOPMIN, BZPOPMAX and BZMPOP: the sorted-set pops of SortedSetCommands on the shared blocking
/// machinery (Engine/Blocking.cs). A served pop is replicated as the ZPOPMIN/ZPOPMAX that happened.
/// </summary>
public static class SortedSetBlockingCommands
{
    public static void Register(CommandTable t)
    {
        const string g = "sorted-set";
        t.Add(new CommandSpec("bzpopmin", -3, "write noscript blocking fast", 1, -2, 1, BZPopMin) { Group = g, Since = "5.0.0", KeySpecs = "RW access delete", Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Summary = "Removes and returns the member with the lowest score from one or more sorted sets, or waits until one is available." });
        t.Add(new CommandSpec("bzpopmax", -3, "write noscript blocking fast", 1, -2, 1, BZPopMax) { Group = g, Since = "5.0.0", KeySpecs = "RW access delete", Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Summary = "Removes and returns the member with the highest score from one or more sorted sets, or waits until one is available." });
        t.Add(new CommandSpec("bzmpop", -5, "write blocking movablekeys", 0, 0, 0, BZMPop) { Group = g, Since = "7.0.0", KeySpecs = "RW access delete index:2 keynum:0:1:1", Complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", Summary = "Pops the lowest or highest members of the first non-empty sorted set among several keys, or waits until one is available." });
    }

    sealed class PopState
    {
        public bool Max;
        public long Count;   // -1: the single-member form of BZPOPMIN/BZPOPMAX
        public bool Nested;  // BZMPOP's [key, [[member, score], ...]] shape
    }

    static void BZPopMin(CommandContext ctx) => BlockingPop(ctx, max: false);
    static void BZPopMax(CommandContext ctx) => BlockingPop(ctx, max: true);

    /// <summary>BZPOPMIN|BZPOPMAX key [key ...] timeout</summary>
    static void BlockingPop(CommandContext ctx, bool max)
    {
        int timeoutArg = ctx.ArgCount - 1;
        if (!Blocking.TryParseTimeout(ctx, timeoutArg, out long deadline)) return;
        var state = new PopState { Max = max, Count = -1 };
        if (TryServeNow(ctx, 1, timeoutArg - 1, state)) return;
        BlockOrGiveUp(ctx, 1, timeoutArg - 1, deadline, state);
    }

    /// <summary>BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]</summary>
    static void BZMPop(CommandContext ctx)
    {
        if (!SortedSetCommands.TryParseMPop(ctx, 2, out long numKeys, out bool max, out long count)) return;
        if (!Blocking.TryParseTimeout(ctx, 1, out long deadline)) return;
        var state = new PopState { Max = max, Count = count, Nested = true };
        if (TryServeNow(ctx, 3, (int)numKeys, state)) return;
        BlockOrGiveUp(ctx, 3, (int)numKeys, deadline, state);
    }

    /// <summary>Pops from the first non-empty sorted set among the keys; true when it replied (a pop or WRONGTYPE).</summary>
    static bool TryServeNow(CommandContext ctx, int first, int count, PopState state)
    {
        for (int i = first; i < first + count; i++)
        {
            var e = ctx.LookupWrite(ctx.Arg(i));
            if (e == null) continue;
            if (e.Value is not SortedSetValue) { ctx.WrongType(); return true; }
            if (Serve(ctx, ctx.Arg(i), state)) return true;
        }
        return false;
    }

    static void BlockOrGiveUp(CommandContext ctx, int first, int count, long deadline, PopState state)
    {
        if (!Blocking.MayBlock(ctx.Client)) { ctx.Reply.NullArray(); return; }
        var keys = new byte[count][];
        for (int i = 0; i < count; i++) keys[i] = ctx.ArgBytes(first + i);
        ctx.Server.Blocking.Block(ctx, keys, deadline, (c, blocked, key) => Serve(c, key, (PopState)blocked.State!), state);
    }

    static bool Serve(CommandContext ctx, ReadOnlySpan<byte> key, PopState state)
    {
        long popped = SortedSetCommands.PopAndReply(ctx, key, state.Max, state.Count, emitKey: true, nested: state.Nested);
        if (popped == 0) return false;
        SortedSetCommands.PropagatePop(ctx, key, state.Max, state.Nested ? popped : -1);
        return true;
    }
}
