using System.Globalization;
using Mirra.Engine;

namespace Mirra.Observability;

/// <summary>
/// Memory accounting for INFO memory, MEMORY STATS and MEMORY DOCTOR. Mirra's "allocator" is the
/// .NET garbage collector: used memory is the managed heap in use, the startup figure is measured
/// once when the server is built, and the peak is sampled by the cron (and whenever it is read).
/// </summary>
public sealed class MemoryStats
{
    readonly Server _server;

    /// <summary>Managed bytes in use right after the server was built (used_memory_startup).</summary>
    public long StartupBytes { get; private set; }
    /// <summary>Highest managed heap use observed (used_memory_peak).</summary>
    public long PeakBytes { get; private set; }

    public MemoryStats(Server server)
    {
        _server = server;
        StartupBytes = PeakBytes = UsedBytes();
        server.CronJobs.Add(() => Sample());
    }

    /// <summary>Managed heap bytes currently allocated (objects not yet collected included).</summary>
    public static long UsedBytes() => GC.GetTotalMemory(false);

    /// <summary>Reads used memory and raises the peak when it is a new high.</summary>
    public long Sample()
    {
        long used = UsedBytes();
        if (used > PeakBytes) PeakBytes = used;
        return used;
    }

    /// <summary>Estimated bytes of one key slot in the main table besides the key and the value (entry object + bucket).</summary>
    public const int EntryOverhead = 64;
    /// <summary>Estimated bytes a client costs besides its buffers.</summary>
    public const int ClientOverhead = 1024;

    public sealed class DbOverhead
    {
        public int Index;
        public long Main;
        public long Expires;
    }

    /// <summary>One consistent reading of every figure INFO memory and MEMORY STATS report.</summary>
    public sealed class Report
    {
        public long Used, Startup, Peak, Rss;
        public long AllocatorAllocated, AllocatorActive, AllocatorResident;
        public long ReplicationBacklog, ClientsReplicas, ClientsNormal, AofBuffer, LuaCaches, FunctionsCaches;
        /// <summary>The whole replication buffer (backlog and replica output share it): mem_total_replication_buffers.</summary>
        public long ReplicationBuffers;
        public long OverheadTotal, Dataset, KeysCount;
        public readonly List<DbOverhead> Databases = new();

        public long NetUsage => Used > Startup ? Used - Startup : 1;
        public double DatasetPercent => (float)(Dataset * 100.0 / NetUsage);
        public double PeakPercent => (float)(Used * 100.0 / (Peak == 0 ? 1 : Peak));
        public long BytesPerKey => KeysCount == 0 ? 0 : NetUsage / KeysCount;
        public double AllocatorFragRatio => Ratio(AllocatorActive, AllocatorAllocated);
        public long AllocatorFragBytes => AllocatorActive - AllocatorAllocated;
        public double AllocatorRssRatio => Ratio(AllocatorResident, AllocatorActive);
        public long AllocatorRssBytes => AllocatorResident - AllocatorActive;
        public double RssOverheadRatio => Ratio(Rss, AllocatorResident);
        public long RssOverheadBytes => Rss - AllocatorResident;
        public double FragmentationRatio => Ratio(Rss, Used);
        public long FragmentationBytes => Rss - Used;

        static double Ratio(long a, long b) => (float)(b == 0 ? 0 : (double)a / b);
    }

    /// <summary>Measures everything now. Cost: one pass over the clients and the databases (not the keys).</summary>
    public Report Measure()
    {
        var r = new Report { Used = Sample(), Startup = StartupBytes, Rss = ProcessInfo.ResidentBytes() };
        r.Peak = PeakBytes;
        var gc = GC.GetGCMemoryInfo();
        r.AllocatorAllocated = r.Used;
        r.AllocatorActive = r.Used + gc.FragmentedBytes;
        r.AllocatorResident = Math.Max(gc.TotalCommittedBytes, r.AllocatorActive);

        foreach (var c in _server.Clients.All)
        {
            long bytes = ClientOverhead + c.Reply.RawBuffer.Length + (c.Transport?.QueryBufferLength ?? 0);
            long pending = c.Transport?.PendingOutputBytes(c) ?? 0;
            if (pending > c.Reply.Length && c.Transport is not Replication.ReplicaTransport) bytes += pending - c.Reply.Length;
            if (c.Is(ClientFlags.Replica) && !c.Is(ClientFlags.Monitor)) r.ClientsReplicas += bytes;
            else r.ClientsNormal += bytes;
        }

        // Like Redis 7: the replication buffer is the backlog's up to repl-backlog-size, the replicas' beyond it.
        if (_server.Master.Backlog is { } backlog)
        {
            r.ReplicationBuffers = backlog.Memory;
            if (_server.Master.Replicas.Count > 0 && backlog.Memory > backlog.Size)
            {
                r.ClientsReplicas += backlog.Memory - backlog.Size;
                r.ReplicationBacklog = backlog.Size;
            }
            else r.ReplicationBacklog = backlog.Memory;
        }

        long overhead = r.Startup + r.ReplicationBacklog + r.ClientsReplicas + r.ClientsNormal + r.AofBuffer + r.LuaCaches + r.FunctionsCaches;
        foreach (var db in _server.Keyspace.Databases)
        {
            if (db.Count == 0) continue;
            var d = new DbOverhead
            {
                Index = db.Index,
                Main = (long)db.Count * EntryOverhead + (long)db.Table.BucketCount * IntPtr.Size,
                Expires = (long)db.ExpiresCount * IntPtr.Size,
            };
            r.Databases.Add(d);
            r.KeysCount += db.Count;
            overhead += d.Main + d.Expires;
        }
        r.OverheadTotal = overhead;
        r.Dataset = r.Used > overhead ? r.Used - overhead : 0;
        return r;
    }

    /// <summary>Redis's bytesToHuman: "512B", "1.02K", "967.35K", "11.56M", "23.54G".</summary>
    public static string Human(long n)
    {
        if (n < 0) return "-" + Human(-n);
        var inv = CultureInfo.InvariantCulture;
        const double K = 1024;
        if (n < 1024) return n.ToString(inv) + "B";
        if (n < 1024L * 1024) return (n / K).ToString("F2", inv) + "K";
        if (n < 1024L * 1024 * 1024) return (n / (K * K)).ToString("F2", inv) + "M";
        if (n < 1024L * 1024 * 1024 * 1024) return (n / (K * K * K)).ToString("F2", inv) + "G";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024) return (n / (K * K * K * K)).ToString("F2", inv) + "T";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024 * 1024) return (n / (K * K * K * K * K)).ToString("F2", inv) + "P";
        return n.ToString(inv) + "B";
    }
}
