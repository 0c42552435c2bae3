using System.Text;
using Mirra.Storage;
using Mirra.Tests.Commands;
using Mirra.Tests.Support;
using static Mirra.Storage.ActiveExpiry;

namespace Mirra.Tests.Storage;

public class ActiveExpiryTests
{
    static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>Adds keys straight into a database, with an absolute expiry or none.</summary>
    static void AddKeys(TestServer s, int db, string prefix, int count, long expireAtMs = -1)
    {
        var d = s.Server.Keyspace[db];
        for (int i = 0; i < count; i++) d.Add(B(prefix + i), StringValue.FromLong(i), expireAtMs);
    }

    static long Now(TestServer s) => s.Server.Clock.NowMs();

    /// <summary>A clock that moves only when read, by a fixed step: makes the time budget deterministic.</summary>
    static void UseSteppingClock(TestServer s, long stepUs)
    {
        long t = 0;
        s.Server.ActiveExpiry.MicrosecondsNow = () => t += stepUs;
    }

    [Fact]
    public void RemovesExpiredKeysNobodyReadsAndLeavesTheOthers()
    {
        var s = new TestServer();
        AddKeys(s, 0, "gone", 200, Now(s) + 10);
        AddKeys(s, 0, "plain", 100);
        AddKeys(s, 0, "later", 50, Now(s) + 3_600_000);
        AddKeys(s, 5, "gone", 30, Now(s) + 10);
        s.AdvanceTime(100);

        for (int i = 0; i < 20 && s.Server.Keyspace.ExpiredKeys < 230; i++)
            s.Server.ActiveExpiry.Run(CycleKind.Slow);

        Assert.Equal(230, s.Server.Keyspace.ExpiredKeys);
        var db0 = s.Server.Keyspace[0];
        Assert.Equal(150, db0.Count);
        Assert.Equal(50, db0.ExpiresCount);
        Assert.Equal(0, s.Server.Keyspace[5].Count);
        for (int i = 0; i < 100; i++) Assert.NotNull(db0.Peek(B("plain" + i)));
        for (int i = 0; i < 50; i++) Assert.NotNull(db0.Peek(B("later" + i)));
        Assert.Equal(0, s.Server.Stats.KeyspaceHits + s.Server.Stats.KeyspaceMisses); // nothing was looked up
    }

    [Fact]
    public void KeysWithoutTtlAreNeverTouched()
    {
        var s = new TestServer();
        AddKeys(s, 0, "plain", 500);
        s.AdvanceTime(1_000_000);
        for (int i = 0; i < 5; i++) s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(500, s.Server.Keyspace[0].Count);
        Assert.Equal(0, s.Server.Keyspace.ExpiredKeys);
        Assert.Equal(0, s.Server.Keyspace[0].AverageTtl);
    }

