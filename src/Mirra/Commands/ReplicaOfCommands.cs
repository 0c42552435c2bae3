using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>REPLICAOF and its old name SLAVEOF: follow a master, or stop following one (NO ONE).</summary>
public static class ReplicaOfCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("replicaof", 3, "admin noscript stale no_async_loading", 0, 0, 0, ReplicaOf)
        { Group = "server", Since = "5.0.0", Summary = "Makes the server follow another instance, or turns it into a master (NO ONE)." });
        t.Add(new CommandSpec("slaveof", 3, "admin noscript stale no_async_loading", 0, 0, 0, ReplicaOf)
        { Group = "server", Since = "1.0.0", Summary = "Makes the server follow another instance, or turns it into a master (deprecated: use REPLICAOF)." });
    }

    /// <summary>REPLICAOF host port | REPLICAOF NO ONE</summary>
    static void ReplicaOf(CommandContext ctx)
    {
        var server = ctx.Server;
        var link = server.MasterLink;
        if (server.Config.ClusterEnabled)
        {
            ctx.Error("ERR REPLICAOF not allowed in cluster mode.");
            return;
        }
        if (server.Failover.State != Replication.FailoverState.None)
        {
            ctx.Error("ERR REPLICAOF not allowed while failing over.");
            return;
        }
        if (ctx.ArgIs(1, "no"u8) && ctx.ArgIs(2, "one"u8))
        {
            if (link.Host != null)
            {
                link.UnsetMaster();
                server.ConfigRegistry.SetInternal("replicaof", "no", "one");
                server.Log.Notice($"MASTER MODE enabled (user request from '{Describe(ctx)}')");
            }
            ctx.Reply.Ok();
            return;
        }
        if (ctx.Client.Is(ClientFlags.Replica))
        {
            // The command would flush every replica, this one included.
            ctx.Error("ERR Command is not valid when client is a replica.");
            return;
        }
        if (!ctx.TryGetLong(2, out long port, "ERR Invalid master port")) return;
        if (port < 0 || port > 65535)
        {
            ctx.Error("ERR Invalid master port");
            return;
        }
        string host = Encoding.Latin1.GetString(ctx.Arg(1));
        if (link.Host != null && string.Equals(link.Host, host, StringComparison.OrdinalIgnoreCase) && link.Port == port)
        {
            server.Log.Notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
            ctx.Reply.SimpleString("OK Already connected to specified master"u8);
            return;
        }
        link.SetMaster(host, (int)port);
        server.ConfigRegistry.SetInternal("replicaof", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        server.Log.Notice($"REPLICAOF {host}:{port} enabled (user request from '{Describe(ctx)}')");
        ctx.Reply.Ok();
    }

    /// <summary>The requesting client as CLIENT LIST shows it while its command runs (Redis's catClientInfoString).</summary>
    internal static string Describe(CommandContext ctx)
    {
        int argvMem = 0, received = 1 + Digits(ctx.ArgCount) + 2;
        for (int i = 0; i < ctx.ArgCount; i++)
        {
            int len = ctx.Arg(i).Length;
            argvMem += len;
            received += 1 + Digits(len) + 2 + len + 2;
        }
        return ctx.Server.Clients.Describe(ctx.Client, argvMem, received);
    }

    static int Digits(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
}
