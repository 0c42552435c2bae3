using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>
/// The replica half of Valkey 8's dual-channel full sync (dual-channel-replication-enabled yes). When the master
/// answers PSYNC with "+DUALCHANNELSYNC", a second connection, the RDB channel, asks for the snapshot
/// ("REPLCONF capa eof rdb-only 1 rdb-channel 1 listening-port p", "SYNC") and learns where it ends
/// ("$ENDOFF:&lt;offset&gt; &lt;replid&gt; &lt;db&gt; &lt;rdb client id&gt;"); the main connection then names that RDB connection
/// ("REPLCONF set-rdb-client-id") and continues from the snapshot's end ("PSYNC &lt;replid&gt; &lt;offset+1&gt;" →
/// "+CONTINUE"). While the RDB arrives and loads, the main connection's stream is kept in memory (its receive buffer,
/// up to our own client-output-buffer-limit replica hard limit; past it we stop reading and TCP holds the master
/// back); once loaded, the RDB channel is closed and the kept stream is applied first, then the live one.
/// Any failure drops both connections ("Aborting dual channel sync") and the link starts over.
/// </summary>
sealed partial class MasterConnection
{
    /// <summary>The Valkey release whose dual-channel protocol (and RDB format) we speak, sent as REPLCONF version.</summary>
    public const string DualChannelVersion = "8.0.1";

    /// <summary>On an RDB channel: the main connection it serves (whose currency it shares).</summary>
    MasterConnection? _main;
    /// <summary>On the main connection during a dual-channel sync: its RDB channel.</summary>
    MasterConnection? _rdbChannel;

    /// <summary>True for the RDB channel of a dual-channel sync.</summary>
    public bool IsRdbChannel => _main != null;
    /// <summary>The connection the stream comes from once in sync (for an RDB channel, its main connection).</summary>
    public MasterConnection StreamConnection => _main ?? this;

    /// <summary>What "$ENDOFF:" says: the snapshot's offset and history, the stream's database, the RDB connection's id.</summary>
    sealed record EndOffset(long Offset, string ReplId, int Db, long ClientId);

    /// <summary>Drops the RDB channel of a dual-channel sync that did not complete (Valkey's replicationAbortDualChannelSyncTransfer).</summary>
    void AbortRdbChannel()
    {
        var rdb = Interlocked.Exchange(ref _rdbChannel, null);
        if (rdb == null) return;
        _server.Log.Notice("Aborting dual channel sync");
        rdb.Cancel();
    }

    /// <summary>The RDB is loaded: the RDB channel has done its part (executor).</summary>
    public void CloseRdbChannel() => Interlocked.Exchange(ref _rdbChannel, null)?.Cancel();

    /// <summary>
    /// The main connection after "+DUALCHANNELSYNC": runs the RDB channel, continues the stream from the snapshot's
    /// end while the RDB loads. Returns the master client once the RDB is loaded, or null (the sync was abandoned).
    /// </summary>
    async Task<Client?> DualChannelSyncAsync()
    {
        if (!await Exec(() => _server.Log.Notice("PSYNC is not possible, initialize RDB channel.")).ConfigureAwait(false)) return null;
        var rdb = new MasterConnection(_link, _server, new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), _endpoint, Task.CompletedTask) { _main = this };
        Volatile.Write(ref _rdbChannel, rdb);
        if (_cancelled) { AbortRdbChannel(); return null; }
        var end = await rdb.RdbChannelHandshakeAsync().ConfigureAwait(false);
        if (end == null) return null;

