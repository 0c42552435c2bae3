using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>WAIT: blocks until the writes of this connection reached enough replicas (Replication/MasterReplication).</summary>
public static class WaitCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("wait", 3, "noscript", 0, 0, 0, Wait)
        {
            Group = "generic", Since = "3.0.0", Acl = "connection", Tips = "request_policy:all_shards response_policy:agg_min",
            Summary = "Blocks until the replicas acknowledged the writes sent by this connection, or the timeout passes.",
        });
    }

    /// <summary>WAIT numreplicas timeout</summary>
    static void Wait(CommandContext ctx) => ctx.Server.Master.Wait(ctx);
}
