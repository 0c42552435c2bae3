namespace Mirra.Observability;

/// <summary>
/// Redis's latency monitor: for each event ("command", "fast-command", "expire-cycle"...) the
/// latest spike, the all-time maximum and a history of up to 160 samples (one per second),
/// recorded only when a spike reaches latency-monitor-threshold milliseconds (0 disables).
/// </summary>
public sealed class LatencyMonitor
{
    public const int HistoryLength = 160;

    public sealed class Series
    {
        public readonly List<(long Time, long Ms)> Samples = new();
        public long MaxMs;
    }

    readonly Dictionary<string, Series> _events = new(StringComparer.Ordinal);
    public long ThresholdMs;

    public IReadOnlyDictionary<string, Series> Events => _events;

    public void Observe(string eventName, long ms)
    {
        if (ThresholdMs <= 0 || ms < ThresholdMs) return;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!_events.TryGetValue(eventName, out var series)) _events[eventName] = series = new Series();
        if (ms > series.MaxMs) series.MaxMs = ms;
        if (series.Samples.Count > 0 && series.Samples[^1].Time == now)
        {
            if (series.Samples[^1].Ms < ms) series.Samples[^1] = (now, ms);
            return;
        }
        series.Samples.Add((now, ms));
        if (series.Samples.Count > HistoryLength) series.Samples.RemoveAt(0);
    }

    /// <summary>Forgets the given events (all when none given); returns how many were reset.</summary>
    public int Reset(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0)
        {
            int n = _events.Count;
            _events.Clear();
            return n;
        }
        int removed = 0;
        foreach (var name in names) if (_events.Remove(name)) removed++;
        return removed;
    }
}
