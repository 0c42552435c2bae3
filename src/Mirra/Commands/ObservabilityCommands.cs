using System.Globalization;
using System.Runtime;
using System.Text;
using Mirra.Engine;
using Mirra.Observability;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>LATENCY, MEMORY and SLOWLOG: the diagnostic containers.</summary>
public static class ObservabilityCommands
{
    public static void Register(CommandTable t)
    {
        const string Diag = "admin noscript loading stale";
        t.Add(new CommandSpec("latency", -2, "", 0, 0, 0, null)
            { Group = "server", Since = "2.8.13", Summary = "A container for latency diagnostics commands.", Complexity = "Depends on subcommand." })
            .AddSubcommand(new("doctor", 2, Diag, 0, 0, 0, LatencyDoctor) { Group = "server", Since = "2.8.13", Summary = "Returns a human-readable latency analysis report." })
            .AddSubcommand(new("graph", 3, Diag, 0, 0, 0, LatencyGraph) { Group = "server", Since = "2.8.13", Summary = "Returns a latency graph for an event." })
            .AddSubcommand(new("history", 3, Diag, 0, 0, 0, LatencyHistory) { Group = "server", Since = "2.8.13", Summary = "Returns timestamp-latency samples for an event." })
            .AddSubcommand(new("latest", 2, Diag, 0, 0, 0, LatencyLatest) { Group = "server", Since = "2.8.13", Summary = "Returns the latest latency samples for all events." })
            .AddSubcommand(new("reset", -2, Diag, 0, 0, 0, LatencyReset) { Group = "server", Since = "2.8.13", Summary = "Resets the latency data for one or more events." })
            .AddSubcommand(new("histogram", -2, Diag, 0, 0, 0, LatencyHistogramCommand)
                { Group = "server", Since = "7.0.0", Summary = "Returns the cumulative distribution of latencies of a subset or all commands.", Complexity = "O(N) where N is the number of commands with latency information being retrieved." })
            .AddSubcommand(new("help", 2, "loading stale", 0, 0, 0, LatencyHelp) { Group = "server", Since = "2.8.13", Summary = "Returns helpful text about the different subcommands." });

        t.Add(new CommandSpec("memory", -2, "", 0, 0, 0, null)
            { Group = "server", Since = "4.0.0", Summary = "A container for memory diagnostics commands.", Complexity = "Depends on subcommand." })
            .AddSubcommand(new("doctor", 2, "", 0, 0, 0, MemoryDoctor) { Group = "server", Since = "4.0.0", Summary = "Outputs a memory problems report." })
            .AddSubcommand(new("malloc-stats", 2, "", 0, 0, 0, MemoryMallocStats)
                { Group = "server", Since = "4.0.0", Summary = "Returns the allocator statistics.", Complexity = "Depends on how much memory is allocated, could be slow" })
            .AddSubcommand(new("purge", 2, "", 0, 0, 0, MemoryPurge)
                { Group = "server", Since = "4.0.0", Summary = "Asks the allocator to release memory.", Complexity = "Depends on how much memory is allocated, could be slow" })
            .AddSubcommand(new("stats", 2, "", 0, 0, 0, MemoryStatsCommand) { Group = "server", Since = "4.0.0", Summary = "Returns details about memory usage." })
            .AddSubcommand(new("usage", -3, "readonly", 2, 2, 1, MemoryUsage)
                { Group = "server", Since = "4.0.0", Summary = "Estimates the memory usage of a key.", Complexity = "O(N) where N is the number of samples." })
            .AddSubcommand(new("help", 2, "loading stale", 0, 0, 0, MemoryHelp) { Group = "server", Since = "4.0.0", Summary = "Returns helpful text about the different subcommands." });

        const string Slow = "admin loading stale";
        t.Add(new CommandSpec("slowlog", -2, "", 0, 0, 0, null)
            { Group = "server", Since = "2.2.12", Summary = "A container for slow log commands.", Complexity = "Depends on subcommand." })
            .AddSubcommand(new("get", -2, Slow, 0, 0, 0, SlowlogGet)
                { Group = "server", Since = "2.2.12", Summary = "Returns the slow log's entries.", Complexity = "O(N) where N is the number of entries returned" })
            .AddSubcommand(new("len", 2, Slow, 0, 0, 0, SlowlogLen) { Group = "server", Since = "2.2.12", Summary = "Returns the number of entries in the slow log." })
            .AddSubcommand(new("reset", 2, Slow, 0, 0, 0, SlowlogReset)
                { Group = "server", Since = "2.2.12", Summary = "Clears all entries from the slow log.", Complexity = "O(N) where N is the number of entries in the slowlog" })
            .AddSubcommand(new("help", 2, "loading stale", 0, 0, 0, SlowlogHelp) { Group = "server", Since = "6.2.0", Summary = "Returns helpful text about the different subcommands." });
    }

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---------------- LATENCY ----------------

