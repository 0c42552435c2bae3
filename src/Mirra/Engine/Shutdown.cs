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

    public Shutdown(Server server)
    {
        _server = server;
        server.CronJobs.Add(CheckWaitingForReplicas);
    }

    /// <summary>True while a shutdown waits for the replicas to catch up (Redis's isShutdownInitiated).</summary>
    public bool WaitingForReplicas { get; private set; }
    ShutdownFlags _pendingFlags;
    long _deadlineMs;
    readonly List<Client> _blocked = new();

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
        if (WaitingForReplicas) return null; // already shutting down: the caller waits with the others
        var log = _server.Log;
        var config = _server.Config;
        SignalPending = false;
        log.Warning("User requested shutdown...");
        // Redis 7: replicas get up to shutdown-timeout seconds to receive everything (unless NOW), writes paused meanwhile.
        if ((flags & ShutdownFlags.Now) == 0 && config.ShutdownTimeout != 0 && !_server.Master.ReplicasInSync())
        {
            WaitingForReplicas = true;
            _pendingFlags = flags;
            _deadlineMs = _server.Clock.NowMs() + config.ShutdownTimeout * 1000L;
            if (!_server.Clients.ClientsPaused) _server.Master.RequestAcks();
            _server.Clients.Pause(Networking.PauseType.Write, long.MaxValue, Networking.PausePurpose.Shutdown);
            log.Notice("Waiting for replicas before shutting down.");
            return null;
        }
        return Finish(flags);
    }

    /// <summary>SHUTDOWN without NOW while the replicas catch up: the client waits for the outcome (an error if it fails).</summary>
    public void Block(Client client)
    {
        client.Flags |= ClientFlags.Blocked;
        client.IsPaused = true;
        _blocked.Add(client);
    }

    /// <summary>Cron: the wait ends once every replica acknowledged the whole stream, or at the deadline.</summary>
    void CheckWaitingForReplicas()
    {
        if (!WaitingForReplicas) return;
        if (_server.Clock.NowMs() < _deadlineMs && !_server.Master.ReplicasInSync()) return;
        WaitingForReplicas = false;
        if (Finish(_pendingFlags) != null) Cancel();
    }

    /// <summary>SHUTDOWN ABORT: false when no shutdown is in progress.</summary>
    public bool Abort()
    {
        if (WaitingForReplicas) Cancel();
        else if (SignalPending) SignalPending = false;
        else return false;
        _server.Log.Notice("Shutdown manually aborted.");
        return true;
    }

    /// <summary>Redis's cancelShutdown: the clients waiting get the failure, writes resume.</summary>
    void Cancel()
    {
        WaitingForReplicas = false;
        foreach (var c in _blocked)
        {
            if (c.Closed) continue;
            _server.Stats.CountError(FailedReply);
            c.Reply.Error(FailedReply);
            c.Flags &= ~ClientFlags.Blocked;
            c.IsPaused = false;
            _server.Executor.NeedFlush(c);
            c.Resume(_server.Executor);
        }
        _blocked.Clear();
        _server.Clients.Unpause(Networking.PausePurpose.Shutdown);
    }

    /// <summary>Redis's finishShutdown: the replicas' state in the log, the AOF, the final save, then the exit.</summary>
    string? Finish(ShutdownFlags flags)
    {
        var log = _server.Log;
        var config = _server.Config;
        _server.Master.LogReplicasAtShutdown();
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
        _server.Master.FlushReplicasAtShutdown(); // best effort: what the replicas still miss goes out now
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
