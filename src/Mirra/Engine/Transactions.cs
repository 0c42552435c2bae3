using System.Runtime.InteropServices;
using Mirra.Storage;

namespace Mirra.Engine;

/// <summary>A command queued between MULTI and EXEC: its table entry and a private copy of its arguments.</summary>
public readonly record struct QueuedCommand(CommandSpec Command, byte[][] Argv);

/// <summary>A key a client watches (Redis's watchedKey): the key, its database, and whether it was already logically expired when watched.</summary>
public sealed class WatchedKey
{
    public readonly Client Client;
    public readonly int Db;
    public readonly byte[] Key;
    /// <summary>The key existed but had expired when WATCH ran: deleting it later is no change, writing it is.</summary>
    public bool Expired;

    public WatchedKey(Client client, int db, byte[] key, bool expired)
    {
        Client = client;
        Db = db;
        Key = key;
        Expired = expired;
    }
}

/// <summary>A client's transaction state (Redis's multiState and watched_keys). Created at its first MULTI or WATCH.</summary>
public sealed class ClientTransaction
{
    public readonly List<QueuedCommand> Queue = new();
    /// <summary>Union of the queued commands' flags (Redis's mstate.cmd_flags): EXEC is a write when one of them is.</summary>
    public CommandFlags QueuedFlags;
    /// <summary>Union of the flags some queued command lacks (Redis's mstate.cmd_inv_flags): EXEC is not "stale" when one is not.</summary>
    public CommandFlags QueuedMissingFlags;
    /// <summary>A command was refused while queuing (Redis's CLIENT_DIRTY_EXEC): EXEC answers EXECABORT.</summary>
    public bool DirtyExec;
    /// <summary>Bytes of the queued arguments plus a pointer per argument (CLIENT LIST multi-mem, as Redis counts it).</summary>
    public long ArgvBytes;
    public readonly List<WatchedKey> Watched = new();

    internal void Clear()
    {
        Queue.Clear();
        QueuedFlags = QueuedMissingFlags = CommandFlags.None;
        DirtyExec = false;
        ArgvBytes = 0;
    }
}

/// <summary>
/// MULTI/EXEC and WATCH bookkeeping shared by the whole server: which clients watch which keys of
/// which database (Redis's db->watched_keys), invalidated from the keyspace write hooks, and the
/// per-client transaction state the dispatcher consults while queuing (Redis's multi.c).
/// </summary>
public sealed class Transactions
{
    public const string ExecAbortPrevious = "EXECABORT Transaction discarded because of previous errors.";
    public const string NotAllowedInMulti = "ERR Command not allowed inside a transaction";

    readonly Server _server;
    /// <summary>Per database index: key → the watchers of that key.</summary>
    Dictionary<byte[], List<WatchedKey>>?[] _watched;
    /// <summary>Total watched keys, so writes pay a single comparison when nobody watches.</summary>
    int _count;

    public Transactions(Server server)
    {
        _server = server;
        _watched = new Dictionary<byte[], List<WatchedKey>>?[server.Keyspace.Databases.Length];
        var keyspace = server.Keyspace;
        keyspace.KeyWriting += TouchKey;
        keyspace.DatabaseFlushing += db => TouchAllInDb(db, null);
        keyspace.DatabasesSwapping += (a, b) =>
        {
            TouchAllInDb(a, b);
            TouchAllInDb(b, a);
        };
        server.Clients.Disconnected += client =>
        {
            if (client.Transaction == null) return;
            UnwatchAll(client);
            client.Transaction = null;
        };
    }

    /// <summary>Number of keys watched by all clients together.</summary>
    public int WatchedKeyCount => _count;

    static ClientTransaction StateOf(Client client) => client.Transaction ??= new ClientTransaction();

    // ---- MULTI state ----

    public void Begin(Client client)
    {
        StateOf(client);
        client.Flags |= ClientFlags.Multi;
        client.MultiCount = 0;
    }

