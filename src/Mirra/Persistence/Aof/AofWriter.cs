using System.Buffers.Text;
using System.Diagnostics;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Replication;

namespace Mirra.Persistence.Aof;

/// <summary>
/// The AOF's end of the propagated stream (Redis's aof_buf and flushAppendOnlyFile). Effects are
/// appended to a memory buffer while the executor runs commands; <see cref="Flush"/> writes the buffer
/// to the current incr file at the end of the executor round, before any reply of that round is sent,
/// and applies appendfsync: "always" fsyncs right there (so an acknowledged write is on disk),
/// "everysec" hands one fsync per second to a background thread (and, like Redis, postpones the write up
/// to two seconds while that fsync is still running, counting aof_delayed_fsync when it gives up
/// waiting), "no" leaves it to the OS. A failed write is logged, sets aof_last_write_status to err
/// (writes are then refused with MISCONF) and is retried until it succeeds; with "always" it is fatal.
/// Executor thread only, except the background fsync.
/// </summary>
public sealed class AofWriter : IStreamConsumer
{
    /// <summary>Redis's AOF_WRITE_LOG_ERROR_RATE: seconds between two logs of the same write error.</summary>
    const int WriteErrorLogRate = 30;

    readonly Server _server;
    byte[] _buffer = new byte[4096];
    int _length;
    readonly BackgroundFsync _background;

    /// <summary>The file written to (-1: none).</summary>
    public int Fd { get; private set; } = -1;
    /// <summary>Bytes of the base and incr files (Redis's aof_current_size).</summary>
    public long CurrentSize;
    /// <summary>Bytes of the current incr file (aof_last_incr_size): a short write is truncated back to it.</summary>
    public long LastIncrSize;
    /// <summary>CurrentSize when the last fsync was started (aof_fsync_offset).</summary>
    public long FsyncOffset;
    /// <summary>Unix seconds of the last fsync (aof_last_fsync).</summary>
    public long LastFsync;
    /// <summary>Unix seconds when a write started waiting for a running fsync (aof_flush_postponed_start), 0 when none waits.</summary>
    public long FlushPostponedStart;
    /// <summary>Writes done without waiting for a slow background fsync (INFO aof_delayed_fsync).</summary>
    public long DelayedFsync;
    /// <summary>False after a failed write, until one succeeds (aof_last_write_status).</summary>
    public bool LastWriteOk = true;
    /// <summary>errno of the last failed write or background fsync (aof_last_write_errno).</summary>
    public int LastWriteErrno;
    /// <summary>Unix seconds of the last "#TS:" annotation (aof_cur_timestamp).</summary>
    long _currentTimestamp;
    long _lastWriteErrorLog = long.MinValue / 2;

    /// <summary>Tests: runs on the background thread before each fsync (to make one slow).</summary>
    internal Action? BeforeBackgroundFsync;

    /// <summary>Tests: replaces write(2) (returns bytes written or -1 with the errno to report).</summary>
    internal Func<ReadOnlyMemory<byte>, (long Written, int Errno)>? WriteOverride;

    /// <summary>Called on a failure Redis cannot survive (write or fsync errors with appendfsync always): exit(1).</summary>
    public Action<int> Fatal;

    /// <summary>True while a base is being produced (no-appendfsync-on-rewrite skips fsyncs then).</summary>
    public Func<bool> RewriteInProgress = () => false;

    public AofWriter(Server server)
    {
        _server = server;
        _background = new BackgroundFsync(this);
        Fatal = code =>
        {
            if (_server.Shutdown.ExitProcess is { } exit) exit(code);
            else throw new InvalidOperationException("AOF fatal error: the server would exit with code " + code);
        };
    }

    PropagationTargets IStreamConsumer.Targets => PropagationTargets.Aof;

    /// <summary>Bytes waiting to be written (INFO aof_buffer_length).</summary>
    public int BufferLength => _length;
    /// <summary>Memory held by the buffer (INFO mem_aof_buffer).</summary>
    public int BufferCapacity => _buffer.Length;
    /// <summary>Background fsyncs queued or running (INFO aof_pending_bio_fsync).</summary>
    public int PendingFsyncs => _background.Pending;
    /// <summary>False after a background fsync failed, until one succeeds (aof_bio_fsync_status).</summary>
    public bool BackgroundFsyncOk => _background.Ok;
    /// <summary>INFO aof_last_write_status: both the writes and the background fsyncs are fine.</summary>
    public bool WriteStatusOk => LastWriteOk && _background.Ok;

    long UnixNow => _server.Clock.NowMs() / 1000;

    /// <summary>Redis's feedAppendOnlyFile: the effect (SELECT included) joins the buffer, after a "#TS:" line when timestamps are on and the second changed.</summary>
    public void Append(ReadOnlySpan<byte> resp)
    {
        if (_server.Config.AofTimestampEnabled)
        {
            long now = UnixNow;
            if (_currentTimestamp < now)
            {
                _currentTimestamp = now;
                AppendRaw(TimestampAnnotation(now));
            }
        }
        AppendRaw(resp);
    }

