using System.Net;
using System.Net.Sockets;
using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>Redis's repl_state, as a replica's ROLE and INFO show it.</summary>
public enum ReplState
{
    /// <summary>Not a replica.</summary>
    None,
    /// <summary>Must connect: the replication cron tries every second.</summary>
    Connect,
    /// <summary>Non-blocking connect in progress.</summary>
    Connecting,
    /// <summary>PING, AUTH, REPLCONF and PSYNC exchanged with the master.</summary>
    Handshake,
    /// <summary>Receiving (and loading) the RDB of a full sync.</summary>
    Transfer,
    /// <summary>In sync: applying the master's stream.</summary>
    Connected,
}

/// <summary>
/// What a replica remembers of a master it lost (Redis's cached_master): the history id, the offset applied
/// so far and the selected database, so that the next connection can ask to continue with PSYNC.
/// </summary>
public sealed record CachedMaster(string ReplId, long Offset, int Db);

/// <summary>
/// The replica side of replication (Redis's replication.c for a replica): REPLICAOF, the connection and
/// handshake state machine with its timeouts and reconnections, the full sync (RDB to disk or parsed from
/// the socket), the master client that applies the stream, the ACKs, the cached master for PSYNC, and the
/// promotion. Everything here runs on the executor; the socket I/O runs in <see cref="MasterConnection"/>.
/// </summary>
public sealed partial class MasterLink
{
    public const string ReadOnlyError = "READONLY You can't write against a read only replica.";
    public const string MasterDownError = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    const string UnblockedError = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";

    readonly Server _server;
    MasterConnection? _connection;

    /// <summary>The master we replicate from (Redis's masterhost/masterport); null on a master.</summary>
    public string? Host { get; private set; }
    public int Port { get; private set; }
    public ReplState State { get; internal set; }
    /// <summary>The client applying the master's stream while in sync (flags M), else null.</summary>
    public Client? Master { get; private set; }
    /// <summary>The lost master we may continue with PSYNC, or null.</summary>
    public CachedMaster? Cached { get; private set; }

    /// <summary>The master's replication id (from +FULLRESYNC, or the cached one after +CONTINUE).</summary>
    internal string MasterReplId = ReplicationState.NoId;
    /// <summary>The offset +FULLRESYNC announced (-1: none, an old master answering SYNC).</summary>
    internal long MasterInitialOffset = -1;
    /// <summary>Bytes of the master's stream applied (Redis's master->reploff).</summary>
    public long AppliedOffset { get; private set; }
    long _readOffset;
    /// <summary>Bytes of the master's stream received (Redis's master->read_reploff), written by the reader.</summary>
    public long ReadOffset => Interlocked.Read(ref _readOffset);
    /// <summary>An old master without PSYNC: no offsets, no ACKs.</summary>
    bool _prePsync;

    /// <summary>Last time anything came from the master (Unix ms; master_last_io_seconds_ago).</summary>
    internal long LastInteractionMs;
    /// <summary>When the link went down (Unix ms), 0 when it never was or came back (master_link_down_since_seconds).</summary>
    public long DownSinceMs { get; private set; }

    // Full sync progress (Redis's repl_transfer_*): written by the reader, read by INFO.
    long _transferSize = -1, _transferRead;
    internal long TransferLastIoMs;
    public long TransferSize { get => Interlocked.Read(ref _transferSize); internal set => Interlocked.Exchange(ref _transferSize, value); }
    public long TransferReadBytes => Interlocked.Read(ref _transferRead);

    /// <summary>False until the data set is loaded at startup: the first connection waits for it (Redis's cron starts after loading).</summary>
    bool _startupDone;
    long _lastCronMs;

    public MasterLink(Server server)
    {
        _server = server;
        server.ConfigRegistry.MarkImplemented("replicaof", "masterauth", "masteruser", "repl-timeout", "replica-read-only",
            "replica-serve-stale-data", "repl-diskless-load", "replica-priority", "replica-announced", "replica-announce-ip",
            "replica-announce-port", "repl-disable-tcp-nodelay", "rdb-del-sync-files");
        server.CronJobs.Add(Cron);
        server.Executor.BeforeSleep += DualChannelCatchUp;
        server.Dispatcher.Guards.Add(Guard);
        var runClient = server.Executor.RunClient!;
        server.Executor.RunClient = client =>
        {
            if (client.Is(ClientFlags.Master)) RunMasterClient(client);
            else runClient(client);
        };
        if (server.Config.ReplicaOf is { } target)
        {
            SetHost(target.Host, target.Port);
            State = ReplState.Connect;
        }
    }

    public bool IsCurrent(object connection) => ReferenceEquals(connection, _connection);