    static void LatencyDoctor(CommandContext ctx) => ctx.Reply.Verbatim(Doctors.Latency(ctx.Server));

    /// <summary>LATENCY LATEST: [event, time of the latest spike, its latency, all-time max] per event.</summary>
    static void LatencyLatest(CommandContext ctx)
    {
        var events = ctx.Server.Latency.Events;
        var r = ctx.Reply;
        r.ArrayHeader(events.Count);
        foreach (var (name, series) in events)
        {
            var last = series.Samples[^1];
            r.ArrayHeader(4);
            r.Bulk(name);
            r.Integer(last.Time);
            r.Integer(last.Ms);
            r.Integer(series.MaxMs);
        }
    }

    static void LatencyHistory(CommandContext ctx)
    {
        var r = ctx.Reply;
        if (!ctx.Server.Latency.Events.TryGetValue(ctx.ArgString(2), out var series)) { r.EmptyArray(); return; }
        r.ArrayHeader(series.Samples.Count);
        foreach (var (time, ms) in series.Samples)
        {
            r.ArrayHeader(2);
            r.Integer(time);
            r.Integer(ms);
        }
    }

    static void LatencyReset(CommandContext ctx)
    {
        var names = new List<string>();
        for (int i = 2; i < ctx.ArgCount; i++) names.Add(ctx.ArgString(i));
        ctx.Reply.Integer(ctx.Server.Latency.Reset(names));
    }

    static void LatencyGraph(CommandContext ctx)
    {
        string name = ctx.ArgString(2);
        if (!ctx.Server.Latency.Events.TryGetValue(name, out var series) || series.Samples.Count == 0)
        {
            ctx.Error($"ERR No samples available for event '{name}'");
            return;
        }
        ctx.Reply.Verbatim(LatencyGraphText(name, series, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    }

    /// <summary>
    /// An ASCII chart of an event's samples, oldest on the left: one column per sample, 4 rows scaled
    /// between the lowest and highest sample ('#' marks the top of a column, '_' the lowest level),
    /// and under each column how long ago the sample was taken, written top to bottom.
    /// </summary>
    public static string LatencyGraphText(string name, LatencyMonitor.Series series, long nowSec)
    {
        const int Rows = 4;
        var samples = series.Samples;
        long high = long.MinValue, low = long.MaxValue;
        foreach (var s in samples) { high = Math.Max(high, s.Ms); low = Math.Min(low, s.Ms); }
        var sb = new StringBuilder();
        sb.Append(name).Append(" - high ").Append(high.ToString(Inv)).Append(" ms, low ").Append(low.ToString(Inv))
          .Append(" ms (all time high ").Append(series.MaxMs.ToString(Inv)).Append(" ms)\n");
        sb.Append('-', 80).Append('\n');
        var heights = new int[samples.Count];
        for (int i = 0; i < samples.Count; i++)
            heights[i] = high == low ? Rows : 1 + (int)((samples[i].Ms - low) * (Rows - 1) / (double)(high - low) + 0.5);
        for (int level = Rows; level >= 1; level--)
        {
            foreach (int h in heights) sb.Append(h == level ? (level == 1 ? '_' : '#') : h > level ? '|' : ' ');
            sb.Append('\n');
        }
        sb.Append('\n');
        var labels = new string[samples.Count];
        int tall = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            labels[i] = Age(nowSec - samples[i].Time);
            tall = Math.Max(tall, labels[i].Length);
        }
        for (int row = 0; row < tall; row++)
        {
            foreach (var label in labels) sb.Append(row < label.Length ? label[row] : ' ');
            sb.Append('\n');
        }
        return sb.ToString();
    }

    static string Age(long seconds)
    {
        if (seconds < 0) seconds = 0;
        if (seconds < 60) return seconds.ToString(Inv) + "s";
        if (seconds < 3600) return (seconds / 60).ToString(Inv) + "m";
        if (seconds < 86400) return (seconds / 3600).ToString(Inv) + "h";
        return (seconds / 86400).ToString(Inv) + "d";
    }

    /// <summary>LATENCY HISTOGRAM [command ...]: per command, its calls and the cumulative distribution by powers of two.</summary>
    static void LatencyHistogramCommand(CommandContext ctx)
    {
        var r = ctx.Reply;
        int mark = r.BeginDeferred();
        int entries = 0;
        if (ctx.ArgCount == 2)
        {
            foreach (var c in InfoBuilder.AllCommands(ctx.Server))
                if (c.Latency is { TotalCount: > 0 }) { WriteHistogram(ctx, c); entries++; }
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var c = FindByFullName(ctx.Server, ctx.ArgString(i));
                if (c?.Latency is { TotalCount: > 0 }) { WriteHistogram(ctx, c); entries++; }
            }
        }
        r.EndDeferredMap(mark, entries);
    }

