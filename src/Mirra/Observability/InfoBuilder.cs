using System.Globalization;
using System.Text;
using Mirra.Engine;

namespace Mirra.Observability;

/// <summary>
/// Builds the text of INFO: Redis 7.0's sections, in Redis's order, with Redis's field names in
/// Redis's order, "# Section" headers, "name:value" lines ending in CRLF and an empty line between
/// sections. Values are Mirra's real figures where it has them and Redis's idle defaults elsewhere.
/// Every section costs O(clients + commands + databases), never O(keys).
/// </summary>
public static class InfoBuilder
{
    /// <summary>Every section, in the order INFO prints them.</summary>
    public static readonly string[] SectionOrder =
    {
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
        "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
    };

    /// <summary>What plain INFO (and INFO default) prints.</summary>
    public static readonly string[] DefaultSections =
    {
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
        "errorstats", "cluster", "keyspace",
    };

    /// <summary>
    /// Resolves INFO's arguments (case-insensitive): no argument or "default" = the default sections,
    /// "all" and "everything" = every section (Mirra has no module sections to tell them apart),
    /// other names select that section; unknown names select nothing.
    /// </summary>
    public static HashSet<string> ResolveSections(IEnumerable<string> args)
    {
        var selected = new HashSet<string>(StringComparer.Ordinal);
        bool any = false;
        foreach (var raw in args)
        {
            any = true;
            string name = raw.ToLowerInvariant();
            if (name == "default") selected.UnionWith(DefaultSections);
            else if (name == "all" || name == "everything") selected.UnionWith(SectionOrder);
            else selected.Add(name);
        }
        if (!any) selected.UnionWith(DefaultSections);
        return selected;
    }

    public static string Build(Server server, IEnumerable<string> args) => Build(server, ResolveSections(args));

    public static string Build(Server server, HashSet<string> sections)
    {
        var w = new Writer();
        foreach (var name in SectionOrder)
        {
            if (!sections.Contains(name)) continue;
            w.BeginSection(name);
            switch (name)
            {
                case "server": Server(w, server); break;
                case "clients": Clients(w, server); break;
                case "memory": Memory(w, server); break;
                case "persistence": Persistence(w, server); break;
                case "stats": Stats(w, server); break;
                case "replication": Replication(w, server); break;
                case "cpu": Cpu(w); break;
                case "modules": break;
                case "commandstats": CommandStats(w, server); break;
                case "errorstats": ErrorStats(w, server); break;
                case "latencystats": LatencyStats(w, server); break;
                case "cluster": w.Field("cluster_enabled", 0); break;
                case "keyspace": Keyspace(w, server); break;
            }
        }
        return w.ToString();
    }

    /// <summary>Accumulates "name:value\r\n" lines with section headers.</summary>
    sealed class Writer
    {
        readonly StringBuilder _sb = new(4096);
        int _sections;

        public void BeginSection(string name)
        {
            if (_sections++ > 0) _sb.Append("\r\n");
            _sb.Append("# ").Append(Title(name)).Append("\r\n");
        }

        public void Field(string name, string value) => _sb.Append(name).Append(':').Append(value).Append("\r\n");
        public void Field(string name, long value) => _sb.Append(name).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        /// <summary>%.2f</summary>
        public void Field2(string name, double value) => Field(name, value.ToString("F2", CultureInfo.InvariantCulture));
        public void Percent(string name, double value) => Field(name, value.ToString("F2", CultureInfo.InvariantCulture) + "%");
        public void Bytes(string name, long value)
        {
            Field(name, value);
            Field(name + "_human", MemoryStats.Human(value));
        }

        public void Line(string text) => _sb.Append(text).Append("\r\n");

        public override string ToString() => _sb.ToString();

        static string Title(string name) => name switch
        {
            "cpu" => "CPU",
            _ => char.ToUpperInvariant(name[0]) + name[1..],
        };
    }

