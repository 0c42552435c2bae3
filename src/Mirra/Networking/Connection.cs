using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Mirra.Engine;
using Mirra.Protocol;

namespace Mirra.Networking;

/// <summary>
/// One client socket. Its read loop (a network thread) parses complete commands out of each
/// read and hands them to the executor as one batch; the executor writes replies and sends them
/// with a non-blocking send, leaving only what the socket could not take to an async sender.
/// </summary>
public sealed class Connection : IClientTransport
{
    const int ReadSize = 16 * 1024;

    readonly Socket _socket;
    readonly Server _server;
    readonly Client _client;
    readonly RequestParser _parser = new();
    readonly object _sendGate = new();
    bool _sending;
    bool _flushAfterSend;
    long _inFlightBytes;
    int _closed;
    volatile int _queryBufferLength;

    public string RemoteAddress { get; }
    public string LocalAddress { get; }
    public int Fd { get; }
    public bool IsUnixSocket { get; }
    public int QueryBufferLength => _queryBufferLength;
    public Client Client => _client;
    /// <summary>The socket (replication sends a replica's stream on it directly).</summary>
    internal Socket Socket => _socket;

    public Connection(Server server, Socket socket, Client client)
    {
        _server = server;
        _socket = socket;
        _client = client;
        IsUnixSocket = socket.AddressFamily == AddressFamily.Unix;
        RemoteAddress = FormatEndPoint(socket.RemoteEndPoint, server.Config.UnixSocket ?? "");
        LocalAddress = FormatEndPoint(socket.LocalEndPoint, server.Config.UnixSocket ?? "");
        Fd = (int)socket.Handle;
        if (!IsUnixSocket) socket.NoDelay = true;
        socket.Blocking = false;
        client.Transport = this;
    }

    /// <summary>Redis's peer id: "ip:port", "[ipv6]:port", or "path:0" for the unix socket.</summary>
    static string FormatEndPoint(EndPoint? ep, string unixPath) => ep switch
    {
        IPEndPoint ip when Unmapped(ip.Address) is var a && a.AddressFamily == AddressFamily.InterNetworkV6 => $"[{a}]:{ip.Port}",
        IPEndPoint ip => $"{Unmapped(ip.Address)}:{ip.Port}",
        UnixDomainSocketEndPoint => unixPath + ":0",
        _ => "?:0",
    };

    static IPAddress Unmapped(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>The peer as Redis's "Accepted ..." log line writes it (no brackets around IPv6).</summary>
    public string RemoteAddressForLog => _socket.RemoteEndPoint is IPEndPoint ip ? $"{Unmapped(ip.Address)}:{ip.Port}" : RemoteAddress;

    public Server Server => _server;

    /// <summary>Non-zero while the epoll loop reads this socket (it then owns closing the descriptor).</summary>
    internal ulong EpollToken;
    readonly object _closeGate = new();

    /// <summary>The epoll loop stopped reading: the descriptor may now be closed (it is, if Close came first).</summary>
    internal void OnEpollRemoved()
    {
        lock (_closeGate)
        {
            EpollToken = 0;
            if (_closed != 0) _socket.Close();
        }
    }

    public IPAddress? RemoteIp => (_socket.RemoteEndPoint as IPEndPoint)?.Address;

    // ---- Input: the receive buffer and parser state, shared by both read paths ----

    byte[]? _buffer;
    int _start, _end, _scanFrom;

    /// <summary>What the reader does after handing over bytes.</summary>
    public enum ReceiveOutcome { Continue, WaitForRoom, Stop }

    /// <summary>Free space at the end of the receive buffer for the next read.</summary>
    public Memory<byte> ReceiveSpace()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(ReadSize);
        if (_end == _buffer.Length) GrowOrCompact(ref _buffer, ref _start, ref _end, ref _scanFrom);
        return _buffer.AsMemory(_end);
    }

