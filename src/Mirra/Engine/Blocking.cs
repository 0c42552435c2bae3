using System.Diagnostics;
using Mirra.Storage;
using Mirra.Util;

namespace Mirra.Engine;

/// <summary>
/// Tries to serve a blocked client from a key that may now hold data, as if the client ran its command
/// again on that key alone: <paramref name="ctx"/> is set up for the blocked client (its database, its
/// reply buffer, its command), so the handler looks the key up, checks its type, mutates, replies,
/// notifies, counts Dirty and calls ctx.Propagate with the non-blocking equivalent. Returns false when
/// the key cannot serve the client (missing, empty, another type): the client stays blocked. Returning
/// true unblocks the client, whatever it replied (a WRONGTYPE error included).
/// </summary>
public delegate bool BlockedServeHandler(CommandContext ctx, BlockedClient blocked, byte[] key);

/// <summary>A client waiting in a blocking command (BLPOP, BLMOVE, BLMPOP, BZPOPMIN...).</summary>
public sealed class BlockedClient
{
    public Client Client { get; }
    /// <summary>The distinct keys it waits for, in argument order.</summary>
    public byte[][] Keys { get; }
    /// <summary>Unix ms after which it times out, 0 for never.</summary>
    public long DeadlineMs { get; }
    public CommandSpec Command { get; }
    /// <summary>The command's own parameters (pop side, count, destination...).</summary>
    public object? State { get; }

    internal readonly BlockedServeHandler Serve;
    internal readonly byte[][] Argv;
    internal readonly LinkedListNode<BlockedClient>[] Nodes;
    internal readonly Blocking.WaitQueue[] Queues;
    internal bool Active = true;

    internal BlockedClient(Client client, byte[][] keys, long deadlineMs, CommandSpec command, object? state,
        BlockedServeHandler serve, byte[][] argv)
    {
        Client = client;
        Keys = keys;
        DeadlineMs = deadlineMs;
        Command = command;
        State = state;
        Serve = serve;
        Argv = argv;
        Nodes = new LinkedListNode<BlockedClient>[keys.Length];
        Queues = new Blocking.WaitQueue[keys.Length];
    }
}

/// <summary>
/// Redis's blocking machinery for keys (blocked.c): a blocked client waits in a FIFO queue per key;
/// any write to such a key marks it ready, and after the command that wrote it (after EXEC for a
/// transaction) <see cref="HandleReadyKeys"/> offers each ready key to its waiters in the order they
/// blocked, like handleClientsBlockedOnKeys. A blocked client is paused (<see cref="Client.IsPaused"/>)
/// so the commands it pipelined after the blocking one wait behind it; serving, timing out, CLIENT
/// UNBLOCK or disconnecting ends the wait. Executor thread only.
/// </summary>
public sealed class Blocking
{
    /// <summary>The waiters of one key of one database.</summary>
    internal sealed class WaitQueue : TableEntry
    {
        public readonly int Db;
        public readonly LinkedList<BlockedClient> Waiters = new();
        /// <summary>In the ready list already.</summary>
        public bool Queued;

        public WaitQueue(byte[] key, int db) : base(key) => Db = db;
    }

    readonly Server _server;
    readonly CommandContext _ctx;
    readonly HashTable<WaitQueue>?[] _byDb;
    readonly Dictionary<Client, BlockedClient> _blocked = new(ReferenceEqualityComparer.Instance);
    List<WaitQueue> _ready = new(), _spare = new();
    readonly PriorityQueue<BlockedClient, long> _timeouts = new();
    readonly Action<Database, byte[]> _onKeyWriting;
    TimerQueue.TimerEntry? _timer;
    long _timerDueMs;
    int _withTimeout;

    public Blocking(Server server)
    {
        _server = server;
        _ctx = new CommandContext(server);
        _byDb = new HashTable<WaitQueue>?[server.Keyspace.Databases.Length];
        _onKeyWriting = OnKeyWriting; // hooked only while someone is blocked: writes cost nothing otherwise
        server.Keyspace.DatabasesSwapping += OnDatabasesSwapping;
        server.Clients.Disconnected += c => { if (_blocked.TryGetValue(c, out var b)) Unblock(b, resume: false); };
        server.Clients.UnblockHandler = ClientUnblock;
    }

    /// <summary>Clients blocked on keys (INFO blocked_clients adds the clients postponed by CLIENT PAUSE).</summary>
    public int BlockedCount => _blocked.Count;
    /// <summary>Blocked clients that have a timeout (INFO clients_in_timeout_table).</summary>
    public int WithTimeoutCount => _withTimeout;
    public bool HasReadyKeys => _ready.Count > 0;
    public bool IsBlocked(Client c) => _blocked.ContainsKey(c);
    public BlockedClient? Find(Client c) => _blocked.GetValueOrDefault(c);

