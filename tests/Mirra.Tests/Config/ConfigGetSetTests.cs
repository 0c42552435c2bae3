using Mirra.Config;
using Xunit;
using static Mirra.Tests.Config.ConfigTestUtil;

namespace Mirra.Tests.Config;

public class ConfigGetSetTests
{
    private static string Failed(string name, string why) => $"ERR CONFIG SET failed (possibly related to argument '{name}') - {why}";

    [Fact]
    public void GetStarEqualsRedisDefaults()
    {
        var r = ConfigRegistry.CreateDefault();
        var expected = File.ReadLines(Path.Combine(GlobTests.TestDir(), "redis-7.0-defaults.tsv"))
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => f[1]);
        var got = r.Get(["*"]).Where(p => p.Name != "dir").ToList();
        var mirraOnly = r.Directives.Where(d => (d.Flags & DirectiveFlags.MirraExtension) != 0).Select(d => d.Name).ToHashSet();
        var diff = new List<string>();
        foreach (var (name, value) in got)
        {
            if (mirraOnly.Contains(name)) continue;
            if (!expected.TryGetValue(name, out var want)) diff.Add($"extra {name}");
            else if (want != value) diff.Add($"{name}: '{value}' != '{want}'");
        }
        foreach (var name in expected.Keys)
            if (!got.Exists(p => p.Name == name)) diff.Add($"missing {name}");
        Assert.True(diff.Count == 0, string.Join("\n", diff));
        Assert.Equal(Environment.CurrentDirectory.TrimEnd('/'), r.Get1("dir"));
        Assert.Contains(("dual-channel-replication-enabled", "no"), got);
    }

    [Fact]
    public void GetGlobMatchesNamesAndAliasesCaseInsensitively()
    {
        var r = ConfigRegistry.CreateDefault();
        Assert.Equal([("replica-read-only", "yes"), ("slave-read-only", "yes")], r.Get(["*read-only"]));
        Assert.Equal([("slave-read-only", "yes")], r.Get(["slave-read-only"]));
        // An exact name is answered under the spelling the client used, and names are not repeated.
        Assert.Equal([("PORT", "6379")], r.Get(["PORT", "port"]));
        Assert.Equal([("port", "6379")], r.Get(["port", "PORT"]));
        Assert.Equal([("SLAVE-READ-ONLY", "yes"), ("replica-read-only", "yes")], r.Get(["SLAVE-READ-ONLY", "replica-read-only"]));
        Assert.Equal(6, r.Get(["PORT", "p*"]).Count);
        Assert.DoesNotContain(r.Get(["PORT", "p*"]), p => p.Name == "port");
        Assert.Empty(r.Get(["nonexist"]));
        Assert.Empty(r.Get(["list-max-ziplist-entries"]));
        Assert.Equal(["maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"],
            r.Get(["MAXMEMORY*"]).Select(p => p.Name).Order());
    }

    [Fact]
    public void HiddenDirectivesNeedTheirExactName()
    {
        var r = ConfigRegistry.CreateDefault();
        Assert.Empty(r.Get(["key-*"]));
        Assert.Equal([("key-load-delay", "0")], r.Get(["key-load-delay"]));
        Assert.Equal([("KEY-LOAD-DELAY", "0")], r.Get(["KEY-LOAD-DELAY"]));
        Assert.DoesNotContain(r.Get(["*"]), p => p.Name is "watchdog-period" or "use-exit-on-panic" or "rdb-key-save-delay");
    }

    // Each error text checked against redis-server 7.0.15.
    [Theory]
    [InlineData(new[] { "foo", "bar" }, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")]
    [InlineData(new[] { "port" }, "ERR wrong number of arguments for 'config|set' command")]
    [InlineData(new[] { "port", "1", "hz" }, "ERR syntax error")]
    [InlineData(new[] { "daemonize", "no" }, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")]
    [InlineData(new[] { "slaveof", "127.0.0.1 1" }, "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config")]
    [InlineData(new[] { "dir", "/tmp" }, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")]
    [InlineData(new[] { "dbfilename", "a/b" }, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config")]
    [InlineData(new[] { "appendonly", "maybe" }, "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")]
    [InlineData(new[] { "maxclients", "0" }, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")]
    [InlineData(new[] { "hz", "abc" }, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer")]
    [InlineData(new[] { "port", "1", "PORT", "2" }, "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter")]
    [InlineData(new[] { "hz", "abc", "hz", "5" }, "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter")]
    [InlineData(new[] { "maxmemory", "10x" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")]
    [InlineData(new[] { "maxmemory", "-1" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")]
    [InlineData(new[] { "auto-aof-rewrite-min-size", "18446744073709551615" }, "ERR CONFIG SET failed (possibly related to argument 'auto-aof-rewrite-min-size') - argument must be between 0 and 9223372036854775807 inclusive")]
    [InlineData(new[] { "client-query-buffer-limit", "0" }, "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive")]
    [InlineData(new[] { "maxmemory-policy", "foo" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")]
    [InlineData(new[] { "save", "100" }, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")]
    [InlineData(new[] { "save", "  " }, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")]
    [InlineData(new[] { "save", "200 2 100 1 " }, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")]
    [InlineData(new[] { "save", "0 0" }, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")]
    [InlineData(new[] { "client-output-buffer-limit", "foo 1 2 3" }, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.")]
    [InlineData(new[] { "client-output-buffer-limit", "master 0 0 0" }, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.")]
    [InlineData(new[] { "client-output-buffer-limit", "normal 1 2" }, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.")]
    [InlineData(new[] { "client-output-buffer-limit", "normal 1 1 1.5" }, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.")]
    [InlineData(new[] { "notify-keyspace-events", "A A" }, "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")]
    [InlineData(new[] { "timeout", "-1" }, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive")]
    [InlineData(new[] { "hz", "5", "foo", "bar" }, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")]
    [InlineData(new[] { "hz", "5", "daemonize", "no" }, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")]
    [InlineData(new[] { "daemonize", "no", "foo", "bar" }, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")]
    [InlineData(new[] { "maxmemory", "10x", "hz", "abc" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")]
    [InlineData(new[] { "oom-score-adj-values", "1 2" }, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments")]
    [InlineData(new[] { "oom-score-adj-values", "1 2 3000" }, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.")]
    [InlineData(new[] { "latency-tracking-info-percentiles", "50 200" }, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")]
    [InlineData(new[] { "latency-tracking-info-percentiles", "abc" }, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters")]
    [InlineData(new[] { "maxmemory-clients", "101%" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100")]
    [InlineData(new[] { "maxmemory-clients", "1.5%" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value")]
    [InlineData(new[] { "shutdown-on-sigterm", "save nosave" }, "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigterm') - shutdown options SAVE and NOSAVE can't be used simultaneously")]
    [InlineData(new[] { "shutdown-on-sigterm", "now  now" }, "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigterm') - argument(s) must be one of the following: default, save, nosave, now, force")]
    [InlineData(new[] { "bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17" }, "ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.")]
    [InlineData(new[] { "proc-title-template", "{title} {x}" }, "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables")]
    [InlineData(new[] { "enable-debug-command", "yes" }, "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config")]
    public void SetErrorsMatchRedis(string[] args, string expected)
    {
        var r = ConfigRegistry.CreateDefault();
        var before = r.Get(["*"]);
        Assert.Equal(expected, r.Set(args));
        Assert.Equal(before, r.Get(["*"]));
    }

    [Theory]
    [InlineData("hz", "0", "1")]
    [InlineData("hz", "1000", "500")]
    [InlineData("Hz", "7", "7")]
    [InlineData("maxmemory", "1gb", "1073741824")]
    [InlineData("maxmemory", "", "0")]
    [InlineData("notify-keyspace-events", "KEA", "AKE")]
    [InlineData("notify-keyspace-events", "Ex", "xE")]
    [InlineData("notify-keyspace-events", "g$lshzxetdn", "A")]
    [InlineData("notify-keyspace-events", "AnmKE", "AKEm")]
    [InlineData("notify-keyspace-events", "lg", "gl")]
    [InlineData("save", "100 1 100 1", "100 1 100 1")]
    [InlineData("save", "01 1", "1 1")]
    [InlineData("save", "", "")]
    [InlineData("client-output-buffer-limit", "normal 1mb 2k 3 pubsub 1 2 3", "normal 1048576 2000 3 slave 268435456 67108864 60 pubsub 1 2 3")]
    [InlineData("client-output-buffer-limit", "slave 1 2 3 replica 4 5 6", "normal 0 0 0 slave 4 5 6 pubsub 33554432 8388608 60")]
    [InlineData("client-output-buffer-limit", "NORMAL 0 0 0", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")]
    [InlineData("oom-score-adj", "relative", "yes")]
    [InlineData("oom-score-adj", "absolute", "absolute")]
    [InlineData("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru")]
    [InlineData("activerehashing", "NO", "no")]
    [InlineData("shutdown-on-sigint", "now nosave force", "nosave now force")]
    [InlineData("shutdown-on-sigint", "default now", "now")]
    [InlineData("latency-tracking-info-percentiles", "1.23456789 0.0000001", "1.234568 0")]
    [InlineData("latency-tracking-info-percentiles", "1e1 50", "10 50")]
    [InlineData("latency-tracking-info-percentiles", "", "")]
    [InlineData("bind", "", "")]
    [InlineData("oom-score-adj-values", "1 2 +3", "1 2 3")]
    [InlineData("maxmemory-clients", "5%", "5%")]
    [InlineData("maxmemory-clients", "0%", "0")]
    [InlineData("slave-priority", "5", "5")]
    public void SetThenGetShowsRedisFormatting(string name, string value, string shown)
    {
        var r = ConfigRegistry.CreateDefault();
        Assert.Null(r.Set(name, value));
        Assert.Equal(shown, r.Get1(name));
    }

    [Fact]
    public void AliasAndCanonicalNameMayBothBeSetLastWins()
    {
        var r = ConfigRegistry.CreateDefault();
        Assert.Null(r.Set("slave-read-only", "yes", "replica-read-only", "no"));
        Assert.False(r.Values.ReplicaReadOnly);
        Assert.Equal("no", r.Get1("slave-read-only"));
    }

    [Fact]
    public void SetIsAtomicWhenAValueIsBad()
    {
        var r = ConfigRegistry.CreateDefault();
        var changed = new List<string>();
        r.Changed += changed.Add;
        Assert.NotNull(r.Set("hz", "12", "maxmemory", "10x"));
        Assert.Equal(10, r.Values.Hz);
        Assert.Empty(changed);
        Assert.Null(r.Set("hz", "12", "maxmemory", "1mb", "timeout", "0"));
        Assert.Equal(12, r.Values.Hz);
        Assert.Equal(1048576, r.Values.MaxMemory);
        Assert.Equal(["hz", "maxmemory"], changed); // timeout did not change
    }

    [Fact]
    public void FailingApplyHookRollsBackEverything()
    {
        var r = ConfigRegistry.CreateDefault();
        var calls = new List<string>();
        int seenHz = 0;
        r.RegisterApplyHook("hz", v => { calls.Add("hz=" + v); return null; });
        r.RegisterApplyHook("slave-priority", v => { calls.Add("prio=" + v); return null; });
        r.RegisterApplyHook("maxclients", v =>
        {
            calls.Add("maxclients=" + v);
            // The hook sees the new values already published.
            seenHz = r.Values.Hz;
            return v == "1000000000" ? "The operating system is not able to handle the specified number of clients, try with 19968" : null;
        });
        var snapshot = r.Values;
        Assert.Equal(Failed("maxclients", "The operating system is not able to handle the specified number of clients, try with 19968"),
            r.Set("hz", "20", "replica-priority", "7", "maxclients", "1000000000"));
        Assert.Equal(["hz=20", "prio=7", "maxclients=1000000000", "prio=100", "hz=10"], calls);
        Assert.Equal(20, seenHz);
        Assert.Equal(10, r.Values.Hz);
        Assert.Equal(100, r.Values.ReplicaPriority);
        Assert.Equal(10000, r.Values.MaxClients);
        Assert.Equal(10, snapshot.Hz);

        calls.Clear();
        Assert.Null(r.Set("hz", "10", "maxclients", "500"));
        Assert.Equal(["maxclients=500"], calls); // hz did not change: no hook
        Assert.Equal(10, snapshot.Hz);           // old snapshots never change
        Assert.Equal(500, r.Values.MaxClients);
    }

    [Fact]
    public void ProtectedConfigsFollowEnableProtectedConfigs()
    {
        using var t = new TempDir();
        var local = Load("--enable-protected-configs", "local");
        Assert.Equal(Failed("dir", "can't set protected config"), local.Set(["dir", t.Path], clientIsLocal: false));
        Assert.Null(local.Set(["dir", t.Path], clientIsLocal: true));
        Assert.Equal(t.Path, local.Values.Dir);
        var yes = Load("--enable-protected-configs", "yes");
        Assert.Equal(Failed("dir", "No such file or directory"), yes.Set("dir", "/nonexistent-mirra"));
        Assert.Null(yes.Set("dbfilename", "x.rdb"));
        Assert.Equal(Failed("dbfilename", "dbfilename can't be a path, just a filename"), yes.Set("dbfilename", "a/b"));
        Assert.True(yes.IsAllowedFor("enable-protected-configs", false));
        Assert.False(ConfigRegistry.CreateDefault().IsAllowedFor("enable-debug-command", true));
    }

    [Fact]
    public void ImplementedFlagsAndExplicitlySetDirectives()
    {
        var r = Load("--activedefrag", "yes", "--lazyfree-lazy-eviction", "no", "--port", "7000", "--hz", "20");
        r.MarkImplemented("port", "slave-read-only");
        Assert.True(r.Find("replica-read-only")!.Implemented);
        Assert.Throws<ArgumentException>(() => r.MarkImplemented("no-such-directive"));
        // lazyfree-lazy-eviction was set to its default: nothing to warn about.
        Assert.Equal(["activedefrag", "hz"], r.UnimplementedDirectivesSetExplicitly().Order());
        Assert.Null(r.Set("tls-port", "6380"));
        Assert.Contains("tls-port", r.UnimplementedDirectivesSetExplicitly());
    }

    [Fact]
    public void DirectiveMetadata()
    {
        var r = ConfigRegistry.CreateDefault();
        var d = r.Find("SLAVEOF")!;
        Assert.Equal("replicaof", d.Name);
        Assert.False(d.IsMutable);
        Assert.True(r.Find("requirepass")!.IsSensitive);
        Assert.True(r.Find("masterauth")!.IsSensitive);
        Assert.True(r.Find("dir")!.IsProtected);
        Assert.Equal(DirectiveKind.Memory, r.Find("maxmemory")!.Kind);
        Assert.Equal("3600 1 300 100 60 10000", r.Find("save")!.DefaultText);
        Assert.Equal(["hash-max-ziplist-entries"], r.Find("hash-max-listpack-entries")!.Aliases);
        Assert.Equal(19, r.Directives.Sum(x => x.Aliases.Count));
        Assert.True(r.Find("dual-channel-replication-enabled")!.IsMutable);
        Assert.Null(r.Set("dual-channel-replication-enabled", "yes"));
        Assert.True(r.Values.DualChannelReplicationEnabled);
    }

    [Fact]
    public void InternalSetBypassesImmutability()
    {
        var r = ConfigRegistry.CreateDefault();
        string? changed = null;
        r.Changed += n => changed = n;
        Assert.Null(r.SetInternal("replicaof", "127.0.0.1", "6380"));
        Assert.Equal("127.0.0.1 6380", r.Get1("replicaof"));
        Assert.Equal("replicaof", changed);
        Assert.Null(r.SetInternal("slaveof", "no", "one"));
        Assert.Null(r.Values.ReplicaOf);
    }

    [Fact]
    public void ValuesAreTypedAndNullWhenUnset()
    {
        var v = ConfigRegistry.CreateDefault().Values;
        Assert.Null(v.RequirePass);
        Assert.Null(v.UnixSocket);
        Assert.Equal("", v.LogFile);
        Assert.Equal(16, v.Databases);
        Assert.Equal(MaxMemoryPolicy.NoEviction, v.MaxMemoryPolicy);
        Assert.Equal(AppendFsyncPolicy.EverySec, v.AppendFsync);
        Assert.Equal(LogLevel.Notice, v.LogLevel);
        Assert.Equal(ReplDisklessLoad.Disabled, v.ReplDisklessLoad);
        Assert.Equal([new SaveParam(3600, 1), new SaveParam(300, 100), new SaveParam(60, 10000)], v.Save);
        Assert.Equal(["*", "-::*"], v.Bind);
        Assert.Equal(1024 * 1024, v.ReplBacklogSize);
        Assert.Equal(KeyspaceEvents.None, v.NotifyKeyspaceEvents);
    }
}
