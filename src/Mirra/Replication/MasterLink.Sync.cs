using System.Diagnostics;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Persistence;
using Mirra.Persistence.Rdb;
using Mirra.Storage;

namespace Mirra.Replication;

/// <summary>The outcome of PSYNC and the full sync: the RDB received to disk or parsed from the socket, then loaded.</summary>
public sealed partial class MasterLink
{
    // ---- PSYNC replies ----

    /// <summary>
    /// +CONTINUE [id]: the master continues our cached history. A new id (the master was promoted) becomes ours,
    /// the old one our secondary id, and our own replicas reconnect to learn it (Redis's slaveTryPartialResynchronization).
    /// </summary>
    internal Client? PartialSyncAccepted(MasterConnection connection, string reply)
    {
        if (Cached is not { } cached)
        {
            _server.Log.Warning("Unexpected reply to PSYNC from master: " + reply);
            HandshakeFailed(connection);
            return null;
        }
        _server.Log.Notice("Successful partial resynchronization with master.");
        int start = 10, end = 9;
        while (end < reply.Length && reply[end] != '\r' && reply[end] != '\n') end++;
        if (end - start == 40)
        {
            string newId = reply.Substring(start, 40);
            if (newId != cached.ReplId)
            {
                _server.Log.Warning("Master replication ID changed to " + newId);
                var r = _server.Replication;
                r.ReplId2 = cached.ReplId;
                r.SecondOffset = r.Offset + 1;
                r.ReplId = newId;
                cached = cached with { ReplId = newId };
                r.DisconnectReplicas?.Invoke();
            }
        }
        // Redis's replicationResurrectCachedMaster.
        Cached = null;
        var master = CreateMasterClient(connection, cached.Db, cached.Offset, cached.ReplId);
        State = ReplState.Connected;
        DownSinceMs = 0;
        // After a restart the backlog may not exist yet.
        _server.Replication.CreateBacklog?.Invoke();
        _server.Log.Notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        return master;
    }

    /// <summary>+FULLRESYNC &lt;id&gt; &lt;offset&gt;: the master's history and the offset its snapshot stands at.</summary>
    internal void FullSyncAccepted(string reply)
    {
        int id = reply.IndexOf(' ');
        int offset = id < 0 ? -1 : reply.IndexOf(' ', id + 1);
        if (id < 0 || offset < 0 || offset - id - 1 != 40)
        {
            _server.Log.Warning("Master replied with wrong +FULLRESYNC syntax.");
            // A blank id: the next PSYNC will not match anything.
            MasterReplId = ReplicationState.NoId;
            return;
        }
        MasterReplId = reply.Substring(id + 1, 40);
        MasterInitialOffset = ParseLong(reply.AsSpan(offset + 1));
        _server.Log.Notice($"Full resync from master: {MasterReplId}:{MasterInitialOffset}");
    }

    /// <summary>Redis's useDisklessLoad: swapdb always, on-empty-db when we hold no key.</summary>
    internal bool UseDisklessLoad() => _server.Config.ReplDisklessLoad switch
    {
        ReplDisklessLoad.SwapDb => true,
        ReplDisklessLoad.OnEmptyDb => _server.Keyspace.TotalKeys() == 0,
        _ => false,
    };

    /// <summary>temp-&lt;unixtime&gt;.&lt;pid&gt;.rdb in the data directory, where the RDB of a disk-based sync is received.</summary>
    internal string TempFilePath()
    {
        string name = $"temp-{_server.Clock.NowMs() / 1000}.{Environment.ProcessId}.rdb";
        return _server.Config.Dir.Length > 0 ? Path.Combine(_server.Config.Dir, name) : name;
    }

    /// <summary>The transfer starts: INFO shows master_sync_in_progress and its progress fields from now on.</summary>
    internal void BeginTransfer()
    {
        State = ReplState.Transfer;
        TransferSize = -1;
        Interlocked.Exchange(ref _transferRead, 0);
        TransferLastIoMs = _server.Clock.NowMs();
    }

    /// <summary>Bytes of the payload received so far (any thread).</summary>
    internal void TransferProgress(long read)
    {
        Interlocked.Exchange(ref _transferRead, read);
        TransferLastIoMs = _server.Clock.NowMs();
    }

    // ---- Loading the master's snapshot ----