    static CommandSpec? FindByFullName(Server server, string name)
    {
        int bar = name.IndexOf('|');
        if (bar < 0) return server.Commands.Find(name);
        var parent = server.Commands.Find(name[..bar]);
        return parent?.Subcommands?.GetValueOrDefault(name[(bar + 1)..]);
    }

    static void WriteHistogram(CommandContext ctx, CommandSpec c)
    {
        var r = ctx.Reply;
        var buckets = c.Latency!.CumulativeByPowerOfTwo();
        r.Bulk(c.FullName);
        r.MapHeader(2);
        r.Bulk("calls"u8);
        r.Integer(c.Latency.TotalCount);
        r.Bulk("histogram_usec"u8);
        r.MapHeader(buckets.Count);
        foreach (var (micros, cumulative) in buckets)
        {
            r.Integer(micros);
            r.Integer(cumulative);
        }
    }

    static readonly string[] LatencyHelpLines =
    {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
    };

    static void LatencyHelp(CommandContext ctx) => HelpReply.Write(ctx, "LATENCY", LatencyHelpLines);

    // ---------------- MEMORY ----------------

    /// <summary>MEMORY USAGE key [SAMPLES count]: the estimated bytes of the key, its value and its slot.</summary>
    static void MemoryUsage(CommandContext ctx)
    {
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "samples"u8) && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryGetLong(i + 1, out long samples)) return;
                if (samples < 0) { ctx.SyntaxError(); return; }
                i++;
            }
            else { ctx.SyntaxError(); return; }
        }
        // Like Redis: a plain dictionary lookup, no expiry, no hit/miss accounting, no access time.
        var e = ctx.Db.Peek(ctx.Arg(2));
        if (e == null) { ctx.Reply.Null(); return; }
        ctx.Reply.Integer(KeyUsage(e));
    }

    /// <summary>Estimated bytes of a key: its slot and entry object, the key bytes, and the value.</summary>
    public static long KeyUsage(KeyEntry e) => MemoryStats.EntryOverhead + ArrayBytes(e.Key.Length) + ValueTypes.EstimatedBytes(e.Value);

    static long ArrayBytes(int length) => (24 + length + 7) & ~7L;

    static void MemoryStatsCommand(CommandContext ctx)
    {
        var m = ctx.Server.Memory.Measure();
        var r = ctx.Reply;
        r.MapHeader(27 + m.Databases.Count);
        Pair(r, "peak.allocated", m.Peak);
        Pair(r, "total.allocated", m.Used);
        Pair(r, "startup.allocated", m.Startup);
        Pair(r, "replication.backlog", m.ReplicationBacklog);
        Pair(r, "clients.slaves", m.ClientsReplicas);
        Pair(r, "clients.normal", m.ClientsNormal);
        Pair(r, "cluster.links", 0);
        Pair(r, "aof.buffer", m.AofBuffer);
        Pair(r, "lua.caches", m.LuaCaches);
        Pair(r, "functions.caches", m.FunctionsCaches);
        foreach (var db in m.Databases)
        {
            r.Bulk("db." + db.Index.ToString(Inv));
            r.MapHeader(3);
            Pair(r, "overhead.hashtable.main", db.Main);
            Pair(r, "overhead.hashtable.expires", db.Expires);
            Pair(r, "overhead.hashtable.slot-to-keys", 0);
        }
        Pair(r, "overhead.total", m.OverheadTotal);
        Pair(r, "keys.count", m.KeysCount);
        Pair(r, "keys.bytes-per-key", m.BytesPerKey);
        Pair(r, "dataset.bytes", m.Dataset);
        PairD(r, "dataset.percentage", m.DatasetPercent);
        PairD(r, "peak.percentage", m.PeakPercent);
        Pair(r, "allocator.allocated", m.AllocatorAllocated);
        Pair(r, "allocator.active", m.AllocatorActive);
        Pair(r, "allocator.resident", m.AllocatorResident);
        PairD(r, "allocator-fragmentation.ratio", m.AllocatorFragRatio);
        Pair(r, "allocator-fragmentation.bytes", m.AllocatorFragBytes);
        PairD(r, "allocator-rss.ratio", m.AllocatorRssRatio);
        Pair(r, "allocator-rss.bytes", m.AllocatorRssBytes);
        PairD(r, "rss-overhead.ratio", m.RssOverheadRatio);
        Pair(r, "rss-overhead.bytes", m.RssOverheadBytes);
        PairD(r, "fragmentation", m.FragmentationRatio);
        Pair(r, "fragmentation.bytes", m.FragmentationBytes);
    }

    static void Pair(Protocol.RespWriter r, string name, long value)
    {
        r.Bulk(name);
        r.Integer(value);
    }

    static void PairD(Protocol.RespWriter r, string name, double value)
    {
        r.Bulk(name);
        r.Double(value);
    }

    static void MemoryDoctor(CommandContext ctx) => ctx.Reply.Verbatim(Doctors.Memory(ctx.Server));

    /// <summary>MEMORY PURGE: a full compacting collection that gives free memory back to the system.</summary>
    static void MemoryPurge(CommandContext ctx)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ctx.Reply.Ok();
    }

    /// <summary>MEMORY MALLOC-STATS: Mirra's allocator is the .NET GC, so this reports the GC's figures.</summary>
    static void MemoryMallocStats(CommandContext ctx)
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var sb = new StringBuilder();
        sb.Append("___ Begin .NET GC statistics ___\n");
        sb.Append("Server GC: ").Append(GCSettings.IsServerGC ? "true" : "false").Append('\n');
        sb.Append("Latency mode: ").Append(GCSettings.LatencyMode).Append('\n');
        sb.Append("Allocated (in use): ").Append(GC.GetTotalMemory(false).ToString(Inv)).Append('\n');
        sb.Append("Total allocated since start: ").Append(GC.GetTotalAllocatedBytes(false).ToString(Inv)).Append('\n');
        sb.Append("Heap size after last GC: ").Append(info.HeapSizeBytes.ToString(Inv)).Append('\n');
        sb.Append("Fragmented: ").Append(info.FragmentedBytes.ToString(Inv)).Append('\n');
        sb.Append("Committed: ").Append(info.TotalCommittedBytes.ToString(Inv)).Append('\n');
        sb.Append("Promoted in last GC: ").Append(info.PromotedBytes.ToString(Inv)).Append('\n');
        sb.Append("Pinned objects in last GC: ").Append(info.PinnedObjectsCount.ToString(Inv)).Append('\n');
        sb.Append("Memory load: ").Append(info.MemoryLoadBytes.ToString(Inv)).Append(" of ").Append(info.TotalAvailableMemoryBytes.ToString(Inv)).Append('\n');
        sb.Append("Pause time: ").Append(info.PauseTimePercentage.ToString("F2", Inv)).Append("%\n");
        for (int gen = 0; gen <= GC.MaxGeneration; gen++)
            sb.Append("Collections gen").Append(gen.ToString(Inv)).Append(": ").Append(GC.CollectionCount(gen).ToString(Inv)).Append('\n');
        sb.Append("Total pause: ").Append(GC.GetTotalPauseDuration().TotalMilliseconds.ToString("F1", Inv)).Append(" ms\n");
        foreach (var (kind, name) in new[] { (GCKind.Ephemeral, "ephemeral"), (GCKind.FullBlocking, "full blocking"), (GCKind.Background, "background") })
        {
            var last = GC.GetGCMemoryInfo(kind);
            if (last.Index == 0) continue;
            sb.Append("Last ").Append(name).Append(" GC: #").Append(last.Index.ToString(Inv)).Append(" gen").Append(last.Generation.ToString(Inv))
              .Append(", pause ").Append(last.PauseDurations[0].TotalMilliseconds.ToString("F1", Inv)).Append(" ms, promoted ")
              .Append(last.PromotedBytes.ToString(Inv)).Append('\n');
        }
        var gens = info.GenerationInfo;
        string[] names = { "gen0", "gen1", "gen2", "loh", "poh" };
        for (int i = 0; i < gens.Length && i < names.Length; i++)
            sb.Append(names[i]).Append(": size before ").Append(gens[i].SizeBeforeBytes.ToString(Inv))
              .Append(", size after ").Append(gens[i].SizeAfterBytes.ToString(Inv))
              .Append(", fragmentation after ").Append(gens[i].FragmentationAfterBytes.ToString(Inv)).Append('\n');
        sb.Append("--- End .NET GC statistics ---\n");
        ctx.Reply.Verbatim(sb.ToString());
    }

    static readonly string[] MemoryHelpLines =
    {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
    };

    static void MemoryHelp(CommandContext ctx) => HelpReply.Write(ctx, "MEMORY", MemoryHelpLines);

    // ---------------- SLOWLOG ----------------

    /// <summary>SLOWLOG GET [count]: newest first; 10 by default, -1 for all.</summary>
    static void SlowlogGet(CommandContext ctx)
    {
        if (ctx.ArgCount > 3) { HelpReply.SubcommandSyntaxError(ctx); return; }
        long count = 10;
        if (ctx.ArgCount == 3)
        {
            const string Error = "ERR count should be greater than or equal to -1";
            if (!ctx.TryGetLong(2, out count, Error)) return;
            if (count < -1) { ctx.Error(Error); return; }
            if (count == -1) count = long.MaxValue;
        }
        var log = ctx.Server.SlowLog;
        var r = ctx.Reply;
        long n = Math.Min(count, log.Count);
        r.ArrayHeader(n);
        foreach (var e in log.Entries)
        {
            if (n-- <= 0) break;
            r.ArrayHeader(6);
            r.Integer(e.Id);
            r.Integer(e.UnixTime);
            r.Integer(e.Micros);
            r.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) r.Bulk(a);
            r.Bulk(e.ClientAddress);
            r.Bulk(e.ClientName);
        }
    }

    static void SlowlogLen(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.SlowLog.Count);

    static void SlowlogReset(CommandContext ctx)
    {
        ctx.Server.SlowLog.Reset();
        ctx.Reply.Ok();
    }

    static readonly string[] SlowlogHelpLines =
    {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
    };

    static void SlowlogHelp(CommandContext ctx) => HelpReply.Write(ctx, "SLOWLOG", SlowlogHelpLines);
}
