using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queuing itself happens in the dispatcher (a command received
/// inside MULTI is checked like any other, then stored instead of run); the bookkeeping of queues and
/// watched keys is <see cref="Transactions"/>.
/// </summary>
public static class TransactionCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("multi", 1, "noscript loading stale fast allow_busy", 0, 0, 0, Multi) { Group = "transactions", Since = "1.2.0", Summary = "Starts a transaction: the following commands are queued until EXEC." });
        t.Add(new CommandSpec("exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, Exec) { Group = "transactions", Since = "1.2.0", Complexity = "Depends on commands in the transaction", Summary = "Runs the queued commands of a transaction, unless a watched key changed." });
        t.Add(new CommandSpec("discard", 1, "noscript loading stale fast allow_busy", 0, 0, 0, Discard) { Group = "transactions", Since = "2.0.0", Complexity = "O(N), when N is the number of queued commands", Summary = "Drops the queued commands of a transaction and forgets the watched keys." });
        t.Add(new CommandSpec("watch", -2, "noscript loading stale fast allow_busy", 1, -1, 1, Watch) { Group = "transactions", Since = "2.2.0", Complexity = "O(1) for every key.", KeySpecs = "RO", Summary = "Makes the next EXEC fail if one of these keys is modified before it." });
        t.Add(new CommandSpec("unwatch", 1, "noscript loading stale fast allow_busy", 0, 0, 0, Unwatch) { Group = "transactions", Since = "2.2.0", Summary = "Forgets every watched key." });
    }

    static void Multi(CommandContext ctx)
    {
        if (ctx.Client.Is(ClientFlags.Multi)) { ctx.Error("ERR MULTI calls can not be nested"); return; }
        ctx.Server.Transactions.Begin(ctx.Client);
        ctx.Reply.Ok();
    }

    static void Discard(CommandContext ctx)
    {
        if (!ctx.Client.Is(ClientFlags.Multi)) { ctx.Error("ERR DISCARD without MULTI"); return; }
        ctx.Server.Transactions.Discard(ctx.Client);
        ctx.Reply.Ok();
    }

    /// <summary>
    /// EXEC: fails with a null array when a watched key was modified (or has expired since WATCH),
    /// with EXECABORT when a command was refused while queuing; otherwise runs every queued command
    /// through the normal call path and replies an array of their replies (errors included: the other
    /// commands still run). While the commands run the client keeps its MULTI flag, so blocking
    /// commands know not to block, and their effects are replicated together (MULTI/EXEC around them
    /// when there are several).
    /// </summary>
    static void Exec(CommandContext ctx)
    {
        var client = ctx.Client;
        var transactions = ctx.Server.Transactions;
        if (!client.Is(ClientFlags.Multi)) { ctx.Error("ERR EXEC without MULTI"); return; }
        if (transactions.AnyWatchedKeyExpired(client)) client.Flags |= ClientFlags.DirtyCas;
        var tx = client.Transaction!;
        if (tx.DirtyExec || client.Is(ClientFlags.DirtyCas))
        {
            if (tx.DirtyExec) ctx.Error(Transactions.ExecAbortPrevious);
            else ctx.Reply.NullArray();
            transactions.Discard(client);
            return;
        }

        transactions.UnwatchAll(client); // nothing it does itself may fail it now
        var queue = tx.Queue.ToArray();
        var exec = ctx.Command;
        var execArgv = ctx.CopyArgs();
        var dispatcher = ctx.Server.Dispatcher;
        var propagation = ctx.Server.Propagation;
        ctx.Reply.ArrayHeader(queue.Length);
        propagation.HoldEffects();
        try
        {
            foreach (var queued in queue)
            {
                ctx.SetArgs(queued.Argv);
                ctx.Command = queued.Command;
                ctx.Failed = false;
                dispatcher.Call(ctx, client, queued.Command);
            }
        }
        finally
        {
            propagation.ReleaseEffects();
            // EXEC's own statistics, slow log and MONITOR line see EXEC again, not the last queued command.
            ctx.SetArgs(execArgv);
            ctx.Command = exec;
            ctx.Failed = false;
            transactions.Discard(client);
        }
    }

    static void Watch(CommandContext ctx)
    {
        var client = ctx.Client;
        if (client.Is(ClientFlags.Multi)) { ctx.Error("ERR WATCH inside MULTI is not allowed"); return; }
        // Like Redis: once a watched key changed, EXEC will fail anyway, so there is nothing more to watch.
        if (!client.Is(ClientFlags.DirtyCas))
            for (int i = 1; i < ctx.ArgCount; i++) ctx.Server.Transactions.Watch(client, ctx.Db, ctx.Arg(i));
        ctx.Reply.Ok();
    }

    static void Unwatch(CommandContext ctx)
    {
        ctx.Server.Transactions.UnwatchAll(ctx.Client);
        ctx.Client.Flags &= ~ClientFlags.DirtyCas;
        ctx.Reply.Ok();
    }
}