    [Fact]
    public void AKeyIsOnlyExpiredOnceItsTimeHasPassed()
    {
        var s = new TestServer();
        long at = Now(s) + 1000;
        AddKeys(s, 0, "k", 10, at);
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(10, s.Server.Keyspace[0].Count);
        s.AdvanceTime(2000);
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(0, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void EachExpiredKeyIsReportedAndPropagatedAsItsOwnDel()
    {
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        var expired = new List<string>();
        // What replication wires in: a DEL per expired key.
        s.Server.Keyspace.KeyExpired = (db, key) =>
        {
            expired.Add(Encoding.ASCII.GetString(key));
            s.Server.Propagation.Add(db.Index, new[] { B("DEL"), key });
        };
        AddKeys(s, 2, "k", 3, Now(s) + 1);
        s.AdvanceTime(10);
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(3, expired.Count);
        var expected = RecordingConsumer.Resp("SELECT", "2") + string.Concat(expired.Select(k => RecordingConsumer.Resp("DEL", k)));
        Assert.Equal(expected, stream.Take()); // no MULTI/EXEC around them
    }

    [Fact]
    public void DoesNotRunOnAReplicaOrWhenDisabled()
    {
        var s = new TestServer();
        AddKeys(s, 0, "k", 50, Now(s) + 1);
        s.AdvanceTime(10);
        s.Server.Keyspace.ExpiryDisabled = true;
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(50, s.Server.Keyspace[0].Count);
        s.Server.Keyspace.ExpiryDisabled = false;
        s.Server.ActiveExpireEnabled = false;
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        foreach (var job in s.Server.CronJobs) job();
        Assert.Equal(50, s.Server.Keyspace[0].Count);
        s.Server.ActiveExpireEnabled = true;
        foreach (var job in s.Server.CronJobs) job(); // registered as a cron job
        Assert.True(s.Server.Keyspace[0].Count < 50);
    }

    [Fact]
    public void ThePausedHookStopsTheCycle()
    {
        var s = new TestServer();
        AddKeys(s, 0, "k", 50, Now(s) + 1);
        s.AdvanceTime(10);
        s.Server.ActiveExpiry.IsPaused = () => true;
        s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(50, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void TheSlowCycleStopsWithinItsTimeBudget()
    {
        var s = new TestServer(); // hz 10: 25% of 100 ms = 25 ms per cycle
        AddKeys(s, 0, "k", 20_000, Now(s) + 1);
        s.AdvanceTime(10);
        var expiry = s.Server.ActiveExpiry;
        UseSteppingClock(s, 1000); // every read of the clock: 1 ms later

        expiry.Run(CycleKind.Slow);

        Assert.Equal(1, expiry.TimeCapReachedCount);
        long removed = s.Server.Keyspace.ExpiredKeys;
        // The clock is read once at the start and once every 16 sampling loops (20 keys each):
        // the 26th check sees 26 ms > 25 ms, after 416 loops.
        Assert.Equal(416 * 20, removed);
        Assert.Equal(20_000 - removed, s.Server.Keyspace[0].Count);
        Assert.InRange(expiry.CycleTimeUsedUs, 25_000, 25_000 + 2_000);
    }

    [Fact]
    public void MoreEffortBuysALongerBudget()
    {
        long Removed(int effort)
        {
            var s = new TestServer();
            s.Configure("active-expire-effort", effort.ToString());
            AddKeys(s, 0, "k", 60_000, Now(s) + 1);
            s.AdvanceTime(10);
            UseSteppingClock(s, 1000);
            s.Server.ActiveExpiry.Run(CycleKind.Slow);
            return s.Server.Keyspace.ExpiredKeys;
        }
        long low = Removed(1), high = Removed(10);
        // Effort 10: 43% of the cycle (44 checks) and 65 keys per loop instead of 20.
        Assert.Equal(416 * 20, low);
        Assert.Equal(44 * 16 * 65, high);
    }

    [Fact]
    public void TheFastCycleRunsOnlyAfterASlowCycleRanOutOfTime()
    {
        var s = new TestServer();
        var expiry = s.Server.ActiveExpiry;
        AddKeys(s, 0, "k", 20_000, Now(s) + 1);
        s.AdvanceTime(10);
        UseSteppingClock(s, 100);

        expiry.Run(CycleKind.Fast); // nothing says there is work to do yet
        Assert.Equal(0, s.Server.Keyspace.ExpiredKeys);

        expiry.StaleFraction = 0;
        UseSteppingClock(s, 1000);
        expiry.Run(CycleKind.Slow);
        long afterSlow = s.Server.Keyspace.ExpiredKeys;
        Assert.Equal(1, expiry.TimeCapReachedCount);

        // The fast cycle has 1 ms: the clock moves 100 us per read, so it stops at the 11th check
        // (176 loops). Having run out of time, it visits all 16 databases, starting after db 0: the
        // 15 empty ones count as one loop each, as in Redis, which leaves 161 loops for db 0.
        UseSteppingClock(s, 100);
        expiry.Run(CycleKind.Fast);
        long afterFast = s.Server.Keyspace.ExpiredKeys;
        Assert.Equal(afterSlow + (11 * 16 - 15) * 20, afterFast);

        // Not again within twice its duration (the stepping clock has only moved ~1 ms since).
        expiry.Run(CycleKind.Fast);
        Assert.Equal(afterFast, s.Server.Keyspace.ExpiredKeys);
    }

    [Fact]
    public void TheFastCycleRunsBeforeTheExecutorSleeps()
    {
        var s = new TestServer();
        Assert.NotNull(s.Server.Executor.BeforeSleep);
        AddKeys(s, 0, "k", 100, Now(s) + 1);
        s.AdvanceTime(10);
        s.Server.ActiveExpiry.StaleFraction = 0.5; // many stale keys seen lately
        s.Server.Executor.BeforeSleep!();
        Assert.True(s.Server.Keyspace.ExpiredKeys > 0);
    }

    [Fact]
    public void TracksAverageTtlAndStalePercentage()
    {
        var s = new TestServer();
        var expiry = s.Server.ActiveExpiry;
        var db = s.Server.Keyspace[0];
        AddKeys(s, 0, "live", 100, Now(s) + 100_000);
        expiry.Run(CycleKind.Slow);
        Assert.InRange(db.AverageTtl, 95_000, 100_000);
        Assert.Equal(0, expiry.StalePercent);

        db.Flush();
        AddKeys(s, 0, "gone", 1000, Now(s) + 1);
        s.AdvanceTime(10);
        expiry.Run(CycleKind.Slow);
        // Every key sampled was stale: the running average moves 5% of the way to 100%.
        Assert.Equal(5.0, expiry.StalePercent, 6);

        db.AverageTtl = 123;
        expiry.Run(CycleKind.Slow); // nothing volatile left: the estimate resets, the stale share decays
        Assert.Equal(0, db.AverageTtl);
        Assert.Equal(4.75, expiry.StalePercent, 6);
    }

    [Fact]
    public void WorksAfterSwapDbAndFlush()
    {
        var s = new TestServer();
        AddKeys(s, 0, "a", 40, Now(s) + 1);
        AddKeys(s, 1, "b", 40);
        s.Run("swapdb", "0", "1");
        s.AdvanceTime(10);
        for (int i = 0; i < 5; i++) s.Server.ActiveExpiry.Run(CycleKind.Slow);
        Assert.Equal(40, s.Server.Keyspace[0].Count);
        Assert.Equal(0, s.Server.Keyspace[1].Count);
        Assert.Equal(40, s.Server.Keyspace.ExpiredKeys);
    }
}
