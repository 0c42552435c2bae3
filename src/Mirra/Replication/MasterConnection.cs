using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mirra.Engine;
using Mirra.Protocol;

namespace Mirra.Replication;

/// <summary>
/// One connection to the master (Redis's repl_transfer_s, then the master client's socket): the non-blocking
/// connect, the handshake (PING, AUTH, REPLCONF, PSYNC), the RDB transfer of a full sync and, once in sync,
/// the reading of the command stream. All I/O runs on this object's own task; every decision and every
/// change of server state runs on the executor (<see cref="Exec"/>), which also tells whether this
/// connection is still the current one (REPLICAOF, a timeout or CLIENT KILL may have dropped it).
/// </summary>
sealed partial class MasterConnection
{
    const int ReadSize = 16 * 1024;
    /// <summary>Redis's REPL_MAX_WRITTEN_BEFORE_FSYNC: the temp file is synced every 8 MB.</summary>
    const long FsyncEvery = 8 << 20;

    readonly MasterLink _link;
    readonly Server _server;
    /// <summary>The non-blocking connect, started by the link.</summary>
    readonly Task _connecting;
    /// <summary>The master's address (the dual-channel sync opens its RDB channel to it).</summary>
    readonly EndPoint _endpoint;
    public readonly Socket Socket;
    volatile bool _cancelled;

    // The receive buffer: bytes [_start, _end) are received and not consumed yet.
    byte[] _buf = ArrayPool<byte>.Shared.Rent(ReadSize);
    int _start, _end;

    /// <summary>Set by a protocol error in the stream: the master is then not cached (Redis's CLIENT_PROTOCOL_ERROR).</summary>
    public bool ProtocolError;
    public string RemoteAddress { get; private set; } = "?:0";
    public string LocalAddress { get; private set; } = "?:0";
    public int Fd { get; }
    /// <summary>Bytes received and not handed over yet (CLIENT LIST qbuf of the master client).</summary>
    public volatile int QueryBufferLength;

    /// <summary>Outgoing bytes (ACKs, newlines) the socket could not take at once (executor only).</summary>
    byte[] _pendingSend = Array.Empty<byte>();

    public MasterConnection(MasterLink link, Server server, Socket socket, EndPoint endpoint, Task connecting)
    {
        _endpoint = endpoint;
        _link = link;
        _server = server;
        Socket = socket;
        _connecting = connecting;
        Fd = (int)socket.Handle;
    }

    public bool Cancelled => _cancelled;

    /// <summary>Abandons the connection (executor): closes the socket; the task notices and ends quietly.</summary>
    public void Cancel()
    {
        _cancelled = true;
        try { Socket.Dispose(); } catch (Exception) { }
        AbortRdbChannel();
    }

    enum Phase { Connect, Handshake, Transfer, Stream }