    /// <summary>
    /// Disk-based load (repl-diskless-load disabled): the received file becomes our dbfilename, then the old
    /// data is flushed and the file loaded. Returns the master client, or null (the link was dropped and a new
    /// connection started).
    /// </summary>
    internal Client? LoadFromFile(MasterConnection connection, string tempPath, bool usemark)
    {
        var log = _server.Log;
        StopBackgroundWork(diskless: false);
        AttachToNewMaster();
        log.Notice("MASTER <-> REPLICA sync: Flushing old data");
        EmptyData();
        log.Notice("MASTER <-> REPLICA sync: Loading DB in memory");
        string path = DataLoader.RdbPath(_server);
        try { File.Move(tempPath, path, overwrite: true); }
        catch (Exception ex)
        {
            log.Warning($"Failed trying to rename the temp DB into {_server.Config.DbFileName} in MASTER <-> REPLICA synchronization: {Mirra.Config.ConfigText.Strerror(ex)}");
            CancelHandshake(reconnect: true);
            return null;
        }
        RdbLoadResult? result = null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            result = Load(new RdbInput(file, computeCrc: _server.Config.RdbChecksum), _server.Keyspace, file.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warning("Failed trying to load the MASTER synchronization DB from disk: " + Mirra.Config.ConfigText.Strerror(ex));
        }
        if (result == null)
        {
            log.Warning("Failed trying to load the MASTER synchronization DB from disk, check server logs.");
            CancelHandshake(reconnect: true);
            RemoveSyncFileIfUnused(path);
            EmptyData(); // no half-loaded data set
            return null;
        }
        RemoveSyncFileIfUnused(path);
        return FinishFullSync(connection, result.ReplStreamDb, usemark);
    }

