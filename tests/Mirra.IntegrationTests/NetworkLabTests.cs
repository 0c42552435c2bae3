using System.Diagnostics;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// The network lab the seed labs run on: hosts are namespaces joined by a veth pair that can be cut, restored and
/// slowed; a server started on a host is the process whose PID the harness holds (`ip netns exec` execs); the root
/// namespace keeps its interfaces; Dispose leaves nothing behind, and leftovers of dead test processes are deleted.
/// </summary>
public class NetworkLabTests
{
    [Fact]
    public void Hosts_are_namespaces_joined_by_a_link_that_can_be_cut_slowed_and_torn_down()
    {
        string[] namespaces;
        int serverPid;
        using (var lab = new NetworkLab())
        {
            var a = lab.AddHost("a");
            var b = lab.AddHost("b");
            lab.Connect(a, b);
            namespaces = [a.Namespace, b.Namespace];
            Assert.All(namespaces, ns => Assert.StartsWith($"mirra-lab-{Environment.ProcessId}-", ns));
            Assert.Equal(("eth0", "10.201.0.1"), a.Interfaces.Single());
            Assert.Equal(("eth0", "10.201.0.2"), b.Interfaces.Single());
            // The pair lives in the two namespaces only: no end of it in the root namespace (which would name its peer's).
            Assert.Contains($"link-netns {b.Namespace}", ExternalTool.Run(NetworkLab.Ip, ["-n", a.Namespace, "-o", "link", "show", "eth0"]).Stdout);
            var rootLinks = ExternalTool.Run(NetworkLab.Ip, ["-o", "link", "show"]).Stdout;
            Assert.All(namespaces, ns => Assert.DoesNotContain(ns, rootLinks));

            using (var server = ServerProcess.Start(ServerKind.Redis, ["--save", ""], labHost: a))
            {
                serverPid = server.Pid;
                Assert.Equal("redis-server", File.ReadAllText($"/proc/{serverPid}/comm").Trim()); // not the `ip` wrapper
                Assert.Equal("10.201.0.1", server.Address);
                Assert.Equal("PONG", server.Call("PING").Text); // from the test process, through a socket made in host a
                Assert.Equal("PONG", CliPing(b, a).Stdout.Trim()); // from host b, across the link

                b.StopNetworking();
                var cut = CliPing(b, a);
                Assert.Contains("Network is unreachable", cut.Stdout + cut.Stderr);
                b.StartNetworking();
                WaitUntil(() => CliPing(b, a).Stdout.Trim() == "PONG", TimeSpan.FromSeconds(20));

                a.LimitEgressRate("8mbit");
                var qdisc = ExternalTool.Run(NetworkLab.Tc, ["-n", a.Namespace, "qdisc", "show", "dev", "eth0"]).Stdout;
                Assert.Contains("tbf", qdisc);
                Assert.Contains("rate 8Mbit", qdisc);
                Assert.Equal("PONG", CliPing(b, a).Stdout.Trim());
                a.RemoveRateLimit();
                Assert.DoesNotContain("tbf", ExternalTool.Run(NetworkLab.Tc, ["-n", a.Namespace, "qdisc", "show", "dev", "eth0"]).Stdout);
            }
            Assert.False(Directory.Exists($"/proc/{serverPid}"), $"server pid {serverPid} still exists after Dispose");
        }
        var listed = ExternalTool.Run(NetworkLab.Ip, ["netns", "list"]).Stdout;
        Assert.All(namespaces, ns => Assert.DoesNotContain(ns, listed));
    }

    [Fact]
    public void Namespaces_left_by_a_dead_test_process_are_deleted_with_their_processes()
    {
        // PIDs never go above 4194304 (pid_max's limit), so this owner is dead.
        const string ghost = "mirra-lab-4194305-1-1-ghost";
        using var lab = new NetworkLab();
        var live = lab.AddHost("live");
        ExternalTool.Run(NetworkLab.Ip, ["netns", "add", ghost]);
        Process? sleeper = null;
        try
        {
            sleeper = Process.Start(NetworkLab.Ip, ["netns", "exec", ghost, "sleep", "60"]);
            WaitUntil(() => ExternalTool.Run(NetworkLab.Ip, ["netns", "pids", ghost]).Stdout.Trim() == sleeper.Id.ToString(), TimeSpan.FromSeconds(10));

            NetworkLab.DeleteLeftovers();

            var listed = ExternalTool.Run(NetworkLab.Ip, ["netns", "list"]).Stdout;
            Assert.DoesNotContain(ghost, listed);
            Assert.Contains(live.Namespace, listed); // its owner (this process) runs
            Assert.True(sleeper.WaitForExit(10_000), "the process in the leftover namespace was not killed");
        }
        finally
        {
            if (sleeper is { HasExited: false }) sleeper.Kill();
            sleeper?.Dispose();
            ExternalTool.Run(NetworkLab.Ip, ["netns", "delete", ghost]);
        }
    }

    static ToolResult CliPing(LabHost from, LabHost to) =>
        from.Run("redis-cli", ["-h", to.Address, "-p", "6379", "PING"], timeout: TimeSpan.FromSeconds(20));

    static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"not reached within {timeout.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }
}
