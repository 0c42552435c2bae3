using System.Net;
using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>Where a replica is in its synchronization (Redis's SLAVE_STATE_*).</summary>
public enum ReplicaState
{
    /// <summary>Asked for a full sync; waits for a snapshot to start (wait_bgsave).</summary>
    WaitBgsaveStart,
    /// <summary>Its snapshot is being made (wait_bgsave); the stream accumulates for it meanwhile.</summary>
    WaitBgsaveEnd,
    /// <summary>The RDB file is being sent (send_bulk).</summary>
    SendBulk,
    /// <summary>Synchronized: receives the stream (online).</summary>
    Online,
    /// <summary>Dual-channel main channel: receives the stream while its replica loads the RDB (bg_transfer), online at its first ACK.</summary>
    BgRdbLoad,
}

/// <summary>What a replica announced with REPLCONF capa.</summary>
[Flags]
public enum ReplicaCapabilities
{
    None = 0,
    /// <summary>Understands the "$EOF:" framing of a diskless RDB.</summary>
    Eof = 1,
    /// <summary>Understands "+CONTINUE &lt;replid&gt;" (PSYNC2).</summary>
    Psync2 = 2,
    /// <summary>Valkey's dual-channel full sync (only recorded while this master offers it).</summary>
    DualChannel = 4,
}

/// <summary>
/// A replica as its master sees it (Redis keeps these fields on the client): what it announced with REPLCONF,
/// its state, the offsets it acknowledged, and its output. Created at its first REPLCONF (or at SYNC/PSYNC) and
/// listed among the replicas once it asked for synchronization. Executor thread only (the output has its own lock).
/// </summary>
public sealed class ReplicaLink
{
    public Client Client { get; }
    /// <summary>Listed in the master's replicas (SYNC/PSYNC accepted): the client is flagged S.</summary>
    public bool Attached;
    public ReplicaState State;
    public ReplicaCapabilities Capabilities;
    /// <summary>REPLCONF listening-port (0: unknown).</summary>
    public int ListeningPort;
    /// <summary>REPLCONF ip-address (replica-announce-ip), or null: the peer address is used.</summary>
    public string? AnnouncedIp;
    /// <summary>REPLCONF rdb-only 1: wants the snapshot, not the stream.</summary>
    public bool RdbOnly;
    /// <summary>REPLCONF rdb-filter-only: wants the functions only (Mirra has none: an RDB without data).</summary>
    public bool ExcludeData;
    /// <summary>Came with SYNC (no +FULLRESYNC line, no ACKs expected).</summary>
    public bool PrePsync;
    /// <summary>Highest offset acknowledged with REPLCONF ACK (repl_ack_off).</summary>
    public long AckOffset;
    /// <summary>Unix seconds of the last ACK (repl_ack_time).</summary>
    public long AckTimeSeconds;
    /// <summary>master_repl_offset when its snapshot started (psync_initial_offset).</summary>
    public long InitialOffset;
    /// <summary>After a diskless sync: the stream starts at the first ACK (repl_start_cmd_stream_on_ack).</summary>
    public bool StartStreamOnAck;
    /// <summary>The snapshot it waits for (a disk BGSAVE or a diskless transfer), while in WaitBgsaveEnd.</summary>
    public object? Sync;
    /// <summary>Unix seconds it asked for synchronization (its last interaction then: the diskless delay counts from it).</summary>
    public long AskedAtSeconds;
    /// <summary>Its output (null until it attached).</summary>
    public ReplicaOutput? Output;
    /// <summary>REPLCONF version (Valkey replicas announce theirs), or null.</summary>
    public string? Version;
    /// <summary>REPLCONF rdb-channel 1: the RDB connection of a dual-channel sync (gets "$ENDOFF:" before its RDB).</summary>
    public bool RdbChannel;
    /// <summary>REPLCONF set-rdb-client-id: the dual-channel RDB connection this main connection belongs to (0: none).</summary>
    public long AssociatedRdbClientId;

    public ReplicaLink(Client client) => Client = client;

    /// <summary>The address shown for it: REPLCONF ip-address, else the peer's IP.</summary>
    public string? Ip => AnnouncedIp ?? PeerIp(Client);

    /// <summary>Redis's replicationGetSlaveName: "ip:listening-port" for the log.</summary>
    public string Name
    {
        get
        {
            var ip = Ip;
            if (ip == null) return $"client id #{Client.Id}";
            if (ListeningPort == 0) return ip + ":<unknown-replica-port>";
            return ip.Contains(':') ? $"[{ip}]:{ListeningPort}" : $"{ip}:{ListeningPort}";
        }
    }

    /// <summary>INFO's state of a replica: wait_bgsave, send_bulk, online (Valkey's bg_transfer for a dual-channel main connection).</summary>
    public string StateName => State switch
    {
        ReplicaState.WaitBgsaveStart or ReplicaState.WaitBgsaveEnd => "wait_bgsave",
        ReplicaState.SendBulk => "send_bulk",
        ReplicaState.BgRdbLoad => "bg_transfer",
        _ => "online",
    };

    /// <summary>The peer IP of a client connection (without brackets or port); "/unixsocket" for the unix socket, like Redis.</summary>
    public static string? PeerIp(Client c)
    {
        var t = c.Transport;
        if (t == null) return null;
        if (t.IsUnixSocket) return "/unixsocket";
        string addr = t.RemoteAddress;
        int colon = addr.LastIndexOf(':');
        if (colon <= 0) return null;
        string host = addr[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return IPAddress.TryParse(host, out _) ? host : null;
    }
}

/// <summary>
/// The transport of a client once it became a replica: the connection still reads (REPLCONF ACK), but what is
/// sent goes through the <see cref="ReplicaOutput"/>, and the pending output is measured as Redis measures a
/// replica's: the stream it still has to receive (<see cref="IClientTransport.PendingOutputBytes"/>).
/// A reply generated for a replica is a protocol violation: the replica is disconnected, as Redis does.
/// </summary>
public sealed class ReplicaTransport : IClientTransport
{
    readonly IClientTransport _inner;
    readonly MasterReplication _master;
    readonly ReplicaLink _link;

    public ReplicaTransport(IClientTransport inner, MasterReplication master, ReplicaLink link)
    {
        _inner = inner;
        _master = master;
        _link = link;
    }

    /// <summary>The connection's own transport (restored if the client stops being a replica).</summary>
    public IClientTransport Inner => _inner;

    public void Flush(Client client)
    {
        if (client.Reply.Length > 0) _master.ReplyToReplica(_link);
        _link.Output?.Kick();
        if (client.Is(ClientFlags.CloseAfterReply)) Close();
    }

    public void Close()
    {
        _link.Output?.Close();
        _inner.Close();
    }

    public long PendingOutputBytes(Client client) => _master.OutputBufferUsage(_link);
    /// <summary>Blocks of the replication buffer this replica still has to receive (CLIENT LIST oll).</summary>
    public long OutputBlocks => _master.OutputBlocks(_link);
    /// <summary>Stream bytes written for this replica and not sent yet.</summary>
    public long UnsentBytes => _link.Output is { } o && o.Streaming && o.Cursor.Block is { } b && _master.Backlog is { } backlog
        ? backlog.EndOffset + 1 - (b.Offset + o.Cursor.Position) : 0;
    /// <summary>Whether Redis would have a write handler on the socket (CLIENT LIST events w): the RDB file is being sent, or stream bytes wait.</summary>
    public bool Writing => _link.State == ReplicaState.SendBulk || UnsentBytes > 0;
    public string RemoteAddress => _inner.RemoteAddress;
    public string LocalAddress => _inner.LocalAddress;
    public int Fd => _inner.Fd;
    public int QueryBufferLength => _inner.QueryBufferLength;
    public bool IsUnixSocket => _inner.IsUnixSocket;
}