    /// <summary>Redis's masterhost: every piece of state that follows from being a replica.</summary>
    void SetHost(string? host, int port)
    {
        Host = host;
        Port = port;
        bool replica = host != null;
        _server.IsReplica = replica;
        _server.Keyspace.ExpiryDisabled = replica;
        _server.Propagation.ReplicaMode = replica;
        _server.Log.Role = replica ? 'S' : 'M';
    }

    // ---- REPLICAOF ----

    /// <summary>Redis's replicationSetMaster: follow a new master (REPLICAOF host port).</summary>
    public void SetMaster(string host, int port)
    {
        bool wasMaster = Host == null;
        Host = null;
        if (Master != null) _server.Clients.Kill(Master);
        _server.Blocking.DisconnectAllBlockedClients(UnblockedError);
        SetHost(host, port);
        CancelHandshake(reconnect: false);
        // Our own history becomes a cached master: the new master may be one of our former replicas.
        if (wasMaster)
        {
            DiscardCachedMaster();
            CacheMasterUsingMyself(0);
        }
        State = ReplState.Connect;
        _server.Log.Notice($"Connecting to MASTER {Host}:{Port}");
        ConnectWithMaster();
    }

    /// <summary>Redis's replicationUnsetMaster: become a master (REPLICAOF NO ONE), continuing our history under a new id.</summary>
    public void UnsetMaster()
    {
        if (Host == null) return;
        SetHost(null, 0);
        if (Master != null) _server.Clients.Kill(Master);
        DiscardCachedMaster();
        CancelHandshake(reconnect: false);
        var r = _server.Replication;
        r.ShiftIds();
        _server.Log.Warning($"Setting secondary replication ID to {r.ReplId2}, valid up to offset: {r.SecondOffset}. New replication ID is {r.ReplId}");
        // Our replicas learn the new id by reconnecting (they continue thanks to replid2).
        r.DisconnectReplicas?.Invoke();
        State = ReplState.None;
        _server.Propagation.ResetSelectedDb(PropagationTargets.Replicas);
        DownSinceMs = 0;
        if (_server.Config.AppendOnly && _server.Aof.State == Persistence.Aof.AofState.Off) RestartAof();
    }

    /// <summary>
    /// Redis's replicationCacheMasterUsingMyself: our own replication id and offset as a cached master, so a
    /// server turned replica (or restarted as one) can ask its master to continue where it stands.
    /// </summary>
    void CacheMasterUsingMyself(int db)
    {
        _server.Log.Notice("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.");
        Cached = new CachedMaster(_server.Replication.ReplId, _server.Replication.Offset, db);
    }

    void DiscardCachedMaster()
    {
        if (Cached == null) return;
        _server.Log.Notice("Discarding previously cached master state.");
        Cached = null;
    }

    /// <summary>
    /// After the data set is loaded at startup: a replica whose RDB recorded a replication history restores it
    /// and keeps it as a cached master, to continue with PSYNC (Redis's loadDataFromDisk). Then connecting may start.
    /// </summary>
    public void OnStartupLoaded(Persistence.Rdb.RdbLoadResult? result)
    {
        _startupDone = true;
        if (Host == null || result is not { ReplId: { } id, ReplOffset: >= 0, ReplStreamDb: >= 0 }) return;
        _server.Replication.ReplId = id;
        _server.Replication.Offset = result.ReplOffset;
        CacheMasterUsingMyself(result.ReplStreamDb < _server.Keyspace.Databases.Length ? result.ReplStreamDb : 0);
    }

    // ---- Connecting ----

