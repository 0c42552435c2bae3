namespace Mirra.Engine;

/// <summary>Redis's serverCron: runs `hz` times per second on the executor.</summary>
public static class Cron
{
    public static void Start(Server server)
    {
        server.Executor.Timers.Add(1, () =>
        {
            Tick(server);
            return 1000 / Math.Clamp(server.Config.Hz, 1, 500);
        });
    }

    /// <summary>One cron tick (tests call it directly).</summary>
    internal static void Tick(Server server)
    {
        long now = server.Clock.NowMs();
        server.Keyspace.NowMs = now;
        server.Keyspace.LruClock = (uint)(server.Uptime.ElapsedMilliseconds / 1000);
        var stats = server.Stats;
        stats.OpsPerSec.Sample(stats.TotalCommandsProcessed, now);
        stats.InputKbps.Sample(Interlocked.Read(ref stats.NetInputBytes), now);
        stats.OutputKbps.Sample(Interlocked.Read(ref stats.NetOutputBytes), now);
        stats.InputReplKbps.Sample(Interlocked.Read(ref stats.NetReplInputBytes), now);
        stats.OutputReplKbps.Sample(Interlocked.Read(ref stats.NetReplOutputBytes), now);
        // Redis's databasesCron: with activerehashing, 1 ms of rehashing for the first database that needs it.
        if (server.Config.ActiveRehashing)
            foreach (var db in server.Keyspace.Databases)
                if (db.Table.RehashFor(1)) break;
        foreach (var job in server.CronJobs) job();
    }
}
