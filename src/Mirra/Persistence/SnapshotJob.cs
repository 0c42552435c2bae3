using System.Diagnostics;
using Mirra.Engine;

namespace Mirra.Persistence;

/// <summary>
/// A snapshot walking in the background: slices of <see cref="Snapshot.Step"/> run as an executor
/// timer (about a millisecond each, so commands keep flowing between them), the bytes go through a
/// <see cref="SnapshotPipe"/> to its writer thread, and <paramref name="finished"/> runs on the
/// executor once every byte has reached the destination (or the destination failed). Used by
/// BGSAVE, the AOF rewrite's base file and full syncs to replicas.
/// </summary>
public sealed class SnapshotJob
{
    readonly Server _server;
    readonly Action<SnapshotJob> _finished;
    bool _doneCalled;
    readonly Util.DebugDelay _saveDelay = new(); // rdb-key-save-delay

    public Snapshot Snapshot { get; }
    public SnapshotPipe Pipe { get; }
    /// <summary>Where the bytes go (the caller finishes it: fsync and rename, or close the socket).</summary>
    public Stream Destination { get; }
    public long StartedAtMs { get; }
    public Stopwatch Elapsed { get; } = Stopwatch.StartNew();
    /// <summary>Set when the job failed (destination error or cancel).</summary>
    public Exception? Error { get; private set; }
    public bool Cancelled { get; private set; }

    SnapshotJob(Server server, Stream destination, Func<Stream, ISnapshotEncoder> encoder, string threadName, Action<SnapshotJob> finished, bool aofBase)
    {
        _server = server;
        _finished = finished;
        StartedAtMs = server.Clock.NowMs();
        Destination = destination;
        Pipe = new SnapshotPipe(destination, threadName);
        Snapshot = new Snapshot(server.Keyspace, encoder(Pipe), Info(server, aofBase));
    }

    /// <summary>Starts a snapshot now (executor only); its first slice runs at the end of this round.</summary>
    public static SnapshotJob Start(Server server, Stream destination, Func<Stream, ISnapshotEncoder> encoder, string threadName,
        Action<SnapshotJob> finished, bool aofBase = false)
    {
        var job = new SnapshotJob(server, destination, encoder, threadName, finished, aofBase);
        server.Executor.Timers.Add(0, job.Slice);
        return job;
    }

    /// <summary>
    /// What RDB aux fields record about this instant. Like Redis's rdbPopulateSaveInfo, the replication id, offset and
    /// stream database are recorded only when there is a replication history to continue (a master with a backlog, a
    /// replica with a master); never in an AOF base, like Redis's rewrite.
    /// </summary>
    public static SnapshotInfo Info(Server server, bool aofBase)
    {
        int? streamDb = aofBase ? null : server.Master.StreamDbForSave();
        return new(server.Clock.NowMs() / 1000, Observability.MemoryStats.UsedBytes(), ReplStreamDb: streamDb ?? 0,
            streamDb != null ? server.Replication.ReplId : null, server.Replication.Offset, aofBase);
    }

    /// <summary>Stops the job; <c>finished</c> still runs (with <see cref="Cancelled"/> set).</summary>
    public void Cancel()
    {
        if (Snapshot.Finished && Pipe.Drained.IsCompleted) return;
        Cancelled = true;
        Error ??= new OperationCanceledException("cancelled");
        Snapshot.Abort();
        Pipe.Cancel();
    }

    int Slice()
    {
        if (Cancelled) { Finish(); return -1; }
        if (Pipe.Error != null)
        {
            Error = Pipe.Error;
            Snapshot.Abort();
            Pipe.Cancel();
            Finish();
            return -1;
        }
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 1000;
        int saveDelay = _server.Config.RdbKeySaveDelay; // tests: a slow snapshot, without blocking the executor
        while (Pipe.HasRoom)
        {
            long keysBefore = Snapshot.KeysProcessed;
            if (Snapshot.Step(saveDelay != 0 ? 1 : 256))
            {
                Pipe.Complete();
                Pipe.Drained.ContinueWith(_ =>
                {
                    // fsync off the executor: it can take long on a big file.
                    Exception? syncError = null;
                    if (Pipe.Error == null && !Cancelled && Destination is FileStream file)
                    {
                        try { file.Flush(flushToDisk: true); }
                        catch (Exception ex) { syncError = ex; }
                    }
                    _server.Executor.Post(() =>
                    {
                        Error ??= Pipe.Error ?? syncError;
                        Finish();
                    });
                });
                return -1;
            }
            if (saveDelay != 0 && _saveDelay.Owe(saveDelay, Snapshot.KeysProcessed - keysBefore) is > 0 and var ms) return ms;
            if (Stopwatch.GetTimestamp() > deadline) return 0;
        }
        return 1; // the destination is behind: let it drain
    }

    void Finish()
    {
        if (_doneCalled) return;
        _doneCalled = true;
        _finished(this);
    }
}