    /// <summary>Redis's discardTransaction: forgets the queue, the flags and the watched keys.</summary>
    public void Discard(Client client)
    {
        client.Transaction?.Clear();
        client.Flags &= ~(ClientFlags.Multi | ClientFlags.DirtyCas);
        client.MultiCount = -1;
        UnwatchAll(client);
    }

    /// <summary>
    /// Queues a command received inside MULTI (Redis's queueMultiCommand). Once the transaction is
    /// bound to fail nothing more is stored, but the client still gets +QUEUED.
    /// </summary>
    public void Queue(CommandContext ctx, Client client, CommandSpec command)
    {
        var tx = StateOf(client);
        if (!tx.DirtyExec && !client.Is(ClientFlags.DirtyCas))
        {
            var argv = ctx.CopyArgs();
            long bytes = 8L * argv.Length;
            foreach (var a in argv) bytes += a.Length;
            tx.Queue.Add(new QueuedCommand(command, argv));
            tx.QueuedFlags |= command.Flags;
            tx.QueuedMissingFlags |= ~command.Flags;
            tx.ArgvBytes += bytes;
            client.MultiCount = tx.Queue.Count;
        }
        ctx.Reply.Queued();
    }

    /// <summary>
    /// A command was refused before running (unknown, arity, no_multi, a guard...). Inside MULTI this
    /// dooms the transaction (Redis's flagTransaction); when the refused command is EXEC itself the
    /// transaction is discarded and the error becomes "EXECABORT Transaction discarded because of: ...".
    /// Returns the error to reply.
    /// </summary>
    public string Rejected(CommandContext ctx, CommandSpec? command, string error)
    {
        var client = ctx.Client;
        if (!client.Is(ClientFlags.Multi)) return error;
        StateOf(client).DirtyExec = true;
        if (!IsExec(command)) return error;
        Discard(client);
        // Redis shows the refused EXEC to MONITOR clients (its other refusals are not shown).
        if (_server.Clients.Monitors.Count > 0) Commands.MonitorCommands.Feed(ctx);
        // Redis's own texts for these rejections carry no "ERR " prefix; other codes (READONLY, OOM...) stay.
        string reason = error.StartsWith("ERR ", StringComparison.Ordinal) ? error[4..] : error;
        return "EXECABORT Transaction discarded because of: " + reason;
    }

    /// <summary>
    /// A guard refused the command and already replied its error (written after <paramref name="replyMark"/>).
    /// Same rule as <see cref="Rejected"/>: for EXEC, the error is replaced with the EXECABORT one,
    /// and only that one is counted, as Redis counts the single error it sends.
    /// </summary>
    public void GuardRejected(CommandContext ctx, Client client, CommandSpec command, int replyMark)
    {
        if (!client.Is(ClientFlags.Multi)) return;
        StateOf(client).DirtyExec = true;
        if (!IsExec(command)) return;
        var written = client.Reply.Written[replyMark..];
        if (written.Length < 3 || written[0] != (byte)'-') return;
        string error = System.Text.Encoding.UTF8.GetString(written[1..^2]);
        client.Reply.Truncate(replyMark);
        UncountError(error);
        ctx.Error(Rejected(ctx, command, error));
    }

    void UncountError(string error)
    {
        var stats = _server.Stats;
        stats.TotalErrorReplies--;
        int space = error.IndexOf(' ');
        string code = space < 0 ? error : error[..space];
        if (stats.ErrorCounts.TryGetValue(code, out long n))
        {
            if (n <= 1) stats.ErrorCounts.Remove(code);
            else stats.ErrorCounts[code] = n - 1;
        }
    }

    static bool IsExec(CommandSpec? command) => command != null && command.Parent == null && command.Name == "exec";

    // ---- WATCH ----

    /// <summary>Redis's watchForKey: once per (database, key) per client; remembers whether the key was already expired.</summary>
    public void Watch(Client client, Database db, ReadOnlySpan<byte> key)
    {
        var tx = StateOf(client);
        foreach (var w in tx.Watched)
            if (w.Db == db.Index && key.SequenceEqual(w.Key)) return;
        var entry = db.Peek(key);
        var wk = new WatchedKey(client, db.Index, key.ToArray(), entry != null && db.IsLogicallyExpired(entry));
        var dict = _watched[db.Index] ??= new Dictionary<byte[], List<WatchedKey>>(ByteArrayComparer.Instance);
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(dict, wk.Key, out _);
        (list ??= new List<WatchedKey>(1)).Add(wk);
        tx.Watched.Add(wk);
        _count++;
    }

