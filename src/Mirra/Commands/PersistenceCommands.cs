using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>SAVE, BGSAVE, LASTSAVE and BGREWRITEAOF: snapshots on demand (see Persistence/RdbPersistence and Persistence/Aof).</summary>
public static class PersistenceCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("save", 1, "admin noscript no_async_loading no_multi", 0, 0, 0, Save)
        { Group = "server", Acl = "admin dangerous", Complexity = "O(N) where N is the total number of keys in all databases", Summary = "Writes the dataset to disk now, blocking other clients until done." });
        t.Add(new CommandSpec("bgsave", -1, "admin noscript no_async_loading", 0, 0, 0, BackgroundSave)
        { Group = "server", Acl = "admin dangerous", Summary = "Writes the dataset to disk in the background while the server keeps serving." });
        t.Add(new CommandSpec("bgrewriteaof", 1, "admin noscript no_async_loading", 0, 0, 0, BackgroundRewriteAof)
        { Group = "server", Acl = "admin dangerous", Summary = "Rewrites the append-only file from a snapshot of the data, in the background." });
        t.Add(new CommandSpec("lastsave", 1, "loading stale fast", 0, 0, 0, LastSave)
        { Group = "server", Acl = "admin dangerous", Tips = "nondeterministic_output", Summary = "Returns the Unix time of the last successful save to disk." });
    }

    static void Save(CommandContext ctx)
    {
        var rdb = ctx.Server.Rdb;
        if (rdb.Background != null) { ctx.Error("ERR Background save already in progress"); return; }
        if (rdb.SaveCommand() == null) ctx.Reply.Ok();
        else ctx.Error("ERR");
    }

    static void BackgroundSave(CommandContext ctx)
    {
        bool schedule = false;
        if (ctx.ArgCount > 1)
        {
            if (ctx.ArgCount == 2 && ctx.ArgIs(1, "schedule"u8)) schedule = true;
            else { ctx.Error(Errors.Syntax); return; }
        }
        var rdb = ctx.Server.Rdb;
        if (rdb.Background != null) { ctx.Error("ERR Background save already in progress"); return; }
        // Redis schedules a BGSAVE run by EXEC instead of starting it mid-transaction; a snapshot could start
        // here, but the reply and the timing follow Redis.
        if (ctx.Client.Is(ClientFlags.Multi) || ctx.Server.AnotherSnapshotRunning)
        {
            if (!schedule && !ctx.Client.Is(ClientFlags.Multi))
            {
                ctx.Error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
                return;
            }
            rdb.ScheduleBackgroundSave();
            ctx.Reply.SimpleString("Background saving scheduled");
            return;
        }
        if (rdb.StartBackgroundSave() is { } error) { ctx.Error(error); return; }
        ctx.Reply.SimpleString("Background saving started");
    }

    static void BackgroundRewriteAof(CommandContext ctx)
    {
        switch (ctx.Server.Aof.BackgroundRewriteCommand(ctx.Client.Is(ClientFlags.Multi)))
        {
            case null: ctx.Reply.SimpleString("Background append only file rewriting started"); break;
            case "scheduled": ctx.Reply.SimpleString("Background append only file rewriting scheduled"); break;
            case var error: ctx.Error(error); break;
        }
    }

    static void LastSave(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.Rdb.LastSaveUnix);
}
