using System.Diagnostics;
using Mirra.Config;
using Mirra.Networking;
using Mirra.Observability;
using Mirra.Replication;
using Mirra.Storage;

namespace Mirra.Engine;

/// <summary>
/// A running Mirra server: configuration, keyspace, command table, executor, listeners, clients,
/// statistics. Everything mutable is owned by the executor thread.
/// </summary>
public sealed class Server
{
    public const string Version = "7.0.15";
    public const string MirraVersion = "0.1.0";

    /// <summary>Every directive: CONFIG GET/SET/REWRITE and the apply hooks.</summary>
    public ConfigRegistry ConfigRegistry { get; }
    /// <summary>The current values (an immutable snapshot, replaced by each CONFIG SET).</summary>
    public ServerConfig Config => ConfigRegistry.Values;
    public Log Log { get; }
    public Keyspace Keyspace { get; }
    public CommandTable Commands { get; } = new();
    public Executor Executor { get; } = new();
    public ServerStats Stats { get; } = new();
    public Propagation Propagation { get; } = new();
    public SlowLog SlowLog { get; } = new();
    public LatencyMonitor Latency { get; } = new();
    public Clock Clock { get; } = new();
    public KeyspaceNotifications Notifications { get; }
    public ClientRegistry Clients { get; }
    /// <summary>Channels, patterns and shard channels with their subscribers; PUBLISH delivery.</summary>
    public PubSub PubSub { get; }
    /// <summary>client-output-buffer-limit enforcement (normal, replica and pubsub classes).</summary>
    public OutputBufferLimits OutputBufferLimits { get; }
    /// <summary>The orderly exit shared by SHUTDOWN and SIGTERM/SIGINT.</summary>
    public Shutdown Shutdown { get; }
    public Dispatcher Dispatcher { get; }
    public Random Random { get; } = new();
    public MemoryStats Memory { get; }
    public ReplicationState Replication { get; } = new();
    /// <summary>The master side of replication: backlog, replicas, SYNC/PSYNC, WAIT, min-replicas-to-write.</summary>
    public MasterReplication Master { get; }
    /// <summary>The replica side of replication: REPLICAOF, the link to our master, applying its stream.</summary>
    public MasterLink MasterLink { get; }
    /// <summary>The FAILOVER command's coordinated hand-over, on the master and on the target replica.</summary>
    public Failover Failover { get; }
    /// <summary>MULTI/EXEC state and the keys clients WATCH.</summary>
    public Transactions Transactions { get; }
    /// <summary>Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN...) and the serving of ready keys.</summary>
    public Blocking Blocking { get; }
    /// <summary>RDB snapshots: SAVE, BGSAVE, save points, the final save.</summary>
    public Persistence.RdbPersistence Rdb { get; }
    /// <summary>Loading a data set at startup (or DEBUG RELOAD): most commands answer -LOADING meanwhile.</summary>
    public Persistence.LoadingState Loading { get; } = new();
    /// <summary>True while a snapshot other than BGSAVE's runs (AOF rewrite, full sync): BGSAVE is then scheduled.</summary>
    public bool AnotherSnapshotRunning => Aof.RewriteInProgress;
    /// <summary>The append-only file: loading at startup, writing the propagated stream, CONFIG SET appendonly.</summary>
    public Persistence.Aof.AofManager Aof { get; }

    /// <summary>40 hex characters, new at every start (INFO run_id).</summary>
    public string RunId { get; } = Util.RandomIds.NewHexId();
    public long StartTimeMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    public readonly Stopwatch Uptime = Stopwatch.StartNew();
    /// <summary>INFO executable: the launcher's absolute path (it exports MIRRA_EXECUTABLE), else this process's program.</summary>
    public string ExecutablePath { get; set; } = Environment.GetEnvironmentVariable("MIRRA_EXECUTABLE") ?? Environment.ProcessPath ?? "";
    public string? ConfigFilePath { get; set; }

    /// <summary>Changes since the last save (Redis's server.dirty).</summary>
    public long Dirty;

    /// <summary>When false (DEBUG SET-ACTIVE-EXPIRE 0), keys expire only when accessed, never in the background.</summary>
    public bool ActiveExpireEnabled = true;

    /// <summary>Periodic work run by <see cref="Cron"/> (active expiry, client timeouts, replication cron).</summary>
    public readonly List<Action> CronJobs = new();

    /// <summary>Redis's activeExpireCycle (slow from cron, fast before sleeping).</summary>
    public ActiveExpiry ActiveExpiry { get; }


    Listener? _listener;
    /// <summary>The epoll read loop for client sockets (null: the .NET socket engine reads them).</summary>
    public EpollLoop? Network { get; private set; }
    public int BoundPort => _listener?.BoundPort ?? 0;

