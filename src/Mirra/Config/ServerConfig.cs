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
