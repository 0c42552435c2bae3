using Mirra.Config;
using Mirra.Engine;
using Mirra.Replication;

namespace Mirra.Persistence.Aof;

/// <summary>Redis's aof_state: off, on, or turned on and waiting for its first base (AOF_WAIT_REWRITE).</summary>
public enum AofState { Off, On, WaitRewrite }

/// <summary>
/// The append-only file as Redis 7 runs it (multi-part AOF): the manifest, the base and incr files in
/// appenddirname, loading at startup (with the upgrade of an old single appendonly.aof), the writer fed
/// by the propagated stream, CONFIG SET appendonly yes/no, rotation to a new incr file and the end of a
/// rewrite (new base, old files to history, history deleted), the MISCONF guard, and the INFO fields.
/// <para>
/// The rewrite is split the way BGREWRITEAOF needs it: <see cref="BeginRewrite"/> opens the new incr file
/// (writes continue there) and names the temporary base; something produces that base
/// (<see cref="WriteBaseFile"/> here, synchronously; the fork-less snapshot later); <see cref="EndRewrite"/>
/// installs it. <see cref="RewriteNow"/> does the three at once.
/// </para>
/// Executor thread only.
/// </summary>
public sealed class AofManager
{
    readonly Server _server;

    public AofState State { get; private set; }
    /// <summary>The manifest as last loaded or written (Redis's server.aof_manifest).</summary>
    public AofManifest Manifest { get; private set; } = new();
    public AofWriter Writer { get; }
    public AofLoader Loader { get; }

    /// <summary>
    /// Seam to the RDB writer: an encoder writing an RDB to the stream. When set and aof-use-rdb-preamble is
    /// yes, bases are RDB files (.base.rdb); otherwise they are commands (.base.aof, <see cref="AofCommandEncoder"/>).
    /// </summary>
    public Func<Stream, ISnapshotEncoder>? RdbEncoderFactory;

    // ---- rewrite bookkeeping (INFO persistence) ----
    /// <summary>A rewrite started and its base is not installed yet (aof_rewrite_in_progress).</summary>
    public bool RewriteInProgress { get; private set; }
    /// <summary>A rewrite must start as soon as possible (aof_rewrite_scheduled).</summary>
    public bool RewriteScheduled;
    /// <summary>Unix seconds when the running rewrite started, -1 when none runs.</summary>
    public long RewriteTimeStart { get; private set; } = -1;
    /// <summary>Duration in seconds of the last rewrite, -1 before the first (aof_last_rewrite_time_sec).</summary>
    public long RewriteTimeLast { get; private set; } = -1;
    public bool LastBgRewriteOk { get; private set; } = true;
    public long Rewrites { get; private set; }
    public long RewritesConsecutiveFailures { get; private set; }
    /// <summary>aof_base_size: the size of the AOF when the last rewrite ended (the base's size after a restart).</summary>
    public long RewriteBaseSize;

    bool _rewriteBaseIsRdb;
    long _lastErrorRetry;

    /// <summary>Called when AOF is turned off while a rewrite runs, so its producer stops (killAppendOnlyChild).</summary>
    public Action? AbortRewriteProducer;

    public AofManager(Server server)
    {
        _server = server;
        Writer = new AofWriter(server) { RewriteInProgress = () => RewriteInProgress };
        Loader = new AofLoader(server);

        var registry = server.ConfigRegistry;
        registry.MarkImplemented("appendonly", "appendfsync", "appendfilename", "appenddirname", "aof-load-truncated",
            "aof-timestamp-enabled", "aof-use-rdb-preamble", "no-appendfsync-on-rewrite", "aof-disable-auto-gc");
        registry.RegisterApplyHook("appendonly", _ => ApplyAppendOnly());
        server.Dispatcher.Guards.Add(RefuseWritesOnError);
        server.Executor.BeforeReplies += BeforeReplies;
        server.CronJobs.Add(CronTick);
        Commands.DebugCommands.Add("loadaof", 2, 2, ctx => ctx.Server.Aof.DebugLoadAof(ctx));
    }

