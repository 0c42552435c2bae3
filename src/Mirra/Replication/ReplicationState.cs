
namespace Mirra.Replication;

/// <summary>
/// The replication identity of this server (PSYNC2): the current replication id and offset, and the
/// previous id with the offset up to which it is still valid (after a failover). INFO replication,
/// ROLE and PSYNC read it; the replication engine owns how it moves.
/// </summary>
public sealed class ReplicationState
{
    public const string NoId = "0000000000000000000000000000000000000000";

    /// <summary>master_replid: 40 hex characters, new at every start and when a replica is promoted.</summary>
    public string ReplId = NewId();
    /// <summary>master_replid2: the id we were replicating before the current one, or all zeros.</summary>
    public string ReplId2 = NoId;
    /// <summary>master_repl_offset: bytes of replication stream produced (or applied) under ReplId.</summary>
    public long Offset;
    /// <summary>second_repl_offset: the offset up to which ReplId2 is valid, -1 when none.</summary>
    public long SecondOffset = -1;

    /// <summary>Where this server's replication stream goes (the backlog and the replicas): set by the master side.</summary>
    public StreamSink? Sink;

    // ---- Seams the replica side fills in (the master side reads them) ----

    /// <summary>Replica: true while the link with our master is up (sub-replicas may SYNC only then: else -NOMASTERLINK).</summary>
    public Func<bool>? MasterLinkUp;
    /// <summary>Replica: REPLCONF GETACK arrived in our master's stream: send REPLCONF ACK now.</summary>
    public Action? SendAckToMaster;
    /// <summary>Replica: the database our master's stream has selected (RDB aux repl-stream-db), null without a (cached) master.</summary>
    public Func<int?>? ReplicaStreamDb;
    /// <summary>The replication id, offset and stream db of the RDB loaded at startup (a replica PSYNCs with them), or null.</summary>
    public RdbReplicationInfo? LoadedFromRdb;
    // What the replica side asks of the master side (set by the master side; null: nothing to do).
    /// <summary>Redis's createReplicationBacklog if there is none: a replica keeps a backlog once synchronized, to serve its own replicas and survive a promotion.</summary>
    public Action? CreateBacklog;
    /// <summary>Redis's freeReplicationBacklog: a full sync starts a new history, nobody may continue the old one from us.</summary>
    public Action? FreeBacklog;
    /// <summary>Redis's disconnectSlaves: our replicas must reconnect (new history, new id, promotion).</summary>
    public Action? DisconnectReplicas;

    /// <summary>
    /// Appends bytes to this server's replication stream: on a master the propagated commands, on a replica
    /// the bytes it applied from its master (forwarded unchanged, so sub-replicas see the same offsets).
    /// </summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        Offset += bytes.Length;
        Sink?.Invoke(bytes);
    }

    public static string NewId() => Util.RandomIds.NewHexId();

    /// <summary>Redis's changeReplicationId: a fresh id (the offset keeps counting).</summary>
    public void ChangeId() => ReplId = NewId();

    /// <summary>Redis's shiftReplicationId: the current id becomes the secondary one, valid up to offset+1.</summary>
    public void ShiftIds()
    {
        ReplId2 = ReplId;
        SecondOffset = Offset + 1;
        ReplId = NewId();
    }

    /// <summary>Redis's clearReplicationId2.</summary>
    public void ClearId2()
    {
        ReplId2 = NoId;
        SecondOffset = -1;
    }
}

/// <summary>Receives a piece of the replication stream.</summary>
public delegate void StreamSink(ReadOnlySpan<byte> bytes);