    /// <summary>
    /// Whether the client may block: not inside MULTI/EXEC (nor scripts), where Redis answers as if the
    /// timeout had expired at once (CLIENT_DENY_BLOCKING).
    /// </summary>
    public static bool MayBlock(Client c) => (c.Flags & (ClientFlags.Multi | ClientFlags.DenyBlocking)) == 0;

    static readonly LongDouble Thousand = LongDouble.FromLong(1000);

    /// <summary>
    /// Redis's getTimeoutFromObjectOrReply in seconds: a long double (decimal or hexadecimal) turned into
    /// whole milliseconds rounded up; negative (or too large to convert) is refused. Gives the absolute
    /// deadline in Unix ms, or 0 for "wait forever".
    /// </summary>
    public static bool TryParseTimeout(CommandContext ctx, int arg, out long deadlineMs)
    {
        deadlineMs = 0;
        if (!LongDouble.TryParse(ctx.Arg(arg), out var seconds) || seconds.IsNaN)
        {
            ctx.Error("ERR timeout is not a float or out of range");
            return false;
        }
        // In long double precision, like Redis: -0.001 s is -0.99999... ms, which rounds up to 0 (forever).
        long timeout = (seconds * Thousand).CeilingToInt64();
        if (timeout < 0)
        {
            ctx.Error("ERR timeout is negative"); // out of range too: C converts it to LLONG_MIN
            return false;
        }
        if (timeout > 0) deadlineMs = timeout > long.MaxValue - ctx.NowMs ? long.MaxValue : ctx.NowMs + timeout;
        return true;
    }

    /// <summary>
    /// Blocks the client running <paramref name="ctx"/>'s command on <paramref name="keys"/> (private copies)
    /// until one of them can serve it, the deadline passes (0 = never), or CLIENT UNBLOCK. Nothing is
    /// replied now; the client runs no further command until it is unblocked.
    /// </summary>
    public BlockedClient Block(CommandContext ctx, byte[][] keys, long deadlineMs, BlockedServeHandler serve, object? state = null)
    {
        var client = ctx.Client;
        keys = Distinct(keys);
        var b = new BlockedClient(client, keys, deadlineMs, ctx.Command, state, serve, ctx.CopyArgs());
        int db = client.Db.Index;
        var table = _byDb[db] ??= new HashTable<WaitQueue>();
        for (int i = 0; i < keys.Length; i++)
        {
            var q = table.Find(keys[i]);
            if (q == null) table.Add(q = new WaitQueue(keys[i], db));
            b.Queues[i] = q;
            b.Nodes[i] = q.Waiters.AddLast(b);
        }
        if (_blocked.Count == 0) _server.Keyspace.KeyWriting += _onKeyWriting;
        _blocked[client] = b;
        client.Flags |= ClientFlags.Blocked;
        client.IsPaused = true;
        if (deadlineMs > 0)
        {
            _withTimeout++;
            _timeouts.Enqueue(b, deadlineMs);
            ArmTimer(deadlineMs);
        }
        return b;
    }

    static byte[][] Distinct(byte[][] keys)
    {
        for (int i = 1; i < keys.Length; i++)
            for (int j = 0; j < i; j++)
                if (keys[i].AsSpan().SequenceEqual(keys[j]))
                {
                    var list = new List<byte[]>(keys.Length);
                    foreach (var k in keys)
                        if (!list.Exists(x => x.AsSpan().SequenceEqual(k))) list.Add(k);
                    return list.ToArray();
                }
        return keys;
    }

    // ---- Ready keys ----

    void OnKeyWriting(Database db, byte[] key)
    {
        var q = _byDb[db.Index]?.Find(key);
        if (q == null || q.Queued) return;
        q.Queued = true;
        _ready.Add(q);
    }

    /// <summary>SWAPDB: the clients stay in their database, whose keys changed: every waited key may be ready.</summary>
    void OnDatabasesSwapping(Database a, Database b)
    {
        if (_blocked.Count == 0) return;
        foreach (var table in new[] { _byDb[a.Index], _byDb[b.Index] })
        {
            if (table == null) continue;
            foreach (var q in table)
                if (!q.Queued) { q.Queued = true; _ready.Add(q); }
        }
    }

    /// <summary>
    /// Serves the clients blocked on keys written by the command that just ran (Redis's
    /// handleClientsBlockedOnKeys): each ready key is offered to its waiters first-blocked first, until
    /// the key cannot serve more. Serving may make other keys ready (BLMOVE pushes): those are served too.
    /// </summary>
    public void HandleReadyKeys()
    {
        while (_ready.Count > 0)
        {
            var batch = _ready;
            _ready = _spare;
            foreach (var q in batch)
            {
                q.Queued = false;
                ServeQueue(q);
            }
            batch.Clear();
            _spare = batch;
        }
    }

