using System.Globalization;
using System.Text;
using static Mirra.Config.ConfigText;
using F = Mirra.Config.DirectiveFlags;

namespace Mirra.Config;

/// <summary>
/// Every directive Redis 7.0.15 knows (names, aliases, defaults, bounds, flags as the real server reports them),
/// plus Mirra's extensions. Built once per registry.
/// </summary>
internal static class DirectiveTable
{
    // Scratch list while Build runs; per thread, since registries are created concurrently (tests, sentinel).
    [ThreadStatic] private static List<Directive>? _list;

    public static List<Directive> Build()
    {
        _list = [];
        // ---- Plain directives (data taken from a running redis-server 7.0.15: CONFIG GET *, CONFIG SET probes) ----
        Enum("acl-pubsub-default", "resetchannels", ["allchannels", "resetchannels"], F.None).Bind((c, v) => c.AclPubsubDefault = v);
        Str("aclfile", "", F.Immutable).Bind((c, v) => c.AclFile = v);
        Int("acllog-max-len", 128, 0, long.MaxValue, F.None).Bind((c, v) => c.AcllogMaxLen = v);
        Int("active-defrag-cycle-max", 25, 1, 99, F.None).Bind((c, v) => c.ActiveDefragCycleMax = (int)v);
        Int("active-defrag-cycle-min", 1, 1, 99, F.None).Bind((c, v) => c.ActiveDefragCycleMin = (int)v);
        Mem("active-defrag-ignore-bytes", 104857600, 1, long.MaxValue, F.None).Bind((c, v) => c.ActiveDefragIgnoreBytes = v);
        Int("active-defrag-max-scan-fields", 1000, 1, long.MaxValue, F.None).Bind((c, v) => c.ActiveDefragMaxScanFields = v);
        Int("active-defrag-threshold-lower", 10, 0, 1000, F.None).Bind((c, v) => c.ActiveDefragThresholdLower = (int)v);
        Int("active-defrag-threshold-upper", 100, 0, 1000, F.None).Bind((c, v) => c.ActiveDefragThresholdUpper = (int)v);
        Int("active-expire-effort", 1, 1, 10, F.None).Bind((c, v) => c.ActiveExpireEffort = (int)v);
        Bool("activedefrag", false, F.None).Bind((c, v) => c.ActiveDefrag = v);
        Bool("activerehashing", true, F.None).Bind((c, v) => c.ActiveRehashing = v);
        Bool("always-show-logo", false, F.Immutable).Bind((c, v) => c.AlwaysShowLogo = v);
        Bool("aof-disable-auto-gc", false, F.None).Bind((c, v) => c.AofDisableAutoGc = v);
        Bool("aof-load-truncated", true, F.None).Bind((c, v) => c.AofLoadTruncated = v);
        Bool("aof-rewrite-incremental-fsync", true, F.None).Bind((c, v) => c.AofRewriteIncrementalFsync = v);
        Bool("aof-timestamp-enabled", false, F.None).Bind((c, v) => c.AofTimestampEnabled = v);
        Bool("aof-use-rdb-preamble", true, F.None).Bind((c, v) => c.AofUseRdbPreamble = v);
        Str("aof_rewrite_cpulist", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.AofRewriteCpulist = v);
        Str("appenddirname", "appendonlydir", F.Immutable).Bind((c, v) => c.AppendDirName = v);
        Str("appendfilename", "appendonly.aof", F.Immutable).Bind((c, v) => c.AppendFileName = v);
        Enum("appendfsync", "everysec", ["everysec", "always", "no"], F.None).BindValue((c, v) => c.AppendFsync = (AppendFsyncPolicy)v);
        Bool("appendonly", false, F.None).Bind((c, v) => c.AppendOnly = v);
        Mem("auto-aof-rewrite-min-size", 67108864, 0, long.MaxValue, F.None).Bind((c, v) => c.AutoAofRewriteMinSize = v);
        Int("auto-aof-rewrite-percentage", 100, 0, 2147483647, F.None).Bind((c, v) => c.AutoAofRewritePercentage = (int)v);
        Str("bgsave_cpulist", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.BgsaveCpulist = v);
        Str("bind-source-addr", "", F.EmptyIsNull).Bind((c, v) => c.BindSourceAddr = v);
        Str("bio_cpulist", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.BioCpulist = v);
        Int("busy-reply-threshold", 5000, 0, long.MaxValue, F.None).Alias("lua-time-limit").Bind((c, v) => c.BusyReplyThreshold = v);
        Mem("client-query-buffer-limit", 1073741824, 1048576, long.MaxValue, F.None).Bind((c, v) => c.ClientQueryBufferLimit = v);
        Bool("cluster-allow-pubsubshard-when-down", true, F.None).Bind((c, v) => c.ClusterAllowPubsubshardWhenDown = v);
        Bool("cluster-allow-reads-when-down", false, F.None).Bind((c, v) => c.ClusterAllowReadsWhenDown = v);
        Bool("cluster-allow-replica-migration", true, F.None).Bind((c, v) => c.ClusterAllowReplicaMigration = v);
        Int("cluster-announce-bus-port", 0, 0, 65535, F.None).Bind((c, v) => c.ClusterAnnounceBusPort = (int)v);
        Str("cluster-announce-hostname", "", F.EmptyIsNull).Bind((c, v) => c.ClusterAnnounceHostname = v);
        Str("cluster-announce-ip", "", F.EmptyIsNull).Bind((c, v) => c.ClusterAnnounceIp = v);
        Int("cluster-announce-port", 0, 0, 65535, F.None).Bind((c, v) => c.ClusterAnnouncePort = (int)v);
        Int("cluster-announce-tls-port", 0, 0, 65535, F.None).Bind((c, v) => c.ClusterAnnounceTlsPort = (int)v);
        Str("cluster-config-file", "nodes.conf", F.Immutable).Bind((c, v) => c.ClusterConfigFile = v);
        Bool("cluster-enabled", false, F.Immutable).Bind((c, v) => c.ClusterEnabled = v);
        Mem("cluster-link-sendbuf-limit", 0, 0, long.MaxValue, F.None).Bind((c, v) => c.ClusterLinkSendbufLimit = v);
        Int("cluster-migration-barrier", 1, 0, 2147483647, F.None).Bind((c, v) => c.ClusterMigrationBarrier = (int)v);
        Int("cluster-node-timeout", 15000, 0, long.MaxValue, F.None).Bind((c, v) => c.ClusterNodeTimeout = v);
        Int("cluster-port", 0, 0, 65535, F.Immutable).Bind((c, v) => c.ClusterPort = (int)v);
        Enum("cluster-preferred-endpoint-type", "ip", ["ip", "hostname", "unknown-endpoint"], F.None).Bind((c, v) => c.ClusterPreferredEndpointType = v);
        Bool("cluster-replica-no-failover", false, F.None).Alias("cluster-slave-no-failover").Bind((c, v) => c.ClusterReplicaNoFailover = v);
        Int("cluster-replica-validity-factor", 10, 0, 2147483647, F.None).Alias("cluster-slave-validity-factor").Bind((c, v) => c.ClusterReplicaValidityFactor = (int)v);
        Bool("cluster-require-full-coverage", true, F.None).Bind((c, v) => c.ClusterRequireFullCoverage = v);
        Bool("crash-log-enabled", true, F.None).Bind((c, v) => c.CrashLogEnabled = v);
        Bool("crash-memcheck-enabled", true, F.None).Bind((c, v) => c.CrashMemcheckEnabled = v);
        Bool("daemonize", false, F.Immutable).Bind((c, v) => c.Daemonize = v);
        Int("databases", 16, 1, 2147483647, F.Immutable).Bind((c, v) => c.Databases = (int)v);
        Str("dbfilename", "dump.rdb", F.Protected).Bind((c, v) => c.DbFileName = v);
        Bool("disable-thp", true, F.Immutable).Bind((c, v) => c.DisableThp = v);
        Bool("dynamic-hz", true, F.None).Bind((c, v) => c.DynamicHz = v);
        Enum("enable-debug-command", "no", ["no", "yes", "local"], F.Immutable).Bind((c, v) => c.EnableDebugCommand = v);
        Enum("enable-module-command", "no", ["no", "yes", "local"], F.Immutable).Bind((c, v) => c.EnableModuleCommand = v);
        Enum("enable-protected-configs", "no", ["no", "yes", "local"], F.Immutable).Bind((c, v) => c.EnableProtectedConfigs = v);
        Int("hash-max-listpack-entries", 512, 0, long.MaxValue, F.None).Alias("hash-max-ziplist-entries").Bind((c, v) => c.HashMaxListpackEntries = v);
        Mem("hash-max-listpack-value", 64, 0, long.MaxValue, F.None).Alias("hash-max-ziplist-value").Bind((c, v) => c.HashMaxListpackValue = v);
        Mem("hll-sparse-max-bytes", 3000, 0, long.MaxValue, F.None).Bind((c, v) => c.HllSparseMaxBytes = v);
        Int("hz", 10, 0, 2147483647, F.None).Bind((c, v) => c.Hz = (int)v);
        Str("ignore-warnings", "", F.None).Bind((c, v) => c.IgnoreWarnings = v);
        Int("io-threads", 1, 1, 128, F.Immutable).Bind((c, v) => c.IoThreads = (int)v);
        Bool("io-threads-do-reads", false, F.Immutable).Bind((c, v) => c.IoThreadsDoReads = v);
        Bool("jemalloc-bg-thread", true, F.None).Bind((c, v) => c.JemallocBgThread = v);
        Int("key-load-delay", 0, -2147483648, 2147483647, F.Hidden).Bind((c, v) => c.KeyLoadDelay = (int)v);
        Int("latency-monitor-threshold", 0, 0, long.MaxValue, F.None).Bind((c, v) => c.LatencyMonitorThreshold = v);
        Bool("latency-tracking", true, F.None).Bind((c, v) => c.LatencyTracking = v);
        Bool("lazyfree-lazy-eviction", false, F.None).Bind((c, v) => c.LazyfreeLazyEviction = v);
        Bool("lazyfree-lazy-expire", false, F.None).Bind((c, v) => c.LazyfreeLazyExpire = v);
        Bool("lazyfree-lazy-server-del", false, F.None).Bind((c, v) => c.LazyfreeLazyServerDel = v);
        Bool("lazyfree-lazy-user-del", false, F.None).Bind((c, v) => c.LazyfreeLazyUserDel = v);
        Bool("lazyfree-lazy-user-flush", false, F.None).Bind((c, v) => c.LazyfreeLazyUserFlush = v);
        Int("lfu-decay-time", 1, 0, 2147483647, F.None).Bind((c, v) => c.LfuDecayTime = (int)v);
        Int("lfu-log-factor", 10, 0, 2147483647, F.None).Bind((c, v) => c.LfuLogFactor = (int)v);
        Int("list-compress-depth", 0, 0, 2147483647, F.None).Bind((c, v) => c.ListCompressDepth = (int)v);
        Int("list-max-listpack-size", -2, -2147483648, 2147483647, F.None).Alias("list-max-ziplist-size").Bind((c, v) => c.ListMaxListpackSize = (int)v);
        Int("loading-process-events-interval-bytes", 2097152, 1024, 2147483647, F.Hidden).Bind((c, v) => c.LoadingProcessEventsIntervalBytes = (int)v);
        Str("logfile", "", F.Immutable).Bind((c, v) => c.LogFile = v);
        Enum("loglevel", "notice", ["debug", "verbose", "notice", "warning"], F.None).BindValue((c, v) => c.LogLevel = (LogLevel)v);
        Bool("lua-enable-deprecated-api", false, F.Immutable | F.Hidden).Bind((c, v) => c.LuaEnableDeprecatedApi = v);
        Str("masterauth", "", F.Sensitive | F.EmptyIsNull).Bind((c, v) => c.MasterAuth = v);
        Str("masteruser", "", F.EmptyIsNull).Bind((c, v) => c.MasterUser = v);
        Int("maxclients", 10000, 1, 4294967295, F.Unsigned).Bind((c, v) => c.MaxClients = v);
        Mem("maxmemory", 0, 0, long.MaxValue, F.None).Bind((c, v) => c.MaxMemory = v);
        Mem("maxmemory-clients", 0, 0, long.MaxValue, F.Percent).Bind((c, v) => c.MaxMemoryClients = v);
        Int("maxmemory-eviction-tenacity", 10, 0, 100, F.None).Bind((c, v) => c.MaxMemoryEvictionTenacity = (int)v);
        Enum("maxmemory-policy", "noeviction", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"], F.None).BindValue((c, v) => c.MaxMemoryPolicy = (MaxMemoryPolicy)v);
        Int("maxmemory-samples", 5, 1, 2147483647, F.None).Bind((c, v) => c.MaxMemorySamples = (int)v);
        Int("min-replicas-max-lag", 10, 0, 2147483647, F.None).Alias("min-slaves-max-lag").Bind((c, v) => c.MinReplicasMaxLag = (int)v);
        Int("min-replicas-to-write", 0, 0, 2147483647, F.None).Alias("min-slaves-to-write").Bind((c, v) => c.MinReplicasToWrite = (int)v);
        Bool("no-appendfsync-on-rewrite", false, F.None).Bind((c, v) => c.NoAppendfsyncOnRewrite = v);
        Enum("oom-score-adj", "no", ["no", "yes", "relative", "absolute"], F.None, values: [0, 1, 1, 2]).Bind((c, v) => c.OomScoreAdj = v);
        Str("pidfile", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.PidFile = v);
        Int("port", 6379, 0, 65535, F.None).Bind((c, v) => c.Port = (int)v);
        Str("proc-title-template", "{title} {listen-addr} {server-mode}", F.None).Bind((c, v) => c.ProcTitleTemplate = v);
        Enum("propagation-error-behavior", "ignore", ["ignore", "panic", "panic-on-replicas"], F.None).Bind((c, v) => c.PropagationErrorBehavior = v);
        Bool("protected-mode", true, F.None).Bind((c, v) => c.ProtectedMode = v);
        Mem("proto-max-bulk-len", 536870912, 1048576, long.MaxValue, F.None).Bind((c, v) => c.ProtoMaxBulkLen = v);
        Bool("rdb-del-sync-files", false, F.None).Bind((c, v) => c.RdbDelSyncFiles = v);
        Int("rdb-key-save-delay", 0, -2147483648, 2147483647, F.Hidden).Bind((c, v) => c.RdbKeySaveDelay = (int)v);
        Bool("rdb-save-incremental-fsync", true, F.None).Bind((c, v) => c.RdbSaveIncrementalFsync = v);
        Bool("rdbchecksum", true, F.Immutable).Bind((c, v) => c.RdbChecksum = v);
        Bool("rdbcompression", true, F.None).Bind((c, v) => c.RdbCompression = v);
        Mem("repl-backlog-size", 1048576, 1, long.MaxValue, F.None).Bind((c, v) => c.ReplBacklogSize = v);
        Int("repl-backlog-ttl", 3600, 0, long.MaxValue, F.None).Bind((c, v) => c.ReplBacklogTtl = v);
        Bool("repl-disable-tcp-nodelay", false, F.None).Bind((c, v) => c.ReplDisableTcpNodelay = v);
        Enum("repl-diskless-load", "disabled", ["disabled", "on-empty-db", "swapdb"], F.None).BindValue((c, v) => c.ReplDisklessLoad = (ReplDisklessLoad)v);
        Bool("repl-diskless-sync", true, F.None).Bind((c, v) => c.ReplDisklessSync = v);
        Int("repl-diskless-sync-delay", 5, 0, 2147483647, F.None).Bind((c, v) => c.ReplDisklessSyncDelay = (int)v);
        Int("repl-diskless-sync-max-replicas", 0, 0, 2147483647, F.None).Bind((c, v) => c.ReplDisklessSyncMaxReplicas = (int)v);
        Int("repl-ping-replica-period", 10, 1, 2147483647, F.None).Alias("repl-ping-slave-period").Bind((c, v) => c.ReplPingReplicaPeriod = (int)v);
        Int("repl-timeout", 60, 1, 2147483647, F.None).Bind((c, v) => c.ReplTimeout = (int)v);
        Str("replica-announce-ip", "", F.EmptyIsNull).Alias("slave-announce-ip").Bind((c, v) => c.ReplicaAnnounceIp = v);
        Int("replica-announce-port", 0, 0, 65535, F.None).Alias("slave-announce-port").Bind((c, v) => c.ReplicaAnnouncePort = (int)v);
        Bool("replica-announced", true, F.None).Bind((c, v) => c.ReplicaAnnounced = v);
        Bool("replica-ignore-disk-write-errors", false, F.None).Bind((c, v) => c.ReplicaIgnoreDiskWriteErrors = v);
        Bool("replica-ignore-maxmemory", true, F.None).Alias("slave-ignore-maxmemory").Bind((c, v) => c.ReplicaIgnoreMaxmemory = v);
        Bool("replica-lazy-flush", false, F.None).Alias("slave-lazy-flush").Bind((c, v) => c.ReplicaLazyFlush = v);
        Int("replica-priority", 100, 0, 2147483647, F.None).Alias("slave-priority").Bind((c, v) => c.ReplicaPriority = (int)v);
        Bool("replica-read-only", true, F.None).Alias("slave-read-only").Bind((c, v) => c.ReplicaReadOnly = v);
        Bool("replica-serve-stale-data", true, F.None).Alias("slave-serve-stale-data").Bind((c, v) => c.ReplicaServeStaleData = v);
        Str("requirepass", "", F.Sensitive | F.EmptyIsNull).Bind((c, v) => c.RequirePass = v);
        Enum("sanitize-dump-payload", "no", ["no", "yes", "clients"], F.None).Bind((c, v) => c.SanitizeDumpPayload = v);
        Str("server_cpulist", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.ServerCpulist = v);
        Int("set-max-intset-entries", 512, 0, long.MaxValue, F.None).Bind((c, v) => c.SetMaxIntsetEntries = v);
        Bool("set-proc-title", true, F.Immutable).Bind((c, v) => c.SetProcTitle = v);
        Int("shutdown-timeout", 10, 0, 2147483647, F.None).Bind((c, v) => c.ShutdownTimeout = (int)v);
        Int("slowlog-log-slower-than", 10000, -1, long.MaxValue, F.None).Bind((c, v) => c.SlowlogLogSlowerThan = v);
        Int("slowlog-max-len", 128, 0, long.MaxValue, F.None).Bind((c, v) => c.SlowlogMaxLen = v);
        Int("socket-mark-id", 0, 0, 4294967295, F.Immutable | F.Unsigned).Bind((c, v) => c.SocketMarkId = v);
        Bool("stop-writes-on-bgsave-error", true, F.None).Bind((c, v) => c.StopWritesOnBgsaveError = v);
        Mem("stream-node-max-bytes", 4096, 0, long.MaxValue, F.None).Bind((c, v) => c.StreamNodeMaxBytes = v);
        Int("stream-node-max-entries", 100, 0, long.MaxValue, F.None).Bind((c, v) => c.StreamNodeMaxEntries = v);
        Enum("supervised", "no", ["upstart", "systemd", "auto", "no"], F.Immutable).Bind((c, v) => c.Supervised = v);
        Bool("syslog-enabled", false, F.Immutable).Bind((c, v) => c.SyslogEnabled = v);
        Enum("syslog-facility", "local0", ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], F.Immutable).Bind((c, v) => c.SyslogFacility = v);
        Str("syslog-ident", "redis", F.Immutable).Bind((c, v) => c.SyslogIdent = v);
        Int("tcp-backlog", 511, 0, 2147483647, F.Immutable).Bind((c, v) => c.TcpBacklog = (int)v);
        Int("tcp-keepalive", 300, 0, 2147483647, F.None).Bind((c, v) => c.TcpKeepAlive = (int)v);
        Int("timeout", 0, 0, 2147483647, F.None).Bind((c, v) => c.Timeout = (int)v);
        Enum("tls-auth-clients", "yes", ["no", "yes", "optional"], F.None).Bind((c, v) => c.TlsAuthClients = v);
        Str("tls-ca-cert-dir", "", F.EmptyIsNull).Bind((c, v) => c.TlsCaCertDir = v);
        Str("tls-ca-cert-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsCaCertFile = v);
        Str("tls-cert-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsCertFile = v);
        Str("tls-ciphers", "", F.EmptyIsNull).Bind((c, v) => c.TlsCiphers = v);
        Str("tls-ciphersuites", "", F.EmptyIsNull).Bind((c, v) => c.TlsCiphersuites = v);
        Str("tls-client-cert-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsClientCertFile = v);
        Str("tls-client-key-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsClientKeyFile = v);
        Str("tls-client-key-file-pass", "", F.Sensitive | F.EmptyIsNull).Bind((c, v) => c.TlsClientKeyFilePass = v);
        Bool("tls-cluster", false, F.None).Bind((c, v) => c.TlsCluster = v);
        Str("tls-dh-params-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsDhParamsFile = v);
        Str("tls-key-file", "", F.EmptyIsNull).Bind((c, v) => c.TlsKeyFile = v);
        Str("tls-key-file-pass", "", F.Sensitive | F.EmptyIsNull).Bind((c, v) => c.TlsKeyFilePass = v);
        Int("tls-port", 0, 0, 65535, F.None).Bind((c, v) => c.TlsPort = (int)v);
        Bool("tls-prefer-server-ciphers", false, F.None).Bind((c, v) => c.TlsPreferServerCiphers = v);
        Str("tls-protocols", "", F.EmptyIsNull).Bind((c, v) => c.TlsProtocols = v);
        Bool("tls-replication", false, F.None).Bind((c, v) => c.TlsReplication = v);
        Int("tls-session-cache-size", 20480, 0, 2147483647, F.None).Bind((c, v) => c.TlsSessionCacheSize = (int)v);
        Int("tls-session-cache-timeout", 300, 0, 2147483647, F.None).Bind((c, v) => c.TlsSessionCacheTimeout = (int)v);
        Bool("tls-session-caching", true, F.None).Bind((c, v) => c.TlsSessionCaching = v);
        Int("tracking-table-max-keys", 1000000, 0, long.MaxValue, F.None).Bind((c, v) => c.TrackingTableMaxKeys = v);
        Str("unixsocket", "", F.Immutable | F.EmptyIsNull).Bind((c, v) => c.UnixSocket = v);
        Octal("unixsocketperm", 0, 0, 511, F.Immutable).Bind((c, v) => c.UnixSocketPerm = (int)v);
        Bool("use-exit-on-panic", false, F.Hidden).Bind((c, v) => c.UseExitOnPanic = v);
        Int("watchdog-period", 0, 0, 2147483647, F.Hidden).Bind((c, v) => c.WatchdogPeriod = (int)v);
        Int("zset-max-listpack-entries", 128, 0, long.MaxValue, F.None).Alias("zset-max-ziplist-entries").Bind((c, v) => c.ZsetMaxListpackEntries = v);
        Mem("zset-max-listpack-value", 64, 0, long.MaxValue, F.None).Alias("zset-max-ziplist-value").Bind((c, v) => c.ZsetMaxListpackValue = v);

        // ---- Directives with their own syntax ----
        Save();
        ClientOutputBufferLimit();
        Bind();
        OomScoreAdjValues();
        LatencyPercentiles();
        NotifyKeyspaceEvents();
        ReplicaOf();
        Dir();
        ShutdownOnSignal("shutdown-on-sigint").BindObject<ShutdownFlags>((c, v) => c.ShutdownOnSigint = v);
        ShutdownOnSignal("shutdown-on-sigterm").BindObject<ShutdownFlags>((c, v) => c.ShutdownOnSigterm = v);

        // ---- Mirra extensions ----
        Bool("dual-channel-replication-enabled", false, F.MirraExtension).Bind((c, v) => c.DualChannelReplicationEnabled = v);
        // Redis 7.2's listpack-encoded sets (7.0 does not know these names; Mirra accepts them).
        Int("set-max-listpack-entries", 128, 0, long.MaxValue, F.MirraExtension).Bind((c, v) => c.SetMaxListpackEntries = v);
        Mem("set-max-listpack-value", 64, 0, long.MaxValue, F.MirraExtension).Bind((c, v) => c.SetMaxListpackValue = v);

        // ---- Extra checks Redis makes on some values ----
        Find("hz").Normalize = v => Math.Clamp((long)v, 1L, 500L);
        Find("dbfilename").Check(v => v.Contains('/') ? "dbfilename can't be a path, just a filename" : null);
        Find("appendfilename").Check(v => v.Length == 0 ? "appendfilename can't be empty"
            : v.Contains('/') ? "appendfilename can't be a path, just a filename" : null);
        Find("appenddirname").Check(v => v.Length == 0 ? "appenddirname can't be empty"
            : v.Contains('/') ? "appenddirname can't be a path, just a dirname" : null);
        Find("proc-title-template").Check(v => IsValidProcTitleTemplate(v) ? null
            : "template format is invalid or contains unknown variables");

        for (int i = 0; i < _list.Count; i++) _list[i].Index = i;
        var result = _list;
        _list = null!;
        return result;
    }

    private static Directive Find(string name) => _list!.First(d => d.Name == name);

    private static Directive Add(Directive d)
    {
        _list!.Add(d);
        return d;
    }

    // ---------------------------------------------------------------- simple kinds

    private static Directive Bool(string name, bool def, F flags) => Add(new Directive(name, DirectiveKind.Bool, flags, def)
    {
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            if (a[0].Equals("yes", StringComparison.OrdinalIgnoreCase)) v = true;
            else if (a[0].Equals("no", StringComparison.OrdinalIgnoreCase)) v = false;
            else return "argument must be 'yes' or 'no'";
            return null;
        },
        Format = v => (bool)v ? "yes" : "no",
        Rewrite = SimpleRewrite,
    });

    private static string BoundsError(Directive d) => $"argument must be between {L(d.Min)} and {L(d.Max)} inclusive";

    private static Directive Int(string name, long def, long min, long max, F flags) => Add(new Directive(name, DirectiveKind.Integer, flags, def)
    {
        Min = min,
        Max = max,
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            if (!TryParseStrictLong(a[0], out long n)) return "argument couldn't be parsed into an integer";
            if (n < d.Min || n > d.Max) return BoundsError(d);
            v = n;
            return null;
        },
        Format = v => L((long)v),
        Rewrite = SimpleRewrite,
    });

    private static Directive Mem(string name, long def, long min, long max, F flags) => Add(new Directive(name, DirectiveKind.Memory, flags, def)
    {
        Min = min,
        Max = max,
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            string s = a[0];
            bool percent = (d.Flags & F.Percent) != 0;
            if (percent && s.Length > 1 && s[^1] == '%')
            {
                if (!TryParseStrictLong(s[..^1], out long pct) || pct < 0) return "argument must be a memory or percent value";
                if (pct > d.PercentMax) return $"percentage argument must be less or equal to {L(d.PercentMax)}";
                v = -pct;
                return null;
            }
            if (!TryParseMemory(s, out long n)) return percent ? "argument must be a memory or percent value" : "argument must be a memory value";
            if (n < d.Min || n > d.Max) return BoundsError(d);
            v = n;
            return null;
        },
        Format = v => (long)v < 0 ? L(-(long)v) + "%" : L((long)v),
        Rewrite = (st, d, v) => st.RewriteLine(d.Name, d.Name + " " + ((long)v < 0 ? L(-(long)v) + "%" : FormatMemory((long)v)), !d.ValueEquals(v, d.Default)),
    });

    private static Directive Octal(string name, long def, long min, long max, F flags) => Add(new Directive(name, DirectiveKind.Octal, flags, def)
    {
        Min = min,
        Max = max,
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            if (!TryParseStrtoll(a[0], out long n, 8)) return "argument couldn't be parsed as an octal number";
            if (n < d.Min || n > d.Max)
                return $"argument must be between {Convert.ToString(d.Min, 8)} and {Convert.ToString(d.Max, 8)} inclusive";
            v = n;
            return null;
        },
        Format = v => Convert.ToString((long)v, 8),
        Rewrite = SimpleRewrite,
    });

    private static Directive Enum(string name, string def, string[] names, F flags, int[]? values = null)
    {
        values ??= Enumerable.Range(0, names.Length).ToArray();
        var d = new Directive(name, DirectiveKind.Enum, flags, values[Array.IndexOf(names, def)])
        {
            _enumNames = names,
            _enumValues = values,
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                for (int i = 0; i < d._enumNames.Length; i++)
                {
                    if (d._enumNames[i].Equals(a[0], StringComparison.OrdinalIgnoreCase))
                    {
                        v = d._enumValues[i];
                        return null;
                    }
                }
                return EnumError(d._enumNames);
            },
            Rewrite = SimpleRewrite,
        };
        // The shown name is the first one with that value (oom-score-adj relative shows as "yes").
        d.Format = v => d._enumNames[Array.IndexOf(d._enumValues, (int)v)];
        return Add(d);
    }