    /// <summary>Redis's connectWithMaster: starts a non-blocking connect (the handshake follows on its own).</summary>
    void ConnectWithMaster()
    {
        EndPoint endpoint;
        Socket socket;
        try
        {
            var address = IPAddress.TryParse(Host, out var ip) ? ip
                : Array.Find(Dns.GetHostAddresses(Host!), a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                  ?? throw new SocketException((int)SocketError.HostNotFound);
            endpoint = new IPEndPoint(address, Port);
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException ex)
        {
            _server.Log.Warning("Unable to connect to MASTER: " + (ex.SocketErrorCode == SocketError.HostNotFound ? "Name or service not known" : ex.Message));
            return;
        }
        // An error the connect call itself returns (no route to the master: the network is down) is Redis's
        // connConnect failing: logged as such, and the cron tries again in a second without a "sync started".
        Task connecting;
        try { connecting = socket.ConnectAsync(endpoint); }
        catch (SocketException ex) { connecting = Task.FromException(ex); }
        // A refusal, even one known at once (loopback), is reported as Redis does: by the connection's error event.
        if (connecting.IsFaulted && connecting.Exception!.InnerException is not SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            var error = connecting.Exception!.InnerException!;
            socket.Dispose();
            _server.Log.Warning("Unable to connect to MASTER: " + error.Message);
            return;
        }
        var connection = new MasterConnection(this, _server, socket, endpoint, connecting);
        _connection = connection;
        TransferLastIoMs = _server.Clock.NowMs();
        State = ReplState.Connecting;
        _server.Log.Notice("MASTER <-> REPLICA sync started");
        _ = Task.Run(connection.RunAsync);
    }

    /// <summary>The handshake failed (Redis's "error:" path): close, and let the cron connect again in a second.</summary>
    internal void HandshakeFailed(MasterConnection connection)
    {
        if (!IsCurrent(connection)) return;
        connection.Cancel();
        _connection = null;
        State = ReplState.Connect;
    }

    /// <summary>
    /// Redis's cancelReplicationHandshake: drops a connection that is connecting, handshaking or transferring;
    /// with <paramref name="reconnect"/> connects again at once. False when there was none.
    /// </summary>
    public bool CancelHandshake(bool reconnect)
    {
        if (State is not (ReplState.Connecting or ReplState.Handshake or ReplState.Transfer)) return false;
        _connection?.Cancel();
        _connection = null;
        State = ReplState.Connect;
        if (!reconnect || Host == null) return true;
        _server.Log.Notice($"Reconnecting to MASTER {Host}:{Port} after failure");
        ConnectWithMaster();
        return true;
    }

    // ---- The replication cron (once a second) ----

    void Cron()
    {
        if (Host == null || !_startupDone) return;
        long now = _server.Clock.NowMs();
        if (now - _lastCronMs < 1000 && now >= _lastCronMs) return;
        _lastCronMs = now;
        long timeout = _server.Config.ReplTimeout;
        long nowSec = now / 1000;
        if (State is ReplState.Connecting or ReplState.Handshake && nowSec - TransferLastIoMs / 1000 > timeout)
        {
            _server.Log.Warning("Timeout connecting to the MASTER...");
            CancelHandshake(reconnect: true);
        }
        if (State == ReplState.Transfer && nowSec - TransferLastIoMs / 1000 > timeout)
        {
            _server.Log.Warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
            CancelHandshake(reconnect: true);
        }
        if (State == ReplState.Connected && Master != null && nowSec - LastInteractionMs / 1000 > timeout)
        {
            _server.Log.Warning("MASTER timeout: no data nor PING received...");
            _server.Clients.Kill(Master);
        }
        if (State == ReplState.Connect)
        {
            _server.Log.Notice($"Connecting to MASTER {Host}:{Port}");
            ConnectWithMaster();
        }
        if (Master != null && !_prePsync && !DualChannelCatchingUp) SendAck();
    }

    // ---- Read-only replica, stale data ----

    /// <summary>
    /// Redis's processCommand checks for a replica: writes from anyone but the master get -READONLY
    /// (replica-read-only yes), and with replica-serve-stale-data no, commands not flagged stale get
    /// -MASTERDOWN while the link is down.
    /// </summary>
    bool Guard(CommandContext ctx)
    {
        if (!_server.IsReplica || ctx.Client.Is(ClientFlags.Master)) return true;
        var config = _server.Config;
        if (config.ReplicaReadOnly && ctx.CommandOrQueuedHas(CommandFlags.Write))
        {
            ctx.Error(ReadOnlyError);
            return false;
        }
        if (State != ReplState.Connected && !config.ReplicaServeStaleData && ctx.CommandOrQueuedLacks(CommandFlags.Stale))
        {
            ctx.Error(MasterDownError);
            return false;
        }
        return true;
    }

    // ---- What ROLE, INFO and the RDB aux fields read ----

    /// <summary>ROLE's state word: connect, connecting, handshake, sync, connected (none when not a replica).</summary>
    public string RoleState => State switch
    {
        ReplState.Connect => "connect",
        ReplState.Connecting => "connecting",
        ReplState.Handshake => "handshake",
        ReplState.Transfer => "sync",
        ReplState.Connected => "connected",
        _ => "none",
    };

    /// <summary>slave_repl_offset: the master client's applied offset, else the cached master's, else 1 (as Redis).</summary>
    public long ReplicaOffset => Master != null ? AppliedOffset : Cached?.Offset ?? 1;
    /// <summary>slave_read_repl_offset: what was received from the master.</summary>
    public long ReplicaReadOffset => Master != null ? ReadOffset : Cached?.Offset ?? 1;

    /// <summary>
    /// The database the master's stream has selected, recorded in RDB files as repl-stream-db (Redis's
    /// rdbPopulateSaveInfo on a replica): null when there is no master nor cached master (no replication info then).
    /// </summary>
    public int? StreamDb => Master?.Db.Index ?? Cached?.Db;
}
