using System.Diagnostics;
using Mirra.Engine;

namespace Mirra.Storage;

/// <summary>
/// Redis's activeExpireCycle: reclaims keys whose TTL passed but that nobody reads. Runs on the
/// executor, as a slow cycle from cron (`hz` times per second, at most ~25% of the CPU) and as a
/// fast cycle (about 1 ms) before the executor sleeps when the previous cycle ran out of time or
/// too many sampled keys were stale. Each pass samples a few keys per database from its list of
/// volatile keys and keeps going on a database while more than 10% of the sample had expired.
/// </summary>
public sealed class ActiveExpiry
{
    public enum CycleKind { Slow, Fast }

    // Redis's defaults for active-expire-effort 1; effort rescales them.
    const int KeysPerLoop = 20;
    const int FastDurationUs = 1000;
    const int SlowTimePercent = 25;
    const int AcceptableStalePercent = 10;
    const int DatabasesPerCall = 16;

    readonly Server _server;
    readonly Stopwatch _watch = Stopwatch.StartNew();
    int _currentDb;
    bool _timeLimitExit;
    long _lastFastCycleUs = long.MinValue / 2;

    /// <summary>Running estimate of the share of sampled keys found expired (INFO expired_stale_perc = this × 100).</summary>
    public double StaleFraction;
    /// <summary>Cycles that stopped because they used up their time (INFO expired_time_cap_reached_count).</summary>
    public long TimeCapReachedCount;
    /// <summary>Total time spent in cycles (INFO expire_cycle_cpu_milliseconds = this / 1000).</summary>
    public long CycleTimeUsedUs;
    /// <summary>Set by CLIENT PAUSE: a paused dataset must not change, expiry included.</summary>
    public Func<bool>? IsPaused;

    /// <summary>Monotonic microseconds; tests replace it to make the time budget deterministic.</summary>
    internal Func<long> MicrosecondsNow;

    public ActiveExpiry(Server server)
    {
        _server = server;
        MicrosecondsNow = () => _watch.Elapsed.Ticks / (TimeSpan.TicksPerMillisecond / 1000);
        server.CronJobs.Add(() => Run(CycleKind.Slow));
        server.Executor.BeforeSleep += () => Run(CycleKind.Fast);
    }

    /// <summary>INFO expired_stale_perc, as Redis prints it (%.2f).</summary>
    public double StalePercent => StaleFraction * 100;

    /// <summary>Runs one cycle unless active expiry is off (DEBUG SET-ACTIVE-EXPIRE 0) or this is a replica.</summary>
    public void Run(CycleKind kind)
    {
        if (!_server.ActiveExpireEnabled || _server.Keyspace.ExpiryDisabled) return;
        Cycle(kind);
    }

    /// <summary>One activeExpireCycle, whatever the enabled flags say.</summary>
    public void Cycle(CycleKind kind)
    {
        int effort = Math.Clamp(_server.Config.ActiveExpireEffort, 1, 10) - 1;
        int keysPerLoop = KeysPerLoop + KeysPerLoop / 4 * effort;
        long fastDurationUs = FastDurationUs + FastDurationUs / 4 * effort;
        int slowTimePercent = SlowTimePercent + 2 * effort;
        int acceptableStale = AcceptableStalePercent - effort;

        // The fast cycle runs after every executor round: decide cheaply, before reading the clock.
        // Only when the last cycle ran out of time or many keys are stale, and not more often
        // than twice the fast cycle's own duration.
        if (kind == CycleKind.Fast && !_timeLimitExit && StaleFraction * 100 < acceptableStale) return;
        long start = MicrosecondsNow();
        if (IsPaused != null && IsPaused()) return;

        if (kind == CycleKind.Fast)
        {
            if (start < _lastFastCycleUs + fastDurationUs * 2) return;
            _lastFastCycleUs = start;
        }

        var databases = _server.Keyspace.Databases;
        int dbsPerCall = DatabasesPerCall;
        if (dbsPerCall > databases.Length || _timeLimitExit) dbsPerCall = databases.Length;

        int hz = Math.Clamp(_server.Config.Hz, 1, 500);
        long timeLimitUs = (long)slowTimePercent * 1_000_000 / hz / 100;
        if (timeLimitUs <= 0) timeLimitUs = 1;
        if (kind == CycleKind.Fast) timeLimitUs = fastDurationUs;
        _timeLimitExit = false;

        long totalSampled = 0, totalExpired = 0;
        int iteration = 0;
        var keyspace = _server.Keyspace;
        var propagation = _server.Propagation;

        for (int j = 0; j < dbsPerCall && !_timeLimitExit; j++)
        {
            var db = databases[(int)((uint)_currentDb % (uint)databases.Length)];
            _currentDb++; // move on now, so running out of time here restarts from the next database
            long sampled, expired;
            do
            {
                iteration++;
                var list = db.Volatile;
                int count = list.Count;
                if (count == 0)
                {
                    db.AverageTtl = 0;
                    break;
                }
                long now = _server.Clock.NowMs();
                keyspace.NowMs = now;
                int num = Math.Min(count, keysPerLoop);
                sampled = expired = 0;
                long ttlSum = 0;
                int ttlSamples = 0;

                while (sampled < num && list.Count > 0)
                {
                    if ((uint)db.ExpireCursor >= (uint)list.Count) db.ExpireCursor = 0;
                    var e = list[db.ExpireCursor];
                    long expireAt = list.ExpireAt(db.ExpireCursor);
                    long ttl = expireAt - now;
                    sampled++;
                    if (now > expireAt)
                    {
                        // The last volatile key moves into this slot: the cursor stays and samples it next.
                        keyspace.DeleteExpired(db, e);
                        propagation.EndCommand(); // each DEL on its own, never wrapped in MULTI
                        expired++;
                    }
                    else db.ExpireCursor++;
                    if (ttl > 0)
                    {
                        ttlSum += ttl;
                        ttlSamples++;
                    }
                }
                totalExpired += expired;
                totalSampled += sampled;

                if (ttlSamples > 0)
                {
                    // Running average: the new sample weighs 2%.
                    long avg = ttlSum / ttlSamples;
                    if (db.AverageTtl == 0) db.AverageTtl = avg;
                    db.AverageTtl = db.AverageTtl / 50 * 49 + avg / 50;
                }

                if ((iteration & 0xf) == 0 && MicrosecondsNow() - start > timeLimitUs)
                {
                    _timeLimitExit = true;
                    TimeCapReachedCount++;
                    break;
                }
            } while (sampled == 0 || expired * 100 / sampled > acceptableStale);
        }

        long elapsedUs = MicrosecondsNow() - start;
        CycleTimeUsedUs += elapsedUs;
        _server.Latency.Observe("expire-cycle", elapsedUs / 1000);

        double current = totalSampled > 0 ? (double)totalExpired / totalSampled : 0;
        StaleFraction = current * 0.05 + StaleFraction * 0.95;
    }
}
