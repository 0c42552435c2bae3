using System.Globalization;
using System.Text;
using Mirra.Engine;
using Mirra.Networking;
using Mirra.Persistence;
using Mirra.Persistence.Rdb;

namespace Mirra.Replication;

/// <summary>
/// Everything a master does for its replicas (Redis's replication.c, master half): the shared replication buffer
/// (backlog + replica output), SYNC/PSYNC (partial resync from the backlog, PSYNC2 with replid2, or a full sync),
/// full syncs through the fork-less snapshot (disk: a BGSAVE whose file is then sent as "$&lt;len&gt;"; diskless: the
/// snapshot written straight to the replica sockets with the "$EOF:" framing, shared by the replicas that arrive
/// within repl-diskless-sync-delay), REPLCONF, the stream with its PINGs and GETACKs, ACKs and lag, timeouts, the
/// backlog's TTL, WAIT, min-replicas-to-write, output buffer limits, INFO and ROLE.
/// <para>
/// Snapshots: a disk-based sync IS a BGSAVE (same file, logs and INFO fields, one at a time, as in Redis). A
/// diskless sync is a snapshot of its own that may run beside a BGSAVE or an AOF rewrite: Mirra's snapshots don't
/// fork, so nothing forces them to wait for each other (Redis would delay the sync: "another BG operation is active").
/// </para>
/// Everything runs on the executor thread, except what <see cref="ReplicaOutput"/> does on its sender.
/// <para>
/// What the replica side calls (Redis's names in brackets): after a full sync from its master,
/// <see cref="DisconnectReplicas"/> and <see cref="FreeBacklog"/> before loading, then <see cref="CreateBacklog"/> once
/// ReplicationState.Offset is the +FULLRESYNC offset (replicationAttachToNewMaster, "backlog created if missing");
/// the applied stream goes through ReplicationState.Feed (replicationFeedStreamFromMasterStream: sub-replicas get the
/// same bytes); on promotion ReplicationState.ShiftIds, <see cref="DisconnectReplicas"/> and <see cref="ResetStreamDb"/>
/// (replicationUnsetMaster). It fills ReplicationState.MasterLinkUp (sub-replicas may SYNC), SendAckToMaster (REPLCONF
/// GETACK from its master's stream) and ReplicaStreamDb (repl-stream-db of its RDBs); ReplicationState.LoadedFromRdb
/// holds the repl-id/offset/db of the RDB loaded at startup (a restarted replica PSYNCs with them).
/// </para>
/// </summary>
public sealed partial class MasterReplication : IStreamConsumer
{
    readonly Server _server;
    readonly Dictionary<Client, ReplicaLink> _links = new(ReferenceEqualityComparer.Instance);
    /// <summary>Marks the replicas waiting for the running BGSAVE (disk-based sync).</summary>
    static readonly object DiskSync = new();

    /// <summary>The replicas (Redis's server.slaves), in the order they asked for synchronization.</summary>
    public readonly List<ReplicaLink> Replicas = new();
    /// <summary>The replication backlog and replica output buffers, or null (no replica ever attached, or freed after repl-backlog-ttl).</summary>
    public ReplicationBuffer? Backlog { get; private set; }
    /// <summary>The diskless transfer in progress, if any.</summary>
    public DisklessTransfer? Diskless { get; private set; }
    /// <summary>Replicas online with a lag within min-replicas-max-lag (INFO min_slaves_good_slaves).</summary>
    public int GoodReplicas { get; private set; }

    long _noReplicasSince;
    long _cronLoops;
    long _lastCronMs = long.MinValue;
    bool _getAck;
    bool _warnedNoPersistence;
    readonly Action<ReplicationCursor> _setStartCursors;

    /// <summary>Gives the channel a new replica's bytes go to (its socket; tests give a recorder).</summary>
    public Func<Client, IReplicaChannel?> ChannelFor = DefaultChannel;