    /// <summary>
    /// Diskless load (repl-diskless-load on-empty-db with no keys, or swapdb): the RDB is parsed straight from the
    /// socket, blocking the executor like Redis blocks its main thread (waiting clients get -LOADING meanwhile).
    /// With swapdb it is loaded into a separate set of databases swapped in only once complete, so a failed
    /// transfer leaves the old data in place. <paramref name="mark"/>: the EOF mark of "$EOF:" framing, else
    /// exactly <paramref name="size"/> bytes are read.
    /// </summary>
    internal Client? LoadFromSocket(MasterConnection connection, byte[]? mark, long size)
    {
        var log = _server.Log;
        StopBackgroundWork(diskless: true);
        bool swap = _server.Config.ReplDisklessLoad == ReplDisklessLoad.SwapDb;
        var keyspace = _server.Keyspace;
        var target = keyspace;
        if (swap)
        {
            target = new Keyspace(keyspace.Databases.Length) { LruClock = keyspace.LruClock, ExpiryDisabled = true };
        }
        else
        {
            AttachToNewMaster();
            log.Notice("MASTER <-> REPLICA sync: Flushing old data");
            EmptyData();
        }
        log.Notice("MASTER <-> REPLICA sync: Loading DB in memory");

        RdbLoadResult? result = null;
        byte[] unread = [];
        RdbInput? input = null;
        try
        {
            var stream = connection.OpenSyncStream();
            input = new RdbInput(stream, computeCrc: _server.Config.RdbChecksum, limit: mark == null ? size : -1);
            result = Load(input, target, mark == null ? size : 0, fromSocket: true);
            if (result != null && mark != null)
            {
                // The mark follows the RDB: part of it (or more) may already be in the reader's read-ahead.
                var ahead = input.Unconsumed.ToArray();
                var check = new byte[EofMarkScanner.MarkLength];
                int have = Math.Min(ahead.Length, check.Length);
                ahead.AsSpan(0, have).CopyTo(check);
                while (have < check.Length) have += stream.Read(check, have, check.Length - have);
                if (!check.AsSpan().SequenceEqual(mark))
                {
                    log.Warning("Replication stream EOF marker is broken");
                    result = null;
                }
                else if (ahead.Length > check.Length) unread = ahead[check.Length..];
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Redis's rdbReportReadError for a connection: the link failed, not the data.
            log.Warning("Short read or OOM loading DB. Unrecoverable error, aborting now.");
            log.Warning($"Internal error in RDB reading offset {input?.Position ?? 0}, function at RdbLoader -> Unexpected EOF reading RDB file. " +
                "Failure loading rdb format from socket, assuming connection error, resuming operation.");
            result = null;
        }
        if (result == null)
        {
            log.Warning("Failed trying to load the MASTER synchronization DB from socket, check server logs.");
            CancelHandshake(reconnect: true);
            if (swap) log.Notice("MASTER <-> REPLICA sync: Discarding temporary DB in background");
            else EmptyData();
            return null;
        }
        connection.EndSyncStream(unread);
        if (swap)
        {
            AttachToNewMaster();
            log.Notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
            for (int i = 0; i < keyspace.Databases.Length; i++)
            {
                keyspace.DatabaseFlushing?.Invoke(keyspace[i]);
                keyspace[i].SwapWith(target[i]);
            }
            log.Notice("MASTER <-> REPLICA sync: Discarding old DB in background");
        }
        _server.Dirty++; // nothing was saved: the data set changed
        return FinishFullSync(connection, result.ReplStreamDb, mark != null);
    }

    /// <summary>
    /// Loads an RDB for the full sync: -LOADING and the INFO loading fields meanwhile, waiting clients served
    /// between chunks, and a newline to the master every second so it does not time us out. Null on a format error.
    /// </summary>
    RdbLoadResult? Load(RdbInput input, Keyspace target, long totalBytes, bool fromSocket = false)
    {
        var server = _server;
        var loading = server.Loading;
        loading.Begin(totalBytes, server.Clock.NowMs());
        long lastNewline = Stopwatch.GetTimestamp();
        try
        {
            var options = new RdbLoadOptions(server.Clock.NowMs(), SkipExpired: false, VerifyChecksum: server.Config.RdbChecksum,
                Progress: bytes =>
                {
                    loading.LoadedBytes = bytes;
                    if (Stopwatch.GetElapsedTime(lastNewline).TotalSeconds >= 1)
                    {
                        lastNewline = Stopwatch.GetTimestamp();
                        _connection?.SendNow("\n"u8);
                    }
                    server.Executor.ServeWhileBlocked();
                });
            var result = RdbLoader.Load(input, target, server.Config, options);
            DataLoader.LogAux(server, result);
            server.Log.Notice($"Done loading RDB, keys loaded: {result.Keys}, keys expired: {result.ExpiredSkipped}.");
            return result;
        }
        catch (RdbFormatException ex)
        {
            server.Log.Warning($"Internal error in RDB reading offset {Math.Max(0, ex.Position)}, function at RdbLoader -> {ex.Message}" +
                (fromSocket ? ". Failure loading rdb format from socket, assuming connection error, resuming operation." : ""));
            return null;
        }
        finally { loading.End(); }
    }

    /// <summary>
    /// Redis stops the AOF (restarted after the sync) and kills a running RDB child before flushing and loading
    /// the master's data: a snapshot of the old data must not overwrite the new one.
    /// </summary>
    void StopBackgroundWork(bool diskless)
    {
        if (_server.Aof.State != Persistence.Aof.AofState.Off) _server.Aof.Stop();
        if (_server.Rdb.Background != null)
        {
            if (!diskless)
                _server.Log.Notice("Replica is about to load the RDB file received from the master, but there is a pending RDB child running. " +
                    $"Killing process {Environment.ProcessId} and removing its temp file to avoid any race");
            _server.Rdb.KillBackgroundSave();
        }
    }

    /// <summary>Redis's replicationAttachToNewMaster: a new history starts, our replicas must full sync from us too.</summary>
    void AttachToNewMaster()
    {
        DiscardCachedMaster();
        _server.Replication.DisconnectReplicas?.Invoke();
        _server.Replication.FreeBacklog?.Invoke();
    }

    /// <summary>Redis's emptyData for a full sync: every database dropped (WATCH and blocked clients notified by the flush).</summary>
    void EmptyData()
    {
        foreach (var db in _server.Keyspace.Databases) db.Flush();
    }

    /// <summary>rdb-del-sync-files yes on a replica without persistence: the received file is not kept.</summary>
    void RemoveSyncFileIfUnused(string path)
    {
        var config = _server.Config;
        if (!config.RdbDelSyncFiles || config.Save.Count > 0 || config.AppendOnly) return;
        _server.Log.Notice("Removing the RDB file obtained from the master. This replica has persistence disabled");
        try { File.Delete(path); } catch (Exception) { }
    }

    /// <summary>
    /// The end of a full sync: the master client starts at the snapshot's offset in the snapshot's database, the
    /// master's history becomes ours (secondary id cleared), the backlog exists from now on, and after a
    /// diskless transfer the master waits for our first ACK before streaming.
    /// </summary>
    Client FinishFullSync(MasterConnection connection, int streamDb, bool usemark)
    {
        var master = CreateMasterClient(connection.StreamConnection, streamDb, MasterInitialOffset, MasterReplId);
        State = ReplState.Connected;
        DownSinceMs = 0;
        var r = _server.Replication;
        r.ReplId = MasterReplId;
        r.Offset = AppliedOffset;
        r.ClearId2();
        r.CreateBacklog?.Invoke();
        _server.Log.Notice("MASTER <-> REPLICA sync: Finished with success");
        if (usemark && !connection.IsRdbChannel) SendAck(); // dual channel: once the stream kept meanwhile is applied
        if (_server.Config.AppendOnly) RestartAof();
        return master;
    }

    /// <summary>Redis's restartAOFAfterSYNC: the AOF starts again from a rewrite of the new data set.</summary>
    void RestartAof()
    {
        if (!_server.Aof.Start())
            _server.Log.Warning("Failed enabling the AOF after successful master synchronization! Trying it again in one second.");
    }

    static long ParseLong(ReadOnlySpan<char> s)
    {
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
        return negative ? -v : v;
    }
}
