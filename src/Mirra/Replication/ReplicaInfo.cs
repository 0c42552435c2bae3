using System.Globalization;
using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>INFO replication's fields about the link to our master (Redis prints them only on a replica), in Redis 7.0's order.</summary>
public static class ReplicaInfo
{
    public static void Append(Action<string, string> text, Action<string, long> number, Server server)
    {
        if (!server.IsReplica) return;
        var link = server.MasterLink;
        var config = server.Config;
        long now = server.Clock.NowMs() / 1000;
        text("master_host", link.Host ?? "");
        number("master_port", link.Port);
        text("master_link_status", link.State == ReplState.Connected ? "up" : "down");
        number("master_last_io_seconds_ago", link.Master != null ? now - link.LastInteractionMs / 1000 : -1);
        number("master_sync_in_progress", link.State == ReplState.Transfer ? 1 : 0);
        number("slave_read_repl_offset", link.ReplicaReadOffset);
        number("slave_repl_offset", link.ReplicaOffset);
        if (config.DualChannelReplicationEnabled)
        {
            // Valkey 8's: the stream kept in memory during a dual-channel sync.
            number("replicas_repl_buffer_size", link.DualChannelBufferSize);
            number("replicas_repl_buffer_peak", link.DualChannelBufferPeak);
        }
        if (link.State == ReplState.Transfer)
        {
            long size = link.TransferSize, read = link.TransferReadBytes;
            // "$EOF:" transfers have no size (0); before the header it is -1 (a -0.00 percentage, like Redis's).
            double perc = size != 0 ? (double)read / size * 100 : 0;
            number("master_sync_total_bytes", size);
            number("master_sync_read_bytes", read);
            number("master_sync_left_bytes", size - read);
            text("master_sync_perc", perc.ToString("F2", CultureInfo.InvariantCulture));
            number("master_sync_last_io_seconds_ago", now - link.TransferLastIoMs / 1000);
        }
        if (link.State != ReplState.Connected)
            number("master_link_down_since_seconds", link.DownSinceMs != 0 ? now - link.DownSinceMs / 1000 : -1);
        number("slave_priority", config.ReplicaPriority);
        number("slave_read_only", config.ReplicaReadOnly ? 1 : 0);
        number("replica_announced", config.ReplicaAnnounced ? 1 : 0);
    }
}
