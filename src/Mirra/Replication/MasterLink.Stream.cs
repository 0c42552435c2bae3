using System.Buffers.Text;
using System.Text;
using Mirra.Engine;
using Mirra.Protocol;

namespace Mirra.Replication;

/// <summary>
/// Applying the master's stream: the master client (Redis's server.master), the exact bytes applied and fed to
/// our own replicas, REPLCONF ACK, and what happens when the link is lost (the master is cached for PSYNC).
/// </summary>
public sealed partial class MasterLink
{
    /// <summary>Where the applied part of the current batch ends (bytes before it were fed already).</summary>
    int _appliedInBatch;
    /// <summary>Bytes of earlier batches not fed yet: a MULTI still open when its batch ended.</summary>
    byte[] _carry = new byte[256];
    int _carryLength;

    /// <summary>Redis's replicationCreateMasterClient: a client flagged M, authenticated, in the stream's database.</summary>
    Client CreateMasterClient(MasterConnection connection, int db, long offset, string replId)
    {
        var client = new Client
        {
            Flags = ClientFlags.Master | ClientFlags.DenyBlocking,
            Authenticated = true,
            User = "(superuser)",
            Db = _server.Keyspace[db >= 0 && db < _server.Keyspace.Databases.Length ? db : 0],
        };
        client.Transport = new MasterTransport(this, connection);
        _server.Clients.Attach(client);
        Master = client;
        MasterReplId = replId;
        AppliedOffset = offset;
        Interlocked.Exchange(ref _readOffset, offset);
        _prePsync = offset == -1;
        _appliedInBatch = 0;
        _carryLength = 0;
        LastInteractionMs = _server.Clock.NowMs();
        return client;
    }

    /// <summary>Bytes of the stream received by the reader (read_reploff).</summary>
    internal void StreamBytesRead(int n) => Interlocked.Add(ref _readOffset, n);

    /// <summary>
    /// Runs the master client's batches (in place of the dispatcher's loop): each command is executed without a
    /// reply, and once it is complete (a whole MULTI ... EXEC for a transaction) the bytes it took are added to
    /// the applied offset and fed, unchanged, to our backlog and replicas (Redis's commandProcessed and
    /// replicationFeedStreamFromMasterStream). REPLCONF GETACK is answered with REPLCONF ACK.
    /// </summary>
    void RunMasterClient(Client client)
    {
        var executor = _server.Executor;
        if (client != Master || client.Closed)
        {
            client.DiscardInbox();
            client.FinishRun(executor);
            return;
        }
        var keyspace = _server.Keyspace;
        var batch = client.CurrentBatch;
        int budget = 1024;
        while (batch != null && budget > 0 && client == Master)
        {
            while (batch.Next < batch.CommandCount && budget-- > 0 && client == Master)
            {
                int i = batch.Next++;
                int first = batch.CommandStarts[i];
                var firstArg = batch.Args[first];
                if (!StartsMultibulk(batch.Buffer, _appliedInBatch, firstArg.Offset))
                {
                    _server.Log.Warning("WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.");
                    if (client.Transport is MasterTransport t) t.Connection.ProtocolError = true;
                    _server.Clients.Kill(client);
                    return;
                }
                var lastArg = batch.Args[first + batch.ArgCountOf(i) - 1];
                int end = lastArg.Offset + lastArg.Length + 2;
                if (IsReplconf(batch.Buffer.AsSpan(firstArg.Offset, firstArg.Length)))
                {
                    Replconf(batch, i);
                }
                else
                {
                    keyspace.ApplyingMasterStream = true;
                    try { _server.Dispatcher.ExecuteBatchCommand(client, batch, i); }
                    finally { keyspace.ApplyingMasterStream = false; }
                    ReportErrorReply(client);
                }
                client.Reply.Clear();
                if (client != Master) return; // the command dropped the link (CLIENT KILL TYPE master, REPLICAOF)
                if (!client.Is(ClientFlags.Multi))
                {
                    Applied(batch.Buffer.AsSpan(_appliedInBatch, end - _appliedInBatch));
                    _appliedInBatch = end;
                }
            }
            if (batch.Next < batch.CommandCount) break;
            // A transaction still open: its bytes wait for EXEC in the next batches.
            var lastOfBatch = batch.Args[batch.ArgCount - 1];
            int batchEnd = lastOfBatch.Offset + lastOfBatch.Length + 2;
            if (batchEnd > _appliedInBatch) Carry(batch.Buffer.AsSpan(_appliedInBatch, batchEnd - _appliedInBatch));
            _appliedInBatch = 0;
            client.FinishBatch();
            batch = client.CurrentBatch;
        }
        if (client == Master && client.PeerClosed && client.CurrentBatch == null)
        {
            _server.Clients.Kill(client);
            return;
        }
        client.FinishRun(executor);
    }

    /// <summary>Counts and forwards bytes of the stream whose commands were applied.</summary>
    void Applied(ReadOnlySpan<byte> bytes)
    {
        var replication = _server.Replication;
        if (_carryLength > 0)
        {
            replication.Feed(_carry.AsSpan(0, _carryLength));
            AppliedOffset += _carryLength;
            _carryLength = 0;
        }
        if (bytes.Length == 0) return;
        replication.Feed(bytes);
        AppliedOffset += bytes.Length;
    }

