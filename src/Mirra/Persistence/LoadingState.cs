namespace Mirra.Persistence;

/// <summary>
/// Progress of a data set being loaded (startup, DEBUG RELOAD): INFO persistence's loading_* fields
/// and the -LOADING reply. Written by the loader on the executor, read by INFO on the executor.
/// </summary>
public sealed class LoadingState
{
    public const string Reply = "LOADING Redis is loading the dataset in memory";

    public bool Active { get; private set; }
    public long StartUnix { get; private set; }
    public long StartMs { get; private set; }
    public long TotalBytes { get; private set; }
    public long LoadedBytes { get; set; }
    /// <summary>used-mem recorded in the RDB being loaded (loading_rdb_used_mem).</summary>
    public long RdbUsedMemory { get; set; }

    public void Begin(long totalBytes, long nowMs)
    {
        Active = true;
        StartMs = nowMs;
        StartUnix = nowMs / 1000;
        TotalBytes = totalBytes;
        LoadedBytes = 0;
        RdbUsedMemory = 0;
    }

    public void End() => Active = false;

    public double Percent => TotalBytes > 0 ? 100.0 * LoadedBytes / TotalBytes : 0;

    /// <summary>Redis's loading_eta_seconds: remaining bytes at the average speed so far (1 until measurable).</summary>
    public long EtaSeconds(long nowMs)
    {
        long elapsed = Math.Max(1, nowMs - StartMs);
        if (LoadedBytes == 0) return 1;
        double bytesPerMs = (double)LoadedBytes / elapsed;
        return (long)((TotalBytes - LoadedBytes) / bytesPerMs / 1000);
    }
}