    public MasterReplication(Server server)
    {
        _server = server;
        _noReplicasSince = server.Clock.NowMs() / 1000;
        _setStartCursors = SetStartCursors;
        server.Replication.Sink = OnStream;
        server.CronJobs.Add(Cron);
        server.Executor.BeforeSleep += BeforeSleep;
        server.Executor.BeforeReplies += SendToReplicas;
        server.Clients.Disconnected += OnDisconnected;
        server.Dispatcher.Guards.Add(MinReplicasGuard);
        server.Rdb.BackgroundSaveDone += OnBackgroundSaveDone;
        var previousUnblock = server.Clients.UnblockHandler;
        server.Clients.UnblockHandler = (c, error) => (previousUnblock?.Invoke(c, error) ?? false) || UnblockWait(c, error);
        var registry = server.ConfigRegistry;
        registry.RegisterApplyHook("repl-backlog-size", _ =>
        {
            // As Redis's resize: a size set below the minimum is raised to it, and CONFIG GET shows the raised value.
            if (server.Config.ReplBacklogSize < ReplicationBuffer.MinBacklogSize)
                registry.SetInternal("repl-backlog-size", ReplicationBuffer.MinBacklogSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Backlog?.Resize(server.Config.ReplBacklogSize);
            return null;
        });
        registry.MarkImplemented("repl-backlog-size", "repl-backlog-ttl", "repl-diskless-sync", "repl-diskless-sync-delay",
            "repl-diskless-sync-max-replicas", "repl-ping-replica-period", "repl-timeout", "min-replicas-to-write",
            "min-replicas-max-lag", "client-output-buffer-limit", "repl-disable-tcp-nodelay");
    }

    static IReplicaChannel? DefaultChannel(Client c) => c.Transport is Connection conn ? new SocketChannel(conn.Socket) : null;

    long NowSeconds => _server.Clock.NowMs() / 1000;
    Observability.Log Log => _server.Log;
    ReplicationState State => _server.Replication;

    // ------------------------------------------------------------------ the stream

    /// <summary>The propagated commands (Propagation → this consumer → ReplicationState.Feed → the backlog).</summary>
    void IStreamConsumer.Append(ReadOnlySpan<byte> resp)
    {
        // A replica does not generate a stream: it forwards its master's (Redis's replicationFeedSlaves returns early).
        if (_server.IsReplica || Backlog == null) return;
        FeedInRedisPieces(resp);
    }

    /// <summary>
    /// Feeds a command as Redis's replicationFeedSlaves does: the header, then per argument its "$len\r\n", its bytes
    /// and "\r\n" as separate appends. Only arguments of 16 KB or more make a difference (the size of the block
    /// created for the rest of such an argument depends on it), so smaller commands go in one piece.
    /// </summary>
    void FeedInRedisPieces(ReadOnlySpan<byte> resp)
    {
        if (resp.Length <= ReplicationBuffer.MinBlockBytes || resp[0] != (byte)'*')
        {
            State.Feed(resp);
            return;
        }
        int pos = resp.IndexOf((byte)'\n') + 1;
        State.Feed(resp[..pos]);
        while (pos < resp.Length)
        {
            int lineEnd = resp[pos..].IndexOf((byte)'\n');
            if (lineEnd < 0 || resp[pos] != (byte)'$') { State.Feed(resp[pos..]); return; }
            var header = resp.Slice(pos, lineEnd + 1);
            long.TryParse(header[1..^2], NumberStyles.None, CultureInfo.InvariantCulture, out long length);
            State.Feed(header);
            pos += header.Length;
            int payload = (int)Math.Min(length, resp.Length - pos);
            State.Feed(resp.Slice(pos, payload));
            pos += payload;
            int crlf = Math.Min(2, resp.Length - pos);
            State.Feed(resp.Slice(pos, crlf));
            pos += crlf;
        }
    }

    /// <summary>ReplicationState's sink: bytes of this server's stream (master: propagated; replica: applied from its master).</summary>
    void OnStream(ReadOnlySpan<byte> bytes)
    {
        var backlog = Backlog;
        if (backlog == null) return;
        var (_, newBlock) = backlog.Append(bytes, State.Offset, _setStartCursors);
        if (!newBlock) return;
        foreach (var link in Replicas)
            if (CanFeed(link)) _server.OutputBufferLimits.Check(link.Client);
        CheckPinLimits();
    }

    /// <summary>Replicas (and dual-channel pins) that get their first stream bytes start at the bytes being appended.</summary>
    void SetStartCursors(ReplicationCursor start)
    {
        foreach (var link in Replicas)
            if (CanFeed(link) && !link.Output!.Cursor.IsSet) link.Output.SetCursor(start);
        SetPinStarts(start);
    }

    /// <summary>Redis's canFeedReplicaReplBuffer: not rdb-only, and its snapshot has started.</summary>
    static bool CanFeed(ReplicaLink link) => !link.RdbOnly && link.State != ReplicaState.WaitBgsaveStart && link.Output != null;

    IEnumerable<ReplicationCursor> Cursors()
    {
        foreach (var link in Replicas)
            if (link.Output is { } o) yield return o.Cursor;
        foreach (var pinned in PinnedCursors()) yield return pinned;
    }

    /// <summary>Feeds a command that needs no SELECT (PING, REPLCONF GETACK) straight into the stream.</summary>
    void FeedNoSelect(params string[] argv)
    {
        if (Backlog == null || _server.IsReplica) return;
        var args = new byte[argv.Length][];
        for (int i = 0; i < argv.Length; i++) args[i] = Encoding.ASCII.GetBytes(argv[i]);
        State.Feed(Protocol.RespEncoding.EncodeCommand(args));
    }

    /// <summary>Executor, before replies go out: every replica gets what it can take now.</summary>
    public void SendToReplicas()
    {
        for (int i = 0; i < Replicas.Count; i++) Replicas[i].Output?.Kick();
    }

    // ------------------------------------------------------------------ backlog lifecycle

    /// <summary>Redis's createReplicationBacklog: the stream is recorded (and master_repl_offset moves) from now on.</summary>
    public void CreateBacklog()
    {
        if (Backlog != null) return;
        Backlog = new ReplicationBuffer(_server.Config.ReplBacklogSize, State.Offset) { Cursors = Cursors };
        if (!_server.Propagation.Consumers.Contains(this)) _server.Propagation.Consumers.Add(this);
    }

    /// <summary>Redis's freeReplicationBacklog (only without replicas).</summary>
    public void FreeBacklog()
    {
        Backlog = null;
        _waitingPsync.Clear();
        _server.Propagation.Consumers.Remove(this);
    }

    /// <summary>Redis's disconnectSlaves: drops every replica (a promotion or a new master: they reconnect and PSYNC).</summary>
    public void DisconnectReplicas()
    {
        foreach (var link in Replicas.ToArray()) _server.Clients.Kill(link.Client);
    }

    /// <summary>Forces a SELECT before the next command of the stream (Redis's slaveseldb = -1).</summary>
    public void ResetStreamDb() => _server.Propagation.ResetSelectedDb(PropagationTargets.Replicas);

    // ------------------------------------------------------------------ REPLCONF

    ReplicaLink LinkOf(Client c)
    {
        if (!_links.TryGetValue(c, out var link)) _links[c] = link = new ReplicaLink(c);
        return link;
    }

    /// <summary>The replica state of a client, if it announced itself or attached.</summary>
    public ReplicaLink? Find(Client c) => _links.GetValueOrDefault(c);

    /// <summary>REPLCONF option value [option value ...].</summary>
    public void ReplConf(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.SyntaxError();
            return;
        }
        var c = ctx.Client;
        for (int j = 1; j < ctx.ArgCount; j += 2)
        {
            if (ctx.ArgIs(j, "listening-port"u8))
            {
                if (!ctx.TryGetLong(j + 1, out long port)) return;
                LinkOf(c).ListeningPort = (int)port;
            }
            else if (ctx.ArgIs(j, "ip-address"u8))
            {
                var addr = ctx.Arg(j + 1);
                if (addr.Length >= 256) // NET_HOST_STR_LEN
                {
                    ctx.Error($"ERR REPLCONF ip-address provided by replica instance is too long: {addr.Length} bytes");
                    return;
                }
                LinkOf(c).AnnouncedIp = Encoding.Latin1.GetString(addr);
            }
            else if (ctx.ArgIs(j, "capa"u8))
            {
                if (ctx.ArgIs(j + 1, "eof"u8)) LinkOf(c).Capabilities |= ReplicaCapabilities.Eof;
                else if (ctx.ArgIs(j + 1, "psync2"u8)) LinkOf(c).Capabilities |= ReplicaCapabilities.Psync2;
                else if (ctx.ArgIs(j + 1, "dual-channel"u8) && OffersDualChannel) LinkOf(c).Capabilities |= ReplicaCapabilities.DualChannel;
            }
            else if (ctx.ArgIs(j, "ack"u8))
            {
                // No reply, ever. Only a replica's ACK counts.
                if (!c.Is(ClientFlags.Replica) || !_links.TryGetValue(c, out var link) || !link.Attached) return;
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(j + 1), out long offset)) return;
                Ack(link, offset);
                return;
            }
            else if (ctx.ArgIs(j, "getack"u8))
            {
                // From our master's stream: answer with REPLCONF ACK (the replica side does it).
                if (_server.IsReplica) State.SendAckToMaster?.Invoke();
                return;
            }
            else if (ctx.ArgIs(j, "rdb-only"u8))
            {
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(j + 1), out long v) || v < 0 || v > 1)
                {
                    ctx.Error(Util.Numbers.TryParseStrictLong(ctx.Arg(j + 1), out _) ? "ERR value is out of range, value must between 0 and 1" : Errors.NotInteger);
                    return;
                }
                LinkOf(c).RdbOnly = v == 1;
            }
            else if (ctx.ArgIs(j, "rdb-filter-only"u8))
            {
                // Include filters; "functions" is the only one Redis knows. Mirra has no functions: a filtered RDB has no data.
                var filters = Config.ConfigText.SplitArgs(Encoding.Latin1.GetString(ctx.Arg(j + 1)));
                if (filters == null)
                {
                    ctx.Error("ERR Missing rdb-filter-only values");
                    return;
                }
                foreach (var f in filters)
                    if (!f.Equals("functions", StringComparison.OrdinalIgnoreCase))
                    {
                        ctx.Error($"ERR Unsupported rdb-filter-only option: {f}");
                        return;
                    }
                LinkOf(c).ExcludeData = true;
            }
            else if (DualChannelReplConf(ctx, j) is { } accepted)
            {
                if (!accepted) return;
            }
            else
            {
                ctx.Error($"ERR Unrecognized REPLCONF option: {Encoding.Latin1.GetString(ctx.Arg(j))}");
                return;
            }
        }
        ctx.Reply.Ok();
    }

    /// <summary>REPLCONF ACK from a replica: its offset, its liveness, and after a diskless sync the start of its stream.</summary>
    public void Ack(ReplicaLink link, long offset)
    {
        if (offset > link.AckOffset) link.AckOffset = offset;
        link.AckTimeSeconds = NowSeconds;
        // The ACK may arrive before the end of the transfer reached the executor (Redis's checkChildrenDone here).
        if (link.State == ReplicaState.WaitBgsaveEnd && link.Sync is DisklessTransfer { Job: { } job } transfer &&
            job.Snapshot.Finished && job.Pipe.Drained.IsCompleted)
            DisklessDone(transfer, job);
        if (link.StartStreamOnAck && link.State == ReplicaState.Online) StartCommandStream(link);
        if (link.State == ReplicaState.BgRdbLoad) PutOnline(link); // a dual-channel replica loaded its RDB
    }

    // ------------------------------------------------------------------ SYNC / PSYNC

    /// <summary>SYNC, or PSYNC replid offset (Redis's syncCommand).</summary>
    public void Sync(CommandContext ctx, bool psync)
    {
        var c = ctx.Client;
        if (c.Is(ClientFlags.Replica)) return; // already a replica (or a monitor): ignored
        // PSYNC replid offset FAILOVER: our master hands over to us (we are promoted first), else an error.
        if (psync && ctx.ArgCount > 3 && ctx.ArgIs(3, "failover"u8) && !_server.Failover.PromoteForPsync(ctx)) return;
        if (_server.Failover.State != FailoverState.None)
        {
            ctx.Error("NOMASTERLINK Can't SYNC while failing over");
            return;
        }
        if (_server.IsReplica && State.MasterLinkUp?.Invoke() != true)
        {
            ctx.Error("NOMASTERLINK Can't SYNC while not connected with my master");
            return;
        }
        if (c.Reply.Length > 0 || (c.Transport != null && c.Transport.PendingOutputBytes(c) > 0))
        {
            ctx.Error("ERR SYNC and PSYNC are invalid with pending output");
            return;
        }
        var link = LinkOf(c);
        if (link.ExcludeData && (link.Capabilities & ReplicaCapabilities.Eof) == 0)
        {
            ctx.Error("ERR Filtered replica requires EOF capability");
            return;
        }
        Log.Notice($"Replica {link.Name} asks for synchronization");

        if (psync)
        {
            if (!Util.Numbers.TryParseStrictLong(ctx.Arg(2), out long offset))
            {
                Log.Warning($"Replica {link.Name} asks for synchronization but with a wrong offset");
                ctx.Error(Errors.NotInteger);
                return;
            }
            string replid = Encoding.Latin1.GetString(ctx.Arg(1));
            if (TryPartialResync(link, replid, offset))
            {
                _server.Stats.SyncPartialOk++;
                return;
            }
            if (!replid.StartsWith('?')) _server.Stats.SyncPartialErr++;
            if (OfferDualChannelSync(ctx, link)) return;
        }
        else
        {
            link.PrePsync = true; // an old replica (or redis-cli --replica): no +FULLRESYNC, no ACKs
        }

        _server.Stats.SyncFull++;
        link.State = ReplicaState.WaitBgsaveStart;
        if (!Attach(link))
        {
            ctx.Error("ERR Unable to attach the replica");
            return;
        }
        if (Replicas.Count == 1 && Backlog == null)
        {
            // A new history: no past to PSYNC from.
            State.ChangeId();
            State.ClearId2();
            CreateBacklog();
            Log.Notice($"Replication backlog created, my new replication IDs are '{State.ReplId}' and '{State.ReplId2}'");
        }

        if (link.ExcludeData)
        {
            SendFilteredRdb(link);
        }
        else if (UsesSocket(link.Capabilities))
        {
            if (Diskless != null)
                Log.Notice("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
            else if (_server.Config.ReplDisklessSyncDelay > 0)
                Log.Notice("Delay next BGSAVE for diskless SYNC");
            else
                StartSnapshotForReplication(link.Capabilities, link.RdbChannel);
        }
        else if (_server.Rdb.Background != null)
        {
            // A disk BGSAVE runs: usable if another replica is already recording the differences since it started.
            var other = Replicas.Find(r => r != link && r.State == ReplicaState.WaitBgsaveEnd && ReferenceEquals(r.Sync, DiskSync) && !r.RdbOnly);
            if (other != null && (link.Capabilities & other.Capabilities) == other.Capabilities)
            {
                if (!link.RdbOnly && other.Output!.Cursor.IsSet) link.Output!.SetCursor(other.Output.Cursor);
                link.Sync = DiskSync;
                SetupFullResync(link, other.InitialOffset);
                Log.Notice("Waiting for end of BGSAVE for SYNC");
            }
            else Log.Notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
        }
        else if (_server.Aof.RewriteInProgress)
        {
            Log.Notice("No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed");
        }
        else
        {
            StartSnapshotForReplication(link.Capabilities);
        }
        WarnIfNoPersistence();
    }

    /// <summary>
    /// REPLCONF rdb-filter-only (redis-cli --functions-rdb): an RDB with functions only, which for Mirra (no
    /// functions) is an RDB without data, sent at once with the diskless framing; then as after a diskless sync.
    /// </summary>
    void SendFilteredRdb(ReplicaLink link)
    {
        Log.Notice("Starting BGSAVE for SYNC with target: replicas sockets");
        SetupFullResync(link, State.Offset);
        var buffer = new MemoryStream();
        string mark = Util.RandomIds.NewHexId();
        var config = _server.Config;
        var encoder = new EofFramedEncoder(new RdbWriter(buffer, config.RdbCompression, config.RdbChecksum), buffer, mark);
        encoder.Begin(SnapshotJob.Info(_server, aofBase: false));
        encoder.End();
        link.Output!.Enqueue(buffer.ToArray());
        link.Output.Kick();
        Log.Notice($"Streamed RDB transfer with replica {link.Name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
        if (PutOnline(link)) link.StartStreamOnAck = true;
    }

    /// <summary>Whether a full sync for replicas with these capabilities goes straight to their sockets.</summary>
    bool UsesSocket(ReplicaCapabilities capa) => _server.Config.ReplDisklessSync && (capa & ReplicaCapabilities.Eof) != 0;

    /// <summary>Redis's masterTryPartialResynchronization.</summary>
    bool TryPartialResync(ReplicaLink link, string replid, long offset)
    {
        var s = State;
        bool isId1 = string.Equals(replid, s.ReplId, StringComparison.OrdinalIgnoreCase);
        bool isId2 = string.Equals(replid, s.ReplId2, StringComparison.OrdinalIgnoreCase);
        if (!isId1 && (!isId2 || offset > s.SecondOffset))
        {
            if (!replid.StartsWith('?'))
            {
                if (!isId1 && !isId2)
                    Log.Notice($"Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{replid}', my replication IDs are '{s.ReplId}' and '{s.ReplId2}')");
                else
                    Log.Notice($"Partial resynchronization not accepted: Requested offset for second ID was {offset}, but I can reply up to {s.SecondOffset}");
            }
            else Log.Notice($"Full resync requested by replica {link.Name}");
            return false;
        }
        if (Backlog == null || !Backlog.Covers(offset))
        {
            Log.Notice($"Unable to partial resync with replica {link.Name} for lack of backlog (Replica request was: {offset}).");
            if (offset > s.Offset)
                Log.Warning($"Warning: replica {link.Name} tried to PSYNC with an offset that is greater than the master replication offset.");
            return false;
        }
        link.State = StateAfterPartialResync(link);
        link.AckTimeSeconds = NowSeconds;
        link.StartStreamOnAck = false;
        if (!Attach(link)) return false;
        var output = link.Output!;
        output.Enqueue(Encoding.ASCII.GetBytes((link.Capabilities & ReplicaCapabilities.Psync2) != 0 ? $"+CONTINUE {s.ReplId}\r\n" : "+CONTINUE\r\n"));
        var (cursor, length) = Backlog.CursorAt(offset);
        if (cursor.IsSet) output.SetCursor(cursor);
        Log.Notice($"Partial resynchronization request from {link.Name} accepted. Sending {length} bytes of backlog starting from offset {offset}.");
        output.StartStreaming();
        output.Kick();
        RefreshGoodReplicas();
        WarnIfNoPersistence();
        return true;
    }

    /// <summary>Makes the client a replica: flagged S, listed, its output taken over by the replication engine.</summary>
    bool Attach(ReplicaLink link)
    {
        var c = link.Client;
        var channel = ChannelFor(c);
        if (channel == null || c.Transport == null) return false;
        link.Output = new ReplicaOutput(channel)
        {
            Post = _server.Executor.Post,
            NowSeconds = () => NowSeconds,
            CountSent = n => Interlocked.Add(ref _server.Stats.NetReplOutputBytes, n),
            BlockReleased = () => Backlog?.Trim(),
        };
        link.Output.Failed = reason =>
        {
            if (!link.Client.Closed) _server.Clients.Kill(link.Client);
        };
        link.Output.FileSent = () => BulkSent(link);
        c.Transport = new ReplicaTransport(c.Transport, this, link);
        c.Flags |= ClientFlags.Replica;
        link.Attached = true;
        link.AskedAtSeconds = NowSeconds;
        Replicas.Add(link);
        if (_server.Config.ReplDisableTcpNodelay && c.Transport is ReplicaTransport { Inner: Connection conn }) conn.Socket.NoDelay = false;
        return true;
    }

    /// <summary>Redis's replicationSetupSlaveForFullResync: the offset its snapshot starts at, +FULLRESYNC, a SELECT before the next command.</summary>
    void SetupFullResync(ReplicaLink link, long offset)
    {
        link.InitialOffset = offset;
        link.State = ReplicaState.WaitBgsaveEnd;
        ResetStreamDb();
        if (link.PrePsync) return;
        link.Output!.Enqueue(Encoding.ASCII.GetBytes($"+FULLRESYNC {State.ReplId} {offset}\r\n"));
        link.Output.Kick();
    }

    /// <summary>
    /// Redis's startBgsaveForReplication: a snapshot for every replica waiting for one, to their sockets (diskless)
    /// or as a BGSAVE whose file is then sent.
    /// </summary>
    /// <param name="rdbChannel">The waiting replicas served: dual-channel RDB connections or the others (Valkey's replica_req).</param>
    void StartSnapshotForReplication(ReplicaCapabilities mincapa, bool rdbChannel = false)
    {
        bool socket = UsesSocket(mincapa);
        Log.Notice($"Starting BGSAVE for SYNC with target: {(socket ? "replicas sockets" : "disk")}");
        bool started;
        if (StreamDbForSave() == null)
        {
            Log.Warning("BGSAVE for replication: replication information not available, can't generate the RDB file right now. Try later.");
            started = false;
        }
        else if (socket) started = StartDiskless(rdbChannel);
        else
        {
            _server.Rdb.StartBackgroundSave();
            started = _server.Rdb.Background != null;
            if (started)
            {
                long offset = State.Offset;
                foreach (var link in Replicas.ToArray())
                    if (link.State == ReplicaState.WaitBgsaveStart)
                    {
                        link.Sync = DiskSync;
                        SetupFullResync(link, offset);
                    }
            }
        }
        if (started) return;
        Log.Warning("BGSAVE for replication failed");
        foreach (var link in Replicas.ToArray())
        {
            if (link.State != ReplicaState.WaitBgsaveStart) continue;
            Detach(link);
            var c = link.Client;
            _server.Stats.CountError("ERR BGSAVE failed, replication can't continue");
            c.Reply.Error("ERR BGSAVE failed, replication can't continue");
            c.Flags |= ClientFlags.CloseAfterReply;
            _server.Executor.NeedFlush(c);
        }
    }

    /// <summary>Undoes <see cref="Attach"/>: the client is a normal client again (its transport back).</summary>
    void Detach(ReplicaLink link)
    {
        Replicas.Remove(link);
        link.Attached = false;
        var c = link.Client;
        c.Flags &= ~ClientFlags.Replica;
        if (c.Transport is ReplicaTransport rt) c.Transport = rt.Inner;
        link.Output?.Close();
        link.Output = null;
        if (Replicas.Count == 0) _noReplicasSince = NowSeconds;
    }

    bool StartDiskless(bool rdbChannel)
    {
        var targets = Replicas.FindAll(r => r.State == ReplicaState.WaitBgsaveStart && r.RdbChannel == rdbChannel);
        if (targets.Count == 0) return true;
        var transfer = new DisklessTransfer(targets, Util.RandomIds.NewHexId(),
            (link, reason) => _server.Executor.Post(() =>
            {
                if (link.Client.Closed) return;
                Log.Warning($"Diskless rdb transfer, write error sending DB to replica: {reason}");
                _server.Clients.Kill(link.Client);
            }),
            () => { }); // the replicas that failed are closed: the last one closing stops the snapshot (OnDisconnected)
        long offset = State.Offset;
        foreach (var link in targets)
        {
            link.Sync = transfer;
            SetupFullResync(link, offset);
            if (rdbChannel) StartRdbChannel(link, offset);
        }
        Diskless = transfer;
        var config = _server.Config;
        transfer.Job = SnapshotJob.Start(_server, transfer.Stream,
            stream => new EofFramedEncoder(new RdbWriter(stream, config.RdbCompression, config.RdbChecksum), stream, transfer.Mark),
            "mirra-replsync", job => DisklessDone(transfer, job));
        Log.Notice($"Background RDB transfer started by pid {Environment.ProcessId}");
        return true;
    }

    /// <summary>The diskless snapshot ended (every byte reached the sockets, or it failed).</summary>
    void DisklessDone(DisklessTransfer transfer, SnapshotJob job)
    {
        if (transfer.Done) return;
        transfer.Done = true;
        if (ReferenceEquals(Diskless, transfer)) Diskless = null;
        bool ok = job.Error == null && job.Pipe.Error == null && !job.Cancelled;
        if (ok)
        {
            if (!transfer.Targets.TrueForAll(t => t.RdbChannel)) // dual channel: the snapshot goes to the socket, no pipe (Valkey)
                Log.Warning($"Diskless rdb transfer, done reading from pipe, {transfer.Targets.Count(t => t.Attached && transfer.Stream.IsAlive(t))} replicas still up.");
            Log.Notice("Background RDB transfer terminated with success");
        }
        else if (job.Cancelled) Log.Warning("Background transfer terminated by signal 10"); // what Redis logs after killing its child
        else Log.Warning("Background transfer error");
        foreach (var link in transfer.Targets)
        {
            if (!link.Attached || link.State != ReplicaState.WaitBgsaveEnd || !ReferenceEquals(link.Sync, transfer)) continue;
            link.Sync = null;
            if (!ok || !transfer.Stream.IsAlive(link))
            {
                Log.Warning("SYNC failed. BGSAVE child returned an error");
                _server.OutputBufferLimits.ScheduleClose(link.Client);
                continue;
            }
            Log.Notice($"Streamed RDB transfer with replica {link.Name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
            if (PutOnline(link)) link.StartStreamOnAck = true;
        }
    }

    /// <summary>Redis's updateSlavesWaitingBgsave for a disk BGSAVE: its file goes to the replicas that waited for it.</summary>
    void OnBackgroundSaveDone(bool ok)
    {
        foreach (var link in Replicas.ToArray())
        {
            if (link.State != ReplicaState.WaitBgsaveEnd || !ReferenceEquals(link.Sync, DiskSync)) continue;
            link.Sync = null;
            if (!ok)
            {
                _server.OutputBufferLimits.ScheduleClose(link.Client);
                Log.Warning("SYNC failed. BGSAVE child returned an error");
                continue;
            }
            FileStream file;
            try { file = new FileStream(_server.Rdb.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1); }
            catch (Exception ex)
            {
                _server.OutputBufferLimits.ScheduleClose(link.Client);
                Log.Warning($"SYNC failed. Can't open/stat DB after BGSAVE: {Mirra.Config.ConfigText.Strerror(ex)}");
                continue;
            }
            long length = file.Length;
            link.State = ReplicaState.SendBulk;
            link.Output!.Enqueue(Encoding.ASCII.GetBytes($"${length}\r\n"));
            link.Output.EnqueueFile(file, length);
            link.Output.Kick();
        }
    }

    /// <summary>The RDB file of a disk-based sync went out: the replica is online and the stream follows at once.</summary>
    void BulkSent(ReplicaLink link)
    {
        if (!link.Attached || link.State != ReplicaState.SendBulk) return;
        if (PutOnline(link)) StartCommandStream(link);
    }

    /// <summary>Redis's replicaPutOnline; false for an rdb-only replica, which is closed now that it has its RDB.</summary>
    bool PutOnline(ReplicaLink link)
    {
        if (link.RdbOnly)
        {
            Log.Notice($"RDB transfer completed, rdb only replica ({link.Name}) should be disconnected asap");
            _server.OutputBufferLimits.ScheduleClose(link.Client);
            return false;
        }
        link.State = ReplicaState.Online;
        link.AckTimeSeconds = NowSeconds; // no false timeout
        RefreshGoodReplicas();
        Log.Notice($"Synchronization with replica {link.Name} succeeded");
        return true;
    }

    /// <summary>Redis's replicaStartCommandStream: what accumulated since the snapshot goes out now.</summary>
    void StartCommandStream(ReplicaLink link)
    {
        link.StartStreamOnAck = false;
        link.Output!.StartStreaming();
        link.Output.Kick();
    }

    // ------------------------------------------------------------------ client events

    /// <summary>A reply was generated for a replica: Redis drops it (the link carries the stream, never replies).</summary>
    internal void ReplyToReplica(ReplicaLink link)
    {
        var c = link.Client;
        var written = c.Reply.Written;
        string? error = null;
        if (written.Length > 0 && written[0] == (byte)'-')
        {
            int end = written.IndexOf("\r\n"u8);
            error = Encoding.UTF8.GetString(written[1..(end < 0 ? written.Length : end)]);
            if (error.StartsWith("ERR ", StringComparison.Ordinal)) error = error[4..]; // Redis logs the message it was given
        }
        c.Reply.Clear();
        if (c.Is(ClientFlags.CloseAsap)) return;
        Log.Warning($"Replica generated a reply to command '{c.LastCommand}', disconnecting it: {_server.Clients.Describe(c)}");
        _server.OutputBufferLimits.ScheduleClose(c);
        if (error != null)
            Log.Warning($"== CRITICAL == This master is sending an error to its replica: '{error}' after processing the command '{c.LastCommand}'");
    }

    void OnDisconnected(Client c)
    {
        if (!_links.Remove(c, out var link))
        {
            RemoveWaiter(c);
            return;
        }
        RemoveWaiter(c);
        if (!link.Attached) return;
        Log.Warning($"Connection with replica {link.Name} lost.");
        Replicas.Remove(link);
        link.Attached = false;
        link.Output?.Close();
        if (link.RdbChannel) RdbChannelGone(link);
        if (Replicas.Count == 0) _noReplicasSince = NowSeconds;
        RefreshGoodReplicas();
        Backlog?.Trim();
        // The last replica of a diskless transfer gone before the end (not just after it got everything): stop the snapshot.
        if (Diskless is { Job: { } job } transfer && transfer.Targets.TrueForAll(t => !t.Attached) &&
            !(job.Snapshot.Finished && job.Pipe.Drained.IsCompleted))
        {
            Log.Warning("Diskless rdb transfer, last replica dropped, killing fork child.");
            transfer.Job?.Cancel();
        }
    }

    /// <summary>Redis's getClientOutputBufferMemoryUsage for a replica (what CLIENT LIST and the limits see).</summary>
    public long OutputBufferUsage(ReplicaLink link)
    {
        if (Backlog == null || link.Output == null) return 0;
        return Backlog.OutputBufferUsage(OutputCursor(link));
    }

    /// <summary>Blocks from a replica's cursor to the tail (CLIENT LIST oll of a replica).</summary>
    public long OutputBlocks(ReplicaLink link)
    {
        var tail = Backlog?.Tail;
        var block = OutputCursor(link).Block;
        return tail == null || block == null ? 0 : tail.Id - block.Id + 1;
    }

    // ------------------------------------------------------------------ cron

    /// <summary>Redis's replicationCron, once per second.</summary>
    public void Cron()
    {
        long nowMs = _server.Clock.NowMs();
        if (nowMs - _lastCronMs < 1000 && _lastCronMs != long.MinValue) return;
        _lastCronMs = nowMs;
        RunCron();
    }

    /// <summary>One replication cron tick (tests call it directly).</summary>
    public void RunCron()
    {
        var config = _server.Config;
        long now = NowSeconds;

        // The PING in the stream lets replicas time out a silent master.
        // Not during a FAILOVER with a timeout: writes are paused and the target must reach our offset.
        if (Replicas.Count > 0 && _cronLoops % Math.Max(1, config.ReplPingReplicaPeriod) == 0 && !_server.Failover.SuppressesPing) FeedNoSelect("PING");

        // Newlines keep replicas waiting for their RDB from timing out (not counted in offsets).
        foreach (var link in Replicas)
        {
            bool presync = link.State == ReplicaState.WaitBgsaveStart ||
                (link.State == ReplicaState.WaitBgsaveEnd && !(link.Sync is DisklessTransfer));
            if (presync)
            {
                link.Output?.Enqueue("\n"u8.ToArray());
                link.Output?.Kick();
            }
        }

        foreach (var link in Replicas.ToArray())
        {
            if (link.State == ReplicaState.Online && !link.PrePsync && now - link.AckTimeSeconds > config.ReplTimeout)
            {
                Log.Warning($"Disconnecting timedout replica (streaming sync): {link.Name}");
                _server.Clients.Kill(link.Client);
                continue;
            }
            if (link.State == ReplicaState.WaitBgsaveEnd && link.Sync is DisklessTransfer && link.Output is { } o &&
                o.LastPartialWriteSeconds != 0 && now - o.LastPartialWriteSeconds > config.ReplTimeout)
            {
                Log.Warning($"Disconnecting timedout replica (full sync): {link.Name}");
                _server.Clients.Kill(link.Client);
            }
        }

        // Without replicas for repl-backlog-ttl seconds, a master frees its backlog (and starts a new history).
        if (Replicas.Count == 0 && config.ReplBacklogTtl > 0 && Backlog != null && !_server.IsReplica &&
            now - _noReplicasSince > config.ReplBacklogTtl)
        {
            State.ChangeId();
            State.ClearId2();
            FreeBacklog();
            Log.Notice($"Replication backlog freed after {config.ReplBacklogTtl} seconds without connected replicas.");
        }

        StartPendingSnapshot();
        RefreshGoodReplicas();
        // The soft client-output-buffer-limit needs its seconds counted even when no new block arrives.
        foreach (var link in Replicas.ToArray())
            if (CanFeed(link)) _server.OutputBufferLimits.Check(link.Client);
        CheckPinLimits();
        ExpirePins();
        _cronLoops++;
    }

    /// <summary>Redis's shouldStartChildReplication: the replicas waiting for a snapshot get one once the diskless delay has passed.</summary>
    void StartPendingSnapshot()
    {
        int waiting = 0;
        long maxIdle = 0;
        var mincapa = ReplicaCapabilities.Eof | ReplicaCapabilities.Psync2;
        long now = NowSeconds;
        bool? rdbChannel = null; // the first waiting replica's kind decides who shares this snapshot
        foreach (var link in Replicas)
        {
            if (link.State != ReplicaState.WaitBgsaveStart) continue;
            rdbChannel ??= link.RdbChannel;
            if (link.RdbChannel != rdbChannel) continue;
            waiting++;
            maxIdle = Math.Max(maxIdle, now - link.AskedAtSeconds);
            mincapa &= link.Capabilities;
        }
        if (waiting == 0) return;
        var config = _server.Config;
        bool socket = UsesSocket(mincapa);
        bool busy = socket ? Diskless != null : _server.Rdb.Background != null || _server.Aof.RewriteInProgress;
        if (busy) return;
        if (!config.ReplDisklessSync ||
            (config.ReplDisklessSyncMaxReplicas > 0 && waiting >= config.ReplDisklessSyncMaxReplicas) ||
            maxIdle >= config.ReplDisklessSyncDelay)
            StartSnapshotForReplication(mincapa, rdbChannel == true);
    }

    /// <summary>Redis's refreshGoodSlavesCount.</summary>
    public void RefreshGoodReplicas()
    {
        var config = _server.Config;
        if (config.MinReplicasToWrite == 0 || config.MinReplicasMaxLag == 0) return;
        long now = NowSeconds;
        int good = 0;
        foreach (var link in Replicas)
            if (link.State == ReplicaState.Online && now - link.AckTimeSeconds <= config.MinReplicasMaxLag) good++;
        GoodReplicas = good;
    }

    /// <summary>
    /// Not in Redis: a master without persistence (no save points, appendonly no) that has replicas is one automatic
    /// restart away from wiping them (it comes back empty and they copy the empty data set). Said once per process.
    /// </summary>
    void WarnIfNoPersistence()
    {
        var config = _server.Config;
        if (_warnedNoPersistence || _server.IsReplica || config.Save.Count > 0 || config.AppendOnly) return;
        _warnedNoPersistence = true;
        Log.Warning("WARNING: this master has replicas but no persistence (no save points, appendonly no). " +
            "If it is restarted automatically after a crash it comes back with an empty data set, and its replicas will copy " +
            "that empty data set and lose everything too. Enable RDB or AOF persistence on the master, or make sure it is not " +
            "restarted automatically (see 'Safety of replication when master has persistence turned off' in the Redis replication docs).");
    }

    // ------------------------------------------------------------------ min-replicas-to-write

    /// <summary>Write commands (and EXEC of writes) are refused while fewer than min-replicas-to-write replicas are good.</summary>
    bool MinReplicasGuard(CommandContext ctx)
    {
        var config = _server.Config;
        if (config.MinReplicasToWrite == 0 || config.MinReplicasMaxLag == 0 || _server.IsReplica) return true;
        if (GoodReplicas >= config.MinReplicasToWrite || !ctx.CommandOrQueuedHas(CommandFlags.Write)) return true;
        ctx.Error("NOREPLICAS Not enough good replicas to write.");
        return false;
    }

    // ------------------------------------------------------------------ WAIT

    sealed class Waiter
    {
        public required Client Client;
        public required long Offset;
        public required long NumReplicas;
        public required long DeadlineMs;
        public TimerQueue.TimerEntry? Timer;
    }

    readonly List<Waiter> _waiters = new();

    /// <summary>Clients blocked in WAIT.</summary>
    public int WaitingClients => _waiters.Count;
    /// <summary>Clients blocked in WAIT with a timeout.</summary>
    public int WaitingWithTimeout => _waiters.Count(w => w.DeadlineMs > 0);

    /// <summary>Redis's replicationCountAcksByOffset.</summary>
    public int CountAcks(long offset)
    {
        int n = 0;
        foreach (var link in Replicas)
            if (link.State == ReplicaState.Online && link.AckOffset >= offset) n++;
        return n;
    }

    /// <summary>WAIT numreplicas timeout (Redis's waitCommand).</summary>
    public void Wait(CommandContext ctx)
    {
        if (_server.IsReplica)
        {
            ctx.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
            return;
        }
        if (!ctx.TryGetLong(1, out long numReplicas)) return;
        if (!ctx.TryGetLong(2, out long timeout, "ERR timeout is not an integer or out of range")) return;
        if (timeout < 0)
        {
            ctx.Error("ERR timeout is negative");
            return;
        }
        var c = ctx.Client;
        long offset = c.WaitOffset;
        int acked = CountAcks(offset);
        if (acked >= numReplicas || c.Is(ClientFlags.Multi) || c.Is(ClientFlags.DenyBlocking))
        {
            ctx.Reply.Integer(acked);
            return;
        }
        long deadline = timeout > 0 ? (timeout > long.MaxValue - ctx.NowMs ? long.MaxValue : ctx.NowMs + timeout) : 0;
        var waiter = new Waiter { Client = c, Offset = offset, NumReplicas = numReplicas, DeadlineMs = deadline };
        _waiters.Insert(0, waiter); // Redis adds at the head
        c.Flags |= ClientFlags.Blocked;
        c.IsPaused = true;
        if (deadline > 0 && _server.Executor.Started)
        {
            long delay = Math.Clamp(deadline - _server.Clock.NowMs(), 0, int.MaxValue);
            waiter.Timer = _server.Executor.Timers.Add((int)delay, () => { CheckWaitTimeouts(); return -1; });
            _server.Executor.Post(static () => { }); // wakes the background loop to see the new timer
        }
        _getAck = true;
    }

    /// <summary>Redis's beforeSleep duties: unblock satisfied WAITs, then ask replicas for an ACK if someone waits.</summary>
    public void BeforeSleep()
    {
        if (_waiters.Count > 0) ProcessWaiters();
        if (_getAck && !_server.Clients.ClientsPaused)
        {
            _getAck = false;
            if (Replicas.Count > 0) FeedNoSelect("REPLCONF", "GETACK", "*");
        }
    }

    /// <summary>Redis's processClientsWaitingReplicas.</summary>
    public void ProcessWaiters()
    {
        long lastOffset = 0;
        long lastCount = 0;
        foreach (var w in _waiters.ToArray())
        {
            if (lastOffset != 0 && lastOffset >= w.Offset && lastCount >= w.NumReplicas)
            {
                EndWait(w, lastCount);
                continue;
            }
            int n = CountAcks(w.Offset);
            if (n >= w.NumReplicas)
            {
                lastOffset = w.Offset;
                lastCount = n;
                EndWait(w, n);
            }
        }
    }

    /// <summary>WAITs whose timeout passed reply the number of replicas that acknowledged so far.</summary>
    public void CheckWaitTimeouts()
    {
        long now = _server.Clock.NowMs();
        foreach (var w in _waiters.ToArray())
            if (w.DeadlineMs > 0 && w.DeadlineMs <= now) EndWait(w, CountAcks(w.Offset));
    }

    void EndWait(Waiter w, long count)
    {
        _waiters.Remove(w);
        if (w.Timer != null) w.Timer.Cancelled = true;
        var c = w.Client;
        if (c.ReplyMode != ReplyMode.Off) c.Reply.Integer(count);
        c.Flags &= ~ClientFlags.Blocked;
        c.IsPaused = false;
        if (c.Closed) return;
        _server.Executor.NeedFlush(c);
        c.Resume(_server.Executor);
    }

    /// <summary>CLIENT UNBLOCK of a client in WAIT: the count so far (TIMEOUT) or the UNBLOCKED error.</summary>
    bool UnblockWait(Client c, bool error)
    {
        var w = _waiters.Find(x => x.Client == c);
        if (w == null) return false;
        if (error)
        {
            _waiters.Remove(w);
            if (w.Timer != null) w.Timer.Cancelled = true;
            const string message = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
            _server.Stats.CountError(message);
            if (c.ReplyMode != ReplyMode.Off) c.Reply.Error(message);
            c.Flags &= ~ClientFlags.Blocked;
            c.IsPaused = false;
            _server.Executor.NeedFlush(c);
            c.Resume(_server.Executor);
        }
        else EndWait(w, CountAcks(w.Offset));
        return true;
    }

    void RemoveWaiter(Client c)
    {
        var w = _waiters.Find(x => x.Client == c);
        if (w == null) return;
        _waiters.Remove(w);
        if (w.Timer != null) w.Timer.Cancelled = true;
    }

    // ------------------------------------------------------------------ shutdown

    /// <summary>Redis's isReadyToShutdown: every replica acknowledged the whole stream (or there is none).</summary>
    public bool ReplicasInSync()
    {
        foreach (var link in Replicas)
            if (link.AckOffset != State.Offset) return false;
        return true;
    }

    /// <summary>Asks every replica for an ACK now (a shutdown waiting for them).</summary>
    public void RequestAcks()
    {
        if (Replicas.Count > 0) FeedNoSelect("REPLCONF", "GETACK", "*");
        SendToReplicas();
    }

    /// <summary>Redis's finishShutdown report: each lagging replica, then how many are in sync.</summary>
    public void LogReplicasAtShutdown()
    {
        int lagging = 0;
        long now = NowSeconds;
        foreach (var link in Replicas)
        {
            if (link.AckOffset == State.Offset) continue;
            lagging++;
            long lag = link.State == ReplicaState.Online ? now - link.AckTimeSeconds : 0;
            Log.Warning($"Lagging replica {link.Name} reported offset {State.Offset - link.AckOffset} behind master, lag={lag}, state={link.StateName}.");
        }
        if (Replicas.Count > 0) Log.Notice($"{Replicas.Count - lagging} of {Replicas.Count} replicas are in sync when shutting down.");
    }

    /// <summary>Redis's flushSlavesOutputBuffers: what the sockets take now, before the process exits.</summary>
    public void FlushReplicasAtShutdown() => SendToReplicas();

    // ------------------------------------------------------------------ persistence hooks

    /// <summary>
    /// Redis's rdbPopulateSaveInfo: the database the stream has selected, for the RDB aux field repl-stream-db, or
    /// null when there is no replication information worth saving (a master without backlog; a replica without master).
    /// </summary>
    public int? StreamDbForSave()
    {
        if (!_server.IsReplica)
        {
            if (Backlog == null) return null;
            int db = _server.Propagation.ReplicasSelectedDb;
            return db < 0 ? 0 : db;
        }
        return State.ReplicaStreamDb?.Invoke();
    }

    /// <summary>
    /// After the RDB loaded at startup: its repl-id/repl-offset let replicas continue with a partial resync. A master
    /// keeps the file's history as its secondary id (valid up to repl-offset+1), continues its offset from there and
    /// keeps a backlog (Redis 7.0's loadDataFromDisk). Recorded in <see cref="ReplicationState.LoadedFromRdb"/> for a replica.
    /// </summary>
    public void RestoreAfterLoad(RdbLoadResult result)
    {
        if (result.ReplId == null || result.ReplOffset < 0 || result.ReplStreamDb < 0) return;
        State.LoadedFromRdb = new RdbReplicationInfo(result.ReplId, result.ReplOffset, result.ReplStreamDb);
        if (_server.IsReplica) return;
        State.ReplId2 = result.ReplId;
        State.SecondOffset = result.ReplOffset + 1;
        State.Offset += result.ReplOffset;
        if (Backlog != null) Backlog.Rebase(result.ReplOffset);
        else CreateBacklog();
        _noReplicasSince = NowSeconds;
    }

    // ------------------------------------------------------------------ INFO and ROLE

    /// <summary>INFO replication's master part: replicas, ids, offsets and the backlog, in Redis's order.</summary>
    public void AppendInfo(Action<string, string> text, Action<string, long> number)
    {
        var config = _server.Config;
        number("connected_slaves", Replicas.Count);
        if (config.DualChannelReplicationEnabled) number("replicas_waiting_psync", ReplicasWaitingPsync); // Valkey 8's
        if (config.MinReplicasToWrite != 0 && config.MinReplicasMaxLag != 0) number("min_slaves_good_slaves", GoodReplicas);
        long now = NowSeconds;
        int id = 0;
        foreach (var link in Replicas)
        {
            var ip = link.Ip;
            if (ip == null) continue;
            long lag = link.State == ReplicaState.Online ? now - link.AckTimeSeconds : 0;
            text($"slave{id}", $"ip={ip},port={link.ListeningPort},state={link.StateName},offset={link.AckOffset},lag={lag}{DualChannelType(link)}");
            id++;
        }
        var s = State;
        text("master_failover_state", _server.Failover.StateName);
        text("master_replid", s.ReplId);
        text("master_replid2", s.ReplId2);
        number("master_repl_offset", s.Offset);
        number("second_repl_offset", s.SecondOffset);
        number("repl_backlog_active", Backlog != null ? 1 : 0);
        number("repl_backlog_size", Backlog?.Size ?? Math.Max(config.ReplBacklogSize, ReplicationBuffer.MinBacklogSize));
        number("repl_backlog_first_byte_offset", Backlog?.FirstByteOffset ?? 0);
        number("repl_backlog_histlen", Backlog?.HistLen ?? 0);
    }

    /// <summary>ROLE on a master: ["master", offset, [[ip, port, acked offset] ...]] with the online replicas.</summary>
    public void WriteRole(Protocol.RespWriter r)
    {
        r.ArrayHeader(3);
        r.Bulk("master"u8);
        r.Integer(State.Offset);
        int mark = r.BeginDeferred();
        int n = 0;
        foreach (var link in Replicas)
        {
            var ip = link.Ip;
            if (ip == null || link.State != ReplicaState.Online) continue;
            r.ArrayHeader(3);
            r.Bulk(ip);
            r.Bulk(link.ListeningPort.ToString(CultureInfo.InvariantCulture));
            r.Bulk(link.AckOffset.ToString(CultureInfo.InvariantCulture));
            n++;
        }
        r.EndDeferredArray(mark, n);
    }
}

/// <summary>The replication information an RDB file carried (aux fields repl-id, repl-offset, repl-stream-db).</summary>
public sealed record RdbReplicationInfo(string ReplId, long Offset, int StreamDb);