    /// <summary>
    /// DEBUG LOADAOF: the buffer is written, the dataset emptied and loaded again from the AOF files
    /// (a failure is fatal, as in Redis).
    /// </summary>
    void DebugLoadAof(CommandContext ctx)
    {
        if (State == AofState.On) Writer.Flush(force: true);
        foreach (var db in _server.Keyspace.Databases) db.Flush();
        if (!LoadManifestFromDisk())
        {
            Writer.Fatal(1);
            return;
        }
        DeleteHistoryFiles();
        var status = Loader.LoadAll(Manifest, AofDirPath);
        if (status != AofLoadStatus.Ok && status != AofLoadStatus.Empty)
        {
            Writer.Fatal(1);
            return;
        }
        if (status == AofLoadStatus.Ok)
        {
            Writer.CurrentSize = Loader.TotalSize;
            RewriteBaseSize = Loader.BaseSize;
        }
        _server.Log.Warning("Append Only File loaded by DEBUG LOADAOF");
        ctx.Reply.Ok();
    }

    // ------------------------------------------------------------------ paths

    string DirPath => ConfigText.ToPath(_server.Config.Dir);
    /// <summary>The AOF directory (appenddirname under dir).</summary>
    public string AofDirPath => Path.Combine(DirPath, ConfigText.ToPath(_server.Config.AppendDirName));
    string AppendFileName => _server.Config.AppendFileName;
    string FilePath(string name) => Path.Combine(AofDirPath, ConfigText.ToPath(name));
    long UnixNow => _server.Clock.NowMs() / 1000;

    bool CreateDirIfMissing()
    {
        if (NativeFile.CreateDirIfMissing(AofDirPath) == 0) return true;
        _server.Log.Warning($"Can't open or create append-only dir {_server.Config.AppendDirName}: {NativeFile.StrError(NativeFile.LastErrno)}");
        return false;
    }

    bool PersistManifest(AofManifest m)
    {
        if (!m.Dirty) return true;
        var error = AofManifest.WriteAtomically(AofDirPath, AppendFileName, m.Format());
        if (error != null)
        {
            _server.Log.Warning(error);
            return false;
        }
        m.Dirty = false;
        return true;
    }

    // ------------------------------------------------------------------ startup

    /// <summary>
    /// Redis's startup sequence for the AOF: aofLoadManifestFromDisk (always: a bad manifest stops the
    /// server even with appendonly no), then with appendonly yes the AOF is loaded, the base created when
    /// there is none, the last incr file opened, and history files deleted. Returns false when the server
    /// must exit with code 1 (the reason is logged). With appendonly no the RDB is the caller's business.
    /// </summary>
    public bool Startup()
    {
        if (!LoadManifestFromDisk()) return false;
        if (_server.Config.AppendOnly)
        {
            State = AofState.On;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var status = LoadAppendOnlyFiles();
            if (status is AofLoadStatus.Failed or AofLoadStatus.OpenError) return false;
            if (status != AofLoadStatus.NotExist)
                _server.Log.Notice($"DB loaded from append only file: {AofLoader.Seconds(start)} seconds");
            if (!OpenOnServerStart()) return false;
        }
        DeleteHistoryFiles();
        return true;
    }

