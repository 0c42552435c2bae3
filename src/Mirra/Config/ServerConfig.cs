namespace Mirra.Config;

/// <summary>
/// Typed, immutable snapshot of every directive's current value. The registry publishes a new snapshot after each
/// load or successful CONFIG SET, so any thread may read <c>registry.Values.X</c> at any time and a reference kept
/// by a caller never changes under it. Property names are the directive names in PascalCase (aliases are not
/// repeated). String directives flagged EmptyIsNull are null when unset.
/// </summary>
public sealed class ServerConfig
{
    internal ServerConfig() { }

    // ---- Directives with their own syntax ----

    /// <summary><c>save</c>: save points, in the order given. Empty = RDB snapshots disabled.</summary>
    public IReadOnlyList<SaveParam> Save { get; internal set; } = [];
    /// <summary><c>client-output-buffer-limit</c> for the normal, replica and pubsub classes.</summary>
    public ClientOutputBufferLimits ClientOutputBufferLimit { get; internal set; } = ClientOutputBufferLimits.Default;
    /// <summary><c>bind</c>: addresses to listen on. A leading '-' means "optional" (skip if unavailable); "*" = all IPv4, "::*" = all IPv6.</summary>
    public IReadOnlyList<string> Bind { get; internal set; } = [];
    /// <summary><c>oom-score-adj-values</c>: master, replica, background child.</summary>
    public IReadOnlyList<int> OomScoreAdjValues { get; internal set; } = [];
    /// <summary><c>latency-tracking-info-percentiles</c>.</summary>
    public IReadOnlyList<double> LatencyTrackingInfoPercentiles { get; internal set; } = [];
    /// <summary><c>notify-keyspace-events</c>.</summary>
    public KeyspaceEvents NotifyKeyspaceEvents { get; internal set; }
    /// <summary><c>replicaof</c> / <c>slaveof</c>: null when this server is a master.</summary>
    public ReplicaOfTarget? ReplicaOf { get; internal set; }
    /// <summary><c>dir</c>: absolute working directory (Mirra does not chdir while parsing: the engine should chdir here at start).</summary>
    public string Dir { get; internal set; } = "";
    /// <summary><c>shutdown-on-sigint</c>.</summary>
    public ShutdownFlags ShutdownOnSigint { get; internal set; }
    /// <summary><c>shutdown-on-sigterm</c>.</summary>
    public ShutdownFlags ShutdownOnSigterm { get; internal set; }

    // ---- Mirra extensions ----

    /// <summary><c>dual-channel-replication-enabled</c> (Valkey's name): send the replication stream beside the snapshot during full sync.</summary>
    public bool DualChannelReplicationEnabled { get; internal set; }
    /// <summary><c>set-max-listpack-entries</c> (Redis 7.2 name).</summary>
    public long SetMaxListpackEntries { get; internal set; }
    /// <summary><c>set-max-listpack-value</c> (Redis 7.2 name).</summary>
    public long SetMaxListpackValue { get; internal set; }

    /// <summary><c>maxmemory-clients</c>: bytes, or a negative number -N meaning N percent of maxmemory.</summary>
    public long MaxMemoryClients { get; internal set; }

    // ---- Plain directives ----