    /// <summary>Redis's unwatchAllKeys (the DirtyCas flag is the caller's business).</summary>
    public void UnwatchAll(Client client)
    {
        var tx = client.Transaction;
        if (tx == null || tx.Watched.Count == 0) return;
        foreach (var wk in tx.Watched)
        {
            var dict = _watched[wk.Db];
            if (dict == null || !dict.TryGetValue(wk.Key, out var list)) continue;
            list.Remove(wk);
            if (list.Count == 0) dict.Remove(wk.Key);
            _count--;
        }
        tx.Watched.Clear();
    }

    /// <summary>
    /// Redis's isWatchedKeyExpired, checked by EXEC: a watched key that was live when watched and has
    /// logically expired since (even if nobody accessed it, so it was never deleted) fails the transaction.
    /// </summary>
    public bool AnyWatchedKeyExpired(Client client)
    {
        var tx = client.Transaction;
        if (tx == null) return false;
        var keyspace = _server.Keyspace;
        foreach (var wk in tx.Watched)
        {
            if (wk.Expired) continue;
            var db = keyspace[wk.Db];
            var e = db.Peek(wk.Key);
            if (e != null && db.IsLogicallyExpired(e)) return true;
        }
        return false;
    }

    /// <summary>
    /// Keyspace hook, before any write to a key (Redis's touchWatchedKey): every client watching it
    /// will fail its EXEC. A key that was already expired when watched is the exception: its
    /// deletion by expiry changes nothing logically (the hook runs just before that deletion, while
    /// the expired entry is still there), only a write that makes it exist again counts.
    /// </summary>
    void TouchKey(Database db, byte[] key)
    {
        if (_count == 0) return;
        var dict = _watched[db.Index];
        if (dict == null || dict.Count == 0 || !dict.TryGetValue(key, out var list)) return;
        KeyEntry? entry = null;
        bool looked = false;
        foreach (var wk in list)
        {
            if (wk.Expired)
            {
                if (!looked) { entry = db.Peek(key); looked = true; }
                if (entry != null && db.IsLogicallyExpired(entry))
                {
                    wk.Expired = false; // the stale key is being deleted: from now on it is an ordinary missing key
                    continue;
                }
            }
            wk.Client.Flags |= ClientFlags.DirtyCas;
        }
    }

    /// <summary>
    /// Redis's touchAllWatchedKeysInDb, before FLUSHDB/FLUSHALL (<paramref name="replacedWith"/> null)
    /// or SWAPDB: a watched key is touched when it exists in the emptied database or in the one
    /// replacing it, except that stale (expired) keys on either side count as missing.
    /// </summary>
    void TouchAllInDb(Database emptied, Database? replacedWith)
    {
        if (_count == 0) return;
        var dict = _watched[emptied.Index];
        if (dict == null || dict.Count == 0) return;
        foreach (var (key, list) in dict)
        {
            bool existsInEmptied = emptied.Peek(key) != null;
            var replacement = replacedWith?.Peek(key);
            if (!existsInEmptied && replacement == null) continue;
            foreach (var wk in list)
            {
                if (wk.Expired)
                {
                    if (replacement == null)
                    {
                        wk.Expired = false; // the stale key goes away: no logical change
                        continue;
                    }
                    if (replacedWith!.IsLogicallyExpired(replacement)) continue; // stale replaced with stale
                }
                else if (!existsInEmptied && replacedWith!.IsLogicallyExpired(replacement!))
                {
                    wk.Expired = true; // a missing key replaced with a stale one: still logically missing
                    continue;
                }
                wk.Client.Flags |= ClientFlags.DirtyCas;
            }
        }
    }
}

/// <summary>Content equality for byte-array dictionary keys.</summary>
public sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => HashTable<KeyEntry>.HashOf(obj);
}
