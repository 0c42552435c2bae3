using System.Text;
using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>
/// The master half of Valkey 8's dual-channel full sync (dual-channel-replication-enabled yes, with
/// repl-diskless-sync yes). A replica that announced "capa dual-channel" and cannot continue with PSYNC gets
/// "+DUALCHANNELSYNC" instead of a snapshot; it opens a second connection (REPLCONF rdb-channel 1, SYNC) which
/// receives "$ENDOFF:&lt;offset&gt; &lt;replid&gt; &lt;db&gt; &lt;client id&gt;" then the snapshot, while its main connection
/// continues with "REPLCONF set-rdb-client-id" and "PSYNC &lt;replid&gt; &lt;offset+1&gt;" and gets the stream at once: the
/// writes made during the sync wait in the replica's memory, not in this master's output buffer.
/// <para>
/// Between "$ENDOFF" and that PSYNC the stream from the snapshot's offset on is pinned: a cursor into the shared
/// replication buffer, so the backlog cannot trim it, measured against client-output-buffer-limit replica like a
/// replica's output (Valkey's replicas_waiting_psync). A pin whose RDB connection is gone is kept for
/// <see cref="RdbClientGraceSeconds"/> seconds, then freed.
/// </para>
/// </summary>
public sealed partial class MasterReplication
{
    /// <summary>Valkey's wait_before_rdb_client_free: how long a pin outlives its RDB connection, waiting for the PSYNC.</summary>
    public int RdbClientGraceSeconds = 60;

    /// <summary>The stream position kept for one dual-channel RDB connection until its main connection's PSYNC.</summary>
    sealed class RdbChannelPin
    {
        public required ReplicaLink Link;
        /// <summary>Where the main connection's stream will start (unset: at the next bytes of the stream).</summary>
        public ReplicationCursor Cursor;
        /// <summary>Unix seconds the RDB connection went away (0 while it is up): the grace period runs from then.</summary>
        public long GoneSinceSeconds;
        /// <summary>The RDB connection as CLIENT LIST described it when it went away (for the log).</summary>
        public string? Description;
    }

    /// <summary>Pins by RDB connection client id (Valkey's replicas_waiting_psync).</summary>
    readonly Dictionary<long, RdbChannelPin> _waitingPsync = new();

    /// <summary>Dual-channel syncs waiting for their main connection's PSYNC (INFO replicas_waiting_psync).</summary>
    public int ReplicasWaitingPsync => _waitingPsync.Count;

    /// <summary>This master offers dual-channel syncs: the directive, and diskless syncs (Valkey ignores the capa otherwise).</summary>
    bool OffersDualChannel => _server.Config.DualChannelReplicationEnabled && _server.Config.ReplDisklessSync;

    /// <summary>
    /// The REPLCONF options of dual-channel replication (known only while dual-channel-replication-enabled is yes;
    /// Redis 7.0 refuses them): null when the option is not one of them, else false when an error was replied.
    /// </summary>
    bool? DualChannelReplConf(CommandContext ctx, int j)
    {
        if (!_server.Config.DualChannelReplicationEnabled) return null;
        var link = LinkOf(ctx.Client);
        if (ctx.ArgIs(j, "version"u8))
        {
            if (!IsVersion(ctx.Arg(j + 1)))
            {
                ctx.Error($"ERR Unrecognized version format: {Encoding.Latin1.GetString(ctx.Arg(j + 1))}");
                return false;
            }
            link.Version = Encoding.Latin1.GetString(ctx.Arg(j + 1));
            return true;
        }
        if (ctx.ArgIs(j, "rdb-channel"u8))
        {
            if (!Util.Numbers.TryParseStrictLong(ctx.Arg(j + 1), out long v) || v < 0 || v > 1)
            {
                ctx.Error(Util.Numbers.TryParseStrictLong(ctx.Arg(j + 1), out _) ? "ERR value is out of range, value must between 0 and 1" : Errors.NotInteger);
                return false;
            }
            link.RdbChannel = v == 1;
            return true;
        }
        if (ctx.ArgIs(j, "set-rdb-client-id"u8))
        {
            if (!ctx.TryGetLong(j + 1, out long id)) return false;
            if (!_waitingPsync.ContainsKey(id))
            {
                ctx.Error($"ERR Unrecognized RDB client id {id}");
                return false;
            }
            link.AssociatedRdbClientId = id;
            return true;
        }
        return null;
    }

    /// <summary>Valkey's version2num: "major.minor.patch", each part 0 to 255.</summary>
    static bool IsVersion(ReadOnlySpan<byte> text)
    {
        int parts = 0;
        foreach (var range in text.Split((byte)'.'))
        {
            var part = text[range];
            if (part.Length == 0 || part.Length > 3 || !Util.Numbers.TryParseStrictLong(part, out long n) || n < 0 || n > 255) return false;
            parts++;
        }
        return parts == 3;
    }

    /// <summary>
    /// A PSYNC that cannot continue, from a replica that announced "capa dual-channel": "+DUALCHANNELSYNC" instead
    /// of a full sync (no sync_full: the RDB connection's SYNC counts). False when the classic full sync applies.
    /// </summary>
    bool OfferDualChannelSync(CommandContext ctx, ReplicaLink link)
    {
        if ((link.Capabilities & ReplicaCapabilities.DualChannel) == 0 || !OffersDualChannel) return false;
        Log.Notice($"Replica {link.Name} is capable of dual channel synchronization, and partial sync isn't possible. Full sync will continue with dedicated RDB channel.");
        ctx.Reply.WriteRaw("+DUALCHANNELSYNC\r\n"u8);
        return true;
    }