    static readonly string BuildId = Convert.ToHexString(typeof(InfoBuilder).Assembly.ManifestModule.ModuleVersionId.ToByteArray(), 0, 8).ToLowerInvariant();

    /// <summary>Unix time in microseconds as the server sees it (TIME, server_time_usec).</summary>
    public static long NowMicros(Server server) => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10 + server.Clock.OffsetMs * 1000;

    /// <summary>Redis's 24-bit LRU clock (seconds resolution) for INFO lru_clock and DEBUG OBJECT.</summary>
    public static long LruClock(Server server) => (server.StartTimeMs / 1000 + server.Keyspace.LruClock) & 0xFFFFFF;

    static void Server(Writer w, Server s)
    {
        long uptime = (long)s.Uptime.Elapsed.TotalSeconds;
        w.Field("redis_version", Engine.Server.Version);
        w.Field("redis_git_sha1", "00000000");
        w.Field("redis_git_dirty", 0);
        w.Field("redis_build_id", BuildId);
        w.Field("redis_mode", "standalone");
        w.Field("os", ProcessInfo.OperatingSystemName());
        w.Field("arch_bits", IntPtr.Size * 8);
        w.Field("monotonic_clock", "POSIX clock_gettime");
        w.Field("multiplexing_api", OperatingSystem.IsLinux() ? "epoll" : OperatingSystem.IsWindows() ? "iocp" : "kqueue");
        w.Field("atomicvar_api", "dotnet-interlocked");
        w.Field("gcc_version", "0.0.0");
        w.Field("process_id", Environment.ProcessId);
        w.Field("process_supervised", "no");
        w.Field("run_id", s.RunId);
        w.Field("tcp_port", s.Config.Port);
        w.Field("server_time_usec", NowMicros(s));
        w.Field("uptime_in_seconds", uptime);
        w.Field("uptime_in_days", uptime / 86400);
        w.Field("hz", s.Config.Hz);
        w.Field("configured_hz", s.Config.Hz);
        w.Field("lru_clock", LruClock(s));
        w.Field("executable", s.ExecutablePath);
        w.Field("config_file", s.ConfigFilePath ?? "");
        w.Field("io_threads_active", 0);
        w.Field("mirra_version", Engine.Server.MirraVersion);
    }

    static void Clients(Writer w, Server s)
    {
        long maxInput = 0, maxOutput = 0;
        foreach (var c in s.Clients.All)
        {
            maxInput = Math.Max(maxInput, c.Transport?.QueryBufferLength ?? 0);
            maxOutput = Math.Max(maxOutput, Math.Max(c.Reply.Length, c.Transport?.PendingOutputBytes(c) ?? 0));
        }
        w.Field("connected_clients", s.Clients.Count);
        w.Field("cluster_connections", 0);
        w.Field("maxclients", s.Config.MaxClients);
        w.Field("client_recent_max_input_buffer", maxInput);
        w.Field("client_recent_max_output_buffer", maxOutput);
        w.Field("blocked_clients", s.Blocking.BlockedCount + s.Clients.PostponedCount); // Redis 7.0 counts clients postponed by CLIENT PAUSE too
        w.Field("tracking_clients", 0);
        w.Field("clients_in_timeout_table", s.Blocking.WithTimeoutCount);
    }

