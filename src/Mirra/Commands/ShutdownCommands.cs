using Mirra.Config;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the shared routine is <see cref="Engine.Shutdown"/>.</summary>
public static class ShutdownCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("shutdown", -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0, Shutdown)
        {
            Group = "server", Since = "1.0.0",
            Complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
            Summary = "Stops the server, saving the data first when asked or configured to.",
        });
    }

    static void Shutdown(CommandContext ctx)
    {
        var flags = ShutdownFlags.Default;
        bool abort = false;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "nosave"u8)) flags |= ShutdownFlags.NoSave;
            else if (ctx.ArgIs(i, "save"u8)) flags |= ShutdownFlags.Save;
            else if (ctx.ArgIs(i, "now"u8)) flags |= ShutdownFlags.Now;
            else if (ctx.ArgIs(i, "force"u8)) flags |= ShutdownFlags.Force;
            else if (ctx.ArgIs(i, "abort"u8)) abort = true;
            else { ctx.SyntaxError(); return; }
        }
        if ((abort && flags != ShutdownFlags.Default) || (flags & (ShutdownFlags.NoSave | ShutdownFlags.Save)) == (ShutdownFlags.NoSave | ShutdownFlags.Save))
        {
            ctx.SyntaxError();
            return;
        }
        var shutdown = ctx.Server.Shutdown;
        if (abort)
        {
            if (shutdown.Abort()) ctx.Reply.Ok();
            else ctx.Error("ERR No shutdown in progress.");
            return;
        }

        string? error = shutdown.Run(flags);
        if (error != null) ctx.Error(error);
        // Waiting for the replicas to catch up: the client gets the outcome (nothing if the server exits).
        else if (shutdown.WaitingForReplicas) shutdown.Block(ctx.Client);
        // On success the process is gone (or, embedded, no longer listening): Redis sends no reply either.
    }
}
