using System.Diagnostics;
using Mirra.Engine;
using Mirra.Persistence.Rdb;

namespace Mirra.Persistence;

/// <summary>
/// RDB snapshots to `dir`/`dbfilename`: SAVE (on the executor, blocking like Redis's), BGSAVE (a
/// <see cref="SnapshotJob"/>: the server keeps serving and memory stays flat), the `save` points,
/// `stop-writes-on-bgsave-error`, the final save at shutdown and after FLUSHALL, and the numbers
/// INFO persistence reports. Every file is written to a temp file and renamed over the old one only
/// when complete and fsynced, so a failure never damages the last good snapshot.
/// </summary>
public sealed class RdbPersistence
{
    /// <summary>Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long.</summary>
    const int RetryDelaySeconds = 5;

    readonly Server _server;
    long _dirtyAtStart;
    string? _bgsaveTemp;

    /// <summary>Unix seconds of the last successful save (LASTSAVE, rdb_last_save_time).</summary>
    public long LastSaveUnix { get; private set; }
    public bool LastBgsaveOk { get; private set; } = true;
    public long LastBgsaveSeconds { get; private set; } = -1;
    public long LastBgsaveTryUnix { get; private set; }
    /// <summary>Successful SAVE commands and BGSAVEs (rdb_saves; Redis does not count the saves of SHUTDOWN, FLUSHALL and DEBUG RELOAD).</summary>
    public long Saves { get; private set; }

    /// <summary>SAVE: <see cref="Save"/>, counted in rdb_saves.</summary>
    public string? SaveCommand()
    {
        var error = Save();
        if (error == null) Saves++;
        return error;
    }
    /// <summary>BGSAVE SCHEDULE (or BGSAVE inside MULTI): start one as soon as nothing else is saving.</summary>
    public bool BgsaveScheduled { get; private set; }
    /// <summary>Keys loaded and keys skipped as expired by the last load (rdb_last_load_keys_*).</summary>
    public long LastLoadKeysLoaded, LastLoadKeysExpired;
    /// <summary>The running BGSAVE, if any.</summary>
    public SnapshotJob? Background { get; private set; }

    public RdbPersistence(Server server)
    {
        _server = server;
        LastSaveUnix = server.StartTimeMs / 1000;
    }

    /// <summary>The file snapshots go to: `dbfilename` in `dir` (CONFIG SET dir takes effect at the next save).</summary>
    public string FilePath => InDir(_server.Config.DbFileName);

    /// <summary>A BGSAVE ended: true when its file is in place (a disk-based full sync sends it to the replicas that waited).</summary>
    public event Action<bool>? BackgroundSaveDone;
    string RootDir => _server.Config.Dir.Length > 0 ? _server.Config.Dir : Directory.GetCurrentDirectory();
    string InDir(string name) => Path.Combine(RootDir, name);
    string TempPath => InDir($"temp-{Environment.ProcessId}.rdb");

    ISnapshotEncoder NewEncoder(Stream output) => new RdbWriter(output, _server.Config.RdbCompression, _server.Config.RdbChecksum);

    /// <summary>
    /// SAVE: writes the whole snapshot now, on the executor. Returns null on success or the reason
    /// (already logged) on failure.
    /// </summary>
    public string? Save()
    {
        var log = _server.Log;
        string temp = TempPath;
        long dirtyBefore = _server.Dirty;
        FileStream file;
        try { file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16); }
        catch (Exception ex)
        {
            string reason = $"Failed opening the temp RDB file {Path.GetFileName(temp)} (in server root dir {RootDir}) for saving: {Mirra.Config.ConfigText.Strerror(ex)}";
            log.Warning(reason);
            return reason;
        }
        try
        {
            using (file)
            {
                Snapshot.WriteAll(_server.Keyspace, NewEncoder(file), SnapshotJob.Info(_server, aofBase: false));
                file.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex)
        {
            TryDelete(temp);
            string reason = $"Write error saving DB on disk: {Mirra.Config.ConfigText.Strerror(ex)}";
            log.Warning(reason);
            return reason;
        }
        if (Install(temp) is { } moveError) return moveError;
        log.Notice("DB saved on disk");
        _server.Dirty -= dirtyBefore;
        LastSaveUnix = _server.Clock.NowMs() / 1000;
        LastBgsaveOk = true; // Redis: a good SAVE also clears a failed BGSAVE's MISCONF
        return null;
    }