    public async Task RunAsync()
    {
        var phase = Phase.Connect;
        FileStream? temp = null;
        string? tempPath = null;
        try
        {
            try { await _connecting.ConfigureAwait(false); }
            catch (SocketException ex)
            {
                await Exec(() =>
                {
                    _server.Log.Warning("Error condition on socket for SYNC: " + ex.Message);
                    _link.HandshakeFailed(this);
                }).ConfigureAwait(false);
                return;
            }
            RemoteAddress = Format(Socket.RemoteEndPoint);
            LocalAddress = Format(Socket.LocalEndPoint);
            if (!_server.Config.ReplDisableTcpNodelay) Socket.NoDelay = true;
            if (!await Exec(() =>
            {
                _server.Log.Notice("Non blocking connect for SYNC fired the event.");
                _link.State = ReplState.Handshake;
            }).ConfigureAwait(false)) return;

            phase = Phase.Handshake;
            await SendAsync(RespEncoding.EncodeCommand([Bytes("PING")])).ConfigureAwait(false);
            string? reply = await ReadLineAsync().ConfigureAwait(false);
            if (reply == null) { await NoResponse().ConfigureAwait(false); return; }
            // A +PONG, or an authentication error (the master has requirepass): both prove it is a Redis.
            bool pong = reply.StartsWith('+') || reply.StartsWith("-NOAUTH", StringComparison.Ordinal) ||
                reply.StartsWith("-NOPERM", StringComparison.Ordinal) || reply.StartsWith("-ERR operation not permitted", StringComparison.Ordinal);
            if (!await Exec(() =>
            {
                if (pong) { _server.Log.Notice("Master replied to PING, replication can continue..."); return; }
                _server.Log.Warning($"Error reply to PING from master: '{reply}'");
                _link.HandshakeFailed(this);
            }).ConfigureAwait(false)) return;

            // AUTH and the REPLCONFs go out in one write; their replies are read one by one.
            var config = _server.Config;
            bool auth = !string.IsNullOrEmpty(config.MasterAuth);
            string? announceIp = string.IsNullOrEmpty(config.ReplicaAnnounceIp) ? null : config.ReplicaAnnounceIp;
            var handshake = new MemoryStream();
            if (auth)
            {
                if (!string.IsNullOrEmpty(config.MasterUser)) handshake.Write(Command("AUTH", config.MasterUser!, config.MasterAuth!));
                else handshake.Write(Command("AUTH", config.MasterAuth!));
            }
            int port = config.ReplicaAnnouncePort != 0 ? config.ReplicaAnnouncePort : config.Port;
            handshake.Write(Command("REPLCONF", "listening-port", port.ToString(CultureInfo.InvariantCulture)));
            if (announceIp != null) handshake.Write(Command("REPLCONF", "ip-address", announceIp));
            bool dualChannel = config.DualChannelReplicationEnabled;
            handshake.Write(dualChannel ? Command("REPLCONF", "capa", "eof", "capa", "psync2", "capa", "dual-channel") : Command("REPLCONF", "capa", "eof", "capa", "psync2"));
            if (dualChannel) handshake.Write(Command("REPLCONF", "version", DualChannelVersion));
            await SendAsync(handshake.ToArray()).ConfigureAwait(false);

            if (auth)
            {
                reply = await ReadLineAsync().ConfigureAwait(false);
                if (reply == null) { await NoResponse().ConfigureAwait(false); return; }
                if (reply.StartsWith('-'))
                {
                    await Exec(() =>
                    {
                        _server.Log.Warning("Unable to AUTH to MASTER: " + reply);
                        _link.HandshakeFailed(this);
                    }).ConfigureAwait(false);
                    return;
                }
            }
            var replconfs = new List<string> { "listening-port" };
            if (announceIp != null) replconfs.Add("ip-address");
            replconfs.Add("capa");
            if (dualChannel) replconfs.Add("VERSION");
            foreach (string what in replconfs)
            {
                reply = await ReadLineAsync().ConfigureAwait(false);
                if (reply == null) { await NoResponse().ConfigureAwait(false); return; }
                if (reply.StartsWith('-'))
                    _server.Log.Notice($"(Non critical) Master does not understand REPLCONF {what}: {reply}");
            }

            // PSYNC: continue the cached master's history if there is one.
            string psyncId = "?", psyncOffset = "-1";
            bool failover = false;
            if (!await Exec(() =>
            {
                _link.MasterInitialOffset = -1;
                failover = _server.Failover.InProgress;
                if (_link.Cached is { } cached)
                {
                    psyncId = cached.ReplId;
                    psyncOffset = (cached.Offset + 1).ToString(CultureInfo.InvariantCulture);
                    _server.Log.Notice($"Trying a partial resynchronization (request {psyncId}:{psyncOffset}).");
                }
                else _server.Log.Notice("Partial resynchronization not possible (no cached master)");
            }).ConfigureAwait(false)) return;
            // During FAILOVER we ask our target to take over (it answers as to any PSYNC once promoted).
            await SendAsync(failover ? Command("PSYNC", psyncId, psyncOffset, "FAILOVER") : Command("PSYNC", psyncId, psyncOffset)).ConfigureAwait(false);
            do
            {
                reply = await ReadLineAsync().ConfigureAwait(false);
                if (reply == null)
                {
                    await Exec(() =>
                    {
                        _server.Log.Warning("Master did not reply to PSYNC, will try later");
                        _link.HandshakeFailed(this);
                        if (failover) _server.Failover.Abort("Failover target rejected psync request"); // as Redis: a read error is no acceptance
                    }).ConfigureAwait(false);
                    return;
                }
                // Empty lines before the reply keep the link alive while the master prepares the snapshot.
                if (reply.Length == 0) _link.TransferLastIoMs = _server.Clock.NowMs();
            } while (reply.Length == 0);
            // A refused PSYNC ... FAILOVER aborts the failover: we are a master again and this connection is dropped.
            if (failover && !await Exec(() => _server.Failover.PsyncReplied(reply)).ConfigureAwait(false)) return;

            if (reply.StartsWith("+CONTINUE", StringComparison.Ordinal))
            {
                Client? master = null;
                if (!await Exec(() => master = _link.PartialSyncAccepted(this, reply)).ConfigureAwait(false) || master == null) return;
                phase = Phase.Stream;
                await StreamAsync(master).ConfigureAwait(false);
                return;
            }

            if (reply.StartsWith("+DUALCHANNELSYNC", StringComparison.Ordinal))
            {
                var loaded = await DualChannelSyncAsync().ConfigureAwait(false);
                if (loaded == null) return;
                phase = Phase.Stream;
                await StreamAsync(loaded).ConfigureAwait(false);
                return;
            }

            bool fullSync = reply.StartsWith("+FULLRESYNC", StringComparison.Ordinal);
            bool tryLater = !fullSync && (reply.StartsWith("-NOMASTERLINK", StringComparison.Ordinal) || reply.StartsWith("-LOADING", StringComparison.Ordinal));
            bool diskless = false;
            if (!await Exec(() =>
            {
                if (fullSync) _link.FullSyncAccepted(reply);
                else if (tryLater)
                {
                    _server.Log.Notice("Master is currently unable to PSYNC but should be in the future: " + reply);
                    _link.HandshakeFailed(this);
                    return;
                }
                else
                {
                    if (!reply.StartsWith("-ERR", StringComparison.Ordinal)) _server.Log.Warning("Unexpected reply to PSYNC from master: " + reply);
                    else _server.Log.Notice($"Master does not support PSYNC or is in error state (reply: {reply})");
                    _server.Log.Notice("Retrying with SYNC...");
                }
                diskless = _link.UseDisklessLoad();
                if (!diskless)
                {
                    tempPath = _link.TempFilePath();
                    try { temp = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16); }
                    catch (Exception ex)
                    {
                        _server.Log.Warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + Mirra.Config.ConfigText.Strerror(ex));
                        tempPath = null;
                        _link.HandshakeFailed(this);
                        return;
                    }
                }
                _link.BeginTransfer();
            }).ConfigureAwait(false) || (!diskless && temp == null)) return;
            if (!fullSync) await SendAsync("SYNC\r\n"u8.ToArray()).ConfigureAwait(false);

