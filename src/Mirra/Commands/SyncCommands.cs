using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// SYNC, PSYNC and REPLCONF: what a replica sends its master to synchronize (see Replication/MasterReplication:
/// partial resync from the backlog, or a full sync through a snapshot, then the stream).
/// </summary>
public static class SyncCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("sync", 1, "admin noscript no_async_loading no_multi", 0, 0, 0, Sync)
        { Group = "server", Since = "1.0.0", Complexity = "", Summary = "Asks for a full synchronization (the replication protocol before PSYNC)." });
        t.Add(new CommandSpec("psync", -3, "admin noscript no_async_loading no_multi", 0, 0, 0, Psync)
        { Group = "server", Since = "2.8.0", Complexity = "", Summary = "Asks to continue a replication history from an offset, or for a full synchronization." });
        t.Add(new CommandSpec("replconf", -1, "admin noscript loading stale allow_busy", 0, 0, 0, ReplConf)
        { Group = "server", Since = "3.0.0", Summary = "Exchanges replication settings and acknowledgements between a replica and its master." });
    }

    /// <summary>SYNC</summary>
    static void Sync(CommandContext ctx) => ctx.Server.Master.Sync(ctx, psync: false);

    /// <summary>PSYNC replicationid offset</summary>
    static void Psync(CommandContext ctx) => ctx.Server.Master.Sync(ctx, psync: true);

    /// <summary>REPLCONF option value [option value ...]</summary>
    static void ReplConf(CommandContext ctx) => ctx.Server.Master.ReplConf(ctx);
}