        await SendAsync(Command("REPLCONF", "set-rdb-client-id", end.ClientId.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        string? reply = await ReadLineAsync().ConfigureAwait(false);
        if (reply == null || reply.StartsWith('-'))
        {
            await DualChannelFailed(reply == null ? "Master did not respond to command during SYNC handshake"
                : "Master does not understand REPLCONF identify: " + reply).ConfigureAwait(false);
            return null;
        }
        string offset = (end.Offset + 1).ToString(CultureInfo.InvariantCulture);
        if (!await Exec(() => _server.Log.Notice($"Trying a partial resynchronization using main channel (request {end.ReplId}:{offset}).")).ConfigureAwait(false))
            return null;
        await SendAsync(Command("PSYNC", end.ReplId, offset)).ConfigureAwait(false);
        do reply = await ReadLineAsync().ConfigureAwait(false); while (reply is { Length: 0 });
        if (reply == null || !reply.StartsWith("+CONTINUE", StringComparison.Ordinal))
        {
            await DualChannelFailed("Aborting dual channel sync. Main channel psync result: " + (reply ?? "no reply")).ConfigureAwait(false);
            return null;
        }
        if (!await Exec(() =>
        {
            _server.Log.Notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization, RDB load in background.");
            _link.BeginDualChannelTransfer(end.ReplId, end.Offset);
        }).ConfigureAwait(false)) return null;

        // The stream is kept in memory by a reader task while the RDB loads (its own task, then the executor); once
        // loaded, the stream is read from what was kept first (FillAsync), the reader going on until it is caught up.
        var kept = new KeptStream(_link);
        _kept = kept;
        _ = KeepStreamAsync(kept);
        var master = await rdb.RdbChannelLoadAsync().ConfigureAwait(false);
        if (master == null)
        {
            kept.Stop();
            return null;
        }
        return await Exec(() => _link.DualChannelLoaded(this, kept)).ConfigureAwait(false) ? master : null;
    }

    /// <summary>
    /// The main connection's stream kept in memory during a dual-channel sync (Valkey's pending_repl_data): chunks
    /// appended by the reader task, taken by the stream's reads once the RDB is loaded.
    /// </summary>
    internal sealed class KeptStream(MasterLink link)
    {
        const int ChunkSize = 64 * 1024;
        readonly object _gate = new();
        readonly Queue<byte[]> _chunks = new();
        byte[]? _tail;
        int _headPosition, _tailUsed;
        long _bytes;
        TaskCompletionSource? _changed;
        readonly CancellationTokenSource _stop = new();

        /// <summary>The master closed the connection (or it broke): after what is kept, the stream ends.</summary>
        public bool Ended { get; private set; }
        /// <summary>The reader task is gone: after what is kept, the socket is read directly.</summary>
        public bool ReaderGone { get; private set; }
        /// <summary>Set once the RDB is loaded: an end of the connection is then the stream's.</summary>
        public volatile bool Loaded;
        public CancellationToken StopToken => _stop.Token;
        public bool StopRequested => _stop.IsCancellationRequested;

        public long Bytes
        {
            get { lock (_gate) return _bytes; }
        }

        /// <summary>Reader: appends received bytes.</summary>
        public void Add(ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                while (data.Length > 0)
                {
                    if (_tail == null || _tailUsed == ChunkSize)
                    {
                        _tail = new byte[ChunkSize];
                        _chunks.Enqueue(_tail);
                        _tailUsed = 0;
                    }
                    var tail = _tail;
                    int n = Math.Min(data.Length, ChunkSize - _tailUsed);
                    data[..n].CopyTo(tail.AsSpan(_tailUsed));
                    _tailUsed += n;
                    _bytes += n;
                    data = data[n..];
                }
                link.DualChannelBuffered(_bytes);
                Signal();
            }
        }

        /// <summary>Takes kept bytes into <paramref name="into"/>: how many (0 when nothing is kept now).</summary>
        public int Take(Span<byte> into)
        {
            lock (_gate)
            {
                int taken = 0;
                while (taken < into.Length && _bytes > 0)
                {
                    var head = _chunks.Peek();
                    int end = _chunks.Count == 1 ? _tailUsed : ChunkSize;
                    int n = Math.Min(into.Length - taken, end - _headPosition);
                    head.AsSpan(_headPosition, n).CopyTo(into[taken..]);
                    taken += n;
                    _headPosition += n;
                    _bytes -= n;
                    if (_headPosition == end)
                    {
                        _chunks.Dequeue();
                        _headPosition = 0;
                        if (_chunks.Count == 0)
                        {
                            _tail = null;
                            _tailUsed = 0;
                        }
                    }
                }
                if (taken > 0)
                {
                    link.DualChannelBuffered(_bytes);
                    Signal(); // room for the reader, if it waits at the limit
                }
                return taken;
            }
        }

        /// <summary>Completes when bytes are added or taken, the stream ends or the reader goes.</summary>
        public Task Changed()
        {
            lock (_gate) return (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        public void End()
        {
            lock (_gate) { Ended = true; Signal(); }
        }

        public void ReaderExited()
        {
            lock (_gate) { ReaderGone = true; Signal(); }
        }

        /// <summary>Stops the reader (its pending receive is cancelled; what it received stays kept).</summary>
        public void Stop() => _stop.Cancel();

        void Signal()
        {
            var changed = _changed;
            _changed = null;
            changed?.TrySetResult();
        }
    }

    KeptStream? _kept;

    /// <summary>
    /// The reader task of a dual-channel sync: keeps the main connection's stream until stopped (caught up), up to our
    /// own client-output-buffer-limit replica hard limit (past it, it waits: TCP holds the master back).
    /// </summary>
    async Task KeepStreamAsync(KeptStream kept)
    {
        var scratch = new byte[64 * 1024];
        bool limitLogged = false;
        try
        {
            while (true)
            {
                if (kept.StopRequested)
                {
                    kept.ReaderExited();
                    return;
                }
                long limit = _server.Config.ClientOutputBufferLimit.Replica.HardBytes;
                if (limit > 0 && kept.Bytes > limit)
                {
                    if (!limitLogged) _server.Log.Notice("Replication buffer limit reached, stopping buffering.");
                    limitLogged = true;
                    var changed = kept.Changed();
                    if (kept.Bytes > limit) await changed.WaitAsync(kept.StopToken).ConfigureAwait(false);
                    continue;
                }
                int n = await Socket.ReceiveAsync(scratch, SocketFlags.None, kept.StopToken).ConfigureAwait(false);
                if (n == 0) break;
                Interlocked.Add(ref _server.Stats.NetReplInputBytes, n);
                _link.LastInteractionMs = _server.Clock.NowMs();
                kept.Add(scratch.AsSpan(0, n));
            }
        }
        catch (OperationCanceledException) { kept.ReaderExited(); return; }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException) { }
        kept.End();
        kept.ReaderExited();
        if (_cancelled || kept.Loaded) return; // after the load, the stream's reads see the end
        await Exec(() =>
        {
            _server.Log.Warning("Provisional master closed connection");
            if (!_link.CancelHandshake(reconnect: true)) _link.StreamEnded(this); // the load may have just finished
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// FillAsync after a dual-channel sync: kept bytes (how many), 0 when the kept stream ended with the connection,
    /// -1 once it is over (the reader stopped after we caught up with it): the socket is read directly from then on.
    /// </summary>
    async Task<int> TakeKeptAsync(Memory<byte> into)
    {
        var kept = _kept!;
        while (true)
        {
            var changed = kept.Changed();
            int n = kept.Take(into.Span);
            if (n > 0) return n;
            if (kept.Ended) return 0;
            if (kept.ReaderGone)
            {
                _kept = null;
                return -1;
            }
            if (!kept.StopRequested)
            {
                // Caught up with the reader: everything kept is handed to the master client; the first ACK waits
                // until it is applied.
                kept.Stop();
                long target = _link.ReadOffset;
                await Exec(() => _link.DualChannelCaughtUp(target)).ConfigureAwait(false);
            }
            await changed.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The RDB channel up to "$ENDOFF:": connect, [AUTH], REPLCONF capa eof rdb-only 1 rdb-channel 1 listening-port,
    /// SYNC. Null when it failed (the link was reset).
    /// </summary>
    async Task<EndOffset?> RdbChannelHandshakeAsync()
    {
        try
        {
            try { await Socket.ConnectAsync(_endpoint).ConfigureAwait(false); }
            catch (SocketException ex)
            {
                await DualChannelFailed("Error condition on socket for dual channel replication: " + ex.Message).ConfigureAwait(false);
                return null;
            }
            RemoteAddress = Format(Socket.RemoteEndPoint);
            LocalAddress = Format(Socket.LocalEndPoint);
            if (!_server.Config.ReplDisableTcpNodelay) Socket.NoDelay = true;

            var config = _server.Config;
            bool auth = !string.IsNullOrEmpty(config.MasterAuth);
            var handshake = new MemoryStream();
            if (auth)
            {
                if (!string.IsNullOrEmpty(config.MasterUser)) handshake.Write(Command("AUTH", config.MasterUser!, config.MasterAuth!));
                else handshake.Write(Command("AUTH", config.MasterAuth!));
            }
            int port = config.ReplicaAnnouncePort != 0 ? config.ReplicaAnnouncePort : config.Port;
            handshake.Write(Command("REPLCONF", "capa", "eof", "rdb-only", "1", "rdb-channel", "1", "listening-port", port.ToString(CultureInfo.InvariantCulture)));
            await SendAsync(handshake.ToArray()).ConfigureAwait(false);

            string? reply;
            if (auth)
            {
                reply = await ReadLineAsync().ConfigureAwait(false);
                if (reply == null || reply.StartsWith('-'))
                {
                    await DualChannelFailed(reply == null ? "Master did not respond to auth command during SYNC handshake" : "Unable to AUTH to MASTER: " + reply).ConfigureAwait(false);
                    return null;
                }
            }
            reply = await ReadLineAsync().ConfigureAwait(false);
            if (reply == null || reply.StartsWith('-'))
            {
                await DualChannelFailed(reply == null ? "Master did not respond to replconf command during SYNC handshake"
                    : "Server does not support sync with offset, dual channel sync approach cannot be used: " + reply).ConfigureAwait(false);
                return null;
            }
            await SendAsync("SYNC\r\n"u8.ToArray()).ConfigureAwait(false);
            while (true)
            {
                reply = await ReadLineAsync().ConfigureAwait(false);
                if (reply == null)
                {
                    await DualChannelFailed("Failed to read response from the server: connection lost").ConfigureAwait(false);
                    return null;
                }
                _link.TransferLastIoMs = _server.Clock.NowMs();
                if (reply.Length == 0) continue; // keep-alives while the master waits to start the snapshot
                if (ParseEndOffset(reply) is { } end) return end;
                await DualChannelFailed("Received unexpected $ENDOFF response: " + reply).ConfigureAwait(false);
                return null;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            if (!_cancelled) await DualChannelFailed("I/O error on the dual channel RDB connection: " + ex.Message).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>"$ENDOFF:&lt;offset&gt; &lt;replid&gt; &lt;db&gt; &lt;client id&gt;", or null.</summary>
    static EndOffset? ParseEndOffset(string line)
    {
        if (!line.StartsWith("$ENDOFF:", StringComparison.Ordinal)) return null;
        var parts = line[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || parts[1].Length != ReplicationState.NoId.Length) return null;
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long offset) ||
            !int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int db) ||
            !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out long id))
            return null;
        return new EndOffset(offset, parts[1], db, id);
    }

    /// <summary>
    /// The RDB channel after "$ENDOFF:": the payload ("$EOF:" or "$&lt;len&gt;") to disk or to the parser, then loaded by
    /// the executor. Returns the master client (on the main connection), or null (the link was reset).
    /// </summary>
    async Task<Client?> RdbChannelLoadAsync()
    {
        FileStream? temp = null;
        string? tempPath = null;
        try
        {
            bool diskless = false;
            if (!await Exec(() =>
            {
                diskless = _link.UseDisklessLoad();
                if (diskless) return;
                tempPath = _link.TempFilePath();
                try { temp = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16); }
                catch (Exception ex)
                {
                    _server.Log.Warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + Mirra.Config.ConfigText.Strerror(ex));
                    tempPath = null;
                    _link.CancelHandshake(reconnect: true);
                }
            }).ConfigureAwait(false) || (!diskless && temp == null)) return null;

            if (await ReadPayloadHeaderAsync(diskless).ConfigureAwait(false) is not { } payload) return null;
            var (usemark, mark, size) = payload;

            Client? synced = null;
            if (diskless)
            {
                await Exec(() => synced = _link.LoadFromSocket(this, usemark ? mark : null, size)).ConfigureAwait(false);
                return synced;
            }
            if (!await ReceiveToFileAsync(temp!, usemark ? mark : null, size).ConfigureAwait(false)) return null;
            temp!.Dispose();
            temp = null;
            string path = tempPath!;
            tempPath = null; // the executor renames it (or removes it)
            await Exec(() => synced = _link.LoadFromFile(this, path, usemark)).ConfigureAwait(false);
            if (synced == null) TryDelete(path);
            return synced;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            if (!_cancelled) await TransferFailed("I/O error trying to sync with MASTER: " + (ex is SocketException se ? se.Message : ex.Message)).ConfigureAwait(false);
            return null;
        }
        finally
        {
            temp?.Dispose();
            if (tempPath != null) TryDelete(tempPath);
            ReturnBuffer();
        }
    }

    /// <summary>The dual-channel handshake failed: both connections go, and the cron connects again (Valkey's repl_state CONNECT).</summary>
    Task DualChannelFailed(string warning) => Exec(() =>
    {
        _server.Log.Warning(warning);
        _link.HandshakeFailed(StreamConnection);
    });
}
