using System.Net.Sockets;

namespace Mirra.Replication;

/// <summary>
/// Everything a master sends to one replica, in order, on the replica's socket: the raw lines of the
/// handshake (+FULLRESYNC, +CONTINUE, the newline keep-alives, the "$&lt;len&gt;" of a disk payload), the RDB file
/// of a disk-based sync, then the command stream read straight from the shared <see cref="ReplicationBuffer"/>
/// blocks through the replica's cursor (no copy per replica). A diskless sync writes its RDB from the snapshot's
/// writer thread through <see cref="SendBlocking"/>, exclusively.
/// <para>
/// The executor sends what the socket takes at once (non-blocking, like Redis's writes in beforeSleep); what
/// remains is sent by an asynchronous loop. Only one of them sends at a time (<c>_busy</c>); the cursor moves
/// under the lock, so the executor can read it for output-buffer accounting and backlog trimming.
/// </para>
/// </summary>
public sealed class ReplicaOutput
{
    const int FileChunk = 64 * 1024;

    readonly IReplicaChannel _socket;
    readonly object _gate = new();
    readonly Queue<byte[]> _raw = new();
    int _rawSent;
    Stream? _file;
    long _fileLeft;
    bool _streaming;
    ReplicationCursor _cursor;
    bool _busy;
    volatile bool _closed;
    long _sentBytes;

    /// <summary>Posts work to the executor (the owner's thread).</summary>
    public Action<Action>? Post;
    /// <summary>Executor: the RDB file went out completely.</summary>
    public Action? FileSent;
    /// <summary>Executor: the socket failed (the text is the reason).</summary>
    public Action<string>? Failed;
    /// <summary>Executor: the cursor left a block behind (the backlog may trim it now).</summary>
    public Action? BlockReleased;
    /// <summary>Adds sent bytes to the server's counters (any thread).</summary>
    public Action<long>? CountSent;

    public ReplicaOutput(IReplicaChannel channel) => _socket = channel;

    /// <summary>Unix seconds of the last send that could not complete at once (a stalled replica), 0 when none pending.</summary>
    public long LastPartialWriteSeconds;
    /// <summary>Clock for <see cref="LastPartialWriteSeconds"/>.</summary>
    public Func<long> NowSeconds = () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Total bytes written to the socket.</summary>
    public long SentBytes => Interlocked.Read(ref _sentBytes);

    public bool IsClosed => _closed;

    /// <summary>The replica's position in the stream (unset until it gets its first bytes).</summary>
    public ReplicationCursor Cursor
    {
        get { lock (_gate) return _cursor; }
    }

    /// <summary>Sets the cursor where the replica's stream starts (first bytes fed after it attached, or a PSYNC offset).</summary>
    public void SetCursor(ReplicationCursor cursor)
    {
        lock (_gate) _cursor = cursor;
    }

    /// <summary>True once the stream is being sent (the replica is online and, after a diskless sync, has acknowledged).</summary>
    public bool Streaming
    {
        get { lock (_gate) return _streaming; }
    }

    /// <summary>Queues raw bytes (they go before anything queued later).</summary>
    public void Enqueue(byte[] bytes)
    {
        if (bytes.Length == 0) return;
        lock (_gate) _raw.Enqueue(bytes);
    }

    /// <summary>Queues a file to send after the raw bytes queued so far (the payload of a disk-based sync).</summary>
    public void EnqueueFile(Stream file, long length)
    {
        lock (_gate)
        {
            _file = file;
            _fileLeft = length;
        }
    }

    /// <summary>From now on, what follows the cursor is sent.</summary>
    public void StartStreaming()
    {
        lock (_gate) _streaming = true;
    }

