using System.Collections.Concurrent;

namespace Mirra.Persistence;

/// <summary>
/// The bounded channel between a snapshot walk (the executor, producing) and the thread that writes
/// its bytes to a file or socket (consuming). The encoder writes into it like any stream; full chunks
/// are queued for the writer thread. The walk asks <see cref="HasRoom"/> before each slice and pauses
/// when the destination is behind, but a write that forces a bucket out of order is never refused,
/// so clients are never blocked by a slow disk or replica. Chunks are recycled, so memory stays at
/// about the bound whatever the size of the data set.
/// </summary>
public sealed class SnapshotPipe : Stream
{
    const int ChunkSize = 256 * 1024;
    readonly Stream _destination;
    readonly long _bound;
    readonly BlockingCollection<(byte[] Chunk, int Length)> _queue = new();
    readonly ConcurrentBag<byte[]> _spare = new();
    readonly Thread _thread;
    byte[] _chunk;
    int _used;
    long _queuedBytes;
    long _written;
    volatile Exception? _error;
    readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="destination">Written (and disposed by the caller) on the pipe's own thread.</param>
    /// <param name="bound">Bytes queued beyond which <see cref="HasRoom"/> is false.</param>
    public SnapshotPipe(Stream destination, string threadName, long bound = 8 * 1024 * 1024)
    {
        _destination = destination;
        _bound = bound;
        _chunk = new byte[ChunkSize];
        _thread = new Thread(WriterLoop) { Name = threadName, IsBackground = true };
        _thread.Start();
    }

    /// <summary>False while the writer thread is more than the bound behind: the walk should wait.</summary>
    public bool HasRoom => Interlocked.Read(ref _queuedBytes) < _bound;
    /// <summary>Bytes handed to the destination so far.</summary>
    public long BytesWritten => Interlocked.Read(ref _written);
    /// <summary>The destination's failure, once it has failed (disk full, peer gone...).</summary>
    public Exception? Error => _error;
    /// <summary>Completes when every byte is written after <see cref="Complete"/>, or the destination failed.</summary>
    public Task Drained => _drained.Task;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            int n = Math.Min(buffer.Length, ChunkSize - _used);
            buffer[..n].CopyTo(_chunk.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            if (_used == ChunkSize) Enqueue();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value)
    {
        _chunk[_used++] = value;
        if (_used == ChunkSize) Enqueue();
    }

    /// <summary>Hands the partly filled chunk to the writer thread.</summary>
    public override void Flush()
    {
        if (_used > 0) Enqueue();
    }

    /// <summary>No more bytes will come: the writer thread finishes the queue and completes <see cref="Drained"/>.</summary>
    public void Complete()
    {
        Flush();
        _queue.CompleteAdding();
    }

    void Enqueue()
    {
        Interlocked.Add(ref _queuedBytes, _used);
        if (!_queue.IsAddingCompleted) _queue.Add((_chunk, _used));
        _chunk = _spare.TryTake(out var spare) ? spare : new byte[ChunkSize];
        _used = 0;
    }

    void WriterLoop()
    {
        foreach (var (chunk, length) in _queue.GetConsumingEnumerable())
        {
            if (_error == null)
            {
                try
                {
                    _destination.Write(chunk, 0, length);
                    Interlocked.Add(ref _written, length);
                }
                catch (Exception ex)
                {
                    _error = ex;
                    _drained.TrySetResult(); // the walk sees Error and aborts; later chunks are dropped
                }
            }
            Interlocked.Add(ref _queuedBytes, -length);
            _spare.Add(chunk);
        }
        if (_error == null)
        {
            try { _destination.Flush(); }
            catch (Exception ex) { _error = ex; }
        }
        _drained.TrySetResult();
    }

    /// <summary>Abandons the output: the writer thread stops taking chunks.</summary>
    public void Cancel()
    {
        _error ??= new OperationCanceledException("snapshot cancelled");
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
