using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using Mirra.Engine;
using Mirra.Persistence.Rdb;

namespace Mirra.Persistence;

/// <summary>
/// Loads an RDB file into the keyspace (startup, DEBUG RELOAD), on the executor like Redis's main
/// thread: while it runs, clients that send commands are served between chunks (most get -LOADING)
/// and INFO reports the progress. Logs what Redis logs.
/// </summary>
public static class DataLoader
{
    /// <summary>Outcome of a load: keys, or the error that must stop the server.</summary>
    public sealed record Outcome(bool Ok, bool FileMissing, long Keys, long Expired, string? Error, RdbLoadResult? Result);

    /// <summary>
    /// Loads an RDB file if it exists (a missing file is an empty data set, not an error).
    /// <paramref name="serveClients"/>: answer waiting clients between chunks (startup; not inside a command).
    /// </summary>
    /// <paramref name="atStartup"/>: adding keys skips the keyspace's write hook: no snapshot or blocked client can
    /// exist yet, and a WATCH sent while loading is not invalidated by loaded keys (Redis's dbAddRDBLoad signals nothing).
    public static Outcome LoadRdb(Server server, string path, bool serveClients, bool allowDuplicates = false, bool atStartup = false)
    {
        var log = server.Log;
        long total;
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            total = file.Length;
        }
        catch (FileNotFoundException) { return new Outcome(true, true, 0, 0, null, null); }
        catch (Exception ex)
        {
            string error = $"Fatal error loading the DB: {Mirra.Config.ConfigText.Strerror(ex)}. Exiting.";
            log.Warning(error);
            return new Outcome(false, false, 0, 0, error, null);
        }