    /// <summary>Executor: sends what can go now; hands the rest to the asynchronous loop.</summary>
    public void Kick()
    {
        lock (_gate)
        {
            if (_busy || _closed || !HasWorkLocked()) return;
            _busy = true;
        }
        bool done;
        try { done = SendNow(); }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            Fail(ex.Message);
            return;
        }
        if (done)
        {
            lock (_gate)
            {
                _busy = false;
                Monitor.PulseAll(_gate);
            }
            return;
        }
        _ = LoopAsync();
    }

    bool HasWorkLocked()
    {
        if (_raw.Count > 0 || _file != null) return true;
        if (!_streaming || _cursor.Block == null) return false;
        var b = _cursor.Block;
        return _cursor.Position < b.Used || (b.Next != null);
    }

    /// <summary>Non-blocking sends of raw bytes and stream; true when nothing is left, false when the rest needs the loop.</summary>
    bool SendNow()
    {
        while (true)
        {
            ArraySegment<byte> piece;
            Piece kind;
            ReplicationBlock? reading;
            lock (_gate)
            {
                kind = NextPieceLocked(out piece, out reading);
                if (kind == Piece.None) return true;
                if (kind == Piece.File) return false; // file reads belong to the loop
            }
            int n;
            try { n = _socket.TrySend(piece.AsSpan()); }
            finally { reading?.EndRead(); }
            if (n > 0) Advance(kind, n);
            if (n < piece.Count) return false;
        }
    }

    enum Piece { None, Raw, File, Stream }

    /// <summary>
    /// The next bytes to send: raw first, then the file, then the stream. For stream bytes, <paramref name="reading"/>
    /// is their block, marked as being read until the caller's <see cref="ReplicationBlock.EndRead"/> (so that it is not
    /// reused under a send that outlives this replica).
    /// </summary>
    Piece NextPieceLocked(out ArraySegment<byte> piece, out ReplicationBlock? reading)
    {
        piece = default;
        reading = null;
        if (_closed) return Piece.None;
        if (_raw.Count > 0)
        {
            var head = _raw.Peek();
            piece = new ArraySegment<byte>(head, _rawSent, head.Length - _rawSent);
            return Piece.Raw;
        }
        if (_file != null) return Piece.File;
        if (!_streaming || _cursor.Block == null) return Piece.None;
        var block = _cursor.Block;
        if (_cursor.Position == block.Used && block.Next is { } next)
        {
            _cursor = new ReplicationCursor { Block = next, Position = 0 };
            block = next;
            Released();
        }
        int used = block.Used;
        if (_cursor.Position >= used) return Piece.None;
        piece = new ArraySegment<byte>(block.Buffer, _cursor.Position, used - _cursor.Position);
        block.BeginRead();
        reading = block;
        return Piece.Stream;
    }

    void Released()
    {
        var cb = BlockReleased;
        if (cb != null) Post?.Invoke(cb);
    }

    void Advance(Piece kind, int n)
    {
        Interlocked.Add(ref _sentBytes, n);
        CountSent?.Invoke(n);
        lock (_gate)
        {
            if (kind == Piece.Raw)
            {
                _rawSent += n;
                if (_rawSent == _raw.Peek().Length) { _raw.Dequeue(); _rawSent = 0; }
                return;
            }
            _cursor.Position += n;
            var block = _cursor.Block!;
            if (_cursor.Position == block.Used && block.Next is { } next)
            {
                _cursor = new ReplicationCursor { Block = next, Position = 0 };
                Released();
            }
        }
    }

    async Task LoopAsync()
    {
        byte[]? fileBuffer = null;
        try
        {
            while (true)
            {
                ArraySegment<byte> piece = default;
                Piece kind;
                ReplicationBlock? reading = null;
                lock (_gate)
                {
                    kind = NextPieceLocked(out piece, out reading);
                    if (kind == Piece.None)
                    {
                        _busy = false;
                        Monitor.PulseAll(_gate);
                        return;
                    }
                }
                if (kind == Piece.File)
                {
                    fileBuffer ??= new byte[FileChunk];
                    int want = (int)Math.Min(FileChunk, _fileLeft);
                    int got = await _file!.ReadAsync(fileBuffer.AsMemory(0, want)).ConfigureAwait(false);
                    if (got <= 0) throw new IOException("premature EOF");
                    int sent = 0;
                    while (sent < got)
                    {
                        int n = await _socket.SendAsync(fileBuffer.AsMemory(sent, got - sent)).ConfigureAwait(false);
                        sent += n;
                        Interlocked.Add(ref _sentBytes, n);
                        CountSent?.Invoke(n);
                    }
                    bool finished;
                    lock (_gate)
                    {
                        _fileLeft -= got;
                        finished = _fileLeft == 0;
                        if (finished) { _file.Dispose(); _file = null; }
                    }
                    if (finished && FileSent is { } done) Post?.Invoke(done);
                    continue;
                }
                int written;
                try { written = await _socket.SendAsync(piece).ConfigureAwait(false); }
                finally { reading?.EndRead(); }
                if (written > 0) Advance(kind, written);
            }
        }
        catch (Exception ex)
        {
            Fail(ex is SocketException se ? se.Message : ex.Message);
        }
    }

    void Fail(string reason)
    {
        bool first;
        lock (_gate)
        {
            first = !_closed;
            _closed = true;
            _busy = false;
            _file?.Dispose();
            _file = null;
            Monitor.PulseAll(_gate);
        }
        if (first && Failed is { } failed) Post?.Invoke(() => failed(reason));
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> completely, blocking the calling thread (a diskless sync's writer thread),
    /// once nothing else is being sent. Throws when the replica goes away.
    /// </summary>
    public void SendBlocking(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            while (_busy && !_closed)
            {
                if (LastPartialWriteSeconds == 0) LastPartialWriteSeconds = NowSeconds(); // stuck behind a stalled send
                Monitor.Wait(_gate, 100);
            }
            if (_closed) throw new IOException("connection closed");
            _busy = true;
        }
        try
        {
            while (bytes.Length > 0)
            {
                if (_closed) throw new IOException("connection closed");
                int n = _socket.TrySend(bytes);
                if (n == 0)
                {
                    if (LastPartialWriteSeconds == 0) LastPartialWriteSeconds = NowSeconds();
                    _socket.WaitWritable(100_000);
                    continue;
                }
                LastPartialWriteSeconds = 0;
                Interlocked.Add(ref _sentBytes, n);
                CountSent?.Invoke(n);
                bytes = bytes[n..];
            }
        }
        finally
        {
            lock (_gate)
            {
                _busy = false;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Stops sending (the connection is being closed).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _file?.Dispose();
            _file = null;
            Monitor.PulseAll(_gate);
        }
    }
}

/// <summary>Where a replica's bytes go: its socket (or a recorder in tests).</summary>
public interface IReplicaChannel
{
    /// <summary>Sends without blocking: the bytes taken, 0 when the socket cannot take any now. Throws when the connection failed.</summary>
    int TrySend(ReadOnlySpan<byte> bytes);
    /// <summary>Sends asynchronously; returns the bytes taken (at least one).</summary>
    ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes);
    /// <summary>Waits (at most <paramref name="microseconds"/>) until the socket can take bytes.</summary>
    void WaitWritable(int microseconds);
}

/// <summary>A replica's TCP (or unix) socket, non-blocking.</summary>
public sealed class SocketChannel : IReplicaChannel
{
    readonly Socket _socket;

    public SocketChannel(Socket socket) => _socket = socket;

    public int TrySend(ReadOnlySpan<byte> bytes)
    {
        int n = _socket.Send(bytes, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock || error == SocketError.TryAgain) return 0;
        if (error != SocketError.Success) throw new SocketException((int)error);
        return n;
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes, SocketFlags.None);

    public void WaitWritable(int microseconds) => _socket.Poll(microseconds, SelectMode.SelectWrite);
}