    void Carry(ReadOnlySpan<byte> bytes)
    {
        if (_carryLength + bytes.Length > _carry.Length) Array.Resize(ref _carry, Math.Max(_carry.Length * 2, _carryLength + bytes.Length));
        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += bytes.Length;
    }

    /// <summary>True when the first byte of a command (newlines before it apart) is '*': the master never sends inline commands.</summary>
    static bool StartsMultibulk(byte[] buffer, int from, int firstArg)
    {
        for (int p = from; p < firstArg; p++)
        {
            byte b = buffer[p];
            if (b == '\r' || b == '\n') continue;
            return b == '*';
        }
        return false;
    }

    static bool IsReplconf(ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(name, "replconf"u8);

    /// <summary>REPLCONF from our master: GETACK * asks for our offset now; the rest needs no answer.</summary>
    void Replconf(Engine.CommandBatch batch, int i)
    {
        int first = batch.CommandStarts[i];
        if (batch.ArgCountOf(i) < 2) return;
        var option = batch.Args[first + 1];
        if (Ascii.EqualsIgnoreCase(batch.Buffer.AsSpan(option.Offset, option.Length), "getack"u8)) SendAck();
    }

    /// <summary>
    /// An error reply to our master is never sent, but Redis logs it: the data sets may now differ
    /// (propagation-error-behavior ignore).
    /// </summary>
    void ReportErrorReply(Client client)
    {
        var reply = client.Reply.Written;
        if (reply.Length < 3 || reply[0] != '-') return;
        int end = reply.IndexOf("\r\n"u8);
        string error = Encoding.UTF8.GetString(reply[1..(end < 0 ? reply.Length : end)]);
        _server.Log.Warning($"== CRITICAL == This replica is sending an error to its master: '{error}' after processing the command '{client.LastCommand}'");
    }

    /// <summary>REPLCONF ACK &lt;applied offset&gt; (Redis's replicationSendAck).</summary>
    public void SendAck()
    {
        if (Master?.Transport is not MasterTransport transport) return;
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(AppliedOffset, digits, out int n);
        transport.Connection.SendNow(RespEncoding.EncodeCommand(["REPLCONF"u8.ToArray(), "ACK"u8.ToArray(), digits[..n].ToArray()]));
    }

    // ---- Losing the link ----

    /// <summary>The master closed the connection (or it broke): once the commands already read have run, the client goes.</summary>
    internal void StreamEnded(MasterConnection connection)
    {
        if (!IsCurrent(connection) || Master is not { } master) return;
        if (master.PendingBatches > 0) master.PeerClosed = true; // RunMasterClient drops it after them
        else _server.Clients.Kill(master);
    }

    internal void StreamProtocolError(MasterConnection connection, string error)
    {
        if (!IsCurrent(connection) || Master is not { } master) return;
        _server.Log.Verbose($"Protocol error ({error}) from client: {_server.Clients.Describe(master)}");
        if (master.PendingBatches > 0) master.PeerClosed = true;
        else _server.Clients.Kill(master);
    }

    /// <summary>
    /// The master client's connection closes (CLIENT KILL, timeout, the master went away, REPLICAOF): Redis's
    /// freeClient for the master, which caches it (unless the stream was corrupt) and reconnects at once.
    /// </summary>
    internal void MasterClosed(MasterConnection connection)
    {
        var client = Master;
        if (client?.Transport is not MasterTransport t || t.Connection != connection) { connection.Cancel(); return; }
        connection.Cancel();
        if (IsCurrent(connection)) _connection = null;
        _server.Log.Warning("Connection with master lost.");
        Master = null;
        _appliedInBatch = 0;
        _carryLength = 0; // a transaction cut in the middle is discarded: PSYNC asks for it again
        if (!connection.ProtocolError)
        {
            // Redis's replicationCacheMaster: what was applied, in the database the stream selected.
            _server.Log.Notice("Caching the disconnected master state.");
            Cached = new CachedMaster(MasterReplId, AppliedOffset, client.Db.Index);
        }
        // Redis's replicationHandleMasterDisconnection.
        State = ReplState.Connect;
        DownSinceMs = _server.Clock.NowMs();
        if (Host != null)
        {
            _server.Log.Notice($"Reconnecting to MASTER {Host}:{Port}");
            ConnectWithMaster();
        }
    }

    /// <summary>The master client's side of the connection: replies are dropped (only ACKs go to the master).</summary>
    sealed class MasterTransport(MasterLink link, MasterConnection connection) : IClientTransport
    {
        public MasterConnection Connection => connection;
        public void Flush(Client client) => client.Reply.Clear();
        public void Close() => link.MasterClosed(connection);
        public long PendingOutputBytes(Client client) => 0;
        public string RemoteAddress => connection.RemoteAddress;
        public string LocalAddress => connection.LocalAddress;
        public int Fd => connection.Fd;
        public int QueryBufferLength => connection.QueryBufferLength;
        public bool IsUnixSocket => false;
    }
}
