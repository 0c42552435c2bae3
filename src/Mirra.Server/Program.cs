using System.Diagnostics;
using System.Runtime.InteropServices;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Observability;

namespace Mirra.Server;

/// <summary>mirra-server: takes redis-server's arguments ([config-file] [--directive value ...] [-]).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Run socket continuations on the epoll thread: the read loop only parses and hands off to the
        // executor, so this saves a thread-pool hop per read. Read once, at the first socket use.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

        if (args.Length == 1 && args[0] is "-v" or "--version")
        {
            Console.WriteLine($"Mirra server v={Engine.Server.MirraVersion} sha=00000000:0 malloc=dotnet-gc bits=64 build=0 redis-compat={Engine.Server.Version}");
            return 0;
        }
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine(Usage);
            return 1;
        }

        var registry = ConfigRegistry.CreateDefault();
        try
        {
            registry.LoadFromArgs(args, args.Contains("-") ? Console.In : null);
        }
        catch (ConfigFileException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        var config = registry.Values;
        if (registry.SentinelMode)
        {
            Console.Error.WriteLine("*** FATAL: sentinel mode is not available in this Mirra build yet ***");
            return 1;
        }

        if (config.Daemonize && Environment.GetEnvironmentVariable(Daemon.ChildMarker) != "1")
            return Daemon.Detach(args);

        var log = new Log { Level = ConfigHooks.ToLogLevel(config.LogLevel) };
        if (config.LogFile.Length > 0 && log.SetFile(config.LogFile) is { } logError)
        {
            Console.Error.WriteLine(logError);
            return 1;
        }
        else if (config.LogFile.Length == 0 && config.Daemonize) log.SetFile("/dev/null");

        int pid = Environment.ProcessId;
        log.Role = 'C';
        log.Warning("oO0OoO0OoO0Oo Mirra is starting oO0OoO0OoO0Oo");
        log.Warning($"Mirra version={Engine.Server.MirraVersion} (Redis {Engine.Server.Version} compatible), bits=64, pid={pid}, just started");
        log.Warning(registry.ConfigFilePath != null ? "Configuration loaded"
            : "Warning: no config file specified, using the default config. In order to specify a config file use mirra-server /path/to/redis.conf");
        log.Role = 'M';

        try { Directory.SetCurrentDirectory(config.Dir); }
        catch (Exception ex)
        {
            log.Warning($"Can't chdir to '{config.Dir}': {ex.Message}");
            return 1;
        }

        var server = new Engine.Server(registry, log) { ConfigFilePath = registry.ConfigFilePath };
        foreach (var name in registry.UnimplementedDirectivesSetExplicitly())
            log.Warning($"Directive '{name}' is accepted but has no effect in this Mirra version.");

        // Like Redis: bind, pid file, logo, "Server initialized", then the dataset is loaded.
        string? error = server.Start(beforeServing: () =>
        {
            Shutdown.CreatePidFile(config, log);
            if (config.AlwaysShowLogo || (!Console.IsOutputRedirected && config.LogFile.Length == 0)) log.Raw(Logo.Render(server.BoundPort, pid));
            else log.Notice($"Running mode=standalone, port={server.BoundPort}.");
            log.Warning("Server initialized");
            return true;
        });
        if (error != null)
        {
            if (error.Length > 0) log.Warning(error);
            return 1;
        }
        // Like Redis, the listeners are open while the data loads: clients get -LOADING meanwhile.
        if (!server.Executor.Invoke(() => Persistence.DataLoader.LoadAtStartup(server))) return 1;
        if (config.Port != 0) log.Notice("Ready to accept connections tcp");
        if (!string.IsNullOrEmpty(config.UnixSocket)) log.Notice($"The server is now ready to accept connections at {config.UnixSocket}");

        // SHUTDOWN and the signals end the process the same way: Shutdown.Run on the executor, then exit(0).
        server.Shutdown.ExitProcess = Environment.Exit;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, server));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, server));
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>
    /// Redis's sigShutdownHandler: the shutdown runs on the executor with shutdown-on-sigterm/-sigint's flags;
    /// a second SIGINT while it is pending exits at once.
    /// </summary>
    static void OnSignal(PosixSignalContext context, Engine.Server server)
    {
        context.Cancel = true;
        var log = server.Log;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        bool sigint = context.Signal == PosixSignal.SIGINT;
        if (server.Shutdown.SignalPending && sigint)
        {
            log.Raw($"{Environment.ProcessId}:signal-handler ({now}) You insist... exiting now.\n");
            Environment.Exit(1);
        }
        server.Shutdown.SignalPending = true;
        log.Raw($"{Environment.ProcessId}:signal-handler ({now}) Received {(sigint ? "SIGINT" : "SIGTERM")} scheduling shutdown...\n");
        server.Executor.Post(() => server.Shutdown.Run(sigint ? server.Config.ShutdownOnSigint : server.Config.ShutdownOnSigterm));
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

/// <summary>
/// `daemonize yes`: .NET cannot fork, so the process starts a detached copy of itself in a new
/// session (setsid) with standard streams on /dev/null, and the parent exits, as Redis's parent does.
/// </summary>
static class Daemon
{
    public const string ChildMarker = "MIRRA_DAEMONIZED";

    public static int Detach(string[] args)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        psi.ArgumentList.Add(self);
        // Running through the `dotnet` host: pass the entry assembly too.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment[ChildMarker] = "1";
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        using var child = Process.Start(psi);
        if (child == null) { Console.Error.WriteLine("Can't daemonize: failed to start the server process"); return 1; }
        child.StandardInput.Close();
        return 0;
    }
}
