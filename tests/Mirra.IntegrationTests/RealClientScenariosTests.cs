using System.Diagnostics;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// The data-model scenarios of issue 3 through the npm ioredis client, on Mirra and on the real
/// redis-server: a blocking pop released by another client's push, and a WATCH conflict. The
/// JSON each prints must be the same for both servers.
/// </summary>
public class RealClientScenariosTests
{
    static string NodeDir => Path.Combine(ServerProcess.RepoRoot, "tests", "Mirra.IntegrationTests", "node");

    static string RunScenario(int port, string scenario)
    {
        if (!File.Exists(Path.Combine(NodeDir, "node_modules", "ioredis", "package.json")))
            throw new InvalidOperationException($"ioredis is not installed: run `npm install` in {NodeDir} (test.sh does).");
        var result = ExternalTool.Run("node", [Path.Combine(NodeDir, "clients.js"), port.ToString(), scenario], timeout: TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    [Theory]
    [InlineData("blpop", "{\"pushed\":1,\"popped\":[\"jobs\",\"job-1\"],\"left\":0}")]
    [InlineData("watch", "{\"conflicted\":null,\"clean\":[[null,115]],\"balance\":\"115\"}")]
    public void Ioredis_sees_the_same_as_with_redis(string scenario, string expected)
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using var mirra = ServerProcess.StartMirra();
        Assert.Equal(expected, RunScenario(redis.Port, scenario));
        Assert.Equal(expected, RunScenario(mirra.Port, scenario));
    }
}
