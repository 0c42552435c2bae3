using System.Diagnostics;
using System.Globalization;
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
    public static Outcome LoadRdb(Server server, string path, bool serveClients, bool allowDuplicates = false)
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
            string error = $"Fatal error loading the DB: {DurableFiles.Describe(ex)}. Exiting.";
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
                    }) { AllowDuplicates = allowDuplicates };
                var result = RdbLoader.Load(file, server.Keyspace, server.Config, options);
                LogAux(server, result);
                log.Notice($"Done loading RDB, keys loaded: {result.Keys}, keys expired: {result.ExpiredSkipped}.");
                server.Rdb.LastLoadKeysLoaded = result.Keys;
                server.Rdb.LastLoadKeysExpired = result.ExpiredSkipped;
                log.Notice($"DB loaded from disk: {clock.Elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)} seconds");
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
            string error = $"Fatal error loading the DB: {DurableFiles.Describe(ex)}. Exiting.";
            log.Warning(error);
            return new Outcome(false, false, 0, 0, error, null);
        }
        finally { loading.End(); }
    }

    /// <summary>
    /// The data set at startup, as Redis's loadDataFromDisk: the AOF when `appendonly yes` (its manifest is
    /// read either way), else the RDB file named by `dbfilename` in `dir`. False: the server must exit.
    /// </summary>
    public static bool LoadAtStartup(Server server)
    {
        var loading = server.Loading;
        if (server.Config.AppendOnly) loading.Begin(0, server.Clock.NowMs()); // INFO shows loading:1 meanwhile
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
        var outcome = LoadRdb(server, RdbPath(server), serveClients: true);
        if (outcome.Ok) server.MasterLink.OnStartupLoaded(outcome.Result); // a replica continues the RDB's replication history
        return outcome.Ok;
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
