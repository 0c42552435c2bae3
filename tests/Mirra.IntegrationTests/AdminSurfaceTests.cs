using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>The seed course's walk through INFO and ROLE (seeds/004), through the real redis-cli.</summary>
public class AdminSurfaceTests
{
    static Dictionary<string, List<string>> FieldsBySection(string info)
    {
        var sections = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in info.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.StartsWith("# ")) sections[line[2..]] = current = new List<string>();
            else if (line.Contains(':') && current != null) current.Add(line[..line.IndexOf(':')]);
        }
        return sections;
    }

    [Fact]
    public void Info_everything_has_every_section_and_field_redis_prints_in_the_same_order()
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using var mirra = ServerProcess.StartMirra();
        foreach (var s in new[] { redis, mirra })
        {
            RedisCli.Run(s.Port, "set", "k", "v");
            RedisCli.Run(s.Port, "foo"); // an error, so errorstats has a line
        }
        var expected = FieldsBySection(RedisCli.Run(redis.Port, "info", "everything").Stdout);
        var actual = FieldsBySection(RedisCli.Run(mirra.Port, "info", "everything").Stdout);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (section, fields) in expected)
        {
            // Redis's fields must all appear, in Redis's order (Mirra may add its own, like mirra_version).
            var mine = actual[section];
            int at = 0;
            foreach (var field in fields.Where(f => !f.StartsWith("cmdstat_") && !f.StartsWith("latency_percentiles_usec_")))
            {
                int found = mine.IndexOf(field, at);
                Assert.True(found >= 0, $"INFO {section}: field '{field}' missing or out of order");
                at = found + 1;
            }
        }
    }

    [Fact]
    public void Seed_004_walk_info_sections_keyspace_and_role()
    {
        using var server = ServerProcess.StartMirra();
        int port = server.Port;
        RedisCli.Run(port, "set", "a", "1");
        RedisCli.Run(port, "set", "b", "2");
        RedisCli.Run(port, "set", "c", "3");

        var cpu = RedisCli.Run(port, "info", "cpu").Stdout;
        Assert.StartsWith("# CPU", cpu);
        foreach (var field in new[] { "used_cpu_sys:", "used_cpu_user:", "used_cpu_sys_children:", "used_cpu_user_children:" })
            Assert.Contains(field, cpu);

        var serverInfo = RedisCli.Run(port, "info", "server").Stdout;
        Assert.Contains($"process_id:{server.Pid}", serverInfo);
        Assert.Contains($"tcp_port:{port}", serverInfo);
        Assert.Matches(@"run_id:[0-9a-f]{40}", serverInfo);
        Assert.Matches(@"executable:/\S+", serverInfo);
        Assert.Contains("redis_mode:standalone", serverInfo);

        Assert.Contains("db0:keys=3,expires=0,avg_ttl=0", RedisCli.Run(port, "info", "keyspace").Stdout);
        RedisCli.Run(port, "-n", "1", "set", "k1", "v1"); // redis-cli -n selects db 1 first, like SELECT 1
        var keyspace = RedisCli.Run(port, "info", "keyspace").Stdout;
        Assert.Contains("db0:keys=3,expires=0,avg_ttl=0", keyspace);
        Assert.Contains("db1:keys=1,expires=0,avg_ttl=0", keyspace);

        var stats = RedisCli.Run(port, "info", "stats").Stdout;
        Assert.Matches(@"total_connections_received:([6-9]|\d\d+)", stats);
        Assert.Matches(@"total_commands_processed:\d+", stats);

        RedisCli.Run(port, "nosuchcommand");
        Assert.Contains("errorstat_ERR:count=1", RedisCli.Run(port, "info", "errorstats").Stdout);

        var replication = RedisCli.Run(port, "info", "replication").Stdout;
        Assert.Contains("role:master", replication);
        Assert.Contains("connected_slaves:0", replication);
        Assert.Contains("master_failover_state:no-failover", replication);
        Assert.Matches(@"master_replid:[0-9a-f]{40}", replication);

        var role = server.Call("ROLE").AsArray();
        Assert.Equal("master", role[0].AsString());
        Assert.Equal(0, role[1].Integer);
        Assert.Empty(role[2].AsArray());
    }
}