        var loading = server.Loading;
        var clock = Stopwatch.StartNew();
        loading.Begin(total, server.Clock.NowMs());
        try
        {
            using (file)
            {
                var options = new RdbLoadOptions(server.Clock.NowMs(), SkipExpired: !server.IsReplica, VerifyChecksum: server.Config.RdbChecksum,
                    Progress: bytes =>
                    {
                        loading.LoadedBytes = bytes;
                        if (serveClients) server.Executor.ServeWhileBlocked();
                    }) { AllowDuplicates = allowDuplicates, AnnounceWrites = !atStartup };
                bool noGc = EnterNoGcRegion(total);
                RdbLoadResult result;
                try { result = RdbLoader.Load(file, server.Keyspace, server.Config, options); }
                finally { if (noGc) ExitNoGcRegion(); }
                // The load's own time, like Redis's: the collections that promote the new data set come after it
                // (the first allocation may start one), and so do the log lines.
                double seconds = clock.Elapsed.TotalSeconds;
                LogAux(server, result);
                log.Notice($"Done loading RDB, keys loaded: {result.Keys}, keys expired: {result.ExpiredSkipped}.");
                server.Rdb.LastLoadKeysLoaded = result.Keys;
                server.Rdb.LastLoadKeysExpired = result.ExpiredSkipped;
                log.Notice($"DB loaded from disk: {seconds.ToString("F3", CultureInfo.InvariantCulture)} seconds");
                return new Outcome(true, false, result.Keys, result.ExpiredSkipped, null, result);
            }
        }
        catch (RdbFormatException ex)
        {
            log.Warning($"Internal error in RDB reading offset {Math.Max(0, ex.Position)}, function at RdbLoader -> {ex.Message}");
            log.Warning("Terminating server after rdb file reading failure.");
            return new Outcome(false, false, 0, 0, ex.Message, null);
        }
        catch (IOException ex)
        {
            string error = $"Fatal error loading the DB: {Mirra.Config.ConfigText.Strerror(ex)}. Exiting.";
            log.Warning(error);
            return new Outcome(false, false, 0, 0, error, null);
        }
        finally { loading.End(); }
    }

    /// <summary>Files smaller than this load without a no-GC region (their collections cost next to nothing).</summary>
    const long NoGcRegionMinFile = 16 << 20;
    /// <summary>The region allows this many times the file's size of allocations (a hashes data set takes about 2.3).</summary>
    const long NoGcRegionPerFileByte = 4;

    /// <summary>
    /// Everything a load allocates survives: collections during it only copy and promote the new data set
    /// through the generations (and background gen2 collections mark it again and again), about a third of the
    /// load's time. A no-GC region sized from the file lets the load allocate without any; the data set is then
    /// promoted by the first collections after the load (in place: no copy). If the data needs more than the
    /// region, the GC simply collects then and ends the region. False when no region was started.
    /// </summary>
    static bool EnterNoGcRegion(long fileBytes)
    {
        if (fileBytes < NoGcRegionMinFile) return false;
        long size = fileBytes * NoGcRegionPerFileByte;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0) size = Math.Min(size, available / 4); // never ask for a large part of the machine
        if (size < NoGcRegionMinFile) return false;
        try { return GC.TryStartNoGCRegion(size); }
        catch (ArgumentOutOfRangeException) { return false; } // more than this GC can set aside
        catch (InvalidOperationException) { return false; }   // already in a region
    }

    static void ExitNoGcRegion()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return; // the data outgrew it: the GC ended it
        try { GC.EndNoGCRegion(); }
        catch (InvalidOperationException) { } // ended meanwhile by a collection
    }

    /// <summary>
    /// The data set at startup, as Redis's loadDataFromDisk: the AOF when `appendonly yes` (its manifest is
    /// read either way), else the RDB file named by `dbfilename` in `dir`. False: the server must exit.
    /// </summary>
    public static bool LoadAtStartup(Server server)
    {
        var loading = server.Loading;
        if (server.Config.AppendOnly)
        {
            loading.Begin(AofBytes(server), server.Clock.NowMs()); // INFO shows loading:1 meanwhile
            server.Aof.Loader.Progress = bytes =>
            {
                loading.LoadedBytes = bytes;
                server.Executor.ServeWhileBlocked(); // waiting clients get -LOADING (INFO and the like answer)
            };
        }
        try
        {
            if (!server.Aof.Startup()) return false;
        }
        finally { if (server.Config.AppendOnly) loading.End(); }
        if (server.Config.AppendOnly)
        {
            server.MasterLink.OnStartupLoaded(null);
            return true;
        }
        var outcome = LoadRdb(server, RdbPath(server), serveClients: true, atStartup: true);
        // Its replication id and offset let replicas (or, on a replica, our master) continue with a partial resync.
        if (outcome.Ok && outcome.Result != null) server.Master.RestoreAfterLoad(outcome.Result);
        if (outcome.Ok) server.MasterLink.OnStartupLoaded(outcome.Result);
        return outcome.Ok;
    }

    /// <summary>The bytes of the AOF directory's files (loading_total_bytes while the AOF loads).</summary>
    static long AofBytes(Server server)
    {
        try
        {
            var dir = new DirectoryInfo(server.Aof.AofDirPath);
            return dir.Exists ? dir.EnumerateFiles().Sum(f => f.Length) : 0;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>Loads an RDB embedded in the AOF (its base file or an old preamble); returns the offset just after it.</summary>
    public static long LoadAofBase(Server server, Stream stream)
    {
        var options = new RdbLoadOptions(server.Clock.NowMs(), SkipExpired: !server.IsReplica, VerifyChecksum: server.Config.RdbChecksum);
        long start = stream.Position;
        var result = RdbLoader.Load(stream, server.Keyspace, server.Config, options);
        return start + result.BytesRead;
    }

    /// <summary>`dbfilename` in `dir`.</summary>
    public static string RdbPath(Server server) =>
        server.Config.Dir.Length > 0 ? Path.Combine(server.Config.Dir, server.Config.DbFileName) : server.Config.DbFileName;

    /// <summary>What Redis logs from the aux fields it meets: the producer, the age, the memory at save time.</summary>
    internal static void LogAux(Server server, RdbLoadResult result)
    {
        var log = server.Log;
        if (result.Aux.TryGetValue("redis-ver", out var version))
            log.Notice($"Loading RDB produced by version {Encoding.UTF8.GetString(version)}");
        if (result.Aux.TryGetValue("ctime", out var ctime) && long.TryParse(Encoding.ASCII.GetString(ctime), out long created))
            log.Notice($"RDB age {Math.Max(0, server.Clock.NowMs() / 1000 - created)} seconds");
        if (result.Aux.TryGetValue("used-mem", out var usedMem) && long.TryParse(Encoding.ASCII.GetString(usedMem), out long bytes))
        {
            server.Loading.RdbUsedMemory = bytes;
            log.Notice($"RDB memory usage when created {(bytes / 1024.0 / 1024.0).ToString("F2", CultureInfo.InvariantCulture)} Mb");
        }
    }
}
