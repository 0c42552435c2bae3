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
        if (config.AlwaysShowLogo || !Console.IsOutputRedirected) log.Raw(Logo.Render(server.BoundPort, pid));
        else log.Notice($"Running mode=standalone, port={server.BoundPort}.");
        log.Warning("Server initialized");
        log.Notice("Ready to accept connections tcp");

        var shutdown = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; log.Raw($"{pid}:signal-handler ({DateTimeOffset.UtcNow.ToUnixTimeSeconds()}) Received SIGTERM scheduling shutdown...\n"); shutdown.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; log.Raw($"{pid}:signal-handler ({DateTimeOffset.UtcNow.ToUnixTimeSeconds()}) Received SIGINT scheduling shutdown...\n"); shutdown.Set(); });
        shutdown.Wait();
        log.Warning("User requested shutdown...");
        server.Stop();
        log.Warning("Mirra is now ready to exit, bye bye...");
        return 0;
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

// TEMPORARY until the config registry lands.
static class TemporaryArgs
{
    public static ServerConfig Parse(string[] args)
    {
        var c = new ServerConfig();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--port") c.Port = int.Parse(args[++i]);
            else if (args[i] == "--requirepass") c.RequirePass = args[++i];
            else if (args[i] == "--bind") c.Bind = args[++i].Split(' ');
        }
        return c;
    }
}
