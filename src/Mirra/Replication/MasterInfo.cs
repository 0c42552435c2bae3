using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>INFO replication's fields about our replicas, the failover state, the replication ids and the backlog.</summary>
public static class MasterInfo
{
    public static void Append(Action<string, string> text, Action<string, long> number, Server server)
    {
        var r = server.Replication;
        number("connected_slaves", 0);
        text("master_failover_state", "no-failover");
        text("master_replid", r.ReplId);
        text("master_replid2", r.ReplId2);
        number("master_repl_offset", r.Offset);
        number("second_repl_offset", r.SecondOffset);
        number("repl_backlog_active", 0);
        number("repl_backlog_size", server.Config.ReplBacklogSize);
        number("repl_backlog_first_byte_offset", 0);
        number("repl_backlog_histlen", 0);
    }
}