    static void Memory(Writer w, Server s)
    {
        var m = s.Memory.Measure();
        w.Bytes("used_memory", m.Used);
        w.Bytes("used_memory_rss", m.Rss);
        w.Bytes("used_memory_peak", m.Peak);
        w.Percent("used_memory_peak_perc", m.PeakPercent);
        w.Field("used_memory_overhead", m.OverheadTotal);
        w.Field("used_memory_startup", m.Startup);
        w.Field("used_memory_dataset", m.Dataset);
        w.Percent("used_memory_dataset_perc", m.DatasetPercent);
        w.Field("allocator_allocated", m.AllocatorAllocated);
        w.Field("allocator_active", m.AllocatorActive);
        w.Field("allocator_resident", m.AllocatorResident);
        w.Bytes("total_system_memory", ProcessInfo.TotalSystemMemory());
        // No scripting engine yet: the Lua and function figures are those of an empty one.
        w.Field("used_memory_lua", m.LuaCaches);
        w.Field("used_memory_vm_eval", 0);
        w.Field("used_memory_lua_human", MemoryStats.Human(m.LuaCaches));
        w.Field("used_memory_scripts_eval", 0);
        w.Field("number_of_cached_scripts", 0);
        w.Field("number_of_functions", 0);
        w.Field("number_of_libraries", 0);
        w.Field("used_memory_vm_functions", 0);
        w.Bytes("used_memory_vm_total", 0);
        w.Field("used_memory_functions", m.FunctionsCaches);
        w.Bytes("used_memory_scripts", m.FunctionsCaches);
        w.Bytes("maxmemory", s.Config.MaxMemory);
        w.Field("maxmemory_policy", s.ConfigRegistry.GetValue("maxmemory-policy") ?? "noeviction");
        w.Field2("allocator_frag_ratio", m.AllocatorFragRatio);
        w.Field("allocator_frag_bytes", m.AllocatorFragBytes);
        w.Field2("allocator_rss_ratio", m.AllocatorRssRatio);
        w.Field("allocator_rss_bytes", m.AllocatorRssBytes);
        w.Field2("rss_overhead_ratio", m.RssOverheadRatio);
        w.Field("rss_overhead_bytes", m.RssOverheadBytes);
        w.Field2("mem_fragmentation_ratio", m.FragmentationRatio);
        w.Field("mem_fragmentation_bytes", m.FragmentationBytes);
        w.Field("mem_not_counted_for_evict", 0);
        w.Field("mem_replication_backlog", m.ReplicationBacklog);
        w.Field("mem_total_replication_buffers", m.ReplicationBacklog);
        w.Field("mem_clients_slaves", m.ClientsReplicas);
        w.Field("mem_clients_normal", m.ClientsNormal);
        w.Field("mem_cluster_links", 0);
        w.Field("mem_aof_buffer", m.AofBuffer);
        w.Field("mem_allocator", "dotnet-gc");
        w.Field("active_defrag_running", 0);
        w.Field("lazyfree_pending_objects", 0);
        w.Field("lazyfreed_objects", 0);
    }

    static void Persistence(Writer w, Server s)
    {
        var rdb = s.Rdb;
        var loading = s.Loading;
        var save = rdb.Background?.Snapshot;
        w.Field("loading", loading.Active ? 1 : 0);
        w.Field("async_loading", 0);
        w.Field("current_cow_peak", 0); // no fork, no copy-on-write
        w.Field("current_cow_size", 0);
        w.Field("current_cow_size_age", 0);
        w.Field2("current_fork_perc", save != null && save.KeysTotal > 0 ? 100.0 * save.KeysProcessed / save.KeysTotal : 0);
        w.Field("current_save_keys_processed", save?.KeysProcessed ?? 0);
        w.Field("current_save_keys_total", save?.KeysTotal ?? 0);
        w.Field("rdb_changes_since_last_save", s.Dirty);
        w.Field("rdb_bgsave_in_progress", rdb.Background != null ? 1 : 0);
        w.Field("rdb_last_save_time", rdb.LastSaveUnix);
        w.Field("rdb_last_bgsave_status", rdb.LastBgsaveOk ? "ok" : "err");
        w.Field("rdb_last_bgsave_time_sec", rdb.LastBgsaveSeconds);
        w.Field("rdb_current_bgsave_time_sec", rdb.CurrentBgsaveSeconds);
        w.Field("rdb_saves", rdb.Saves);
        w.Field("rdb_last_cow_size", 0);
        w.Field("rdb_last_load_keys_expired", rdb.LastLoadKeysExpired);
        w.Field("rdb_last_load_keys_loaded", rdb.LastLoadKeysLoaded);
        s.Aof.AppendInfo(w.Field, tail: false);
        w.Field("module_fork_in_progress", 0);
        w.Field("module_fork_last_cow_size", 0);
        s.Aof.AppendInfo(w.Field, tail: true);
        if (loading.Active)
        {
            long now = s.Clock.NowMs();
            w.Field("loading_start_time", loading.StartUnix);
            w.Field("loading_total_bytes", loading.TotalBytes);
            w.Field("loading_rdb_used_mem", loading.RdbUsedMemory);
            w.Field("loading_loaded_bytes", loading.LoadedBytes);
            w.Field2("loading_loaded_perc", loading.Percent);
            w.Field("loading_eta_seconds", loading.EtaSeconds(now));
        }
    }

