using Mirra.Config;
using Mirra.Observability;

namespace Mirra.Engine;

/// <summary>
/// The orderly exit of Redis's prepareForShutdown/finishShutdown, shared by the SHUTDOWN command and
/// the SIGTERM/SIGINT handlers: save when asked to (or when save points are configured), remove the
/// pid file, close the listeners (and remove the unix socket file), then end the process with code 0.
/// Runs on the executor, so no command runs after it.
/// </summary>
public sealed class Shutdown
{
    readonly Server _server;

    public Shutdown(Server server) => _server = server;

    /// <summary>Ends the process (mirra-server sets it). Null when embedded (tests): the server just stops listening.</summary>
    public Action<int>? ExitProcess;

    /// <summary>
    /// Saves the dataset before exiting (RDB persistence sets it): returns null on success or the reason of
    /// the failure, which is logged.
    /// </summary>
    public Func<string?>? SaveSnapshot;

    /// <summary>True once the server went through a successful shutdown (it no longer listens).</summary>
    public bool Completed { get; private set; }

    /// <summary>True while a signal asked for a shutdown that has not happened yet.</summary>
    public bool SignalPending;

    public const string FailedReply = "ERR Errors trying to SHUTDOWN. Check logs.";

    /// <summary>
    /// Shuts down (executor only). Returns null when the server is exiting, or the error to reply when it
    /// cannot (a save failed without FORCE), in which case it keeps running, as Redis does.
    /// </summary>
    public string? Run(ShutdownFlags flags)
    {
        var log = _server.Log;
        var config = _server.Config;
        SignalPending = false;
        log.Warning("User requested shutdown...");
        _server.Aof.OnShutdown(); // Redis flushes and fsyncs the AOF before the final RDB save

        bool explicitSave = (flags & ShutdownFlags.Save) != 0;
        bool savePoints = config.Save.Count > 0 && (flags & ShutdownFlags.NoSave) == 0;
        if (savePoints || explicitSave)
        {
            log.Notice("Saving the final RDB snapshot before exiting.");
            string? error = SaveSnapshot?.Invoke();
            if (error != null)
            {
                log.Warning(error);
                if ((flags & ShutdownFlags.Force) != 0)
                {
                    log.Warning("Error trying to save the DB. Exit anyway.");
                }
                else
                {
                    log.Warning("Error trying to save the DB, can't exit.");
                    log.Warning("Errors trying to shut down the server. Check the logs for more information.");
                    return FailedReply;
                }
            }
        }

        if (PidFilePath(config) is { } pidFile)
        {
            log.Notice("Removing the pid file.");
            try { File.Delete(pidFile); } catch (Exception) { }
        }
        _server.StopListening();
        if (!string.IsNullOrEmpty(config.UnixSocket))
        {
            log.Notice("Removing the unix socket file.");
            try { File.Delete(config.UnixSocket); } catch (Exception) { }
        }
        log.Warning("Mirra is now ready to exit, bye bye...");
        Completed = true;
        ExitProcess?.Invoke(0);
        return null;
    }

    /// <summary>The pid file Redis writes: `pidfile`, or /var/run/redis.pid when daemonized without one.</summary>
    public static string? PidFilePath(ServerConfig config) => config.PidFile ?? (config.Daemonize ? "/var/run/redis.pid" : null);

    /// <summary>Writes the pid file (Redis's createPidFile); logs a warning on failure.</summary>
    public static void CreatePidFile(ServerConfig config, Log log)
    {
        if (PidFilePath(config) is not { } path) return;
        try { File.WriteAllText(path, Environment.ProcessId + "\n"); }
        catch (Exception ex) { log.Warning($"Failed to write PID file: {ex.Message}"); }
    }
}