    public Server(ConfigRegistry registry, Log log)
    {
        ConfigRegistry = registry;
        Notifications = new KeyspaceNotifications(this);
        var config = registry.Values;
        Log = log;
        Keyspace = new Keyspace(config.Databases);
        Clients = new ClientRegistry(this);
        Transactions = new Transactions(this);
        OutputBufferLimits = new OutputBufferLimits(this);
        PubSub = new PubSub(this);
        Blocking = new Blocking(this);
        Shutdown = new Shutdown(this);
        Rdb = new Persistence.RdbPersistence(this);
        Shutdown.SaveSnapshot = Rdb.SaveForShutdown;
        CronJobs.Add(Rdb.Cron);
        Dispatcher = new Dispatcher(this);
        Executor.RunClient = Dispatcher.RunClient;
        // Keys deleted because they expired reach replicas and the AOF as DEL (UNLINK with lazyfree-lazy-expire).
        Keyspace.KeyExpired += (db, key) => Propagation.AddExpiredDeletion(db.Index, key, Config.LazyfreeLazyExpire);
        Aof = new Persistence.Aof.AofManager(this);
        Aof.RdbEncoderFactory = stream => new Persistence.Rdb.RdbWriter(stream, Config.RdbCompression, Config.RdbChecksum);
        Aof.Loader.RdbLoader = stream => Persistence.DataLoader.LoadAofBase(this, stream);
        Master = new MasterReplication(this);
        Executor.OnError = ex => Log.Warning("Unexpected error while running a command: " + ex);
        SlowLog.SlowerThan = config.SlowlogLogSlowerThan;
        SlowLog.MaxLength = (int)Math.Min(int.MaxValue, config.SlowlogMaxLen);
        Latency.ThresholdMs = config.LatencyMonitorThreshold;
        ActiveExpiry = new ActiveExpiry(this);
        ActiveExpiry.IsPaused = () => Clients.ClientsPaused;
        Commands_Register();
        ConfigHooks.Register(this);
        MasterLink = new MasterLink(this); // after the dispatcher and the AOF (its guard runs after the AOF's)
        Failover = new Failover(this); // after the master side: its check runs after the GETACKs before sleeping
        // The two sides of replication meet here: what the replica side asks of the master side, and back.
        Replication.CreateBacklog = Master.CreateBacklog;
        Replication.FreeBacklog = Master.FreeBacklog;
        Replication.DisconnectReplicas = () => { Master.DisconnectReplicas(); Master.ResetStreamDb(); };
        Replication.MasterLinkUp = () => MasterLink.State == ReplState.Connected;
        Replication.SendAckToMaster = MasterLink.SendAck;
        Replication.ReplicaStreamDb = () => MasterLink.StreamDb;
        Memory = new MemoryStats(this); // last: used_memory_startup is what an empty server needs
    }

    /// <summary>Set while this server replicates from a master (Redis's masterhost != NULL; see <see cref="MasterLink"/>).</summary>
    public bool IsReplica;
    public string RoleName => IsReplica ? "replica" : "master";

    /// <summary>True when clients must AUTH before running commands.</summary>
    public bool AuthRequired => !string.IsNullOrEmpty(Config.RequirePass);

    void Commands_Register() => Mirra.Commands.CommandRegistry.RegisterAll(this);

    /// <summary>
    /// Binds the listeners and starts the executor. Returns an error text when it cannot listen.
    /// <paramref name="beforeServing"/> runs once the sockets are bound and before anything is served or
    /// accepted (Redis loads the dataset there); when it returns false the server does not start and
    /// the result is "" (the reason was logged).
    /// </summary>
    public string? Start(Func<bool>? beforeServing = null)
    {
        _listener = new Listener(this);
        string? error = _listener.BindTcp(Config.Bind, Config.Port, Config.TcpBacklog)
            ?? _listener.BindUnix(Config.UnixSocket ?? "", Config.UnixSocketPerm, Config.TcpBacklog);
        if (error == null && !_listener.ListensAnywhere) error = "Configured to not listen anywhere, exiting.";
        if (error != null) { _listener.Dispose(); return error; }
        if (beforeServing != null && !beforeServing()) { _listener.Dispose(); return ""; }
        Network = EpollLoop.TryCreate(this);
        Cron.Start(this); // timers are executor state: add them before the executor runs
        Executor.Start();
        _listener.Start();
        return null;
    }

    /// <summary>CONFIG SET port/bind: listen on the new addresses (an error text keeps the old ones).</summary>
    internal string? RebindTcp()
    {
        if (_listener == null) return null;
        var error = _listener.RebindTcp(Config.Bind, Config.Port, Config.TcpBacklog);
        if (error != null) Log.Warning(error);
        return error;
    }

    public void StopListening() => _listener?.Dispose();

    public void Stop()
    {
        StopListening();
        Network?.Dispose();
        Executor.Stop();
    }
}
