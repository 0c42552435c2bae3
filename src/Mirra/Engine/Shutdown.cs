using Mirra.Observability;

namespace Mirra.Engine;

/// <summary>SHUTDOWN's modifiers (and shutdown-on-sigterm / shutdown-on-sigint values).</summary>
[Flags]
public enum ShutdownFlags { None = 0, NoSave = 1, Save = 2, Now = 4, Force = 8 }

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
    /// Saves the dataset before exiting (set by persistence): returns null on success or the reason of the failure,
    /// which is logged. Null: no RDB support yet, so a save needed by the shutdown fails.
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

        bool hasSavePoints = config.Save.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length > 0;
        if ((hasSavePoints && (flags & ShutdownFlags.NoSave) == 0) || (flags & ShutdownFlags.Save) != 0)
        {
            log.Notice("Saving the final RDB snapshot before exiting.");
            string? error = SaveSnapshot != null ? SaveSnapshot() : "Failed saving the DB: RDB persistence is not supported by this server yet";
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

        if (config.PidFile.Length > 0)
        {
            log.Notice("Removing the pid file.");
            try { File.Delete(config.PidFile); } catch (Exception) { }
        }
        _server.StopListening();
        if (config.UnixSocket.Length > 0)
        {
            log.Notice("Removing the unix socket file.");
            try { File.Delete(config.UnixSocket); } catch (Exception) { }
        }
        log.Warning("Mirra is now ready to exit, bye bye...");
        Completed = true;
        ExitProcess?.Invoke(0);
        return null;
    }

    /// <summary>Writes the pid file when one is configured (Redis's createPidFile); logs a warning on failure.</summary>
    public static void CreatePidFile(Config.ServerConfig config, Log log)
    {
        if (config.PidFile.Length == 0) return;
        try { File.WriteAllText(config.PidFile, Environment.ProcessId + "\n"); }
        catch (Exception ex) { log.Warning($"Failed to write PID file: {ex.Message}"); }
    }
}
