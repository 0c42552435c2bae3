using Mirra.Config;
using Mirra.Observability;

namespace Mirra.Engine;

/// <summary>
/// What CONFIG SET changes at run time beyond the values themselves (most of the engine simply
/// reads Server.Config when it needs a value), and which directives Mirra implements: the others
/// are accepted, shown and rewritten, and logged once at startup as having no effect.
/// </summary>
public static class ConfigHooks
{
    /// <summary>Directives with a real effect in Mirra today.</summary>
    static readonly string[] Implemented =
    {
        "port", "bind", "protected-mode", "requirepass", "maxclients", "timeout", "tcp-keepalive", "tcp-backlog",
        "unixsocket", "unixsocketperm", "databases", "loglevel", "logfile", "pidfile", "daemonize", "always-show-logo",
        "dir", "hz", "dynamic-hz", "proto-max-bulk-len", "client-query-buffer-limit",
        "hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries", "hash-max-ziplist-value",
        "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold", "latency-tracking",
        "latency-tracking-info-percentiles", "enable-debug-command", "enable-module-command", "enable-protected-configs",
        "active-expire-effort", "lazyfree-lazy-expire", "maxmemory-policy", "dual-channel-replication-enabled",
        "shutdown-on-sigterm", "shutdown-on-sigint", "shutdown-timeout", "save", "appendonly", "dbfilename",
        "key-load-delay", "rdb-key-save-delay",
    };

    public static void Register(Server server)
    {
        var registry = server.ConfigRegistry;
        registry.MarkImplemented(Implemented);
        registry.RegisterApplyHook("loglevel", _ => { server.Log.Level = ToLogLevel(server.Config.LogLevel); return null; });
        registry.RegisterApplyHook("slowlog-log-slower-than", _ => { server.SlowLog.SlowerThan = server.Config.SlowlogLogSlowerThan; return null; });
        registry.RegisterApplyHook("slowlog-max-len", _ =>
        {
            server.SlowLog.MaxLength = (int)Math.Min(int.MaxValue, server.Config.SlowlogMaxLen);
            server.SlowLog.Trim();
            return null;
        });
        registry.RegisterApplyHook("latency-monitor-threshold", _ => { server.Latency.ThresholdMs = server.Config.LatencyMonitorThreshold; return null; });
        registry.RegisterApplyHook("dir", _ =>
        {
            try { Directory.SetCurrentDirectory(server.Config.Dir); return null; }
            catch (Exception ex) { return ex.Message; }
        });
        // Redis's texts; the reason goes to the log.
        registry.RegisterApplyHook("port", _ => server.RebindTcp() == null ? null : "Unable to listen on this port. Check server logs.");
        registry.RegisterApplyHook("bind", _ => server.RebindTcp() == null ? null : "Failed to bind to specified addresses.");
    }

    public static Observability.LogLevel ToLogLevel(Config.LogLevel level) => level switch
    {
        Config.LogLevel.Debug => Observability.LogLevel.Debug,
        Config.LogLevel.Verbose => Observability.LogLevel.Verbose,
        Config.LogLevel.Notice => Observability.LogLevel.Notice,
        _ => Observability.LogLevel.Warning,
    };
}