            phase = Phase.Transfer;
            if (await ReadPayloadHeaderAsync(diskless).ConfigureAwait(false) is not { } payload) return;
            var (usemark, mark, size) = payload;

            Client? synced = null;
            if (diskless)
            {
                if (!await Exec(() => synced = _link.LoadFromSocket(this, usemark ? mark : null, size)).ConfigureAwait(false) || synced == null) return;
            }
            else
            {
                if (!await ReceiveToFileAsync(temp!, usemark ? mark : null, size).ConfigureAwait(false)) return;
                temp!.Dispose();
                temp = null;
                string path = tempPath!;
                tempPath = null; // the executor renames it (or removes it)
                if (!await Exec(() => synced = _link.LoadFromFile(this, path, usemark)).ConfigureAwait(false) || synced == null)
                {
                    TryDelete(path);
                    return;
                }
            }
            phase = Phase.Stream;
            await StreamAsync(synced).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            if (_cancelled) return;
            string message = ex is SocketException se ? se.Message : ex.Message;
            await Exec(() =>
            {
                switch (phase)
                {
                    case Phase.Connect:
                        _server.Log.Warning("Error condition on socket for SYNC: " + message);
                        _link.HandshakeFailed(this);
                        break;
                    case Phase.Handshake:
                        _server.Log.Warning(_sending ? "Sending command to master in replication handshake: " + message
                            : "Master did not respond to command during SYNC handshake");
                        _link.HandshakeFailed(this);
                        break;
                    case Phase.Transfer:
                        _server.Log.Warning("I/O error trying to sync with MASTER: " + message);
                        _link.CancelHandshake(reconnect: true);
                        break;
                    default:
                        _link.StreamEnded(this);
                        break;
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            temp?.Dispose();
            if (tempPath != null) TryDelete(tempPath);
            ReturnBuffer();
        }
    }

    Task NoResponse() => Exec(() =>
    {
        _server.Log.Warning("Master did not respond to command during SYNC handshake");
        _link.HandshakeFailed(this);
    });

    // ---- The RDB of a full sync ----

    /// <summary>The "$..." line announcing the payload (empty lines are keep-alives). Null when the transfer failed.</summary>
    async Task<string?> ReadBulkHeaderAsync()
    {
        while (true)
        {
            string? line;
            try { line = await ReadLineAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                if (!_cancelled) await TransferFailed("I/O error reading bulk count from MASTER: " + ex.Message).ConfigureAwait(false);
                return null;
            }
            if (line == null)
            {
                await TransferFailed("I/O error reading bulk count from MASTER: connection lost").ConfigureAwait(false);
                return null;
            }
            _link.TransferLastIoMs = _server.Clock.NowMs();
            if (line.Length == 0) continue;
            if (line[0] == '-')
            {
                await TransferFailed("MASTER aborted replication with an error: " + line[1..]).ConfigureAwait(false);
                return null;
            }
            if (line[0] != '$')
            {
                await TransferFailed($"Bad protocol from MASTER, the first byte is not '$' (we received '{line}'), are you sure the host and port are right?").ConfigureAwait(false);
                return null;
            }
            return line;
        }
    }

    Task TransferFailed(string warning) => Exec(() =>
    {
        _server.Log.Warning(warning);
        _link.CancelHandshake(reconnect: true);
    });

    /// <summary>
    /// Writes the payload to the temp file: exactly <paramref name="size"/> bytes, or up to the EOF mark
    /// (written too, then cut off, as Redis does). False when the transfer failed or was abandoned.
    /// </summary>
    async Task<bool> ReceiveToFileAsync(FileStream file, byte[]? mark, long size)
    {
        var scanner = mark != null ? new EofMarkScanner(mark) : null;
        long read = 0, lastFsync = 0;
        while (true)
        {
            if (_end == _start)
            {
                _start = _end = 0;
                if (await FillAsync().ConfigureAwait(false) == 0)
                {
                    await TransferFailed("I/O error trying to sync with MASTER: connection lost").ConfigureAwait(false);
                    return false;
                }
            }
            int available = _end - _start;
            int take;
            bool done;
            if (scanner != null)
            {
                int end = scanner.Scan(_buf.AsSpan(_start, available));
                done = end >= 0;
                take = done ? end : available;
            }
            else
            {
                take = (int)Math.Min(available, size - read);
                done = read + take == size;
            }
            await file.WriteAsync(_buf.AsMemory(_start, take)).ConfigureAwait(false);
            _start += take;
            read += take;
            _link.TransferProgress(read);
            if (done)
            {
                if (scanner != null) file.SetLength(read - EofMarkScanner.MarkLength);
                file.Flush(flushToDisk: true);
                return true;
            }
            if (read - lastFsync >= FsyncEvery)
            {
                file.Flush(flushToDisk: true);
                lastFsync = read;
            }
        }
    }

    /// <summary>
    /// The bytes after the transfer header, then the socket, read synchronously by the executor while it loads
    /// the RDB (diskless load): Redis's rio over the connection, in blocking mode with repl-timeout.
    /// </summary>
    public Stream OpenSyncStream()
    {
        Socket.Blocking = true;
        Socket.ReceiveTimeout = (int)Math.Min(int.MaxValue, Math.Max(1, (long)_server.Config.ReplTimeout * 1000));
        return new SyncStream(this);
    }

    /// <summary>Back to the stream's asynchronous reads after a diskless load; <paramref name="unread"/> goes first.</summary>
    public void EndSyncStream(ReadOnlySpan<byte> unread)
    {
        Socket.ReceiveTimeout = 0;
        Socket.Blocking = false;
        if (unread.Length == 0) return;
        int rest = _end - _start;
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, unread.Length + rest));
        unread.CopyTo(next);
        Buffer.BlockCopy(_buf, _start, next, unread.Length, rest);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = next;
        _start = 0;
        _end = unread.Length + rest;
    }

    /// <summary>The RDB payload's header ("$&lt;len&gt;" or "$EOF:&lt;mark&gt;"), logged as Redis does; null when the link went.</summary>
    async Task<PayloadHeader?> ReadPayloadHeaderAsync(bool diskless)
    {
        string? header = await ReadBulkHeaderAsync().ConfigureAwait(false);
        if (header == null) return null;
        bool usemark = header.StartsWith("$EOF:", StringComparison.Ordinal) && header.Length - 5 >= EofMarkScanner.MarkLength;
        byte[] mark = usemark ? Encoding.Latin1.GetBytes(header.Substring(5, EofMarkScanner.MarkLength)) : [];
        long size = usemark ? 0 : Strtol(header.AsSpan(1));
        if (!await Exec(() =>
        {
            _link.TransferSize = size;
            string target = diskless ? "to parser" : "to disk";
            _server.Log.Notice(usemark ? $"MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"
                : $"MASTER <-> REPLICA sync: receiving {size} bytes from master {target}");
        }).ConfigureAwait(false)) return null;
        return new PayloadHeader(usemark, mark, size);
    }

    /// <summary>How the payload ends: at the EOF mark (diskless framing), or after <c>Size</c> bytes.</summary>
    readonly record struct PayloadHeader(bool UseMark, byte[] Mark, long Size);

    sealed class SyncStream(MasterConnection c) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0) return 0;
            int n;
            if (c._end > c._start)
            {
                n = Math.Min(buffer.Length, c._end - c._start);
                c._buf.AsSpan(c._start, n).CopyTo(buffer);
                c._start += n;
            }
            else
            {
                n = c.Socket.Receive(buffer);
                if (n == 0) throw new IOException("connection lost");
                Interlocked.Add(ref c._server.Stats.NetReplInputBytes, n);
            }
            c._link.TransferProgress(c._link.TransferReadBytes + n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // ---- The command stream ----

    /// <summary>
    /// Reads the master's stream and hands its complete commands to the master client as batches. Each batch's
    /// buffer starts with the first byte not yet applied and ends after its last complete command, so the
    /// executor can feed exactly the applied bytes to our own replicas (see <see cref="MasterLink"/>).
    /// </summary>
    async Task StreamAsync(Client master)
    {
        var parser = new RequestParser { MaxBulkLength = Array.MaxLength - 1024 };
        Socket.Blocking = false; // the executor's sends (ACKs) never wait
        // The bytes received with the end of the handshake or the RDB are the first of the stream.
        var first = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, _end - _start));
        int pending = _end - _start;
        Buffer.BlockCopy(_buf, _start, first, 0, pending);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = first;
        _start = 0;
        _end = pending;
        _link.StreamBytesRead(pending);
        int scanFrom = 0;
        var executor = _server.Executor;
        while (true)
        {
            if (_end > 0)
            {
                int consumed = parser.Parse(_buf, 0, _end, authenticated: true, ref scanFrom);
                if (parser.Error != null)
                {
                    string error = parser.Error;
                    ProtocolError = true;
                    await Exec(() => _link.StreamProtocolError(this, error)).ConfigureAwait(false);
                    return;
                }
                _ = consumed;
                if (parser.CommandStarts.Count > 0)
                {
                    var args = parser.Args;
                    var last = args[^1];
                    int end = last.Offset + last.Length + 2;
                    var batch = CommandBatch.Rent();
                    batch.Fill(_buf, true, args, parser.CommandStarts);
                    parser.ClearCompleted();
                    int tail = _end - end;
                    var next = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, Needed(parser, tail, scanFrom - end)));
                    Buffer.BlockCopy(_buf, end, next, 0, tail);
                    parser.ShiftPartial(-end);
                    scanFrom -= end;
                    _buf = next;
                    _end = tail;
                    QueryBufferLength = tail;
                    master.Enqueue(batch, executor);
                    if (master.PendingBatches >= Client.MaxPendingBatches) await master.WaitForRoom().ConfigureAwait(false);
                }
                else QueryBufferLength = _end;
            }
            if (_cancelled || master.Closed) return;
            // Room for a large argument at once, like a client connection.
            int want = Needed(parser, _end, scanFrom);
            if (want > _buf.Length) Grow(want);
            int received = await FillAsync().ConfigureAwait(false);
            if (received == 0)
            {
                await Exec(() => _link.StreamEnded(this)).ConfigureAwait(false);
                return;
            }
            _link.StreamBytesRead(received);
        }
    }

    static int Needed(RequestParser parser, int pending, int scanned)
    {
        int bulk = parser.PendingBulkLength;
        if (bulk < 0) return pending + ReadSize;
        return (int)Math.Min(Array.MaxLength, (long)scanned + bulk + 2 + 1024);
    }

    void Grow(int capacity)
    {
        var next = ArrayPool<byte>.Shared.Rent(capacity);
        Buffer.BlockCopy(_buf, 0, next, 0, _end);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = next;
    }

    void ReturnBuffer()
    {
        var b = Interlocked.Exchange(ref _buf, Array.Empty<byte>());
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }

    // ---- Socket primitives ----

    /// <summary>Receives more bytes after _end (growing or compacting the buffer): how many, 0 at end of stream.</summary>
    async Task<int> FillAsync()
    {
        if (_end == _buf.Length)
        {
            int pending = _end - _start;
            if (_start > 0 && pending * 2 <= _buf.Length)
            {
                Buffer.BlockCopy(_buf, _start, _buf, 0, pending);
            }
            else
            {
                var next = ArrayPool<byte>.Shared.Rent(_buf.Length * 2);
                Buffer.BlockCopy(_buf, _start, next, 0, pending);
                ArrayPool<byte>.Shared.Return(_buf);
                _buf = next;
            }
            _start = 0;
            _end = pending;
        }
        // After a dual-channel sync, what was kept during the load comes first (counted when it was received).
        int kept = _kept != null ? await TakeKeptAsync(_buf.AsMemory(_end)).ConfigureAwait(false) : -1;
        if (kept >= 0)
        {
            _end += kept;
            return kept;
        }
        int n = await Socket.ReceiveAsync(_buf.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        if (n <= 0) return 0;
        _end += n;
        Interlocked.Add(ref _server.Stats.NetReplInputBytes, n);
        _link.LastInteractionMs = _server.Clock.NowMs();
        return n;
    }

    /// <summary>One reply line without its CRLF (Redis's syncReadLine); null when the master closed the connection.</summary>
    async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            int nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                int lineEnd = nl > _start && _buf[nl - 1] == '\r' ? nl - 1 : nl;
                string line = Encoding.Latin1.GetString(_buf, _start, lineEnd - _start);
                _start = nl + 1;
                return line;
            }
            if (_end - _start > RequestParser.InlineMaxSize) throw new IOException("line too long");
            if (await FillAsync().ConfigureAwait(false) == 0) return null;
        }
    }

    /// <summary>True while the handshake writes (an error then is a write error, else the master did not answer).</summary>
    bool _sending;

    async Task SendAsync(byte[] data)
    {
        _sending = true;
        int sent = 0;
        while (sent < data.Length)
            sent += await Socket.SendAsync(data.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
        _sending = false;
    }

    /// <summary>
    /// Sends bytes from the executor without waiting (REPLCONF ACK, the newlines of a long load): what the
    /// socket cannot take now goes out before the next bytes sent this way.
    /// </summary>
    public void SendNow(ReadOnlySpan<byte> data)
    {
        if (_cancelled) return;
        byte[] all = data.ToArray();
        if (_pendingSend.Length > 0) all = [.. _pendingSend, .. all];
        int sent = 0;
        try
        {
            while (sent < all.Length)
            {
                int n = Socket.Send(all, sent, all.Length - sent, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock || error == SocketError.TryAgain) break;
                if (error != SocketError.Success) return; // the reader sees the broken link
                sent += n;
            }
        }
        catch (ObjectDisposedException) { return; }
        _pendingSend = sent == all.Length ? Array.Empty<byte>() : all[sent..];
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the executor if this connection is still the current one. The result
    /// tells whether it still is afterwards (false: the task must end).
    /// </summary>
    Task<bool> Exec(Action action)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Executor.Post(() =>
        {
            if (_cancelled || !_link.IsCurrent(_main ?? this)) { done.SetResult(false); return; }
            try
            {
                action();
                done.SetResult(!_cancelled && _link.IsCurrent(_main ?? this));
            }
            catch (Exception ex)
            {
                _server.Log.Warning("Unexpected error in the replication link: " + ex);
                _link.CancelHandshake(reconnect: false);
                done.SetResult(false);
            }
        });
        return done.Task;
    }

    static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    static byte[] Command(params string[] args) => RespEncoding.EncodeCommand(args.Select(Bytes).ToArray());

    /// <summary>C's strtol on the bulk length (digits after an optional sign; garbage gives 0).</summary>
    static long Strtol(ReadOnlySpan<char> s)
    {
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++) v = checked(v * 10 + (s[i] - '0'));
        return negative ? -v : v;
    }

    static string Format(EndPoint? ep) => ep switch
    {
        IPEndPoint ip when (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) is var a =>
            a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{ip.Port}" : $"{a}:{ip.Port}",
        _ => "?:0",
    };

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception) { }
    }
}
