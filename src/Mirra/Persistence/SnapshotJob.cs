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
    /// What RDB aux fields record about this instant. Like Redis's rdbPopulateSaveInfo, the replication
    /// id and offset are recorded only once there is a replication stream (a backlog) to continue. On a replica
    /// they are recorded while there is a master or a cached master, with the database its stream selected, so
    /// that the replica can continue with PSYNC after a restart.
    /// </summary>
    public static SnapshotInfo Info(Server server, bool aofBase)
    {
        if (server.IsReplica)
        {
            int? db = server.MasterLink.StreamDb;
            return new(server.Clock.NowMs() / 1000, Observability.MemoryStats.UsedBytes(), ReplStreamDb: db ?? 0,
                db != null ? server.Replication.ReplId : null, server.Replication.Offset, aofBase);
        }
        return new(server.Clock.NowMs() / 1000, Observability.MemoryStats.UsedBytes(), ReplStreamDb: 0,
            server.Propagation.Active ? server.Replication.ReplId : null, server.Replication.Offset, aofBase);
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
        while (Pipe.HasRoom)
        {
            if (Snapshot.Step(256))
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
