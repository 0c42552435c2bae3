using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

// Pub/Sub through real clients: ioredis (npm, installed by test.sh under node/) subscribes while
// redis-cli publishes, and a subscriber that never reads is dropped by client-output-buffer-limit.
// Each scenario runs against mirra-server and redis-server 7.0.15 with the same expectations.
public class PubSubTests
{
    static string NodeDir => Path.Combine(ServerProcess.RepoRoot, "tests", "Mirra.IntegrationTests", "node");

    /// <summary>Starts `node pubsub.js port protocol count`; its stdout lines are collected as they come.</summary>
    static (Process Node, BlockingLines Lines) StartSubscriber(int port, int protocol, int messages)
    {
        if (!File.Exists(Path.Combine(NodeDir, "node_modules", "ioredis", "package.json")))
            throw new InvalidOperationException($"ioredis is not installed: run `npm install` in {NodeDir} (test.sh does).");
        var psi = new ProcessStartInfo(ExternalTool.Locate("node"))
        {
            WorkingDirectory = NodeDir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "pubsub.js", port.ToString(), protocol.ToString(), messages.ToString() }) psi.ArgumentList.Add(a);
        var node = Process.Start(psi)!;
        var lines = new BlockingLines();
        node.OutputDataReceived += (_, e) => { if (e.Data != null) lines.Add(e.Data); };
        node.ErrorDataReceived += (_, e) => { if (e.Data != null) lines.Add("stderr: " + e.Data); };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        return (node, lines);
    }

    sealed class BlockingLines
    {
        readonly List<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines) { _lines.Add(line); Monitor.PulseAll(_lines); }
        }

        /// <summary>Waits until <paramref name="count"/> lines arrived (or the time is up) and returns them all.</summary>
        public List<string> WaitFor(int count, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            lock (_lines)
            {
                while (_lines.Count < count && sw.Elapsed < timeout) Monitor.Wait(_lines, TimeSpan.FromMilliseconds(100));
                return _lines.ToList();
            }
        }
    }

    [Theory]
    [InlineData(ServerKind.Mirra, 2)]
    [InlineData(ServerKind.Mirra, 3)]
    [InlineData(ServerKind.Redis, 3)]
    public void Ioredis_receives_what_redis_cli_publishes(ServerKind kind, int protocol)
    {
        using var server = ServerProcess.Start(kind);
        Assert.Equal("OK", server.Call("CONFIG", "SET", "notify-keyspace-events", "KEA").AsString());
        var (node, lines) = StartSubscriber(server.Port, protocol, 5);
        using var _ = node;
        try
        {
            var ready = lines.WaitFor(1, TimeSpan.FromSeconds(20));
            Assert.Equal(protocol == 3 ? """{"ready":true,"channels":2,"patterns":4,"shards":1,"get":null}""" : """{"ready":true,"channels":2,"patterns":4,"shards":1}""",
                Assert.Single(ready));

            string Cli(params string[] args)
            {
                var r = RedisCli.Run(server.Port, args);
                Assert.True(r.ExitCode == 0, r.ToString());
                return r.Stdout.TrimEnd('\n');
            }
            // Before the last message: the subscriber quits once it has them all.
            var ioredisClient = Regex.Match(Cli("CLIENT", "LIST", "TYPE", "pubsub"), @" flags=(\w+) db=0 sub=(\d+) psub=(\d+) ssub=(\d+) ");
            Assert.Equal("P 2 2 1", $"{ioredisClient.Groups[1]} {ioredisClient.Groups[2]} {ioredisClient.Groups[3]} {ioredisClient.Groups[4]}");
            Assert.Contains("pubsub_channels:2\r\npubsub_patterns:2\r\npubsubshard_channels:1", server.Call("INFO", "stats").AsString());
            Assert.Equal("2", Cli("PUBLISH", "news", "hello"));
            Assert.Equal("1", Cli("PUBLISH", "sport", "a b"));
            Assert.Equal("0", Cli("PUBLISH", "other", "x"));
            Assert.Equal("1", Cli("SPUBLISH", "shard", "s1"));
            Assert.Equal("OK", Cli("SET", "k", "v"));

            Assert.True(node.WaitForExit(20_000), "the node subscriber did not finish:\n" + string.Join('\n', lines.WaitFor(0, TimeSpan.Zero)));
            node.WaitForExit();
            Assert.Equal(new[]
            {
                """{"kind":"message","channel":"news","message":"hello"}""",
                """{"kind":"pmessage","pattern":"n*","channel":"news","message":"hello"}""",
                """{"kind":"message","channel":"sport","message":"a b"}""",
                """{"kind":"smessage","channel":"shard","message":"s1"}""",
                """{"kind":"pmessage","pattern":"__keyevent@0__:*","channel":"__keyevent@0__:set","message":"k"}""",
            }, lines.WaitFor(6, TimeSpan.Zero).Skip(1));
            Assert.Equal(0, node.ExitCode);
            // The subscriber quit: its subscriptions go with it.
            var sw = Stopwatch.StartNew();
            while (server.Call("PUBLISH", "news", "x").AsInteger() != 0)
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "the subscriber's subscriptions outlived its QUIT");
        }
        finally
        {
            if (!node.HasExited) node.Kill();
        }
    }

    [Theory]
    [InlineData(ServerKind.Mirra)]
    [InlineData(ServerKind.Redis)]
    public void A_subscriber_that_never_reads_is_dropped_at_the_hard_limit(ServerKind kind)
    {
        using var server = ServerProcess.Start(kind);
        Assert.Equal("OK", server.Call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 2mb 1mb 60").AsString());

        // A raw subscriber with a tiny receive window that never reads a byte after subscribing.
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        slow.Connect(ServerProcess.Host, server.Port);
        slow.Send(RespClient.Encode("SUBSCRIBE", "big"));
        using var publisher = server.Connect();
        var sw = Stopwatch.StartNew();
        while (publisher.Call("PUBSUB", "NUMSUB", "big").AsArray()[1].AsInteger() != 1)
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "the raw subscriber did not subscribe");

        // 256 KB messages: the kernel's socket buffers fill first, then the server's pending output grows.
        var payload = new string('x', 256 * 1024);
        long delivered = 0;
        int published = 0;
        while (published < 400)
        {
            published++;
            long receivers = publisher.Call("PUBLISH", "big", payload).AsInteger();
            if (receivers == 0) break;
            delivered += receivers;
        }
        Assert.True(published < 400, $"still subscribed after {published} messages of 256 KB");
        Assert.True(delivered >= 4, $"dropped after only {delivered} messages");

        server.WaitForLog("scheduled to be closed ASAP for overcoming of output buffer limits.");
        var line = server.LogText().Split('\n').First(l => l.Contains("for overcoming of output buffer limits"));
        Assert.Matches(@"^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # Client id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 .* cmd=subscribe user=default redir=-1 resp=2 scheduled to be closed ASAP for overcoming of output buffer limits\.\r?$", line);
        Assert.Equal(0, publisher.Call("PUBSUB", "NUMSUB", "big").AsArray()[1].AsInteger());
        Assert.DoesNotContain("cmd=subscribe", publisher.Call("CLIENT", "LIST").AsString());

        // The socket was closed by the server: draining it ends with EOF or a reset.
        slow.ReceiveTimeout = 10_000;
        var buffer = new byte[1 << 20];
        try { while (slow.Receive(buffer) > 0) { } }
        catch (SocketException) { }
    }

    [Theory]
    [InlineData(ServerKind.Mirra)]
    [InlineData(ServerKind.Redis)]
    public void A_normal_client_that_never_reads_is_dropped_once_the_normal_class_has_a_limit(ServerKind kind)
    {
        using var server = ServerProcess.Start(kind);
        using var admin = server.Connect();
        Assert.Equal("OK", admin.Call("SET", "big", new string('z', 512 * 1024)).AsString());
        Assert.Equal("OK", admin.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0").AsString());

        using var greedy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        greedy.Connect(ServerProcess.Host, server.Port);
        var gets = Enumerable.Range(0, 64).SelectMany(_ => RespClient.Encode("GET", "big")).ToArray();
        try { for (int i = 0; i < 20; i++) greedy.Send(gets); } // 640 × 512 KB asked for, nothing read
        catch (SocketException) { } // closed by the server meanwhile

        server.WaitForLog("scheduled to be closed ASAP for overcoming of output buffer limits.", TimeSpan.FromSeconds(20));
        var line = server.LogText().Split('\n').First(l => l.Contains("for overcoming of output buffer limits"));
        Assert.Matches(@" # Client id=\d+ addr=127\.0\.0\.1:\d+ .* flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 .* cmd=get user=default redir=-1 resp=2 scheduled to be closed ASAP", line);
        Assert.DoesNotContain("cmd=get", admin.Call("CLIENT", "LIST").AsString());
    }

    [Fact]
    public void Resp2_subscriber_is_restricted_and_a_slow_subscriber_below_the_limits_gets_everything()
    {
        using var server = ServerProcess.StartMirra();
        using var sub = server.Connect();
        sub.Send("SUBSCRIBE", "c");
        var confirmation = sub.ReadReply().AsArray();
        Assert.Equal(("subscribe", "c", 1L), (confirmation[0].AsString(), confirmation[1].AsString(), confirmation[2].AsInteger()));
        var error = sub.Call("GET", "k");
        Assert.True(error.IsError);
        Assert.Equal("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", error.Text);

        // 200 messages of 64 KB (12.5 MB) sent before the subscriber reads: under 32 MB, nothing is lost.
        using var publisher = server.Connect();
        var payload = new string('y', 64 * 1024);
        for (int i = 0; i < 200; i++) Assert.Equal(1, publisher.Call("PUBLISH", "c", i + payload).AsInteger());
        for (int i = 0; i < 200; i++)
        {
            var m = sub.ReadReply().AsArray();
            Assert.Equal("message", m[0].AsString());
            Assert.Equal(i + payload, m[2].AsString());
        }
    }
    /// <summary>A COMMAND INFO entry as text, subcommands sorted (Redis lists them in hash order).</summary>
    static string Canonical(RespValue info)
    {
        var items = info.AsArray();
        var subs = items[9].AsArray().Select(Canonical).OrderBy(x => x, StringComparer.Ordinal);
        return string.Join(" | ", items.Take(9).Select(v => v.ToString())) + " [" + string.Join("; ", subs) + "]";
    }

    /// <summary>group and since of a command and its subcommands (COMMAND DOCS).</summary>
    static string Facts(RespValue docs)
    {
        var facts = new List<string>();
        void Walk(string name, IReadOnlyList<RespValue> d)
        {
            for (int i = 0; i < d.Count; i += 2)
            {
                var key = d[i].AsString();
                if (key is "since" or "group") facts.Add($"{name}.{key}={d[i + 1].AsString()}");
                if (key == "subcommands")
                {
                    var subs = d[i + 1].AsArray();
                    for (int j = 0; j < subs.Count; j += 2) Walk(subs[j].AsString(), subs[j + 1].AsArray());
                }
            }
        }
        var top = docs.AsArray();
        Walk(top[0].AsString(), top[1].AsArray());
        facts.Sort(StringComparer.Ordinal);
        return string.Join(",", facts);
    }

    [Fact]
    public void Command_info_and_docs_facts_match_redis()
    {
        using var redis = ServerProcess.StartRedis();
        using var mirra = ServerProcess.StartMirra();
        using var r = redis.Connect();
        using var m = mirra.Connect();
        foreach (var name in new[] { "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "publish", "spublish", "pubsub" })
        {
            Assert.Equal(Canonical(r.Call("COMMAND", "INFO", name)[0]), Canonical(m.Call("COMMAND", "INFO", name)[0]));
            Assert.Equal(Facts(r.Call("COMMAND", "DOCS", name)), Facts(m.Call("COMMAND", "DOCS", name)));
        }
    }
}
