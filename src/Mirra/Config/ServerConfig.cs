namespace Mirra.Config;

// TEMPORARY until the config registry lands (branch `config`): the values the engine reads.
public sealed class ServerConfig
{
    public int Port = 6379;
    public string[] Bind = { "*", "-::*" };
    public bool ProtectedMode = true;
    public string RequirePass = "";
    public int MaxClients = 10000;
    public int Timeout;
    public int TcpKeepalive = 300;
    public int TcpBacklog = 511;
    public string UnixSocket = "";
    /// <summary>unixsocketperm, octal in the config (e.g. 700); 0 = leave the umask's permissions.</summary>
    public int UnixSocketPerm;
    /// <summary>
    /// save points ("3600 1 300 100 60 10000" is Redis's default). Empty until RDB persistence lands:
    /// with save points SHUTDOWN and SIGTERM must save first, and would fail without RDB support.
    /// </summary>
    public string Save = "";
    public int Databases = 16;
    public string LogLevel = "notice";
    public string LogFile = "";
    public string PidFile = "";
    public bool Daemonize;
    public bool AlwaysShowLogo;
    public int Hz = 10;
    public long ProtoMaxBulkLen = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit = 1024L * 1024 * 1024;
    public int HashMaxListpackEntries = 128;
    public int HashMaxListpackValue = 64;
    public long SlowlogLogSlowerThan = 10000;
    public int SlowlogMaxLen = 128;
    public long LatencyMonitorThreshold;
    public string EnableDebugCommand = "no";   // yes | local | no
    public string EnableModuleCommand = "no";
    public bool LatencyTracking = true;
    public double[] LatencyTrackingInfoPercentiles = { 50, 99, 99.9 };
    public long Maxmemory;
    public string MaxmemoryPolicy = "noeviction";
    public long ReplBacklogSize = 1024 * 1024;
    public int ActiveExpireEffort = 1;
    public bool LazyfreeLazyExpire;
}