    /// <summary>Reads appenddirname/&lt;appendfilename&gt;.manifest when it exists (Redis's aofLoadManifestFromDisk).</summary>
    bool LoadManifestFromDisk()
    {
        Manifest = new AofManifest();
        if (!Directory.Exists(AofDirPath))
        {
            _server.Log.Debug($"The AOF directory {_server.Config.AppendDirName} doesn't exist");
            return true;
        }
        string name = AofManifest.ManifestFileName(AppendFileName);
        string path = FilePath(name);
        if (!File.Exists(path))
        {
            _server.Log.Debug($"The AOF manifest file {name} doesn't exist");
            return true;
        }
        byte[] content;
        try { content = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.Warning($"Fatal error: can't open the AOF manifest file {path} for reading: {ConfigText.Strerror(ex)}");
            return false;
        }
        try { Manifest = AofManifest.Parse(content); }
        catch (AofManifestException ex)
        {
            var log = _server.Log;
            log.Warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
            if (ex.Line != null)
            {
                log.Warning($"Reading the manifest file, at line {ex.LineNumber}\n");
                log.Warning($">>> '{ex.Line}'\n");
            }
            log.Warning(ex.Message + "\n");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Redis's loadAppendOnlyFiles: first the upgrade of an old single AOF (dir/&lt;appendfilename&gt;, kept
    /// as the base of a new manifest), then the base and incr files.
    /// </summary>
    AofLoadStatus LoadAppendOnlyFiles()
    {
        var m = Manifest;
        string oldFile = Path.Combine(DirPath, ConfigText.ToPath(AppendFileName));
        if (File.Exists(oldFile))
        {
            bool upgrade = !Directory.Exists(AofDirPath)
                || (m.Base == null && m.Incr.Count == 0)
                || (m.Base != null && m.Incr.Count == 0 && m.Base.FileName == AppendFileName && !File.Exists(FilePath(AppendFileName)));
            if (upgrade && !UpgradeOldAof(oldFile)) return AofLoadStatus.Failed;
        }
        var status = Loader.LoadAll(Manifest, AofDirPath);
        if (status is AofLoadStatus.Ok or AofLoadStatus.Truncated)
        {
            Writer.CurrentSize = Loader.TotalSize;
            RewriteBaseSize = Loader.BaseSize;
            Writer.FsyncOffset = Writer.CurrentSize;
        }
        return status;
    }

    /// <summary>Redis's aofUpgradePrepare: a manifest naming the old file as base, then the file moved into the AOF directory.</summary>
    bool UpgradeOldAof(string oldFile)
    {
        if (!CreateDirIfMissing()) return false;
        var m = Manifest;
        m.Base = new AofFileInfo(AppendFileName, 1, AofFileType.Base);
        m.CurrentBaseSeq = 1;
        m.Dirty = true;
        if (!PersistManifest(m)) return false;
        try { File.Move(oldFile, FilePath(AppendFileName)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.Warning($"Error trying to move the old AOF file {AppendFileName} into dir {_server.Config.AppendDirName}: {ConfigText.Strerror(ex)}");
            return false;
        }
        _server.Log.Notice($"Successfully migrated an old-style AOF file ({AppendFileName}) into the AOF directory ({_server.Config.AppendDirName}).");
        return true;
    }

    /// <summary>Redis's aofOpenIfNeededOnServerStart: a base when there is nothing at all, then the last incr file opened for appending.</summary>
    bool OpenOnServerStart()
    {
        if (!CreateDirIfMissing()) return false;
        var m = Manifest;
        int incrCount = m.Incr.Count;
        if (m.Base == null && incrCount == 0)
        {
            bool rdb = UseRdbBase;
            string baseName = m.NewBaseFileName(AppendFileName, rdb);
            if (!WriteBaseFile(FilePath(baseName), $"temp-rewriteaof-{Environment.ProcessId}.aof", rdb)) return false;
            _server.Log.Notice($"Creating AOF base file {baseName} on server start");
        }
        string incrName = m.LastIncrFileName(AppendFileName);
        int fd = NativeFile.Open(FilePath(incrName), NativeFile.O_WRONLY | NativeFile.O_APPEND | NativeFile.O_CREAT);
        if (fd < 0)
        {
            _server.Log.Warning($"Can't open the append-only file {incrName}: {NativeFile.StrError(NativeFile.LastErrno)}");
            return false;
        }
        if (!PersistManifest(m))
        {
            NativeFile.Close(fd);
            return false;
        }
        Writer.SwitchTo(fd, new FileInfo(FilePath(incrName)).Length);
        Writer.LastFsync = UnixNow;
        _server.Log.Notice(incrCount > 0 ? $"Opening AOF incr file {incrName} on server start" : $"Creating AOF incr file {incrName} on server start");
        UpdateFeeding();
        return true;
    }

    /// <summary>Redis's aofDelHistoryFiles: history files are deleted (unless aof-disable-auto-gc) and the manifest rewritten.</summary>
    public bool DeleteHistoryFiles()
    {
        var m = Manifest;
        if (_server.Config.AofDisableAutoGc || m.History.Count == 0) return true;
        foreach (var h in m.History)
        {
            _server.Log.Notice($"Removing the history file {h.FileName} in the background");
            try { File.Delete(FilePath(h.FileName)); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        m.History.Clear();
        m.Dirty = true;
        return PersistManifest(m);
    }

    // ------------------------------------------------------------------ feeding, flushing, guard

    /// <summary>The writer follows the stream while AOF is on, or while a rewrite runs to turn it on (Redis's feedAppendOnlyFile condition).</summary>
    void UpdateFeeding()
    {
        bool feed = State == AofState.On || (State == AofState.WaitRewrite && RewriteInProgress);
        var consumers = _server.Propagation.Consumers;
        bool fed = consumers.Contains(Writer);
        if (feed && !fed)
        {
            _server.Propagation.ResetSelectedDb(PropagationTargets.Aof);
            consumers.Add(Writer);
        }
        else if (!feed && fed) consumers.Remove(Writer);
    }

    /// <summary>End of an executor round, before replies go out (Redis's beforeSleep): the buffer reaches the file.</summary>
    public void BeforeReplies()
    {
        if (State != AofState.Off) Writer.Flush(force: false);
    }

    /// <summary>serverCron's AOF duties: a postponed write, a failed write retried every second, a scheduled rewrite.</summary>
    void CronTick()
    {
        if (State == AofState.Off) return;
        if (Writer.FlushPostponedStart != 0) Writer.Flush(force: false);
        long now = UnixNow;
        if (!Writer.LastWriteOk && now != _lastErrorRetry)
        {
            _lastErrorRetry = now;
            Writer.Flush(force: false);
        }
        if (RewriteInProgress || _server.Rdb.Background != null) return;
        if (RewriteScheduled && !_server.Propagation.IsHolding && !RewriteLimited()) { RewriteNow(); return; }
        // Redis's auto-aof-rewrite-percentage / -min-size: rewrite once the file grew that much past its last base.
        var config = _server.Config;
        long current = Writer.CurrentSize, baseSize = RewriteBaseSize > 0 ? RewriteBaseSize : 1;
        if (State == AofState.On && config.AutoAofRewritePercentage > 0 && current > config.AutoAofRewriteMinSize && !RewriteLimited())
        {
            long growth = current * 100 / baseSize - 100;
            if (growth >= config.AutoAofRewritePercentage)
            {
                _server.Log.Notice($"Starting automatic rewriting of AOF on {growth}% growth");
                RewriteNow();
            }
        }
    }

    int _nextDelayMinutes;
    long _nextRewriteTime;

    /// <summary>
    /// Redis's aofRewriteLimited: after 3 consecutive failures, automatic retries wait 1, 2, 4... up to 60
    /// minutes (BGREWRITEAOF still runs at once).
    /// </summary>
    bool RewriteLimited()
    {
        if (RewritesConsecutiveFailures < 3)
        {
            _nextDelayMinutes = 0;
            _nextRewriteTime = 0;
            return false;
        }
        long now = UnixNow;
        if (_nextRewriteTime != 0)
        {
            if (now < _nextRewriteTime) return true;
            _nextRewriteTime = 0;
            return false;
        }
        _nextDelayMinutes = _nextDelayMinutes == 0 ? 1 : Math.Min(_nextDelayMinutes * 2, 60);
        _nextRewriteTime = now + _nextDelayMinutes * 60;
        _server.Log.Warning($"Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {_nextDelayMinutes} minutes");
        return true;
    }

    /// <summary>
    /// Redis's writeCommandsDeniedByDiskError for the AOF: while writes or background fsyncs fail, write
    /// commands (and PING) are refused with "MISCONF Errors writing to the AOF file: &lt;strerror&gt;".
    /// </summary>
    bool RefuseWritesOnError(CommandContext ctx)
    {
        if (State == AofState.Off || Writer.WriteStatusOk) return true;
        var command = ctx.Command;
        bool ping = command.Parent == null && command.Name == "ping";
        if (!ping && !ctx.CommandOrQueuedHas(CommandFlags.Write)) return true;
        if (ctx.Client.Is(ClientFlags.Master)) return true; // our master's stream is applied regardless
        ctx.Error("MISCONF Errors writing to the AOF file: " + NativeFile.StrError(Writer.LastWriteErrno));
        return false;
    }

    /// <summary>SHUTDOWN: what is buffered is written and fsynced (Redis's prepareForShutdown).</summary>
    public void OnShutdown()
    {
        if (State == AofState.Off) return;
        _server.Log.Notice("Calling fsync() on the AOF file.");
        if (Writer.FlushAndSync() is { } error) _server.Log.Warning(error);
    }

    // ------------------------------------------------------------------ CONFIG SET appendonly

    string? ApplyAppendOnly()
    {
        bool enabled = _server.Config.AppendOnly;
        if (!enabled && State != AofState.Off) Stop();
        else if (enabled && State == AofState.Off && !Start()) return "Unable to turn on AOF. Check server logs.";
        return null;
    }

    /// <summary>Redis's stopAppendOnly: flush, fsync and close the file; nothing is written any more.</summary>
    public void Stop()
    {
        if (State == AofState.Off) return;
        if (Writer.Close() is { } error) _server.Log.Warning(error);
        State = AofState.Off;
        RewriteScheduled = false;
        if (RewriteInProgress)
        {
            // Redis's killAppendOnlyChild: the producer stops and its temporary base goes.
            _server.Log.Notice("Killing running AOF rewrite");
            AbortRewriteProducer?.Invoke();
            TryDelete(Path.Combine(DirPath, $"temp-rewriteaof-bg-{Environment.ProcessId}.aof"));
            RewriteInProgress = false;
            RewriteTimeStart = -1;
        }
        UpdateFeeding();
        _server.Propagation.ResetSelectedDb(PropagationTargets.Aof);
    }

    /// <summary>
    /// Redis's startAppendOnly: AOF waits for its first base, made by a rewrite now (or, inside a transaction,
    /// as soon as it ends). Returns false when the rewrite could not start (AOF stays off).
    /// </summary>
    public bool Start()
    {
        if (State != AofState.Off) return true;
        State = AofState.WaitRewrite;
        if (_server.Propagation.IsHolding)
        {
            RewriteScheduled = true;
            _server.Log.Warning("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
        }
        else if (!RewriteNow(startOnly: true))
        {
            State = AofState.Off;
            _server.Log.Warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
            return false;
        }
        Writer.LastFsync = UnixNow;
        if (Writer.ResetBackgroundFsyncStatus()) _server.Log.Warning("AOF reopen, just ignore the AOF fsync error in bio job");
        if (!Writer.LastWriteOk)
        {
            _server.Log.Warning("AOF reopen, just ignore the last error.");
            Writer.LastWriteOk = true;
        }
        return true;
    }

    // ------------------------------------------------------------------ rewrite

    /// <summary>Whether the next base is an RDB (aof-use-rdb-preamble yes and an RDB encoder is wired).</summary>
    bool UseRdbBase => _server.Config.AofUseRdbPreamble && RdbEncoderFactory != null;

    /// <summary>
    /// A whole rewrite, synchronously: <see cref="BeginRewrite"/>, the base written from the keyspace,
    /// <see cref="EndRewrite"/>. Returns false when it could not start or failed.
    /// </summary>
    public bool RewriteNow() => RewriteNow(startOnly: false);

    /// <param name="startOnly">True for CONFIG SET appendonly yes: only a failure to start is reported (Redis's rewriteAppendOnlyFileBackground result).</param>
    bool RewriteNow(bool startOnly)
    {
        if (!BeginRewrite(out string tempBase)) return false;
        if (_server.Executor.Started) return StartBackgroundBase(tempBase);
        // No running executor (an embedded server): the base is written at once.
        bool ok = WriteBaseFile(tempBase, null, _rewriteBaseIsRdb);
        if (ok) _server.Log.Notice($"Successfully created the temporary AOF base file {Path.GetFileName(tempBase)}");
        bool installed = EndRewrite(ok);
        return startOnly || installed;
    }

    ISnapshotEncoder NewBaseEncoder(Stream output, bool rdb) =>
        rdb ? RdbEncoderFactory!(output) : new AofCommandEncoder(output, _server.Config.AofTimestampEnabled);

    /// <summary>The running background rewrite's snapshot (the fork-less replacement of Redis's AOF child).</summary>
    public SnapshotJob? RewriteJob { get; private set; }

    /// <summary>The base written by a fork-less snapshot while the server keeps serving; EndRewrite runs when it is on disk.</summary>
    bool StartBackgroundBase(string tempBase)
    {
        FileStream file;
        try { file = new FileStream(tempBase, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.Warning("Write error writing append only file on disk: " + ConfigText.Strerror(ex));
            EndRewrite(false);
            return false;
        }
        bool rdb = _rewriteBaseIsRdb;
        RewriteJob = SnapshotJob.Start(_server, file, output => NewBaseEncoder(output, rdb), "mirra-aofrw", job =>
        {
            if (!ReferenceEquals(job, RewriteJob)) return; // aborted: already cleaned up
            RewriteJob = null;
            bool ok = job.Error == null;
            try { file.Dispose(); } catch (Exception ex) when (ex is IOException) { ok = false; }
            if (!ok) _server.Log.Warning("Write error writing append only file on disk: " + (job.Error is { } e ? ConfigText.Strerror(e) : "close failed"));
            else _server.Log.Notice($"Successfully created the temporary AOF base file {Path.GetFileName(tempBase)}");
            EndRewrite(ok);
        }, aofBase: true);
        AbortRewriteProducer = () =>
        {
            if (RewriteJob is not { } job) return;
            RewriteJob = null;
            job.Cancel();
            try { file.Dispose(); } catch (IOException) { }
        };
        return true;
    }

    /// <summary>
    /// BGREWRITEAOF (Redis's bgrewriteaofCommand): null when started, "scheduled" when it must wait for
    /// another snapshot or the end of a transaction, or the error reply.
    /// </summary>
    public string? BackgroundRewriteCommand(bool inTransaction)
    {
        if (RewriteInProgress) return "ERR Background append only file rewriting already in progress";
        if (_server.Rdb.Background != null || inTransaction)
        {
            RewriteScheduled = true;
            RewritesConsecutiveFailures = 0;
            return "scheduled";
        }
        return RewriteNow(startOnly: true) ? null
            : "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
    }

    /// <summary>
    /// The start of a rewrite (Redis's rewriteAppendOnlyFileBackground up to the fork): the buffer is
    /// flushed, a new incr file opened (a temporary one while AOF is being turned on) so that writes go on
    /// there, and <paramref name="tempBasePath"/> names the file the new base must be written to; then call
    /// <see cref="EndRewrite"/>. False when the rewrite cannot start (logged).
    /// </summary>
    public bool BeginRewrite(out string tempBasePath)
    {
        tempBasePath = "";
        if (RewriteInProgress) return false;
        if (!CreateDirIfMissing())
        {
            LastBgRewriteOk = false;
            return false;
        }
        _server.Propagation.ResetSelectedDb(PropagationTargets.Aof);
        Writer.Flush(force: true);
        if (!OpenNewIncrForAppend())
        {
            LastBgRewriteOk = false;
            return false;
        }
        Rewrites++;
        _rewriteBaseIsRdb = UseRdbBase;
        tempBasePath = Path.Combine(DirPath, $"temp-rewriteaof-bg-{Environment.ProcessId}.aof");
        RewriteInProgress = true;
        RewriteScheduled = false;
        RewriteTimeStart = UnixNow;
        _rewriteStartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        _server.Log.Notice($"Background append only file rewriting started by pid {Environment.ProcessId}");
        UpdateFeeding();
        return true;
    }

    long _rewriteStartTimestamp;

    /// <summary>
    /// Redis's openNewIncrAofForAppend: writes continue in a new incr file (recorded in the manifest) or, while
    /// AOF waits for its first base, in temp-&lt;appendfilename&gt;.incr. The previous file is fsynced and closed in the background.
    /// </summary>
    public bool OpenNewIncrForAppend()
    {
        if (State == AofState.Off) return true;
        AofManifest? temp = null;
        string name;
        if (State == AofState.WaitRewrite) name = AofManifest.TempIncrFileName(AppendFileName);
        else
        {
            temp = Manifest.Clone();
            name = temp.NewIncrFileName(AppendFileName);
        }
        int fd = NativeFile.Open(FilePath(name), NativeFile.O_WRONLY | NativeFile.O_TRUNC | NativeFile.O_CREAT);
        if (fd < 0)
        {
            _server.Log.Warning($"Can't open the append-only file {name}: {NativeFile.StrError(NativeFile.LastErrno)}");
            return false;
        }
        if (temp != null && !PersistManifest(temp))
        {
            NativeFile.Close(fd);
            return false;
        }
        _server.Log.Notice($"Creating AOF incr file {name} on background rewrite");
        Writer.Flush(force: true);
        Writer.SwitchTo(fd, 0);
        _server.Propagation.ResetSelectedDb(PropagationTargets.Aof); // each file is loaded by a new client, in database 0
        if (temp != null) Manifest = temp;
        return true;
    }

    /// <summary>
    /// The end of a rewrite (Redis's backgroundRewriteDoneHandler). On success the temporary base becomes the
    /// new base (the old one becomes history), the temporary incr file of a turn-on gets its real name, the
    /// incr files the base contains become history, the manifest is written and history files deleted; AOF is
    /// then on. Returns whether the new base is installed.
    /// </summary>
    public bool EndRewrite(bool baseWritten)
    {
        var log = _server.Log;
        string tempBase = Path.Combine(DirPath, $"temp-rewriteaof-bg-{Environment.ProcessId}.aof");
        bool installed = false;
        if (!baseWritten)
        {
            LastBgRewriteOk = false;
            RewritesConsecutiveFailures++;
            log.Warning("Background AOF rewrite terminated with error");
        }
        else
        {
            log.Notice("Background AOF rewrite terminated with success");
            installed = InstallBase(tempBase);
        }
        CleanupRewrite(_rewriteStartTimestamp);
        try { File.Delete(tempBase); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return installed;
    }

    bool InstallBase(string tempBase)
    {
        var log = _server.Log;
        var temp = Manifest.Clone();
        string newBase = temp.NewBaseFileName(AppendFileName, _rewriteBaseIsRdb);
        string newBasePath = FilePath(newBase);
        try { File.Move(tempBase, newBasePath, overwrite: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Error trying to rename the temporary AOF base file {Path.GetFileName(tempBase)} into {newBase}: {ConfigText.Strerror(ex)}");
            return Failed();
        }
        log.Notice($"Successfully renamed the temporary AOF base file {Path.GetFileName(tempBase)} into {newBase}");

        string? newIncrPath = null;
        if (State == AofState.WaitRewrite)
        {
            string tempIncr = AofManifest.TempIncrFileName(AppendFileName);
            string newIncr = temp.NewIncrFileName(AppendFileName);
            newIncrPath = FilePath(newIncr);
            try { File.Move(FilePath(tempIncr), newIncrPath, overwrite: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Warning($"Error trying to rename the temporary AOF incr file {FilePath(tempIncr)} into {newIncrPath}: {ConfigText.Strerror(ex)}");
                TryDelete(newBasePath);
                return Failed();
            }
            log.Notice($"Successfully renamed the temporary AOF incr file {tempIncr} into {newIncr}");
        }

        temp.MarkRewrittenIncrAsHistory(keepLast: Writer.Fd >= 0);
        if (!PersistManifest(temp))
        {
            TryDelete(newBasePath);
            if (newIncrPath != null) TryDelete(newIncrPath);
            return Failed();
        }
        Manifest = temp;

        if (Writer.Fd >= 0)
        {
            _server.Propagation.ResetSelectedDb(PropagationTargets.Aof);
            Writer.CurrentSize = new FileInfo(newBasePath).Length + Writer.LastIncrSize;
            RewriteBaseSize = Writer.CurrentSize;
            Writer.FsyncOffset = Writer.CurrentSize;
            Writer.LastFsync = UnixNow;
        }
        DeleteHistoryFiles();
        LastBgRewriteOk = true;
        RewritesConsecutiveFailures = 0;
        log.Notice("Background AOF rewrite finished successfully");
        if (State == AofState.WaitRewrite) State = AofState.On;
        return true;

        bool Failed()
        {
            LastBgRewriteOk = false;
            RewritesConsecutiveFailures++;
            return false;
        }
    }

    void CleanupRewrite(long startTimestamp)
    {
        if (State == AofState.WaitRewrite)
        {
            // Turning on failed: what was written meanwhile goes, and another attempt is scheduled.
            Writer.DiscardBuffer();
            string tempIncr = AofManifest.TempIncrFileName(AppendFileName);
            _server.Log.Notice($"Removing the temp incr aof file {tempIncr} in the background");
            TryDelete(FilePath(tempIncr));
        }
        RewriteTimeLast = (long)((System.Diagnostics.Stopwatch.GetTimestamp() - startTimestamp) / (double)System.Diagnostics.Stopwatch.Frequency);
        RewriteTimeStart = -1;
        RewriteInProgress = false;
        if (State == AofState.WaitRewrite) RewriteScheduled = true;
        UpdateFeeding();
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Redis's rewriteAppendOnlyFile: the whole keyspace, as an RDB (<paramref name="rdb"/>) or as commands,
    /// to a temporary file that is fsynced then renamed to <paramref name="path"/>. <paramref name="tempName"/>
    /// null writes straight to <paramref name="path"/> (which is then itself a temporary file).
    /// </summary>
    public bool WriteBaseFile(string path, string? tempName, bool rdb)
    {
        string target = tempName != null ? Path.Combine(DirPath, tempName) : path;
        try
        {
            using (var fs = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024))
            {
                Snapshot.WriteAll(_server.Keyspace, NewBaseEncoder(fs, rdb), SnapshotJob.Info(_server, aofBase: true));
                fs.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.Warning("Write error writing append only file on disk: " + ConfigText.Strerror(ex));
            TryDelete(target);
            return false;
        }
        if (tempName == null) return true;
        try { File.Move(target, path, overwrite: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.Warning("Error moving temp append only file on the final destination: " + ConfigText.Strerror(ex));
            TryDelete(target);
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ INFO

    /// <summary>The AOF fields of INFO persistence, in Redis's order (the second part only with appendonly yes).</summary>
    public void AppendInfo(Action<string, string> field, bool tail)
    {
        string L(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!tail)
        {
            field("aof_enabled", State != AofState.Off ? "1" : "0");
            field("aof_rewrite_in_progress", RewriteInProgress ? "1" : "0");
            field("aof_rewrite_scheduled", RewriteScheduled ? "1" : "0");
            field("aof_last_rewrite_time_sec", L(RewriteTimeLast));
            field("aof_current_rewrite_time_sec", L(RewriteInProgress ? UnixNow - RewriteTimeStart : -1));
            field("aof_last_bgrewrite_status", LastBgRewriteOk ? "ok" : "err");
            field("aof_rewrites", L(Rewrites));
            field("aof_rewrites_consecutive_failures", L(RewritesConsecutiveFailures));
            field("aof_last_write_status", Writer.WriteStatusOk ? "ok" : "err");
            field("aof_last_cow_size", "0");
            return;
        }
        if (!_server.Config.AppendOnly) return;
        field("aof_current_size", L(Writer.CurrentSize));
        field("aof_base_size", L(RewriteBaseSize));
        field("aof_pending_rewrite", RewriteScheduled ? "1" : "0");
        field("aof_buffer_length", L(Writer.BufferLength));
        field("aof_pending_bio_fsync", L(Writer.PendingFsyncs));
        field("aof_delayed_fsync", L(Writer.DelayedFsync));
    }
}