    static void Stats(Writer w, Server s)
    {
        var st = s.Stats;
        w.Field("total_connections_received", st.TotalConnectionsReceived);
        w.Field("total_commands_processed", st.TotalCommandsProcessed);
        w.Field("instantaneous_ops_per_sec", (long)st.OpsPerSec.Value);
        w.Field("total_net_input_bytes", Interlocked.Read(ref st.NetInputBytes));
        w.Field("total_net_output_bytes", Interlocked.Read(ref st.NetOutputBytes));
        w.Field("total_net_repl_input_bytes", Interlocked.Read(ref st.NetReplInputBytes));
        w.Field("total_net_repl_output_bytes", 0);
        w.Field2("instantaneous_input_kbps", (long)st.InputKbps.Value / 1024.0);
        w.Field2("instantaneous_output_kbps", (long)st.OutputKbps.Value / 1024.0);
        w.Field2("instantaneous_input_repl_kbps", 0);
        w.Field2("instantaneous_output_repl_kbps", 0);
        w.Field("rejected_connections", st.RejectedConnections);
        w.Field("sync_full", 0);
        w.Field("sync_partial_ok", 0);
        w.Field("sync_partial_err", 0);
        w.Field("expired_keys", s.Keyspace.ExpiredKeys);
        w.Field2("expired_stale_perc", s.ActiveExpiry.StalePercent);
        w.Field("expired_time_cap_reached_count", s.ActiveExpiry.TimeCapReachedCount);
        w.Field("expire_cycle_cpu_milliseconds", s.ActiveExpiry.CycleTimeUsedUs / 1000);
        w.Field("evicted_keys", st.EvictedKeys);
        w.Field("evicted_clients", 0);
        w.Field("total_eviction_exceeded_time", 0);
        w.Field("current_eviction_exceeded_time", 0);
        w.Field("keyspace_hits", st.KeyspaceHits);
        w.Field("keyspace_misses", st.KeyspaceMisses);
        w.Field("pubsub_channels", s.PubSub.ChannelCount);
        w.Field("pubsub_patterns", s.PubSub.PatternCount);
        w.Field("pubsubshard_channels", s.PubSub.ShardChannelCount);
        w.Field("latest_fork_usec", 0);
        w.Field("total_forks", 0);
        w.Field("migrate_cached_sockets", 0);
        w.Field("slave_expires_tracked_keys", 0);
        w.Field("active_defrag_hits", 0);
        w.Field("active_defrag_misses", 0);
        w.Field("active_defrag_key_hits", 0);
        w.Field("active_defrag_key_misses", 0);
        w.Field("total_active_defrag_time", 0);
        w.Field("current_active_defrag_time", 0);
        w.Field("tracking_total_keys", 0);
        w.Field("tracking_total_items", 0);
        w.Field("tracking_total_prefixes", 0);
        w.Field("unexpected_error_replies", st.UnexpectedErrorReplies);
        w.Field("total_error_replies", st.TotalErrorReplies);
        w.Field("dump_payload_sanitizations", 0);
        w.Field("total_reads_processed", st.TotalReadsProcessed);
        w.Field("total_writes_processed", st.TotalWritesProcessed);
        w.Field("io_threaded_reads_processed", 0);
        w.Field("io_threaded_writes_processed", 0);
        w.Field("reply_buffer_shrinks", 0);
        w.Field("reply_buffer_expands", 0);
    }

