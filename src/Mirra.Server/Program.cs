using System.Runtime.InteropServices;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Observability;

namespace Mirra.Server;

/// <summary>mirra-server: takes redis-server's arguments ([config-file] [--directive value ...]).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Run socket continuations on the epoll thread: the read loop only parses and hands off to the
        // executor, so this saves a thread-pool hop per read. Read once, at the first socket use.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        if (args.Length == 1 && args[0] is "-v" or "--version")
        {
            Console.WriteLine($"Mirra server v={Engine.Server.MirraVersion} sha=00000000:0 malloc=dotnet bits=64 build=0 redis-compat={Engine.Server.Version}");
            return 0;
        }
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine(Usage);
            return 1;
        }

        var log = new Log();
        var config = TemporaryArgs.Parse(args);
        if (Log.TryParseLevel(config.LogLevel, out var level)) log.Level = level;
        int pid = Environment.ProcessId;
        log.Role = 'C';
        log.Warning("oO0OoO0OoO0Oo Mirra is starting oO0OoO0OoO0Oo");
        log.Warning($"Mirra version={Engine.Server.MirraVersion} (Redis {Engine.Server.Version} compatible), bits=64, pid={pid}, just started");
        log.Warning(args.Length > 0 && !args[0].StartsWith("--") ? "Configuration loaded"
            : "Warning: no config file specified, using the default config. In order to specify a config file use mirra-server /path/to/redis.conf");
        log.Role = 'M';

        var server = new Engine.Server(config, log);
        string? error = server.Start();
        if (error != null)
        {
            log.Warning(error);
            return 1;
        }
        Shutdown.CreatePidFile(config, log);
        if (config.AlwaysShowLogo || !Console.IsOutputRedirected) log.Raw(Logo.Render(server.BoundPort, pid));
        else log.Notice($"Running mode=standalone, port={server.BoundPort}.");
        log.Warning("Server initialized");
        if (config.Port != 0) log.Notice("Ready to accept connections tcp");
        if (config.UnixSocket.Length > 0) log.Notice($"The server is now ready to accept connections at {config.UnixSocket}");

        // SHUTDOWN and the signals end the process the same way: Shutdown.Run on the executor, then exit(0).
        server.Shutdown.ExitProcess = Environment.Exit;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, server, "SIGTERM"));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, server, "SIGINT"));
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>Redis's sigShutdownHandler: schedule the shutdown; a second SIGINT while it is pending exits at once.</summary>
    static void OnSignal(PosixSignalContext context, Engine.Server server, string name)
    {
        context.Cancel = true;
        var log = server.Log;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (server.Shutdown.SignalPending && name == "SIGINT")
        {
            log.Raw($"{Environment.ProcessId}:signal-handler ({now}) You insist... exiting now.\n");
            Environment.Exit(1);
        }
        server.Shutdown.SignalPending = true;
        log.Raw($"{Environment.ProcessId}:signal-handler ({now}) Received {name} scheduling shutdown...\n");
        server.Executor.Post(() => server.Shutdown.Run(ShutdownFlags.None));
    }

    const string Usage = """
        Usage: ./mirra-server [/path/to/redis.conf] [options] [-]
               ./mirra-server - (read config from stdin)
               ./mirra-server -v or --version
               ./mirra-server -h or --help

        Examples:
               ./mirra-server (run the server with default conf)
               ./mirra-server /etc/redis/6379.conf
               ./mirra-server --port 7777
               ./mirra-server --port 7777 --replicaof 127.0.0.1 8888
               ./mirra-server /etc/myredis.conf --loglevel verbose -
               ./mirra-server /etc/myredis.conf --loglevel verbose
        """;
}

// TEMPORARY until the config registry lands: the directives the engine reads, as --name value.
static class TemporaryArgs
{
    public static ServerConfig Parse(string[] args)
    {
        var c = new ServerConfig();
        for (int i = 0; i + 1 < args.Length; i++)
        {
            string value = args[i + 1];
            switch (args[i].ToLowerInvariant())
            {
                case "--port": c.Port = int.Parse(value); break;
                case "--requirepass": c.RequirePass = value; break;
                case "--bind": c.Bind = value.Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                case "--unixsocket": c.UnixSocket = value; break;
                case "--unixsocketperm": c.UnixSocketPerm = Convert.ToInt32(value, 8); break;
                case "--timeout": c.Timeout = int.Parse(value); break;
                case "--maxclients": c.MaxClients = int.Parse(value); break;
                case "--tcp-keepalive": c.TcpKeepalive = int.Parse(value); break;
                case "--protected-mode": c.ProtectedMode = value.Equals("yes", StringComparison.OrdinalIgnoreCase); break;
                case "--pidfile": c.PidFile = value; break;
                case "--save": c.Save = value; break;
                case "--loglevel": c.LogLevel = value; break;
                case "--hz": c.Hz = int.Parse(value); break;
                case "--proto-max-bulk-len": c.ProtoMaxBulkLen = Memory(value); break;
                case "--client-query-buffer-limit": c.ClientQueryBufferLimit = Memory(value); break;
                default: continue;
            }
            i++;
        }
        return c;
    }

    /// <summary>Redis's memory units: 1k = 1000, 1kb = 1024, m/mb, g/gb (any case).</summary>
    static long Memory(string value)
    {
        var v = value.ToLowerInvariant();
        (string Suffix, long Factor)[] units = [("gb", 1L << 30), ("mb", 1L << 20), ("kb", 1L << 10), ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1000), ("b", 1)];
        foreach (var (suffix, factor) in units)
            if (v.EndsWith(suffix)) return long.Parse(v[..^suffix.Length]) * factor;
        return long.Parse(v);
    }
}