    /// <summary>"#TS:&lt;unix seconds&gt;\r\n" (Redis's timestamp annotation).</summary>
    public static byte[] TimestampAnnotation(long unixSeconds)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(unixSeconds, digits, out int n);
        var line = new byte[4 + n + 2];
        "#TS:"u8.CopyTo(line);
        digits[..n].CopyTo(line.AsSpan(4));
        line[^2] = (byte)'\r';
        line[^1] = (byte)'\n';
        return line;
    }

    void AppendRaw(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + data.Length));
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    /// <summary>Drops what the buffer holds (AOF turned off, a rewrite that failed to start).</summary>
    public void DiscardBuffer()
    {
        _length = 0;
        if (_buffer.Length > 4096) _buffer = new byte[4096];
    }

    /// <summary>
    /// Starts writing to <paramref name="fd"/>, whose current size is <paramref name="incrSize"/>. The previous
    /// file, if any, is fsynced and closed in the background (Redis's aof_background_fsync_and_close).
    /// </summary>
    public void SwitchTo(int fd, long incrSize)
    {
        if (Fd >= 0)
        {
            _background.Submit(Fd, close: true);
            FsyncOffset = CurrentSize;
            LastFsync = UnixNow;
        }
        Fd = fd;
        LastIncrSize = incrSize;
    }

    /// <summary>Stops writing (AOF turned off): flushes, fsyncs and closes the file (Redis's stopAppendOnly). Returns the fsync error, if any.</summary>
    public string? Close()
    {
        string? error = null;
        if (Fd >= 0)
        {
            Flush(force: true);
            if (NativeFile.DataSync(Fd) < 0) error = "Fail to fsync the AOF file: " + NativeFile.StrError(NativeFile.LastErrno);
            else
            {
                FsyncOffset = CurrentSize;
                LastFsync = UnixNow;
            }
            NativeFile.Close(Fd);
            Fd = -1;
        }
        LastIncrSize = 0;
        FlushPostponedStart = 0;
        DiscardBuffer();
        return error;
    }

    /// <summary>SHUTDOWN: everything buffered is written and fsynced. Returns the fsync error, if any.</summary>
    public string? FlushAndSync()
    {
        if (Fd < 0) return null;
        Flush(force: true);
        if (NativeFile.DataSync(Fd) < 0) return $"Fail to fsync the AOF file: {NativeFile.StrError(NativeFile.LastErrno)}.";
        FsyncOffset = CurrentSize;
        return null;
    }

    /// <summary>Waits until the background fsyncs queued so far are done (tests, shutdown).</summary>
    public void DrainBackground(int timeoutMs = 5000) => _background.Drain(timeoutMs);

    /// <summary>
    /// Redis's flushAppendOnlyFile: writes the buffer and applies the fsync policy. With everysec and
    /// without <paramref name="force"/>, the write waits (up to two seconds) for a background fsync still running.
    /// </summary>
    public void Flush(bool force)
    {
        if (Fd < 0) return;
        var policy = _server.Config.AppendFsync;
        bool syncInProgress = false;

        if (_length == 0)
        {
            // Data written without its fsync yet (writes stopped within the second): fsync it once the second changes.
            if (policy != AppendFsyncPolicy.EverySec || FsyncOffset == CurrentSize) return; // the usual case: nothing to do
            long at = UnixNow;
            if (at > LastFsync && !(syncInProgress = _background.Pending > 0)) TryFsync(policy, syncInProgress, at);
            return;
        }
        long now = UnixNow;

        if (policy == AppendFsyncPolicy.EverySec) syncInProgress = _background.Pending > 0;
        if (policy == AppendFsyncPolicy.EverySec && !force && syncInProgress)
        {
            if (FlushPostponedStart == 0)
            {
                FlushPostponedStart = now;
                return;
            }
            if (now - FlushPostponedStart < 2) return;
            DelayedFsync++;
            _server.Log.Notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
        }

        long start = Stopwatch.GetTimestamp();
        long written;
        int errno = 0;
        if (WriteOverride != null)
        {
            (written, errno) = WriteOverride(_buffer.AsMemory(0, _length));
        }
        else
        {
            written = NativeFile.Write(Fd, _buffer.AsSpan(0, _length));
            if (written != _length) errno = NativeFile.LastErrno;
        }
        long ms = (Stopwatch.GetTimestamp() - start) * 1000 / Stopwatch.Frequency;
        var latency = _server.Latency;
        latency.Observe(syncInProgress ? "aof-write-pending-fsync" : RewriteInProgress() ? "aof-write-active-child" : "aof-write-alone", ms);
        latency.Observe("aof-write", ms);
        FlushPostponedStart = 0;

        if (written != _length)
        {
            bool canLog = now - _lastWriteErrorLog > WriteErrorLogRate;
            if (canLog) _lastWriteErrorLog = now;
            if (written < 0)
            {
                if (canLog) _server.Log.Warning("Error writing to the AOF file: " + NativeFile.StrError(errno));
                LastWriteErrno = errno;
            }
            else
            {
                if (canLog) _server.Log.Warning($"Short write while writing to the AOF file: (nwritten={written}, expected={_length})");
                if (NativeFile.Truncate(Fd, LastIncrSize) < 0)
                {
                    if (canLog)
                        _server.Log.Warning("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: " +
                                            NativeFile.StrError(NativeFile.LastErrno));
                }
                else written = -1; // the partial data is gone
                LastWriteErrno = NativeFile.ENOSPC;
            }

            if (policy == AppendFsyncPolicy.Always)
            {
                // Replies of this round are waiting: an acknowledged write must be on disk, and it cannot be.
                _server.Log.Warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                Fatal(1);
                return;
            }
            LastWriteOk = false;
            if (written > 0)
            {
                CurrentSize += written;
                LastIncrSize += written;
                Buffer.BlockCopy(_buffer, (int)written, _buffer, 0, _length - (int)written);
                _length -= (int)written;
            }
            return; // tried again at the next flush
        }

        if (!LastWriteOk)
        {
            _server.Log.Warning("AOF write error looks solved, Redis can write again.");
            LastWriteOk = true;
        }
        CurrentSize += written;
        LastIncrSize += written;
        _length = 0;
        if (_buffer.Length > 4096) _buffer = new byte[4096];

        TryFsync(policy, syncInProgress, now);
    }

    void TryFsync(AppendFsyncPolicy policy, bool syncInProgress, long now)
    {
        if (_server.Config.NoAppendfsyncOnRewrite && RewriteInProgress()) return;
        if (policy == AppendFsyncPolicy.Always)
        {
            long start = Stopwatch.GetTimestamp();
            if (NativeFile.DataSync(Fd) < 0)
            {
                _server.Log.Warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': " + NativeFile.StrError(NativeFile.LastErrno) + ". Exiting...");
                Fatal(1);
                return;
            }
            _server.Latency.Observe("aof-fsync-always", (Stopwatch.GetTimestamp() - start) * 1000 / Stopwatch.Frequency);
            FsyncOffset = CurrentSize;
            LastFsync = now;
        }
        else if (policy == AppendFsyncPolicy.EverySec && now > LastFsync)
        {
            if (!syncInProgress)
            {
                _background.Submit(Fd, close: false);
                FsyncOffset = CurrentSize;
            }
            LastFsync = now;
        }
    }

    /// <summary>
    /// Redis's bio thread for the AOF: fsyncs (and closes replaced files) in order, off the executor.
    /// A failed fsync sets the background status to err (writes are refused) until one succeeds.
    /// </summary>
    sealed class BackgroundFsync
    {
        readonly AofWriter _owner;
        readonly Queue<(int Fd, bool Close)> _jobs = new();
        readonly object _gate = new();
        Thread? _thread;
        int _pendingFsyncs;
        int _running;
        volatile bool _ok = true;

        public BackgroundFsync(AofWriter owner) => _owner = owner;

        /// <summary>Fsync jobs queued or running (closes of replaced files are not counted, as in Redis).</summary>
        public int Pending => Volatile.Read(ref _pendingFsyncs);
        public bool Ok => _ok;

        public void Submit(int fd, bool close)
        {
            lock (_gate)
            {
                _jobs.Enqueue((fd, close));
                if (!close) _pendingFsyncs++;
                _thread ??= StartThread();
                Monitor.Pulse(_gate);
            }
        }

        Thread StartThread()
        {
            var t = new Thread(Run) { Name = "mirra-aof-fsync", IsBackground = true };
            t.Start();
            return t;
        }

        public void Drain(int timeoutMs)
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < timeoutMs)
            {
                lock (_gate) if (_jobs.Count == 0 && _running == 0) return;
                Thread.Sleep(1);
            }
        }

        void Run()
        {
            while (true)
            {
                (int Fd, bool Close) job;
                lock (_gate)
                {
                    while (_jobs.Count == 0) Monitor.Wait(_gate);
                    job = _jobs.Dequeue();
                    _running = 1;
                }
                try
                {
                    _owner.BeforeBackgroundFsync?.Invoke();
                    if (NativeFile.DataSync(job.Fd) < 0 && NativeFile.LastErrno != NativeFile.EBADF && NativeFile.LastErrno != NativeFile.EINVAL)
                    {
                        int errno = NativeFile.LastErrno;
                        bool wasOk = _ok;
                        _owner.LastWriteErrno = errno;
                        _ok = false;
                        if (wasOk) _owner._server.Log.Warning("Fail to fsync the AOF file: " + NativeFile.StrError(errno));
                    }
                    else _ok = true;
                    if (job.Close) NativeFile.Close(job.Fd);
                }
                finally
                {
                    lock (_gate)
                    {
                        if (!job.Close) _pendingFsyncs--;
                        _running = 0;
                    }
                }
            }
        }

        /// <summary>CONFIG SET appendonly yes again: a background fsync error is forgotten ("AOF reopen, just ignore the AOF fsync error in bio job").</summary>
        public void ResetStatus() => _ok = true;
    }

    /// <summary>Forgets a background fsync error (AOF turned on again).</summary>
    public bool ResetBackgroundFsyncStatus()
    {
        bool wasError = !_background.Ok;
        _background.ResetStatus();
        return wasError;
    }
}