    private static string EnumError(IEnumerable<string> names) => "argument(s) must be one of the following: " + string.Join(", ", names);

    private static Directive Str(string name, string def, F flags) => Add(new Directive(name, DirectiveKind.String, flags, def)
    {
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            string? err = d.Validate?.Invoke(a[0]);
            if (err != null) return err;
            v = a[0];
            return null;
        },
        Format = v => (string)v,
        Rewrite = (st, d, v) =>
        {
            string s = (string)v;
            // An unset string (null in Redis) must not appear in the file at all.
            if (s.Length == 0 && (d.Flags & F.EmptyIsNull) != 0) { st.MarkProcessed(d.Name); return; }
            st.RewriteLine(d.Name, d.Name + " " + Repr(s), s != (string)d.Default);
        },
    });

    /// <summary>"name value", written when the value is not the default or the file already has a line for it.</summary>
    private static void SimpleRewrite(RewriteState st, Directive d, object v) =>
        st.RewriteLine(d.Name, d.Name + " " + d.Format(v), !d.ValueEquals(v, d.Default));

    // ---------------------------------------------------------------- special directives

    private static void Save()
    {
        SaveParam[] def = [new(3600, 1), new(300, 100), new(60, 10000)];
        Add(new Directive("save", DirectiveKind.Special, F.MultiArg, def)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                bool reset = false;
                if (a.Length == 1 && a[0].Length == 0) { a = []; reset = true; }
                if ((a.Length & 1) != 0) return "Invalid save parameters";
                var parsed = new List<SaveParam>();
                for (int j = 0; j < a.Length; j += 2)
                {
                    if (!TryParseStrtoll(a[j], out long secs) || secs < 1) return "Invalid save parameters";
                    if (!TryParseStrtoll(a[j + 1], out long changes) || changes < 0) return "Invalid save parameters";
                    parsed.Add(new SaveParam(secs, unchecked((int)changes)));
                }
                // While loading, the first save line replaces the defaults and later ones add save points.
                var list = new List<SaveParam>();
                if (ctx.Loading && ctx.SaveLoaded && !reset) list.AddRange((SaveParam[])cur);
                if (ctx.Loading) ctx.SaveLoaded = true;
                list.AddRange(parsed);
                v = list.ToArray();
                return null;
            },
            Format = v => string.Join(" ", ((SaveParam[])v).Select(p => L(p.Seconds) + " " + L(p.Changes))),
            Rewrite = (st, d, v) =>
            {
                var ps = (SaveParam[])v;
                if (ps.Length == 0) st.RewriteLine(d.Name, "save \"\"", true);
                foreach (var p in ps) st.RewriteLine(d.Name, $"save {L(p.Seconds)} {L(p.Changes)}", true);
            },
        }).BindObject<SaveParam[]>((c, v) => c.Save = v);
    }

    private static readonly string[] CobGetNames = ["normal", "slave", "pubsub"];
    private static readonly string[] CobRewriteNames = ["normal", "replica", "pubsub"];

    private static void ClientOutputBufferLimit()
    {
        Add(new Directive("client-output-buffer-limit", DirectiveKind.Special, F.MultiArg, ClientOutputBufferLimits.Default)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                if (a.Length % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
                var limits = new[] { ((ClientOutputBufferLimits)cur).Normal, ((ClientOutputBufferLimits)cur).Replica, ((ClientOutputBufferLimits)cur).PubSub };
                var updates = new List<(int Class, ClientOutputBufferLimit Limit)>();
                for (int j = 0; j < a.Length; j += 4)
                {
                    int cls = a[j].ToLowerInvariant() switch { "normal" => 0, "slave" or "replica" => 1, "pubsub" => 2, _ => -1 };
                    if (cls < 0) return "Invalid client class specified in buffer limit configuration.";
                    if (!TryParseMemory(a[j + 1], out long hard) || hard < 0 || !TryParseMemory(a[j + 2], out long soft) || soft < 0
                        || !TryParseStrtoll(a[j + 3], out long secs) || secs < 0)
                        return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                    updates.Add((cls, new ClientOutputBufferLimit(hard, soft, secs)));
                }
                foreach (var (cls, limit) in updates) limits[cls] = limit;
                v = new ClientOutputBufferLimits(limits[0], limits[1], limits[2]);
                return null;
            },
            Format = v =>
            {
                var l = (ClientOutputBufferLimits)v;
                var sb = new StringBuilder();
                for (int c = 0; c < 3; c++)
                {
                    if (c > 0) sb.Append(' ');
                    sb.Append(CobGetNames[c]).Append(' ').Append(L(l[c].HardBytes)).Append(' ').Append(L(l[c].SoftBytes)).Append(' ').Append(L(l[c].SoftSeconds));
                }
                return sb.ToString();
            },
            Rewrite = (st, d, v) =>
            {
                var l = (ClientOutputBufferLimits)v;
                for (int c = 0; c < 3; c++)
                {
                    var x = l[c];
                    st.RewriteLine(d.Name, $"{d.Name} {CobRewriteNames[c]} {FormatMemory(x.HardBytes)} {FormatMemory(x.SoftBytes)} {L(x.SoftSeconds)}",
                        x != ClientOutputBufferLimits.Default[c]);
                }
            },
        }).BindObject<ClientOutputBufferLimits>((c, v) => c.ClientOutputBufferLimit = v);
    }

    private static void Bind()
    {
        string[] def = ["*", "-::*"];
        Add(new Directive("bind", DirectiveKind.Special, F.MultiArg, def)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                if (a.Length == 1 && a[0].Length == 0) a = [];
                if (a.Length > 16) return "Too many bind addresses specified.";
                v = a.ToArray();
                return null;
            },
            Format = v => string.Join(" ", (string[])v),
            Rewrite = (st, d, v) =>
            {
                var a = (string[])v;
                if (a.SequenceEqual(def)) { st.MarkProcessed(d.Name); return; }
                st.RewriteLine(d.Name, "bind " + (a.Length == 0 ? "\"\"" : string.Join(" ", a)), true);
            },
        }).BindObject<string[]>((c, v) => c.Bind = v);
    }

    private static void OomScoreAdjValues()
    {
        int[] def = [0, 200, 800];
        Add(new Directive("oom-score-adj-values", DirectiveKind.Special, F.MultiArg, def)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                if (a.Length != 3) return "wrong number of arguments";
                var r = new int[3];
                for (int i = 0; i < 3; i++)
                {
                    if (!TryParseStrtoll(a[i], out long n) || a[i].Length == 0 || n < -2000 || n > 2000)
                        return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
                    r[i] = (int)n;
                }
                v = r;
                return null;
            },
            Format = v => string.Join(" ", ((int[])v).Select(x => x.ToString(CultureInfo.InvariantCulture))),
            Rewrite = (st, d, v) => st.RewriteLine(d.Name, d.Name + " " + d.Format(v), !((int[])v).SequenceEqual(def)),
        }).BindObject<int[]>((c, v) => c.OomScoreAdjValues = v);
    }

    private static void LatencyPercentiles()
    {
        double[] def = [50, 99, 99.9];
        Add(new Directive("latency-tracking-info-percentiles", DirectiveKind.Special, F.MultiArg, def)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                if (a.Length == 1 && a[0].Length == 0) a = [];
                var r = new double[a.Length];
                for (int i = 0; i < a.Length; i++)
                {
                    if (!TryParseStrtod(a[i], out double x) || double.IsNaN(x)) return "Invalid latency-tracking-info-percentiles parameters";
                    if (x > 100.0 || x < 0.0) return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
                    r[i] = x;
                }
                v = r;
                return null;
            },
            Format = v => string.Join(" ", ((double[])v).Select(FormatPercentile)),
            // Redis always writes this one, even at its default.
            Rewrite = (st, d, v) => st.RewriteLine(d.Name, d.Name + " " + (((double[])v).Length == 0 ? "\"\"" : d.Format(v)), true),
        }).BindObject<double[]>((c, v) => c.LatencyTrackingInfoPercentiles = v);
    }

    /// <summary>"%f" with the trailing zeros (and a trailing dot) removed.</summary>
    private static string FormatPercentile(double x)
    {
        string s = x.ToString("F6", CultureInfo.InvariantCulture);
        if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        return s;
    }

    private static void NotifyKeyspaceEvents()
    {
        Add(new Directive("notify-keyspace-events", DirectiveKind.Special, F.None, KeyspaceEvents.None)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                var flags = KeyspaceEvents.None;
                foreach (char ch in a[0])
                {
                    KeyspaceEvents f = ch switch
                    {
                        'A' => KeyspaceEvents.All,
                        'g' => KeyspaceEvents.Generic,
                        '$' => KeyspaceEvents.String,
                        'l' => KeyspaceEvents.List,
                        's' => KeyspaceEvents.Set,
                        'h' => KeyspaceEvents.Hash,
                        'z' => KeyspaceEvents.ZSet,
                        'x' => KeyspaceEvents.Expired,
                        'e' => KeyspaceEvents.Evicted,
                        'K' => KeyspaceEvents.Keyspace,
                        'E' => KeyspaceEvents.Keyevent,
                        't' => KeyspaceEvents.Stream,
                        'm' => KeyspaceEvents.KeyMiss,
                        'd' => KeyspaceEvents.Module,
                        'n' => KeyspaceEvents.New,
                        _ => (KeyspaceEvents)(-1),
                    };
                    if (f == (KeyspaceEvents)(-1)) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
                    flags |= f;
                }
                v = flags;
                return null;
            },
            Format = v => FormatKeyspaceEvents((KeyspaceEvents)v),
            Rewrite = (st, d, v) => st.RewriteLine(d.Name, d.Name + " " + Repr(FormatKeyspaceEvents((KeyspaceEvents)v)), (KeyspaceEvents)v != KeyspaceEvents.None),
        }).BindObject<KeyspaceEvents>((c, v) => c.NotifyKeyspaceEvents = v);
    }

    /// <summary>Redis's order: "A" or g$lshzxetdn, then K, E, m. With A, 'n' is not shown (as in Redis).</summary>
    public static string FormatKeyspaceEvents(KeyspaceEvents f)
    {
        var sb = new StringBuilder();
        if ((f & KeyspaceEvents.All) == KeyspaceEvents.All) sb.Append('A');
        else
        {
            if ((f & KeyspaceEvents.Generic) != 0) sb.Append('g');
            if ((f & KeyspaceEvents.String) != 0) sb.Append('$');
            if ((f & KeyspaceEvents.List) != 0) sb.Append('l');
            if ((f & KeyspaceEvents.Set) != 0) sb.Append('s');
            if ((f & KeyspaceEvents.Hash) != 0) sb.Append('h');
            if ((f & KeyspaceEvents.ZSet) != 0) sb.Append('z');
            if ((f & KeyspaceEvents.Expired) != 0) sb.Append('x');
            if ((f & KeyspaceEvents.Evicted) != 0) sb.Append('e');
            if ((f & KeyspaceEvents.Stream) != 0) sb.Append('t');
            if ((f & KeyspaceEvents.Module) != 0) sb.Append('d');
            if ((f & KeyspaceEvents.New) != 0) sb.Append('n');
        }
        if ((f & KeyspaceEvents.Keyspace) != 0) sb.Append('K');
        if ((f & KeyspaceEvents.Keyevent) != 0) sb.Append('E');
        if ((f & KeyspaceEvents.KeyMiss) != 0) sb.Append('m');
        return sb.ToString();
    }

    internal static readonly ReplicaOfTarget NoMaster = new("", 0);

    private static void ReplicaOf()
    {
        Add(new Directive("replicaof", DirectiveKind.Special, F.MultiArg | F.Immutable, NoMaster)
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                if (a.Length != 2) return "wrong number of arguments";
                if (a[0].Equals("no", StringComparison.OrdinalIgnoreCase) && a[1].Equals("one", StringComparison.OrdinalIgnoreCase))
                {
                    v = NoMaster;
                    return null;
                }
                if (!TryParseStrtoll(a[1], out long port) || a[1].Length == 0 || port < 0 || port > 65535) return "Invalid master port";
                v = new ReplicaOfTarget(a[0], (int)port);
                return null;
            },
            Format = v => ((ReplicaOfTarget)v).Host.Length == 0 ? "" : ((ReplicaOfTarget)v).Host + " " + L(((ReplicaOfTarget)v).Port),
            Rewrite = (st, d, v) =>
            {
                var t = (ReplicaOfTarget)v;
                if (t.Host.Length == 0) { st.MarkProcessed(d.Name); return; }
                st.RewriteLine(d.Name, $"{d.Name} {t.Host} {L(t.Port)}", true);
            },
        }).Alias("slaveof").BindObject<ReplicaOfTarget>((c, v) => c.ReplicaOf = v.Host.Length == 0 ? null : v);
    }

    private static void Dir()
    {
        Add(new Directive("dir", DirectiveKind.Special, F.Protected, "")
        {
            Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
            {
                v = cur;
                // Redis chdir()s here; Mirra resolves the path against the current dir instead and keeps it absolute.
                if (a[0].Length == 0) return "No such file or directory";
                string path;
                try
                {
                    path = Path.GetFullPath(ToPath(a[0]), ctx.Dir.Length == 0 ? Environment.CurrentDirectory : ToPath(ctx.Dir));
                }
                catch (Exception e)
                {
                    return Strerror(e);
                }
                if (File.Exists(path)) return "Not a directory";
                if (!Directory.Exists(path)) return "No such file or directory";
                if (path.Length > 1) path = Path.TrimEndingDirectorySeparator(path);
                v = FromPath(path);
                return null;
            },
            Format = v => (string)v,
            // Redis always writes dir.
            Rewrite = (st, d, v) => st.RewriteLine(d.Name, "dir " + Repr((string)v), true),
        }).Bind((c, v) => c.Dir = v ?? "");
    }

    private static readonly string[] ShutdownNames = ["default", "save", "nosave", "now", "force"];

    private static Directive ShutdownOnSignal(string name) => Add(new Directive(name, DirectiveKind.Special, F.MultiArg, ShutdownFlags.Default)
    {
        _enumNames = ShutdownNames,
        Parse = (Directive d, string[] a, object cur, ParseContext ctx, out object v) =>
        {
            v = cur;
            if (a.Length == 0) return EnumError(ShutdownNames);
            var f = ShutdownFlags.Default;
            foreach (var s in a)
            {
                int i = Array.FindIndex(ShutdownNames, n => n.Equals(s, StringComparison.OrdinalIgnoreCase));
                if (i < 0) return EnumError(ShutdownNames);
                if (i > 0) f |= (ShutdownFlags)(1 << (i - 1));
            }
            if ((f & ShutdownFlags.Save) != 0 && (f & ShutdownFlags.NoSave) != 0) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
            v = f;
            return null;
        },
        Format = v =>
        {
            var f = (ShutdownFlags)v;
            if (f == ShutdownFlags.Default) return "default";
            var parts = new List<string>();
            for (int i = 1; i < ShutdownNames.Length; i++)
                if (((int)f & (1 << (i - 1))) != 0) parts.Add(ShutdownNames[i]);
            return string.Join(" ", parts);
        },
        Rewrite = SimpleRewrite,
    });

    private static readonly string[] ProcTitleVariables = ["{title}", "{listen-addr}", "{server-mode}", "{port}", "{tls-port}", "{unixsocket}", "{config-file}"];

    private static bool IsValidProcTitleTemplate(string t)
    {
        int i = 0;
        while (i < t.Length)
        {
            if (t[i] == '}') return false;
            if (t[i] == '{')
            {
                int end = t.IndexOf('}', i);
                if (end < 0) return false;
                if (Array.IndexOf(ProcTitleVariables, t[i..(end + 1)]) < 0) return false;
                i = end + 1;
                continue;
            }
            i++;
        }
        return true;
    }
}