    static void Replication(Writer w, Server s)
    {
        // Redis's order: role, the replica's link fields, then replicas, failover state, ids and backlog.
        w.Field("role", s.IsReplica ? "slave" : "master");
        Mirra.Replication.ReplicaInfo.Append(w.Field, w.Field, s);
        Mirra.Replication.MasterInfo.Append(w.Field, w.Field, s);
    }

    static void Cpu(Writer w)
    {
        var self = ProcessInfo.CpuTimes(CpuScope.Process);
        var children = ProcessInfo.CpuTimes(CpuScope.Children);
        var main = ProcessInfo.CpuTimes(CpuScope.CurrentThread); // INFO runs on the executor: Redis's main thread
        w.Field("used_cpu_sys", Seconds(self.System));
        w.Field("used_cpu_user", Seconds(self.User));
        w.Field("used_cpu_sys_children", Seconds(children.System));
        w.Field("used_cpu_user_children", Seconds(children.User));
        w.Field("used_cpu_sys_main_thread", Seconds(main.System));
        w.Field("used_cpu_user_main_thread", Seconds(main.User));
    }

    static string Seconds(double s) => s.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>Commands and subcommands in table order, parents before their subcommands.</summary>
    public static IEnumerable<CommandSpec> AllCommands(Server s)
    {
        foreach (var c in s.Commands.All)
        {
            yield return c;
            if (c.Subcommands == null) continue;
            foreach (var sub in c.Subcommands.Values) yield return sub;
        }
    }

    static void CommandStats(Writer w, Server s)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var c in AllCommands(s))
        {
            if (c.Calls == 0 && c.FailedCalls == 0 && c.RejectedCalls == 0) continue;
            float perCall = c.Calls == 0 ? 0 : (float)c.Microseconds / c.Calls;
            w.Line($"cmdstat_{c.FullName}:calls={c.Calls.ToString(inv)},usec={c.Microseconds.ToString(inv)},usec_per_call={perCall.ToString("F2", inv)}," +
                   $"rejected_calls={c.RejectedCalls.ToString(inv)},failed_calls={c.FailedCalls.ToString(inv)}");
        }
    }

    static void ErrorStats(Writer w, Server s)
    {
        foreach (var (code, count) in s.Stats.ErrorCounts)
            w.Line($"errorstat_{code}:count={count.ToString(CultureInfo.InvariantCulture)}");
    }

    static void LatencyStats(Writer w, Server s)
    {
        if (!s.Config.LatencyTracking) return;
        var inv = CultureInfo.InvariantCulture;
        var percentiles = s.Config.LatencyTrackingInfoPercentiles;
        var line = new StringBuilder();
        foreach (var c in AllCommands(s))
        {
            var h = c.Latency;
            if (h == null || h.TotalCount == 0) continue;
            line.Clear().Append("latency_percentiles_usec_").Append(c.FullName).Append(':');
            for (int i = 0; i < percentiles.Count; i++)
            {
                if (i > 0) line.Append(',');
                line.Append('p').Append(PercentileLabel(percentiles[i])).Append('=')
                    .Append((h.ValueAtPercentile(percentiles[i]) / 1000.0).ToString("F3", inv));
            }
            w.Line(line.ToString());
        }
    }

    /// <summary>"50", "99", "99.9": the percentile printed with %f and its trailing zeros dropped.</summary>
    public static string PercentileLabel(double p) => p.ToString("0.######", CultureInfo.InvariantCulture);

    static void Keyspace(Writer w, Server s)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var db in s.Keyspace.Databases)
        {
            if (db.Count == 0) continue;
            w.Line($"db{db.Index.ToString(inv)}:keys={db.Count.ToString(inv)},expires={db.ExpiresCount.ToString(inv)},avg_ttl={db.AverageTtl.ToString(inv)}");
        }
    }
}