    /// <summary><c>acl-pubsub-default</c></summary>
    public string AclPubsubDefault { get; internal set; } = "";
    /// <summary><c>aclfile</c></summary>
    public string AclFile { get; internal set; } = "";
    /// <summary><c>acllog-max-len</c></summary>
    public long AcllogMaxLen { get; internal set; }
    /// <summary><c>active-defrag-cycle-max</c></summary>
    public int ActiveDefragCycleMax { get; internal set; }
    /// <summary><c>active-defrag-cycle-min</c></summary>
    public int ActiveDefragCycleMin { get; internal set; }
    /// <summary><c>active-defrag-ignore-bytes</c></summary>
    public long ActiveDefragIgnoreBytes { get; internal set; }
    /// <summary><c>active-defrag-max-scan-fields</c></summary>
    public long ActiveDefragMaxScanFields { get; internal set; }
    /// <summary><c>active-defrag-threshold-lower</c></summary>
    public int ActiveDefragThresholdLower { get; internal set; }
    /// <summary><c>active-defrag-threshold-upper</c></summary>
    public int ActiveDefragThresholdUpper { get; internal set; }
    /// <summary><c>active-expire-effort</c></summary>
    public int ActiveExpireEffort { get; internal set; }
    /// <summary><c>activedefrag</c></summary>
    public bool ActiveDefrag { get; internal set; }
    /// <summary><c>activerehashing</c></summary>
    public bool ActiveRehashing { get; internal set; }
    /// <summary><c>always-show-logo</c></summary>
    public bool AlwaysShowLogo { get; internal set; }
    /// <summary><c>aof-disable-auto-gc</c></summary>
    public bool AofDisableAutoGc { get; internal set; }
    /// <summary><c>aof-load-truncated</c></summary>
    public bool AofLoadTruncated { get; internal set; }
    /// <summary><c>aof-rewrite-incremental-fsync</c></summary>
    public bool AofRewriteIncrementalFsync { get; internal set; }
    /// <summary><c>aof-timestamp-enabled</c></summary>
    public bool AofTimestampEnabled { get; internal set; }
    /// <summary><c>aof-use-rdb-preamble</c></summary>
    public bool AofUseRdbPreamble { get; internal set; }
    /// <summary><c>aof_rewrite_cpulist</c></summary>
    public string? AofRewriteCpulist { get; internal set; }
    /// <summary><c>appenddirname</c></summary>
    public string AppendDirName { get; internal set; } = "";
    /// <summary><c>appendfilename</c></summary>
    public string AppendFileName { get; internal set; } = "";
    /// <summary><c>appendfsync</c></summary>
    public AppendFsyncPolicy AppendFsync { get; internal set; }
    /// <summary><c>appendonly</c></summary>
    public bool AppendOnly { get; internal set; }
    /// <summary><c>auto-aof-rewrite-min-size</c></summary>
    public long AutoAofRewriteMinSize { get; internal set; }
    /// <summary><c>auto-aof-rewrite-percentage</c></summary>
    public int AutoAofRewritePercentage { get; internal set; }
    /// <summary><c>bgsave_cpulist</c></summary>
    public string? BgsaveCpulist { get; internal set; }
    /// <summary><c>bind-source-addr</c></summary>
    public string? BindSourceAddr { get; internal set; }
    /// <summary><c>bio_cpulist</c></summary>
    public string? BioCpulist { get; internal set; }
    /// <summary><c>busy-reply-threshold</c></summary>
    public long BusyReplyThreshold { get; internal set; }
    /// <summary><c>client-query-buffer-limit</c></summary>
    public long ClientQueryBufferLimit { get; internal set; }
    /// <summary><c>cluster-allow-pubsubshard-when-down</c></summary>
    public bool ClusterAllowPubsubshardWhenDown { get; internal set; }
    /// <summary><c>cluster-allow-reads-when-down</c></summary>
    public bool ClusterAllowReadsWhenDown { get; internal set; }
    /// <summary><c>cluster-allow-replica-migration</c></summary>
    public bool ClusterAllowReplicaMigration { get; internal set; }
    /// <summary><c>cluster-announce-bus-port</c></summary>
    public int ClusterAnnounceBusPort { get; internal set; }
    /// <summary><c>cluster-announce-hostname</c></summary>
    public string? ClusterAnnounceHostname { get; internal set; }
    /// <summary><c>cluster-announce-ip</c></summary>
    public string? ClusterAnnounceIp { get; internal set; }
    /// <summary><c>cluster-announce-port</c></summary>
    public int ClusterAnnouncePort { get; internal set; }
    /// <summary><c>cluster-announce-tls-port</c></summary>
    public int ClusterAnnounceTlsPort { get; internal set; }
    /// <summary><c>cluster-config-file</c></summary>
    public string ClusterConfigFile { get; internal set; } = "";
    /// <summary><c>cluster-enabled</c></summary>
    public bool ClusterEnabled { get; internal set; }
    /// <summary><c>cluster-link-sendbuf-limit</c></summary>
    public long ClusterLinkSendbufLimit { get; internal set; }
    /// <summary><c>cluster-migration-barrier</c></summary>
    public int ClusterMigrationBarrier { get; internal set; }
    /// <summary><c>cluster-node-timeout</c></summary>
    public long ClusterNodeTimeout { get; internal set; }
    /// <summary><c>cluster-port</c></summary>
    public int ClusterPort { get; internal set; }
    /// <summary><c>cluster-preferred-endpoint-type</c></summary>
    public string ClusterPreferredEndpointType { get; internal set; } = "";
    /// <summary><c>cluster-replica-no-failover</c></summary>
    public bool ClusterReplicaNoFailover { get; internal set; }
    /// <summary><c>cluster-replica-validity-factor</c></summary>
    public int ClusterReplicaValidityFactor { get; internal set; }
    /// <summary><c>cluster-require-full-coverage</c></summary>
    public bool ClusterRequireFullCoverage { get; internal set; }
    /// <summary><c>crash-log-enabled</c></summary>
    public bool CrashLogEnabled { get; internal set; }
    /// <summary><c>crash-memcheck-enabled</c></summary>
    public bool CrashMemcheckEnabled { get; internal set; }
    /// <summary><c>daemonize</c></summary>
    public bool Daemonize { get; internal set; }
    /// <summary><c>databases</c></summary>
    public int Databases { get; internal set; }
    /// <summary><c>dbfilename</c></summary>
    public string DbFileName { get; internal set; } = "";
    /// <summary><c>disable-thp</c></summary>
    public bool DisableThp { get; internal set; }
    /// <summary><c>dynamic-hz</c></summary>
    public bool DynamicHz { get; internal set; }
    /// <summary><c>enable-debug-command</c></summary>
    public string EnableDebugCommand { get; internal set; } = "";
    /// <summary><c>enable-module-command</c></summary>
    public string EnableModuleCommand { get; internal set; } = "";
    /// <summary><c>enable-protected-configs</c></summary>
    public string EnableProtectedConfigs { get; internal set; } = "";
    /// <summary><c>hash-max-listpack-entries</c></summary>
    public long HashMaxListpackEntries { get; internal set; }
    /// <summary><c>hash-max-listpack-value</c></summary>
    public long HashMaxListpackValue { get; internal set; }
    /// <summary><c>hll-sparse-max-bytes</c></summary>
    public long HllSparseMaxBytes { get; internal set; }
    /// <summary><c>hz</c></summary>
    public int Hz { get; internal set; }
    /// <summary><c>ignore-warnings</c></summary>
    public string IgnoreWarnings { get; internal set; } = "";
    /// <summary><c>io-threads</c></summary>
    public int IoThreads { get; internal set; }
    /// <summary><c>io-threads-do-reads</c></summary>
    public bool IoThreadsDoReads { get; internal set; }
    /// <summary><c>jemalloc-bg-thread</c></summary>
    public bool JemallocBgThread { get; internal set; }
    /// <summary><c>key-load-delay</c></summary>
    public int KeyLoadDelay { get; internal set; }
    /// <summary><c>latency-monitor-threshold</c></summary>
    public long LatencyMonitorThreshold { get; internal set; }
    /// <summary><c>latency-tracking</c></summary>
    public bool LatencyTracking { get; internal set; }
    /// <summary><c>lazyfree-lazy-eviction</c></summary>
    public bool LazyfreeLazyEviction { get; internal set; }
    /// <summary><c>lazyfree-lazy-expire</c></summary>
    public bool LazyfreeLazyExpire { get; internal set; }
    /// <summary><c>lazyfree-lazy-server-del</c></summary>
    public bool LazyfreeLazyServerDel { get; internal set; }
    /// <summary><c>lazyfree-lazy-user-del</c></summary>
    public bool LazyfreeLazyUserDel { get; internal set; }
    /// <summary><c>lazyfree-lazy-user-flush</c></summary>
    public bool LazyfreeLazyUserFlush { get; internal set; }
    /// <summary><c>lfu-decay-time</c></summary>
    public int LfuDecayTime { get; internal set; }
    /// <summary><c>lfu-log-factor</c></summary>
    public int LfuLogFactor { get; internal set; }
    /// <summary><c>list-compress-depth</c></summary>
    public int ListCompressDepth { get; internal set; }
    /// <summary><c>list-max-listpack-size</c></summary>
    public int ListMaxListpackSize { get; internal set; }
    /// <summary><c>loading-process-events-interval-bytes</c></summary>
    public int LoadingProcessEventsIntervalBytes { get; internal set; }
    /// <summary><c>logfile</c></summary>
    public string LogFile { get; internal set; } = "";
    /// <summary><c>loglevel</c></summary>
    public LogLevel LogLevel { get; internal set; }
    /// <summary><c>lua-enable-deprecated-api</c></summary>
    public bool LuaEnableDeprecatedApi { get; internal set; }
    /// <summary><c>masterauth</c></summary>
    public string? MasterAuth { get; internal set; }
    /// <summary><c>masteruser</c></summary>
    public string? MasterUser { get; internal set; }
    /// <summary><c>maxclients</c></summary>
    public long MaxClients { get; internal set; }
    /// <summary><c>maxmemory</c></summary>
    public long MaxMemory { get; internal set; }
    /// <summary><c>maxmemory-eviction-tenacity</c></summary>
    public int MaxMemoryEvictionTenacity { get; internal set; }
    /// <summary><c>maxmemory-policy</c></summary>
    public MaxMemoryPolicy MaxMemoryPolicy { get; internal set; }
    /// <summary><c>maxmemory-samples</c></summary>
    public int MaxMemorySamples { get; internal set; }
    /// <summary><c>min-replicas-max-lag</c></summary>
    public int MinReplicasMaxLag { get; internal set; }
    /// <summary><c>min-replicas-to-write</c></summary>
    public int MinReplicasToWrite { get; internal set; }
    /// <summary><c>no-appendfsync-on-rewrite</c></summary>
    public bool NoAppendfsyncOnRewrite { get; internal set; }
    /// <summary><c>oom-score-adj</c></summary>
    public string OomScoreAdj { get; internal set; } = "";
    /// <summary><c>pidfile</c></summary>
    public string? PidFile { get; internal set; }
    /// <summary><c>port</c></summary>
    public int Port { get; internal set; }
    /// <summary><c>proc-title-template</c></summary>
    public string ProcTitleTemplate { get; internal set; } = "";
    /// <summary><c>propagation-error-behavior</c></summary>
    public string PropagationErrorBehavior { get; internal set; } = "";
    /// <summary><c>protected-mode</c></summary>
    public bool ProtectedMode { get; internal set; }
    /// <summary><c>proto-max-bulk-len</c></summary>
    public long ProtoMaxBulkLen { get; internal set; }
    /// <summary><c>rdb-del-sync-files</c></summary>
    public bool RdbDelSyncFiles { get; internal set; }
    /// <summary><c>rdb-key-save-delay</c></summary>
    public int RdbKeySaveDelay { get; internal set; }
    /// <summary><c>rdb-save-incremental-fsync</c></summary>
    public bool RdbSaveIncrementalFsync { get; internal set; }
    /// <summary><c>rdbchecksum</c></summary>
    public bool RdbChecksum { get; internal set; }
    /// <summary><c>rdbcompression</c></summary>
    public bool RdbCompression { get; internal set; }
    /// <summary><c>repl-backlog-size</c></summary>
    public long ReplBacklogSize { get; internal set; }
    /// <summary><c>repl-backlog-ttl</c></summary>
    public long ReplBacklogTtl { get; internal set; }
    /// <summary><c>repl-disable-tcp-nodelay</c></summary>
    public bool ReplDisableTcpNodelay { get; internal set; }
    /// <summary><c>repl-diskless-load</c></summary>
    public ReplDisklessLoad ReplDisklessLoad { get; internal set; }
    /// <summary><c>repl-diskless-sync</c></summary>
    public bool ReplDisklessSync { get; internal set; }
    /// <summary><c>repl-diskless-sync-delay</c></summary>
    public int ReplDisklessSyncDelay { get; internal set; }
    /// <summary><c>repl-diskless-sync-max-replicas</c></summary>
    public int ReplDisklessSyncMaxReplicas { get; internal set; }
    /// <summary><c>repl-ping-replica-period</c></summary>
    public int ReplPingReplicaPeriod { get; internal set; }
    /// <summary><c>repl-timeout</c></summary>
    public int ReplTimeout { get; internal set; }
    /// <summary><c>replica-announce-ip</c></summary>
    public string? ReplicaAnnounceIp { get; internal set; }
    /// <summary><c>replica-announce-port</c></summary>
    public int ReplicaAnnouncePort { get; internal set; }
    /// <summary><c>replica-announced</c></summary>
    public bool ReplicaAnnounced { get; internal set; }
    /// <summary><c>replica-ignore-disk-write-errors</c></summary>
    public bool ReplicaIgnoreDiskWriteErrors { get; internal set; }
    /// <summary><c>replica-ignore-maxmemory</c></summary>
    public bool ReplicaIgnoreMaxmemory { get; internal set; }
    /// <summary><c>replica-lazy-flush</c></summary>
    public bool ReplicaLazyFlush { get; internal set; }
    /// <summary><c>replica-priority</c></summary>
    public int ReplicaPriority { get; internal set; }
    /// <summary><c>replica-read-only</c></summary>
    public bool ReplicaReadOnly { get; internal set; }
    /// <summary><c>replica-serve-stale-data</c></summary>
    public bool ReplicaServeStaleData { get; internal set; }
    /// <summary><c>requirepass</c></summary>
    public string? RequirePass { get; internal set; }
    /// <summary><c>sanitize-dump-payload</c></summary>
    public string SanitizeDumpPayload { get; internal set; } = "";
    /// <summary><c>server_cpulist</c></summary>
    public string? ServerCpulist { get; internal set; }
    /// <summary><c>set-max-intset-entries</c></summary>
    public long SetMaxIntsetEntries { get; internal set; }
    /// <summary><c>set-proc-title</c></summary>
    public bool SetProcTitle { get; internal set; }
    /// <summary><c>shutdown-timeout</c></summary>
    public int ShutdownTimeout { get; internal set; }
    /// <summary><c>slowlog-log-slower-than</c></summary>
    public long SlowlogLogSlowerThan { get; internal set; }
    /// <summary><c>slowlog-max-len</c></summary>
    public long SlowlogMaxLen { get; internal set; }
    /// <summary><c>socket-mark-id</c></summary>
    public long SocketMarkId { get; internal set; }
    /// <summary><c>stop-writes-on-bgsave-error</c></summary>
    public bool StopWritesOnBgsaveError { get; internal set; }
    /// <summary><c>stream-node-max-bytes</c></summary>
    public long StreamNodeMaxBytes { get; internal set; }
    /// <summary><c>stream-node-max-entries</c></summary>
    public long StreamNodeMaxEntries { get; internal set; }
    /// <summary><c>supervised</c></summary>
    public string Supervised { get; internal set; } = "";
    /// <summary><c>syslog-enabled</c></summary>
    public bool SyslogEnabled { get; internal set; }
    /// <summary><c>syslog-facility</c></summary>
    public string SyslogFacility { get; internal set; } = "";
    /// <summary><c>syslog-ident</c></summary>
    public string SyslogIdent { get; internal set; } = "";
    /// <summary><c>tcp-backlog</c></summary>
    public int TcpBacklog { get; internal set; }
    /// <summary><c>tcp-keepalive</c></summary>
    public int TcpKeepAlive { get; internal set; }
    /// <summary><c>timeout</c></summary>
    public int Timeout { get; internal set; }
    /// <summary><c>tls-auth-clients</c></summary>
    public string TlsAuthClients { get; internal set; } = "";
    /// <summary><c>tls-ca-cert-dir</c></summary>
    public string? TlsCaCertDir { get; internal set; }
    /// <summary><c>tls-ca-cert-file</c></summary>
    public string? TlsCaCertFile { get; internal set; }
    /// <summary><c>tls-cert-file</c></summary>
    public string? TlsCertFile { get; internal set; }
    /// <summary><c>tls-ciphers</c></summary>
    public string? TlsCiphers { get; internal set; }
    /// <summary><c>tls-ciphersuites</c></summary>
    public string? TlsCiphersuites { get; internal set; }
    /// <summary><c>tls-client-cert-file</c></summary>
    public string? TlsClientCertFile { get; internal set; }
    /// <summary><c>tls-client-key-file</c></summary>
    public string? TlsClientKeyFile { get; internal set; }
    /// <summary><c>tls-client-key-file-pass</c></summary>
    public string? TlsClientKeyFilePass { get; internal set; }
    /// <summary><c>tls-cluster</c></summary>
    public bool TlsCluster { get; internal set; }
    /// <summary><c>tls-dh-params-file</c></summary>
    public string? TlsDhParamsFile { get; internal set; }
    /// <summary><c>tls-key-file</c></summary>
    public string? TlsKeyFile { get; internal set; }
    /// <summary><c>tls-key-file-pass</c></summary>
    public string? TlsKeyFilePass { get; internal set; }
    /// <summary><c>tls-port</c></summary>
    public int TlsPort { get; internal set; }
    /// <summary><c>tls-prefer-server-ciphers</c></summary>
    public bool TlsPreferServerCiphers { get; internal set; }
    /// <summary><c>tls-protocols</c></summary>
    public string? TlsProtocols { get; internal set; }
    /// <summary><c>tls-replication</c></summary>
    public bool TlsReplication { get; internal set; }
    /// <summary><c>tls-session-cache-size</c></summary>
    public int TlsSessionCacheSize { get; internal set; }
    /// <summary><c>tls-session-cache-timeout</c></summary>
    public int TlsSessionCacheTimeout { get; internal set; }
    /// <summary><c>tls-session-caching</c></summary>
    public bool TlsSessionCaching { get; internal set; }
    /// <summary><c>tracking-table-max-keys</c></summary>
    public long TrackingTableMaxKeys { get; internal set; }
    /// <summary><c>unixsocket</c></summary>
    public string? UnixSocket { get; internal set; }
    /// <summary><c>unixsocketperm</c></summary>
    public int UnixSocketPerm { get; internal set; }
    /// <summary><c>use-exit-on-panic</c></summary>
    public bool UseExitOnPanic { get; internal set; }
    /// <summary><c>watchdog-period</c></summary>
    public int WatchdogPeriod { get; internal set; }
    /// <summary><c>zset-max-listpack-entries</c></summary>
    public long ZsetMaxListpackEntries { get; internal set; }
    /// <summary><c>zset-max-listpack-value</c></summary>
    public long ZsetMaxListpackValue { get; internal set; }
}