    /// <summary>
    /// Takes <paramref name="n"/> bytes just received into <see cref="ReceiveSpace"/>: parses every complete
    /// command and hands them to the executor as one batch (which usually runs them at once).
    /// </summary>
    public ReceiveOutcome OnReceived(int n)
    {
        var buffer = _buffer!;
        _end += n;
        Interlocked.Increment(ref _server.Stats.TotalReadsProcessed);
        Interlocked.Add(ref _server.Stats.NetInputBytes, n);
        _client.NetInputBytes += n;

        _parser.MaxBulkLength = _server.Config.ProtoMaxBulkLen;
        int consumed = _parser.Parse(buffer, _start, _end, _client.Authenticated || !_server.AuthRequired, ref _scanFrom);
        string? error = _parser.Error;
        var outcome = ReceiveOutcome.Continue;
        if (_parser.CommandStarts.Count > 0 || error != null)
        {
            var batch = CommandBatch.Rent();
            batch.Fill(buffer, true, _parser.Args, _parser.CommandStarts);
            batch.ProtocolError = error;
            if (error != null) batch.ProtocolErrorLog = $"({_parser.LogReason}) from client: {{0}}. Query buffer during protocol error: '{QueryExcerpt(buffer, _parser.ErrorOffset, _end)}'";
            _parser.ClearCompleted();
            _parser.ClearError();
            if (error != null)
            {
                // The executor replies the error after running what came before it, then closes.
                _buffer = null; // the batch owns it now
                _client.Enqueue(batch, _server.Executor);
                _queryBufferLength = 0;
                return ReceiveOutcome.Stop;
            }
            // The batch keeps this buffer; carry the unparsed tail over to a fresh one.
            int tail = _end - consumed;
            int needed = Math.Max(ReadSize, NeededCapacity(tail, _scanFrom - consumed));
            var next = ArrayPool<byte>.Shared.Rent(needed);
            Buffer.BlockCopy(buffer, consumed, next, 0, tail);
            _parser.ShiftPartial(-consumed);
            _scanFrom -= consumed;
            _buffer = next;
            _start = 0;
            _end = tail;
            _client.Enqueue(batch, _server.Executor);
            if (_client.PendingBatches >= Client.MaxPendingBatches) outcome = ReceiveOutcome.WaitForRoom;
        }
        else
        {
            _start = consumed;
        }
        _queryBufferLength = _end - _start;
        if (_end - _start > _server.Config.ClientQueryBufferLimit)
        {
            int length = _end - _start;
            _server.Executor.Post(() => _server.Clients.CloseForQueryBufferLimit(_client, length));
            return ReceiveOutcome.Stop;
        }
        // A half-received large argument: make room for all of it at once.
        int want = NeededCapacity(_end - _start, _scanFrom - _start);
        if (want > _buffer!.Length - _start) Resize(ref _buffer, ref _start, ref _end, ref _scanFrom, want);
        return outcome;
    }

