using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>The whole-database commands of Redis's server group: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.</summary>
public static class ServerKeyspaceCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("dbsize", 1, "readonly fast", 0, 0, 0, DbSize) { Group = "server", Summary = "Returns the number of keys in the selected database." });
        t.Add(new CommandSpec("flushdb", -1, "write", 0, 0, 0, FlushDb) { Group = "server", Complexity = "O(N) where N is the number of keys in the database", Summary = "Deletes every key of the selected database." });
        t.Add(new CommandSpec("flushall", -1, "write", 0, 0, 0, FlushAll) { Group = "server", Complexity = "O(N) where N is the number of keys in all databases", Summary = "Deletes every key of every database." });
        t.Add(new CommandSpec("swapdb", 3, "write fast", 0, 0, 0, SwapDb) { Group = "server", Since = "4.0.0", Complexity = "O(N) where N is the number of clients watching or blocked on keys of both databases", Summary = "Exchanges the contents of two databases." });
    }

    static void DbSize(CommandContext ctx) => ctx.Reply.Integer(ctx.Db.Count);

    /// <summary>[ASYNC | SYNC]: memory goes back to the GC either way, so both behave the same.</summary>
    static bool ParseFlushMode(CommandContext ctx)
    {
        if (ctx.ArgCount == 1) return true;
        if (ctx.ArgCount == 2 && (ctx.ArgIs(1, "sync"u8) || ctx.ArgIs(1, "async"u8))) return true;
        ctx.SyntaxError();
        return false;
    }

    static void FlushDb(CommandContext ctx)
    {
        if (!ParseFlushMode(ctx)) return;
        ctx.Dirty(ctx.Db.Flush());
        ctx.PropagateAsIs(); // replicated even when the database was already empty
        ctx.Reply.Ok();
    }

    static void FlushAll(CommandContext ctx)
    {
        if (!ParseFlushMode(ctx)) return;
        long removed = 0;
        foreach (var db in ctx.Keyspace.Databases) removed += db.Flush();
        ctx.Dirty(removed);
        ctx.Server.Rdb.AfterFlushAll(); // with save points, an (empty) snapshot now, as in Redis 7.0
        ctx.PropagateAsIs(); // replicated even when every database was already empty
        ctx.Reply.Ok();
    }

    static void SwapDb(CommandContext ctx)
    {
        if (!KeyCommands.TryGetInt32(ctx, 1, out int first, "ERR invalid first DB index")) return;
        if (!KeyCommands.TryGetInt32(ctx, 2, out int second, "ERR invalid second DB index")) return;
        var keyspace = ctx.Keyspace;
        int n = keyspace.Databases.Length;
        if (first < 0 || first >= n || second < 0 || second >= n) { ctx.Error(Errors.DbIndexOutOfRange); return; }
        if (first != second)
        {
            var a = keyspace[first];
            var b = keyspace[second];
            keyspace.DatabasesSwapping?.Invoke(a, b);
            a.SwapWith(b);
        }
        ctx.Dirty();
        ctx.Reply.Ok();
    }
}
