using Mirra.Protocol;
using Mirra.Storage;

namespace Mirra.Engine;

/// <summary>The network side of a client, as the executor sees it.</summary>
public interface IClientTransport
{
    /// <summary>Sends what the client's reply buffer holds (executor thread, never blocks).</summary>
    void Flush(Client client);
    /// <summary>Closes the connection now (executor thread).</summary>
    void Close();
    /// <summary>Reply bytes written but not yet sent (those still in the reply buffer included).</summary>
    long PendingOutputBytes(Client client);
    string RemoteAddress { get; }
    string LocalAddress { get; }
    int Fd { get; }
    /// <summary>Bytes received but not yet handed over as complete commands (CLIENT LIST qbuf).</summary>
    int QueryBufferLength { get; }
    bool IsUnixSocket { get; }
}

[Flags]
public enum ClientFlags
{
    None = 0,
    Master = 1 << 0,      // M: the link to our master
    Replica = 1 << 1,     // S
    Monitor = 1 << 2,     // O
    Multi = 1 << 3,       // x
    Blocked = 1 << 4,     // b
    PubSub = 1 << 5,      // P
    CloseAfterReply = 1 << 6, // c
    CloseAsap = 1 << 7,   // A
    ReadOnly = 1 << 8,    // r (cluster readonly)
    NoEvict = 1 << 9,     // e
    DirtyCas = 1 << 10,   // d
    Unblocked = 1 << 11,
    NoTouch = 1 << 12,    // T
    /// <summary>Blocking commands answer at once as if timed out (set while EXEC or a script runs: Redis's CLIENT_DENY_BLOCKING).</summary>
    DenyBlocking = 1 << 13,
}

public enum ReplyMode { On, Off, Skip, SkipNext }

/// <summary>
/// A connected client: its selected database, protocol version, authentication and name, and
/// the queue of parsed command batches waiting for the executor. Everything except the inbox
/// is touched only by the executor thread.
/// </summary>
public sealed class Client
{
    static long _nextId;

    public readonly long Id = Interlocked.Increment(ref _nextId);
    public readonly RespWriter Reply = new();
    public IClientTransport? Transport;
    public ClientFlags Flags;
    public Database Db = null!;
    public byte[]? Name;
    public string User = "default";
    public bool Authenticated;
    public ReplyMode ReplyMode;
    public long CreatedAtMs;
    public long LastInteractionMs;
    /// <summary>Name of the last command run ("client|list" style), for CLIENT LIST.</summary>
    public string LastCommand = "NULL";
    /// <summary>Channel, pattern and shard channel subscriptions (CLIENT LIST sub/psub/ssub).</summary>
    public int Subscriptions, PatternSubscriptions, ShardSubscriptions;
    /// <summary>When (Unix seconds) the output first reached the soft client-output-buffer-limit, 0 when under it.</summary>
    public long OutputSoftLimitSince;
    /// <summary>Commands queued in MULTI, or -1 outside a transaction.</summary>
    public int MultiCount = -1;
    /// <summary>MULTI queue and watched keys (see <see cref="Transactions"/>); null until the first MULTI or WATCH.</summary>
    public ClientTransaction? Transaction;
    internal bool FlushQueued;
    public bool Closed;
    /// <summary>The peer went away while commands were still queued: disconnect when they have run.</summary>
    public bool PeerClosed;
    /// <summary>master_repl_offset after the last command of this client that fed the replication stream (Redis's woff, for WAIT).</summary>
    public long WaitOffset;
    /// <summary>Total bytes received and sent, for CLIENT INFO and INFO stats.</summary>
    public long NetInputBytes, NetOutputBytes;

    public int Protocol
    {
        get => Reply.Protocol;
        set => Reply.Protocol = value;
    }

    // ---- Inbox: the only part shared with the network thread ----
    readonly Queue<CommandBatch> _inbox = new();
    bool _scheduled;
    TaskCompletionSource? _drained;

    /// <summary>Batches queued and not yet finished (network threads read it for back-pressure).</summary>
    public int PendingBatches
    {
        get { lock (_inbox) return _inbox.Count; }
    }

    /// <summary>Network thread: queues a batch and makes sure the executor will run this client.</summary>
    public void Enqueue(CommandBatch batch, Executor executor)
    {
        lock (_inbox)
        {
            _inbox.Enqueue(batch);
            if (_scheduled || IsPaused) return;
            _scheduled = true;
        }
        executor.Schedule(this);
    }

    /// <summary>Executor: the batch being executed, or null.</summary>
    public CommandBatch? CurrentBatch
    {
        get { lock (_inbox) return _inbox.Count > 0 ? _inbox.Peek() : null; }
    }

    /// <summary>Executor: the current batch is done; recycles it and wakes a reader waiting for room.</summary>
    public void FinishBatch()
    {
        CommandBatch done;
        TaskCompletionSource? wake = null;
        lock (_inbox)
        {
            done = _inbox.Dequeue();
            if (_drained != null && _inbox.Count < MaxPendingBatches) { wake = _drained; _drained = null; }
        }
        done.Recycle();
        wake?.TrySetResult();
    }

    public const int MaxPendingBatches = 4;

    /// <summary>Network thread: waits until the executor has consumed enough batches.</summary>
    public Task WaitForRoom()
    {
        lock (_inbox)
        {
            if (_inbox.Count < MaxPendingBatches || Closed) return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>
    /// Executor: called after running this client. Reschedules it when it still has work and may run,
    /// otherwise marks it idle so the next batch schedules it again.
    /// </summary>
    public void FinishRun(Executor executor)
    {
        lock (_inbox)
        {
            if (_inbox.Count == 0 || IsPaused || Closed) { _scheduled = false; return; }
        }
        executor.Schedule(this);
    }

    /// <summary>True while the client must not run commands (blocked, or paused by CLIENT PAUSE).</summary>
    public bool IsPaused;

    /// <summary>Executor: lets a paused or blocked client run again.</summary>
    public void Resume(Executor executor)
    {
        IsPaused = false;
        lock (_inbox)
        {
            if (_scheduled || _inbox.Count == 0) return;
            _scheduled = true;
        }
        executor.Schedule(this);
    }

    /// <summary>Executor: drops all queued batches (client closed).</summary>
    public void DiscardInbox()
    {
        TaskCompletionSource? wake;
        lock (_inbox)
        {
            while (_inbox.Count > 0) _inbox.Dequeue().Recycle();
            wake = _drained;
            _drained = null;
        }
        wake?.TrySetResult();
    }

    public void Flush() => Transport?.Flush(this);

    public bool Is(ClientFlags flag) => (Flags & flag) != 0;
}
