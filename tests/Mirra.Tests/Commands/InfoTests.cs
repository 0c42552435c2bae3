using System.Text.RegularExpressions;
using Mirra.Config;
using Mirra.Observability;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class InfoTests
{
    /// <summary>Field names of each section of `INFO everything`, in order, as captured from redis-server 7.0.15.</summary>
    static readonly Dictionary<string, string> RedisFields = new()
    {
        ["server"] = "redis_version redis_git_sha1 redis_git_dirty redis_build_id redis_mode os arch_bits monotonic_clock multiplexing_api atomicvar_api gcc_version process_id process_supervised run_id tcp_port server_time_usec uptime_in_seconds uptime_in_days hz configured_hz lru_clock executable config_file io_threads_active",
        ["clients"] = "connected_clients cluster_connections maxclients client_recent_max_input_buffer client_recent_max_output_buffer blocked_clients tracking_clients clients_in_timeout_table",
        ["memory"] = "used_memory used_memory_human used_memory_rss used_memory_rss_human used_memory_peak used_memory_peak_human used_memory_peak_perc used_memory_overhead used_memory_startup used_memory_dataset used_memory_dataset_perc allocator_allocated allocator_active allocator_resident total_system_memory total_system_memory_human used_memory_lua used_memory_vm_eval used_memory_lua_human used_memory_scripts_eval number_of_cached_scripts number_of_functions number_of_libraries used_memory_vm_functions used_memory_vm_total used_memory_vm_total_human used_memory_functions used_memory_scripts used_memory_scripts_human maxmemory maxmemory_human maxmemory_policy allocator_frag_ratio allocator_frag_bytes allocator_rss_ratio allocator_rss_bytes rss_overhead_ratio rss_overhead_bytes mem_fragmentation_ratio mem_fragmentation_bytes mem_not_counted_for_evict mem_replication_backlog mem_total_replication_buffers mem_clients_slaves mem_clients_normal mem_cluster_links mem_aof_buffer mem_allocator active_defrag_running lazyfree_pending_objects lazyfreed_objects",
        ["persistence"] = "loading async_loading current_cow_peak current_cow_size current_cow_size_age current_fork_perc current_save_keys_processed current_save_keys_total rdb_changes_since_last_save rdb_bgsave_in_progress rdb_last_save_time rdb_last_bgsave_status rdb_last_bgsave_time_sec rdb_current_bgsave_time_sec rdb_saves rdb_last_cow_size rdb_last_load_keys_expired rdb_last_load_keys_loaded aof_enabled aof_rewrite_in_progress aof_rewrite_scheduled aof_last_rewrite_time_sec aof_current_rewrite_time_sec aof_last_bgrewrite_status aof_rewrites aof_rewrites_consecutive_failures aof_last_write_status aof_last_cow_size module_fork_in_progress module_fork_last_cow_size",
        ["stats"] = "total_connections_received total_commands_processed instantaneous_ops_per_sec total_net_input_bytes total_net_output_bytes total_net_repl_input_bytes total_net_repl_output_bytes instantaneous_input_kbps instantaneous_output_kbps instantaneous_input_repl_kbps instantaneous_output_repl_kbps rejected_connections sync_full sync_partial_ok sync_partial_err expired_keys expired_stale_perc expired_time_cap_reached_count expire_cycle_cpu_milliseconds evicted_keys evicted_clients total_eviction_exceeded_time current_eviction_exceeded_time keyspace_hits keyspace_misses pubsub_channels pubsub_patterns pubsubshard_channels latest_fork_usec total_forks migrate_cached_sockets slave_expires_tracked_keys active_defrag_hits active_defrag_misses active_defrag_key_hits active_defrag_key_misses total_active_defrag_time current_active_defrag_time tracking_total_keys tracking_total_items tracking_total_prefixes unexpected_error_replies total_error_replies dump_payload_sanitizations total_reads_processed total_writes_processed io_threaded_reads_processed io_threaded_writes_processed reply_buffer_shrinks reply_buffer_expands",
        ["replication"] = "role connected_slaves master_failover_state master_replid master_replid2 master_repl_offset second_repl_offset repl_backlog_active repl_backlog_size repl_backlog_first_byte_offset repl_backlog_histlen",
        ["cpu"] = "used_cpu_sys used_cpu_user used_cpu_sys_children used_cpu_user_children used_cpu_sys_main_thread used_cpu_user_main_thread",
        ["cluster"] = "cluster_enabled",
    };

    /// <summary>The bulk string's text (RESP2).</summary>
    static string Body(string reply)
    {
        Assert.StartsWith("$", reply);
        int nl = reply.IndexOf("\r\n", StringComparison.Ordinal);
        int len = int.Parse(reply[1..nl]);
        string body = reply.Substring(nl + 2, len);
        Assert.Equal("\r\n", reply[(nl + 2 + len)..]);
        return body;
    }

    static string Info(TestServer s, params string[] sections) => Body(s.Run(["INFO", .. sections]));

    /// <summary>Section title → ordered (field, value) list.</summary>
    static Dictionary<string, List<(string Name, string Value)>> Parse(string text)
    {
        var result = new Dictionary<string, List<(string, string)>>();
        List<(string, string)>? current = null;
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith("# ")) result[line[2..].ToLowerInvariant()] = current = new();
            else if (line.Length > 0)
            {
                int colon = line.IndexOf(':');
                current!.Add((line[..colon], line[(colon + 1)..]));
            }
        }
        return result;
    }

    static string Field(string text, string name)
    {
        var m = Regex.Match(text, $"(?m)^{Regex.Escape(name)}:(.*)\r$");
        Assert.True(m.Success, $"missing field {name}");
        return m.Groups[1].Value;
    }

    static long Long(string text, string name) => long.Parse(Field(text, name));

    [Fact]
    public void EveryFixedSectionHasRedisFieldsInRedisOrder()
    {
        var s = new TestServer();
        var sections = Parse(Info(s, "everything"));
        foreach (var (section, expected) in RedisFields)
        {
            var names = sections[section].Select(f => f.Name).ToList();
            var redis = expected.Split(' ');
            if (section == "server") Assert.Equal([.. redis, "mirra_version"], names);
            else Assert.Equal(redis, names);
        }
    }

    [Fact]
    public void SectionsComeInRedisOrderWithBlankLinesBetween()
    {
        var s = new TestServer();
        string all = Info(s, "everything");
        var headers = Regex.Matches(all, "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"], headers);
        Assert.Equal(headers, Regex.Matches(Info(s, "all"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
        Assert.StartsWith("# Server\r\nredis_version:7.0.15\r\n", all);
        Assert.Contains("io_threads_active:0\r\nmirra_version:0.1.0\r\n\r\n# Clients\r\n", all);
        Assert.Contains("\r\n\r\n# Modules\r\n\r\n# Commandstats\r\n", all);
    }

    [Fact]
    public void PlainInfoAndDefaultPrintTheDefaultSections()
    {
        var s = new TestServer();
        string[] expected = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"];
        Assert.Equal(expected, Regex.Matches(Info(s), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
        Assert.Equal(expected, Regex.Matches(Info(s, "DEFAULT"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
        string[] withCommandStats = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Cluster", "Keyspace"];
        Assert.Equal(withCommandStats, Regex.Matches(Info(s, "default", "commandstats"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void SectionNamesAreCaseInsensitiveRepeatableAndPrintedInRedisOrder()
    {
        var s = new TestServer();
        Assert.Equal(["Server"], Regex.Matches(Info(s, "SERVER", "foo", "server"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
        Assert.Equal(["Server", "Keyspace"], Regex.Matches(Info(s, "KEYSPACE", "server"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
        Assert.Equal(["Commandstats", "Errorstats"], Regex.Matches(Info(s, "errorstats", "commandstats"), "(?m)^# (.*)\r$").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void ExactRepliesForSmallSections()
    {
        // Verified byte for byte against redis-server 7.0.15.
        var s = new TestServer();
        Assert.Equal("$0\r\n\r\n", s.Run("INFO", "foo"));
        Assert.Equal("$11\r\n# Modules\r\n\r\n", s.Run("INFO", "modules"));
        Assert.Equal("$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n", s.Run("INFO", "cluster"));
        Assert.Equal("$12\r\n# Keyspace\r\n\r\n", s.Run("INFO", "keyspace"));
        Assert.Equal("$14\r\n# Errorstats\r\n\r\n", s.Run("INFO", "errorstats"));
    }

    [Fact]
    public void Resp3RepliesAreVerbatimText()
    {
        var s = new TestServer();
        s.Run("HELLO", "3");
        Assert.Equal("=4\r\ntxt:\r\n", s.Run("INFO", "foo"));
        Assert.Equal("=15\r\ntxt:# Modules\r\n\r\n", s.Run("INFO", "modules"));
        Assert.StartsWith("=", s.Run("INFO"));
    }

    [Fact]
    public void ServerSectionReportsThisProcess()
    {
        var s = new TestServer("port", "7777", "hz", "25");
        string info = Info(s, "server");
        Assert.Equal("7.0.15", Field(info, "redis_version"));
        Assert.Equal("standalone", Field(info, "redis_mode"));
        Assert.Equal(s.Server.RunId, Field(info, "run_id"));
        Assert.Matches("^[0-9a-f]{40}$", Field(info, "run_id"));
        Assert.Equal(Environment.ProcessId, Long(info, "process_id"));
        Assert.Equal(7777, Long(info, "tcp_port"));
        Assert.Equal(25, Long(info, "hz"));
        Assert.Equal(25, Long(info, "configured_hz"));
        Assert.Equal(s.Server.ExecutablePath, Field(info, "executable"));
        Assert.Equal(IntPtr.Size * 8, Long(info, "arch_bits"));
        Assert.InRange(Long(info, "uptime_in_seconds"), 0, 60);
        Assert.Equal(0, Long(info, "uptime_in_days"));
        Assert.InRange(Long(info, "server_time_usec"), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 - 60_000_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 1_000_000);
        Assert.InRange(Long(info, "lru_clock"), 0, 0xFFFFFF);
        Assert.Equal("0.1.0", Field(info, "mirra_version"));
        Assert.False(string.IsNullOrEmpty(Field(info, "os")));
    }

    [Fact]
    public void ClientsSectionReportsLimits()
    {
        var s = new TestServer("maxclients", "42");
        string info = Info(s, "clients");
        Assert.Equal(42, Long(info, "maxclients"));
        Assert.Equal(0, Long(info, "cluster_connections"));
        Assert.Equal(0, Long(info, "blocked_clients"));
        Assert.Equal(s.Server.Clients.Count, Long(info, "connected_clients"));
    }

    [Fact]
    public void MemorySectionHasRealFigures()
    {
        var s = new TestServer("maxmemory", "104857600", "maxmemory-policy", "allkeys-lru");
        string info = Info(s, "memory");
        long used = Long(info, "used_memory");
        Assert.True(used > 0);
        Assert.Equal(MemoryStats.Human(used), Field(info, "used_memory_human"));
        Assert.True(Long(info, "used_memory_rss") > 0);
        Assert.True(Long(info, "used_memory_peak") >= used);
        Assert.Matches(@"^\d+\.\d\d%$", Field(info, "used_memory_peak_perc"));
        Assert.Matches(@"^\d+\.\d\d%$", Field(info, "used_memory_dataset_perc"));
        Assert.True(Long(info, "used_memory_startup") > 0);
        Assert.True(Long(info, "used_memory_overhead") >= Long(info, "used_memory_startup"));
        Assert.True(Long(info, "total_system_memory") > 0);
        Assert.Equal(104857600, Long(info, "maxmemory"));
        Assert.Equal("100.00M", Field(info, "maxmemory_human"));
        Assert.Equal("allkeys-lru", Field(info, "maxmemory_policy"));
        Assert.Equal("dotnet-gc", Field(info, "mem_allocator"));
        Assert.Matches(@"^\d+\.\d\d$", Field(info, "mem_fragmentation_ratio"));
        Assert.Equal(0, Long(info, "lazyfree_pending_objects"));
    }

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(1023, "1023B")]
    [InlineData(1024, "1.00K")]
    [InlineData(32768, "32.00K")]
    [InlineData(990568, "967.35K")]
    [InlineData(12124160, "11.56M")]
    [InlineData(25276510208, "23.54G")]
    public void HumanBytesMatchRedis(long bytes, string expected) => Assert.Equal(expected, MemoryStats.Human(bytes));

    [Fact]
    public void PersistenceSectionCountsChangesSinceStart()
    {
        var s = new TestServer();
        s.Run("SET", "a", "1");
        s.Run("SET", "b", "2");
        s.Run("GET", "a");
        string info = Info(s, "persistence");
        Assert.Equal(2, Long(info, "rdb_changes_since_last_save"));
        Assert.Equal(s.Server.StartTimeMs / 1000, Long(info, "rdb_last_save_time"));
        Assert.Equal("ok", Field(info, "rdb_last_bgsave_status"));
        Assert.Equal(0, Long(info, "loading"));
        Assert.Equal(0, Long(info, "aof_enabled"));
        Assert.Equal(-1, Long(info, "rdb_last_bgsave_time_sec"));
    }

    [Fact]
    public void StatsCountCommandsHitsMissesErrorsAndExpiredKeys()
    {
        var s = new TestServer();
        s.Run("SET", "k", "v");
        s.Run("GET", "k");
        s.Run("GET", "nokey");
        s.Run("SET", "gone", "v", "PX", "100");
        s.AdvanceTime(200);
        s.Run("GET", "gone");
        s.Run("NOSUCHCOMMAND");
        string info = Info(s, "stats");
        Assert.True(Long(info, "total_commands_processed") >= 5);
        Assert.Equal(1, Long(info, "keyspace_hits"));
        Assert.Equal(2, Long(info, "keyspace_misses"));
        Assert.Equal(1, Long(info, "expired_keys"));
        Assert.Equal(1, Long(info, "total_error_replies"));
        Assert.Matches(@"^\d+\.\d\d$", Field(info, "instantaneous_input_kbps"));
    }

    [Fact]
    public void TotalCommandsProcessedCountsEveryCall()
    {
        var s = new TestServer();
        long before = Long(Info(s, "stats"), "total_commands_processed");
        s.Run("PING");
        s.Run("PING");
        s.Run("PING");
        // The three PINGs and the first INFO itself.
        Assert.Equal(before + 4, Long(Info(s, "stats"), "total_commands_processed"));
    }

    [Fact]
    public void ReplicationSectionIsTheMasterForm()
    {
        var s = new TestServer();
        string info = Info(s, "replication");
        Assert.Equal("master", Field(info, "role"));
        Assert.Equal(0, Long(info, "connected_slaves"));
        Assert.Equal("no-failover", Field(info, "master_failover_state"));
        Assert.Matches("^[0-9a-f]{40}$", Field(info, "master_replid"));
        Assert.Equal(s.Server.Replication.ReplId, Field(info, "master_replid"));
        Assert.NotEqual(s.Server.RunId, Field(info, "master_replid"));
        Assert.Equal(new string('0', 40), Field(info, "master_replid2"));
        Assert.Equal(0, Long(info, "master_repl_offset"));
        Assert.Equal(-1, Long(info, "second_repl_offset"));
        Assert.Equal(1048576, Long(info, "repl_backlog_size"));
        Assert.Equal(0, Long(info, "repl_backlog_active"));
    }

    [Fact]
    public void CpuSectionHasSixDecimalSeconds()
    {
        var s = new TestServer();
        var cpu = Parse(Info(s, "cpu"))["cpu"];
        Assert.Equal(6, cpu.Count);
        foreach (var (_, value) in cpu) Assert.Matches(@"^\d+\.\d{6}$", value);
        Assert.True(double.Parse(cpu[0].Value) + double.Parse(cpu[1].Value) > 0);
    }

    [Fact]
    public void KeyspaceListsOnlyNonEmptyDatabases()
    {
        var s = new TestServer();
        s.Run("SET", "a", "1");
        s.Run("SET", "b", "2");
        s.Run("SET", "c", "3");
        Assert.Equal("$44\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n\r\n", s.Run("INFO", "keyspace"));
        s.Run("SELECT", "1");
        s.Run("SET", "k1", "v1");
        Assert.Equal("$76\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb1:keys=1,expires=0,avg_ttl=0\r\n\r\n", s.Run("INFO", "keyspace"));
        s.Run("SET", "k2", "v2", "EX", "100");
        Assert.Contains("db1:keys=2,expires=1,avg_ttl=", Info(s, "keyspace"));
    }

    [Fact]
    public void ErrorstatsCountErrorsByCodeInCodeOrder()
    {
        var s = new TestServer();
        s.Run("NOSUCHCOMMAND");
        Assert.Equal("$37\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\n\r\n", s.Run("INFO", "errorstats"));

        var auth = new TestServer("requirepass", "pw");
        auth.Run("GET", "k");
        auth.Run("NOSUCH");
        auth.Run("AUTH", "pw");
        Assert.Equal("$63\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\nerrorstat_NOAUTH:count=1\r\n\r\n", auth.Run("INFO", "errorstats"));
    }

    [Fact]
    public void CommandstatsShowCallsRejectionsFailuresAndSubcommands()
    {
        var s = new TestServer();
        s.Run("SET", "k", "v");
        s.Run("GET", "k");
        s.Run("GET");            // arity: rejected
        s.Run("MEMORY", "foo");  // unknown subcommand: rejected on the container
        s.Run("MEMORY", "USAGE", "k", "samples", "-1"); // syntax error: failed
        string info = Info(s, "commandstats");
        Assert.Matches(@"(?m)^cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r$", info);
        Assert.Matches(@"(?m)^cmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0\r$", info);
        Assert.Contains("cmdstat_memory:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n", info);
        Assert.Matches(@"(?m)^cmdstat_memory\|usage:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r$", info);
        Assert.DoesNotContain("cmdstat_ping", info);
    }

    [Fact]
    public void LatencystatsReportConfiguredPercentiles()
    {
        var s = new TestServer();
        s.Run("SET", "k", "v");
        s.Run("CONFIG", "RESETSTAT");
        string info = Info(s, "latencystats");
        Assert.Matches(@"(?m)^latency_percentiles_usec_config\|resetstat:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r$", info);
        Assert.DoesNotContain("latency_percentiles_usec_set", info); // RESETSTAT dropped it

        var custom = new TestServer("latency-tracking-info-percentiles", "0 99.99 100");
        custom.Run("PING");
        Assert.Matches(@"(?m)^latency_percentiles_usec_ping:p0=\d+\.\d{3},p99\.99=\d+\.\d{3},p100=\d+\.\d{3}\r$", Info(custom, "latencystats"));

        var off = new TestServer("latency-tracking", "no");
        off.Run("PING");
        Assert.Equal("$16\r\n# Latencystats\r\n\r\n", off.Run("INFO", "latencystats"));
    }

    [Fact]
    public void ConfigResetstatForgetsStatsButKeepsTheSlowlog()
    {
        var s = new TestServer();
        s.Server.SlowLog.SlowerThan = 0;
        s.Run("SET", "k", "v");
        s.Run("GET", "k");
        s.Run("GET", "missing");
        s.Run("NOSUCHCOMMAND");
        long slowlogBefore = s.Server.SlowLog.Count;
        Assert.Equal("+OK\r\n", s.Run("CONFIG", "RESETSTAT"));
        string info = Info(s, "stats", "errorstats", "commandstats");
        Assert.Equal(1, Long(info, "total_commands_processed")); // RESETSTAT itself
        Assert.Equal(0, Long(info, "keyspace_hits"));
        Assert.Equal(0, Long(info, "keyspace_misses"));
        Assert.Equal(0, Long(info, "total_error_replies"));
        Assert.DoesNotContain("errorstat_", info);
        Assert.DoesNotContain("cmdstat_get", info);
        Assert.Matches(@"(?m)^cmdstat_config\|resetstat:calls=1,", info);
        Assert.Equal(slowlogBefore + 2, s.Server.SlowLog.Count); // RESETSTAT and INFO joined it
        Assert.Equal(1, Long(Info(s, "persistence"), "rdb_changes_since_last_save")); // dirty is not a stat
        Assert.Equal("-ERR wrong number of arguments for 'config|resetstat' command\r\n", s.Run("CONFIG", "RESETSTAT", "x"));
    }

    [Fact]
    public void RoleIsTheMasterForm()
    {
        var s = new TestServer();
        Assert.Equal("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", s.Run("ROLE"));
        Assert.Equal("-ERR wrong number of arguments for 'role' command\r\n", s.Run("ROLE", "x"));
    }

    [Fact]
    public void TimeRepliesSecondsAndMicroseconds()
    {
        var s = new TestServer();
        var m = Regex.Match(s.Run("TIME"), @"^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$");
        Assert.True(m.Success);
        Assert.InRange(long.Parse(m.Groups[1].Value), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.InRange(long.Parse(m.Groups[2].Value), 0, 999_999);
        Assert.Equal("-ERR wrong number of arguments for 'time' command\r\n", s.Run("TIME", "x"));
    }
}
