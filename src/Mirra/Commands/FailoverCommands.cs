using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>FAILOVER: a coordinated hand-over from this master to one of its replicas (see Replication/Failover).</summary>
public static class FailoverCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("failover", -1, "admin noscript stale", 0, 0, 0, Failover)
        { Group = "server", Since = "6.2.0", Summary = "Start a coordinated failover between this server and one of its replicas." });
    }

    /// <summary>FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]</summary>
    static void Failover(CommandContext ctx)
    {
        var failover = ctx.Server.Failover;
        if (ctx.Server.Config.ClusterEnabled)
        {
            ctx.Error("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
            return;
        }
        if (ctx.ArgCount == 2 && ctx.ArgIs(1, "abort"u8))
        {
            if (!failover.AbortByUser()) ctx.Error("ERR No failover in progress.");
            else ctx.Reply.Ok();
            return;
        }
        // As Redis parses them: each option once, TO needs two more arguments, ABORT only alone, FORCE anywhere.
        long timeout = 0, port = 0;
        bool force = false;
        string? host = null;
        for (int j = 1; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "timeout"u8) && j + 1 < ctx.ArgCount && timeout == 0)
            {
                if (!ctx.TryGetLong(j + 1, out timeout)) return;
                if (timeout <= 0)
                {
                    ctx.Error("ERR FAILOVER timeout must be greater than 0");
                    return;
                }
                j++;
            }
            else if (ctx.ArgIs(j, "to"u8) && j + 2 < ctx.ArgCount && host == null)
            {
                if (!ctx.TryGetLong(j + 2, out port)) return;
                host = Encoding.Latin1.GetString(ctx.Arg(j + 1));
                j += 2;
            }
            else if (ctx.ArgIs(j, "force"u8) && !force)
            {
                force = true;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var error = failover.Start(host, port, timeout, force);
        if (error != null) ctx.Error(error);
        else ctx.Reply.Ok();
    }
}
