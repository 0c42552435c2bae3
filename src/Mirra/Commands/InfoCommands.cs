using System.Globalization;
using Mirra.Engine;
using Mirra.Observability;

namespace Mirra.Commands;

/// <summary>INFO, ROLE, TIME and CONFIG RESETSTAT: what a server says about itself.</summary>
public static class InfoCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("info", -1, "loading stale", 0, 0, 0, Info)
        { Group = "server", Acl = "dangerous", Tips = "nondeterministic_output request_policy:all_shards response_policy:special", Summary = "Returns information and statistics about the server.", Complexity = "O(1)" });
        t.Add(new CommandSpec("role", 1, "noscript loading stale fast", 0, 0, 0, Role)
        { Group = "server", Since = "2.8.12", Acl = "admin dangerous", Summary = "Returns the replication role of the server." });
        t.Add(new CommandSpec("time", 1, "loading stale fast", 0, 0, 0, Time)
        { Group = "server", Since = "2.6.0", Summary = "Returns the server time." });

        // CONFIG belongs to the configuration family; RESETSTAT joins it whichever registers first.
        var config = t.Find("config") ?? t.Add(new CommandSpec("config", -2, "", 0, 0, 0, null)
        { Group = "server", Since = "2.0.0", Summary = "A container for server configuration commands.", Complexity = "Depends on subcommand." });
        config.AddSubcommand(ResetStatSubcommand());
    }

    /// <summary>CONFIG RESETSTAT, for whichever family owns CONFIG.</summary>
    public static CommandSpec ResetStatSubcommand() => new("resetstat", 2, "admin noscript loading stale", 0, 0, 0, ResetStat)
    { Group = "server", Since = "2.0.0", Summary = "Resets the server's statistics." };

    /// <summary>INFO [section [section ...]]</summary>
    static void Info(CommandContext ctx)
    {
        var args = new string[ctx.ArgCount - 1];
        for (int i = 1; i < ctx.ArgCount; i++) args[i - 1] = ctx.ArgString(i);
        ctx.Reply.Verbatim(InfoBuilder.Build(ctx.Server, args));
    }

    /// <summary>ROLE: ["master", offset, [[ip, port, acked offset] ...]] on a master, ["slave", host, port, state, offset] on a replica.</summary>
    static void Role(CommandContext ctx)
    {
        var r = ctx.Reply;
        if (ctx.Server.IsReplica)
        {
            var link = ctx.Server.MasterLink;
            r.ArrayHeader(5);
            r.Bulk("slave"u8);
            r.Bulk(link.Host!);
            r.Integer(link.Port);
            r.Bulk(link.RoleState);
            r.Integer(link.Master != null ? link.AppliedOffset : -1);
            return;
        }
        ctx.Server.Master.WriteRole(r);
    }

    /// <summary>TIME: [unix seconds, microseconds] as two bulk strings.</summary>
    static void Time(CommandContext ctx)
    {
        long us = InfoBuilder.NowMicros(ctx.Server);
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk((us / 1_000_000).ToString(CultureInfo.InvariantCulture));
        ctx.Reply.Bulk((us % 1_000_000).ToString(CultureInfo.InvariantCulture));
    }

    static void ResetStat(CommandContext ctx)
    {
        ResetStats(ctx.Server);
        ctx.Reply.Ok();
    }

    /// <summary>
    /// What CONFIG RESETSTAT forgets: the INFO stats counters, errorstats, commandstats and latencystats.
    /// The slow log, the latency monitor and the memory peak survive it, as in Redis.
    /// </summary>
    public static void ResetStats(Server server)
    {
        server.Stats.Reset();
        server.Keyspace.ExpiredKeys = 0;
        server.ActiveExpiry.TimeCapReachedCount = 0;
        server.ActiveExpiry.CycleTimeUsedUs = 0;
        foreach (var c in InfoBuilder.AllCommands(server)) c.ResetStats();
    }
}