    /// <summary>The reader is done (peer closed, error, or a protocol error): commands already queued still run.</summary>
    public void OnReaderStopped()
    {
        if (_buffer != null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        // Redis executes what it read before seeing EOF, then frees the client.
        _server.Executor.Post(() => _server.Clients.OnPeerClosed(_client));
    }

    /// <summary>The read path of the .NET socket engine (used when the epoll loop is not available).</summary>
    public async Task RunAsync()
    {
        try
        {
            while (_closed == 0)
            {
                int n = await _socket.ReceiveAsync(ReceiveSpace(), SocketFlags.None).ConfigureAwait(false);
                if (n == 0) break;
                var outcome = OnReceived(n);
                if (outcome == ReceiveOutcome.Stop) break;
                if (outcome == ReceiveOutcome.WaitForRoom) await _client.WaitForRoom().ConfigureAwait(false);
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            OnReaderStopped();
        }
    }

    /// <summary>Up to 128 bytes of what the client sent, non-printable bytes as '.', like Redis's log line.</summary>
    static string QueryExcerpt(byte[] buffer, int from, int end)
    {
        int n = Math.Max(0, Math.Min(128, end - from));
        var chars = new char[n];
        for (int i = 0; i < n; i++) { byte b = buffer[from + i]; chars[i] = b >= 32 && b < 127 ? (char)b : '.'; }
        return new string(chars);
    }

    int NeededCapacity(int pending, int scanned)
    {
        int bulk = _parser.PendingBulkLength;
        if (bulk < 0) return pending + ReadSize;
        return (int)Math.Min(Array.MaxLength, (long)scanned + bulk + 2 + 1024);
    }

    void GrowOrCompact(ref byte[] buffer, ref int start, ref int end, ref int scanFrom)
    {
        int pending = end - start;
        Resize(ref buffer, ref start, ref end, ref scanFrom, pending * 2 <= buffer.Length ? buffer.Length : buffer.Length * 2);
    }

    void Resize(ref byte[] buffer, ref int start, ref int end, ref int scanFrom, int capacity)
    {
        var next = ArrayPool<byte>.Shared.Rent(capacity);
        int pending = end - start;
        Buffer.BlockCopy(buffer, start, next, 0, pending);
        _parser.ShiftPartial(-start);
        scanFrom -= start;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = next;
        end = pending;
        start = 0;
    }

    // ---- Output (executor thread) ----

    public long PendingOutputBytes(Client client) => client.Reply.Length + Interlocked.Read(ref _inFlightBytes);

    public void Flush(Client client)
    {
        var reply = client.Reply;
        if (_closed != 0) { reply.Clear(); return; }
        if (reply.Length > 0)
        {
            lock (_sendGate)
            {
                if (_sending) { _flushAfterSend = true; return; }
            }
            int sent = 0;
            while (sent < reply.Length)
            {
                int n = _socket.Send(reply.RawBuffer, sent, reply.Length - sent, SocketFlags.None, out SocketError err);
                if (err == SocketError.WouldBlock || err == SocketError.TryAgain) break;
                if (err != SocketError.Success) { reply.Clear(); Close(); return; }
                sent += n;
            }
            Interlocked.Add(ref _server.Stats.NetOutputBytes, sent);
            _server.Stats.TotalWritesProcessed++;
            client.NetOutputBytes += sent;
            if (sent < reply.Length)
            {
                var rest = reply.Detach(out int length);
                lock (_sendGate) _sending = true;
                Interlocked.Add(ref _inFlightBytes, length - sent);
                _ = SendRestAsync(rest, sent, length);
                return;
            }
            reply.Clear();
        }
        if (client.Is(ClientFlags.CloseAfterReply)) Close();
    }

    async Task SendRestAsync(byte[] buffer, int offset, int length)
    {
        bool failed = false;
        try
        {
            while (offset < length)
            {
                int n = await _socket.SendAsync(buffer.AsMemory(offset, length - offset), SocketFlags.None).ConfigureAwait(false);
                offset += n;
                Interlocked.Add(ref _inFlightBytes, -n);
                Interlocked.Add(ref _server.Stats.NetOutputBytes, n);
            }
        }
        catch (Exception) { failed = true; }
        ArrayPool<byte>.Shared.Return(buffer);
        Interlocked.Exchange(ref _inFlightBytes, 0);
        bool again;
        lock (_sendGate)
        {
            _sending = false;
            again = _flushAfterSend || failed;
            _flushAfterSend = false;
        }
        if (failed) _server.Executor.Post(Close);
        else if (again || _client.Is(ClientFlags.CloseAfterReply)) _server.Executor.Post(() => Flush(_client));
    }

    public void Close()
    {
        lock (_closeGate)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            try { _socket.Shutdown(SocketShutdown.Both); } catch { }
            // While the epoll loop watches the descriptor it must not be closed under it (the number
            // could be reused by a new client): the shutdown wakes the loop, which closes it.
            if (EpollToken == 0) _socket.Close();
        }
    }
}
