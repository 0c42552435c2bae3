using System.Globalization;
using System.Text;
using Mirra.Engine;

namespace Mirra.Observability;

/// <summary>
/// The human-readable reports of LATENCY DOCTOR and MEMORY DOCTOR. Like Redis's, they talk to the
/// operator as HAL would talk to Dave; the analysis and the wording are Mirra's own.
/// </summary>
public static class Doctors
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---------------- LATENCY DOCTOR ----------------

    public static string Latency(Server server)
    {
        var monitor = server.Latency;
        if (monitor.ThresholdMs <= 0)
            return "I'm afraid I can't help you with that, Dave: the latency monitor is switched off in this instance, so I have not been " +
                   "watching anything. Turn it on with \"CONFIG SET latency-monitor-threshold <milliseconds>\", give me some time to observe " +
                   "the server, and ask me again. The latency monitor page of the Redis documentation explains how it works.\n";
        if (monitor.Events.Count == 0)
            return "Dave, I have been watching this instance since it started and not a single event went over the latency threshold of " +
                   $"{monitor.ThresholdMs.ToString(Inv)} milliseconds. Everything is running smoothly. There is nothing to worry about, so " +
                   "perhaps it is time for you to get some rest.\n";

        var sb = new StringBuilder();
        sb.Append("Dave, I noticed some latency spikes in this instance. Let's go through them together, shall we?\n\n");
        int n = 0;
        long nowSec = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var advice = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, series) in monitor.Events)
        {
            n++;
            int count = series.Samples.Count;
            double avg = 0;
            foreach (var s in series.Samples) avg += s.Ms;
            avg = count == 0 ? 0 : avg / count;
            double dev = 0;
            foreach (var s in series.Samples) dev += Math.Abs(s.Ms - avg);
            dev = count == 0 ? 0 : dev / count;
            double period = count == 0 ? 0 : (double)(nowSec - series.Samples[0].Time) / count;
            sb.Append(n.ToString(Inv)).Append(". ").Append(name).Append(": ")
              .Append(count.ToString(Inv)).Append(count == 1 ? " spike" : " spikes")
              .Append(" recorded (average ").Append(((long)avg).ToString(Inv)).Append("ms, mean deviation ")
              .Append(((long)dev).ToString(Inv)).Append("ms, one every ").Append(period.ToString("F2", Inv))
              .Append(" sec on average). The worst one ever took ").Append(series.MaxMs.ToString(Inv)).Append("ms.\n");
            foreach (var a in AdviceFor(name, server)) advice.Add(a);
        }
        sb.Append("\nHere is what I would look at, Dave:\n\n");
        if (advice.Count == 0)
            advice.Add("- I don't know this kind of event well enough to give specific advice. Correlate the spike times with LATENCY HISTORY and with what the machine was doing at that moment.");
        foreach (var a in advice) sb.Append(a).Append('\n');
        return sb.ToString();
    }

    static IEnumerable<string> AdviceFor(string eventName, Server server)
    {
        if (eventName is "command" or "fast-command")
        {
            if (server.SlowLog.SlowerThan < 0)
                yield return "- The slow log is disabled (slowlog-log-slower-than is negative). Enable it so that I can tell you which commands are slow.";
            else
                yield return "- Look at SLOWLOG GET: it lists the commands that took the longest, with their arguments, client and time.";
        }
        if (eventName == "command")
            yield return "- Commands that work on many elements (KEYS, SMEMBERS of big sets, LRANGE 0 -1 of long lists, SORT, deleting huge values) block everybody while they run. Prefer SCAN-style iteration and UNLINK for big keys.";
        if (eventName == "fast-command")
            yield return "- Even O(1) and O(log N) commands were slow: the machine itself is probably the problem. Check for CPU contention with other processes, swapping, or a noisy virtual machine neighbour.";
        if (eventName.StartsWith("expire", StringComparison.Ordinal))
            yield return "- Many keys are expiring at the same moment. Spread expiry times out (add some randomness to the TTLs you set).";
        if (eventName.StartsWith("eviction", StringComparison.Ordinal))
            yield return "- Eviction is working hard to stay under maxmemory. Give the instance more memory or store less data.";
        if (eventName.StartsWith("aof", StringComparison.Ordinal) || eventName.StartsWith("rdb", StringComparison.Ordinal) || eventName.Contains("fsync", StringComparison.Ordinal))
            yield return "- Disk I/O is slowing the server down. Use a faster disk, or relax appendfsync, or keep other I/O-heavy processes away from this disk.";
    }

    // ---------------- MEMORY DOCTOR ----------------

    /// <summary>Below this much data there is nothing meaningful to diagnose.</summary>
    const long SmallDataset = 5L * 1024 * 1024;

    public static string Memory(Server server)
    {
        var m = server.Memory.Measure();
        if (m.KeysCount == 0 || m.Used - m.Startup < SmallDataset)
            return "Hello Dave. This instance holds so little data that there is nothing for me to diagnose: any figure I computed would " +
                   "only describe the runtime itself. Load a real data set into it and ask me again; I will be here.\n";

        var issues = new List<string>();
        if (m.Peak > m.Used * 3 / 2)
            issues.Add($" * Peak memory: at some point this instance used {MemoryStats.Human(m.Peak)}, now it uses {MemoryStats.Human(m.Used)}. " +
                       "The memory was given back to the garbage collector, but the process may still hold it. MEMORY PURGE asks the runtime to return it to the system.");
        if (m.FragmentationRatio > 1.4 && m.FragmentationBytes > 10L * 1024 * 1024)
            issues.Add($" * High RSS ratio: the process uses {m.FragmentationRatio.ToString("F2", Inv)} times the memory the data needs " +
                       $"({MemoryStats.Human(m.Rss)} resident for {MemoryStats.Human(m.Used)} in use). Part of it is the runtime and its code, " +
                       "part is free heap space kept for future allocations; MEMORY PURGE compacts the heap and returns what it can.");
        if (m.AllocatorFragRatio > 1.1 && m.AllocatorFragBytes > 10L * 1024 * 1024)
            issues.Add($" * Heap fragmentation: {MemoryStats.Human(m.AllocatorFragBytes)} of the managed heap are gaps between live objects. " +
                       "This happens after many deletions of values of mixed sizes and usually resolves itself at the next full collection.");
        if (m.ClientsReplicas > 10L * 1024 * 1024)
            issues.Add($" * Replica buffers: output buffers of replicas use {MemoryStats.Human(m.ClientsReplicas)}. A replica is slow or the link is congested.");
        if (m.ClientsNormal > 200L * 1024 * 1024)
            issues.Add($" * Client buffers: normal clients use {MemoryStats.Human(m.ClientsNormal)} of buffers. Some clients read their replies " +
                       "slowly or send huge pipelines; check CLIENT LIST (omem, qbuf) and client-output-buffer-limit.");

        if (issues.Count == 0)
            return "Dave, I have checked this instance carefully and I found no memory problem at all. Memory use, peak, fragmentation " +
                   "and client buffers all look healthy.\n";
        var sb = new StringBuilder("Dave, I found a few memory issues in this instance. Here is what I see:\n\n");
        foreach (var issue in issues) sb.Append(issue).Append("\n\n");
        sb.Append("I hope this helps, Dave. I am always happy to take another look.\n");
        return sb.ToString();
    }
}