    void ServeQueue(WaitQueue q)
    {
        var db = _server.Keyspace[q.Db];
        var node = q.Waiters.First;
        while (node != null)
        {
            var next = node.Next;
            TryServe(node.Value, q.Key);
            if (db.Peek(q.Key) == null) break; // emptied and deleted: nobody else can be served
            node = next;
        }
    }

    void TryServe(BlockedClient b, byte[] key)
    {
        var ctx = _ctx;
        var client = b.Client;
        ctx.SetArgs(b.Argv);
        ctx.Client = client;
        ctx.Reply = client.Reply;
        ctx.Command = b.Command;
        ctx.Failed = false;
        int replyMark = client.Reply.Length;
        long start = Stopwatch.GetTimestamp();
        var propagation = _server.Propagation;
        propagation.BeginCommand();
        bool served = b.Serve(ctx, b, key);
        propagation.EndCommand();
        if (!served) return;
        long micros = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
        b.Command.Microseconds += micros;
        if (ctx.Failed) b.Command.FailedCalls++;
        if (client.ReplyMode == ReplyMode.Off) client.Reply.Truncate(replyMark);
        Unblock(b, resume: true);
    }

    // ---- Timeouts ----

    void ArmTimer(long deadlineMs)
    {
        if (_timer != null && _timerDueMs <= deadlineMs) return;
        if (_timer != null) _timer.Cancelled = true;
        _timerDueMs = deadlineMs;
        long delay = Math.Clamp(deadlineMs - _server.Clock.NowMs(), 0, int.MaxValue);
        _timer = _server.Executor.Timers.Add((int)delay, OnTimer);
        // The executor's background thread may be asleep until its next timer: let it see this one.
        _server.Executor.Post(static () => { });
    }

    int OnTimer()
    {
        CheckTimeouts();
        while (_timeouts.TryPeek(out var b, out _) && !b.Active) _timeouts.Dequeue();
        if (!_timeouts.TryPeek(out _, out long next)) { _timer = null; return -1; }
        _timerDueMs = next;
        return (int)Math.Clamp(next - _server.Clock.NowMs() + 1, 1, int.MaxValue);
    }

    /// <summary>
    /// Times out the clients whose deadline has passed (like Redis, once the time is past it): they get a
    /// null array. Run by a timer on the executor; in-process tests call it after moving the clock.
    /// </summary>
    public void CheckTimeouts()
    {
        long now = _server.Clock.NowMs();
        while (_timeouts.TryPeek(out var b, out long deadline) && deadline < now)
        {
            _timeouts.Dequeue();
            if (!b.Active) continue;
            if (b.Client.ReplyMode != ReplyMode.Off) b.Client.Reply.NullArray();
            Unblock(b, resume: true);
        }
    }

    // ---- Unblocking ----

    /// <summary>CLIENT UNBLOCK id [TIMEOUT|ERROR]: false when the client is not blocked on keys.</summary>
    bool ClientUnblock(Client client, bool error)
    {
        if (!_blocked.TryGetValue(client, out var b)) return false;
        if (error)
        {
            const string message = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
            _server.Stats.CountError(message);
            b.Command.FailedCalls++;
            if (client.ReplyMode != ReplyMode.Off) client.Reply.Error(message);
        }
        else if (client.ReplyMode != ReplyMode.Off) client.Reply.NullArray();
        Unblock(b, resume: true);
        return true;
    }

    /// <summary>
    /// Redis's disconnectAllBlockedClients (the server turns replica): every client blocked on keys gets
    /// <paramref name="error"/> and is closed after the reply.
    /// </summary>
    public void DisconnectAllBlockedClients(string error)
    {
        if (_blocked.Count == 0) return;
        foreach (var b in _blocked.Values.ToList())
        {
            var client = b.Client;
            _server.Stats.CountError(error);
            b.Command.FailedCalls++;
            client.Reply.Error(error);
            client.Flags |= ClientFlags.CloseAfterReply;
            Unblock(b, resume: true);
        }
    }

    /// <summary>Ends the wait: leaves every key queue, and lets the client's next commands run.</summary>
    void Unblock(BlockedClient b, bool resume)
    {
        if (!b.Active) return;
        b.Active = false;
        for (int i = 0; i < b.Keys.Length; i++)
        {
            var q = b.Queues[i];
            q.Waiters.Remove(b.Nodes[i]);
            if (q.Waiters.Count == 0) _byDb[q.Db]?.Remove(q.Key);
        }
        if (b.DeadlineMs > 0) _withTimeout--;
        var client = b.Client;
        _blocked.Remove(client);
        if (_blocked.Count == 0) _server.Keyspace.KeyWriting -= _onKeyWriting;
        client.Flags &= ~ClientFlags.Blocked;
        client.IsPaused = false;
        if (!resume || client.Closed) return;
        var executor = _server.Executor;
        executor.NeedFlush(client);
        client.Resume(executor);
    }
}