    /// <summary>
    /// Valkey's sendCurrentOffsetToReplica and addRdbReplicaToPsyncWait, as the snapshot of an RDB connection
    /// starts at <paramref name="offset"/>: "$ENDOFF:" goes before the RDB, and the stream after it is pinned.
    /// </summary>
    void StartRdbChannel(ReplicaLink link, long offset)
    {
        long id = link.Client.Id;
        int db = StreamDbForSave() ?? 0;
        Log.Notice($"Sending to replica {link.Name} RDB end offset {offset} and client-id {id}");
        link.Output!.Enqueue(Encoding.ASCII.GetBytes($"$ENDOFF:{offset} {State.ReplId} {db} {id}\r\n"));
        link.Output.Kick();
        var tail = Backlog?.Tail;
        _waitingPsync[id] = new RdbChannelPin
        {
            Link = link,
            Cursor = tail != null ? new ReplicationCursor { Block = tail, Position = tail.Used } : default,
        };
    }

    /// <summary>
    /// The main connection's PSYNC was accepted: if it named a pinned RDB connection, the pin is released (the
    /// replica's own cursor holds the stream now) and the replica is in bg_transfer until its first ACK.
    /// </summary>
    ReplicaState StateAfterPartialResync(ReplicaLink link)
    {
        if (link.AssociatedRdbClientId == 0 || !_waitingPsync.Remove(link.AssociatedRdbClientId)) return ReplicaState.Online;
        return ReplicaState.BgRdbLoad;
    }

    /// <summary>The cursor that measures a replica's output: an RDB connection's pin, else its own.</summary>
    ReplicationCursor OutputCursor(ReplicaLink link)
    {
        if (link.RdbChannel && _waitingPsync.TryGetValue(link.Client.Id, out var pin) && ReferenceEquals(pin.Link, link)) return pin.Cursor;
        return link.Output?.Cursor ?? default;
    }

    /// <summary>Pins waiting for the first bytes after their offset start at them.</summary>
    void SetPinStarts(ReplicationCursor start)
    {
        foreach (var pin in _waitingPsync.Values)
            if (!pin.Cursor.IsSet) pin.Cursor = start;
    }

    IEnumerable<ReplicationCursor> PinnedCursors()
    {
        foreach (var pin in _waitingPsync.Values)
            if (pin.Cursor.IsSet) yield return pin.Cursor;
    }

    /// <summary>
    /// A new block in the replication buffer, or the cron (soft limits): the pins answer to client-output-buffer-limit replica like replicas
    /// (Valkey checks the protected RDB connections too). An RDB connection over the limit is closed and its pin
    /// freed; a pin whose connection is already gone is freed at the hard limit.
    /// </summary>
    void CheckPinLimits()
    {
        if (_waitingPsync.Count == 0 || Backlog == null) return;
        foreach (var (id, pin) in _waitingPsync.ToArray())
        {
            if (pin.GoneSinceSeconds == 0)
            {
                if (_server.OutputBufferLimits.Check(pin.Link.Client)) _waitingPsync.Remove(id);
                continue;
            }
            long hard = _server.Config.ClientOutputBufferLimit.Replica.HardBytes;
            if (hard > 0 && hard < _server.Config.ReplBacklogSize) hard = _server.Config.ReplBacklogSize;
            if (hard == 0 || Backlog.OutputBufferUsage(pin.Cursor) < hard) continue;
            _waitingPsync.Remove(id);
            _server.Stats.ClientOutputBufferLimitDisconnections++;
            Log.Warning($"Client {pin.Description} scheduled to be closed ASAP for overcoming of output buffer limits.");
        }
        Backlog.Trim();
    }

    /// <summary>An RDB connection closed before its main connection's PSYNC: the pin stays for the grace period.</summary>
    void RdbChannelGone(ReplicaLink link)
    {
        if (!_waitingPsync.TryGetValue(link.Client.Id, out var pin) || !ReferenceEquals(pin.Link, link)) return;
        pin.GoneSinceSeconds = Math.Max(1, NowSeconds);
        pin.Description = _server.Clients.Describe(link.Client);
        Log.Verbose($"Postpone RDB client id={link.Client.Id} ({link.Name}) free for {RdbClientGraceSeconds} seconds");
    }

    /// <summary>Cron: pins whose RDB connection has been gone longer than the grace period are freed.</summary>
    void ExpirePins()
    {
        if (_waitingPsync.Count == 0) return;
        long now = NowSeconds;
        bool freed = false;
        foreach (var (id, pin) in _waitingPsync.ToArray())
        {
            if (pin.GoneSinceSeconds == 0 || now - pin.GoneSinceSeconds <= RdbClientGraceSeconds) continue;
            _waitingPsync.Remove(id);
            freed = true;
            Log.Notice($"Replica main channel failed to establish PSYNC within the grace period ({now - pin.GoneSinceSeconds} seconds). Freeing RDB client {id}.");
        }
        if (freed) Backlog?.Trim();
    }

    /// <summary>INFO's slaveN line gets Valkey's type for the connections of a dual-channel sync.</summary>
    static string DualChannelType(ReplicaLink link) =>
        link.RdbChannel ? ",type=rdb-channel" : link.State == ReplicaState.BgRdbLoad ? ",type=main-channel" : "";
}