    /// <summary>BGSAVE: starts a background snapshot. Returns null when started, or the error reply.</summary>
    public string? StartBackgroundSave()
    {
        if (Background != null) return "ERR Background save already in progress";
        var log = _server.Log;
        LastBgsaveTryUnix = _server.Clock.NowMs() / 1000;
        string temp = TempPath;
        FileStream file;
        try { file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16); }
        catch (Exception ex)
        {
            // Redis's child would fail at this point and the parent would report it: same outcome.
            log.Warning($"Failed opening the temp RDB file {Path.GetFileName(temp)} (in server root dir {RootDir}) for saving: {Mirra.Config.ConfigText.Strerror(ex)}");
            log.Warning("Background saving error");
            LastBgsaveOk = false;
            return null;
        }
        _bgsaveTemp = temp;
        _dirtyAtStart = _server.Dirty;
        BgsaveScheduled = false;
        Background = SnapshotJob.Start(_server, file, NewEncoder, "mirra-bgsave", BackgroundSaveFinished);
        log.Notice($"Background saving started by pid {Environment.ProcessId}");
        return null;
    }

    /// <summary>BGSAVE SCHEDULE: start when possible (Redis waits for another child; so does EXEC).</summary>
    public void ScheduleBackgroundSave() => BgsaveScheduled = true;

    void BackgroundSaveFinished(SnapshotJob job)
    {
        if (!ReferenceEquals(job, Background)) return; // killed on purpose: already cleaned up
        var log = _server.Log;
        string temp = _bgsaveTemp!;
        Background = null;
        _bgsaveTemp = null;
        string? error = job.Error != null ? Mirra.Config.ConfigText.Strerror(job.Error) : null;
        try { job.Destination.Dispose(); } catch (Exception ex) { error ??= Mirra.Config.ConfigText.Strerror(ex); }
        if (error == null && Install(temp) == null)
        {
            log.Notice("DB saved on disk");
            log.Notice("Background saving terminated with success");
            _server.Dirty -= _dirtyAtStart;
            LastSaveUnix = _server.Clock.NowMs() / 1000;
            LastBgsaveOk = true;
            Saves++;
        }
        else
        {
            if (error != null) log.Warning($"Write error saving DB on disk: {error}");
            TryDelete(temp);
            log.Warning("Background saving error");
            LastBgsaveOk = false;
        }
        LastBgsaveSeconds = (long)job.Elapsed.Elapsed.TotalSeconds;
        BackgroundSaveDone?.Invoke(LastBgsaveOk);
    }

    /// <summary>Renames a finished temp file over the snapshot. Returns null or the logged reason.</summary>
    string? Install(string temp)
    {
        try
        {
            DurableFiles.ReplaceWith(temp, FilePath);
            return null;
        }
        catch (Exception ex)
        {
            string reason = $"Error moving temp DB file {Path.GetFileName(temp)} on the final destination {_server.Config.DbFileName} (in server root dir {RootDir}): {Mirra.Config.ConfigText.Strerror(ex)}";
            _server.Log.Warning(reason);
            TryDelete(temp);
            return reason;
        }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception) { }
    }

    /// <summary>Stops a running BGSAVE and removes its temp file (SHUTDOWN, FLUSHALL, DEBUG RELOAD); the last status stays.</summary>
    public void KillBackgroundSave()
    {
        if (Background is not { } job) return;
        Background = null;
        job.Cancel();
        try { job.Destination.Dispose(); } catch (Exception) { }
        if (_bgsaveTemp != null) TryDelete(_bgsaveTemp);
        _bgsaveTemp = null;
        _server.Log.Warning("Background saving terminated by signal 10"); // what Redis logs after killing its child
        BackgroundSaveDone?.Invoke(false);
    }

    /// <summary>serverCron's part: save points and scheduled saves.</summary>
    public void Cron()
    {
        if (Background != null || _server.Aof.RewriteInProgress) return; // one snapshot at a time, as Redis has one child
        long now = _server.Clock.NowMs() / 1000;
        if (BgsaveScheduled)
        {
            StartBackgroundSave();
            return;
        }
        foreach (var point in _server.Config.Save)
        {
            if (_server.Dirty >= point.Changes && now - LastSaveUnix > point.Seconds &&
                (now - LastBgsaveTryUnix > RetryDelaySeconds || LastBgsaveOk))
            {
                _server.Log.Notice($"{point.Changes} changes in {point.Seconds} seconds. Saving...");
                StartBackgroundSave();
                return;
            }
        }
    }

    /// <summary>Redis 7.0's FLUSHALL: stop a running save and, with save points, write the (empty) snapshot now.</summary>
    public void AfterFlushAll()
    {
        KillBackgroundSave();
        if (_server.Config.Save.Count > 0) Save();
    }

    /// <summary>The final save of SHUTDOWN: a running BGSAVE is abandoned first, as Redis kills its child.</summary>
    public string? SaveForShutdown()
    {
        if (Background != null)
        {
            _server.Log.Warning("There is a child saving an .rdb. Killing it!");
            KillBackgroundSave();
        }
        return Save() == null ? null : "Error trying to save the DB, can't exit.";
    }

    /// <summary>`stop-writes-on-bgsave-error`: the MISCONF reply for writes after a failed save, or null.</summary>
    public string? WriteDenial()
    {
        var config = _server.Config;
        if (LastBgsaveOk || !config.StopWritesOnBgsaveError || config.Save.Count == 0) return null;
        return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
            "Commands that may modify the data set are disabled, because this instance is configured to report errors " +
            "during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    }

    /// <summary>Seconds the running BGSAVE has taken so far, or -1.</summary>
    public long CurrentBgsaveSeconds => Background is { } job ? (long)job.Elapsed.Elapsed.TotalSeconds : -1;
}
