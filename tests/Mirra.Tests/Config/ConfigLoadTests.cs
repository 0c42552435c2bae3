using Mirra.Config;
using Xunit;
using static Mirra.Tests.Config.ConfigTestUtil;

namespace Mirra.Tests.Config;

public class ConfigLoadTests
{
    private static string Fatal(int line, string text, string reason) =>
        $"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}\n";

    private static ConfigFileException LoadFails(params string[] args) => Assert.Throws<ConfigFileException>(() => Load(args));

    [Fact]
    public void UnknownDirectiveInFileGivesRedisFatalText()
    {
        using var t = new TempDir();
        var f = t.Write("bad.conf", "# comment\nfoo bar\n");
        var e = LoadFails(f);
        Assert.Equal(Fatal(2, "foo bar", "Bad directive or wrong number of arguments"), e.Message);
        Assert.Equal(2, e.LineNumber);
        Assert.Equal("foo bar", e.Line);
    }

    // Each case checked against `redis-server ARGS` (Redis 7.0.15).
    [Theory]
    [InlineData(new[] { "--port", "abc" }, 2, "port \"abc\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--port", "1", "2" }, 2, "port \"1\" \"2\"", "wrong number of arguments")]
    [InlineData(new[] { "--port abc" }, 2, "port abc", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--save", "--port", "abc" }, 3, "port \"abc\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--port", "abc", "--save" }, 2, "port \"abc\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--hz", "5", "--port", "a b\"c" }, 3, "port \"a b\\\"c\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--hz", "5", "--", "--port" }, 3, "\"--port\"", "Bad directive or wrong number of arguments")]
    [InlineData(new[] { "--sentinel", "--port", "abc" }, 3, "port \"abc\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--Port", "abc" }, 2, "Port \"abc\"", "argument couldn't be parsed into an integer")]
    [InlineData(new[] { "--appendonly", "maybe" }, 2, "appendonly \"maybe\"", "argument must be 'yes' or 'no'")]
    [InlineData(new[] { "--maxmemory", "10x" }, 2, "maxmemory \"10x\"", "argument must be a memory value")]
    [InlineData(new[] { "--save", "10" }, 2, "save \"10\"", "Invalid save parameters")]
    [InlineData(new[] { "--dbfilename", "a/b" }, 2, "dbfilename \"a/b\"", "dbfilename can't be a path, just a filename")]
    [InlineData(new[] { "--appenddirname", "" }, 2, "appenddirname \"\"", "appenddirname can't be empty")]
    [InlineData(new[] { "--unixsocketperm", "999" }, 2, "unixsocketperm \"999\"", "argument couldn't be parsed as an octal number")]
    [InlineData(new[] { "--unixsocketperm", "1777" }, 2, "unixsocketperm \"1777\"", "argument must be between 0 and 777 inclusive")]
    [InlineData(new[] { "--databases", "0" }, 2, "databases \"0\"", "argument must be between 1 and 2147483647 inclusive")]
    [InlineData(new[] { "--io-threads", "200" }, 2, "io-threads \"200\"", "argument must be between 1 and 128 inclusive")]
    [InlineData(new[] { "--supervised", "x" }, 2, "supervised \"x\"", "argument(s) must be one of the following: upstart, systemd, auto, no")]
    [InlineData(new[] { "--proc-title-template", "{title" }, 2, "proc-title-template \"{title\"", "template format is invalid or contains unknown variables")]
    public void CommandLineErrorsMatchRedis(string[] args, int line, string text, string reason) =>
        Assert.Equal(Fatal(line, text, reason), LoadFails(args).Message);

    [Theory]
    [InlineData("port 1 2\n", 1, "port 1 2", "wrong number of arguments")]
    [InlineData("port\n", 1, "port", "wrong number of arguments")]
    [InlineData("  port 1 2  \n", 1, "port 1 2", "wrong number of arguments")]
    [InlineData("port 6379 # comment\n", 1, "port 6379 # comment", "wrong number of arguments")]
    [InlineData("\n\nappendonly maybe\n", 3, "appendonly maybe", "argument must be 'yes' or 'no'")]
    [InlineData("PORT abc\n", 1, "PORT abc", "argument couldn't be parsed into an integer")]
    [InlineData("port 'ab\n", 1, "port 'ab", "Unbalanced quotes in configuration line")]
    [InlineData("port \"a\"b\n", 1, "port \"a\"b", "Unbalanced quotes in configuration line")]
    [InlineData("replicaof 1.2.3.4\n", 1, "replicaof 1.2.3.4", "wrong number of arguments")]
    [InlineData("replicaof 1.2.3.4 x\n", 1, "replicaof 1.2.3.4 x", "Invalid master port")]
    [InlineData("replicaof 1.2.3.4 70000\n", 1, "replicaof 1.2.3.4 70000", "Invalid master port")]
    [InlineData("rename-command get\n", 1, "rename-command get", "Bad directive or wrong number of arguments")]
    [InlineData("user\n", 1, "user", "Bad directive or wrong number of arguments")]
    [InlineData("loadmodule\n", 1, "loadmodule", "Bad directive or wrong number of arguments")]
    [InlineData("include\n", 1, "include", "Bad directive or wrong number of arguments")]
    [InlineData("lua-replicate-commands\n", 1, "lua-replicate-commands", "Bad directive or wrong number of arguments")]
    [InlineData("sentinel monitor m 1 2 3\n", 1, "sentinel monitor m 1 2 3", "sentinel directive while not in sentinel mode")]
    [InlineData("sentinel\nhz abc\n", 2, "hz abc", "argument couldn't be parsed into an integer")]
    [InlineData("client-output-buffer-limit normal 1 2\n", 1, "client-output-buffer-limit normal 1 2", "Wrong number of arguments in buffer limit configuration.")]
    [InlineData("notify-keyspace-events zq\n", 1, "notify-keyspace-events zq", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")]
    [InlineData("maxmemory-clients 101%\n", 1, "maxmemory-clients 101%", "percentage argument must be less or equal to 100")]
    [InlineData("cluster-enabled yes\nreplicaof h 1\nhz 5\n", 2, "replicaof h 1", "replicaof directive not allowed in cluster mode")]
    public void FileErrorsMatchRedis(string text, int line, string shown, string reason)
    {
        var e = Assert.Throws<ConfigFileException>(() => LoadText(text));
        Assert.Equal(Fatal(line, shown, reason), e.Message);
    }

    [Fact]
    public void FileThenOverridesLineNumbers()
    {
        using var t = new TempDir();
        // The file's trailing newline plus the "\n" Redis adds before the options: options start on line 4.
        var f = t.Write("ok.conf", "port 0\nloglevel notice\n");
        Assert.Equal(Fatal(4, "port \"abc\"", "argument couldn't be parsed into an integer"), LoadFails(f, "--port", "abc").Message);
        var g = t.Write("ok2.conf", "port 0\nloglevel notice");
        Assert.Equal(Fatal(4, "port \"abc\"", "argument couldn't be parsed into an integer"), LoadFails(g, "--hz", "1", "--port", "abc").Message);
    }

    [Fact]
    public void MissingConfigFileIsALoggedFatalError()
    {
        var e = LoadFails("/nonexistent-mirra/redis.conf");
        Assert.True(e.IsLogMessage);
        Assert.Equal("Fatal error, can't open config file '/nonexistent-mirra/redis.conf': No such file or directory", e.Message);
        var i = Assert.Throws<ConfigFileException>(() => LoadText("include /nonexist.conf\n"));
        Assert.Equal("Fatal error, can't open config file '/nonexist.conf': No such file or directory", i.Message);
    }

    [Fact]
    public void UnopenableLogFileIsReportedWithoutALine()
    {
        var r = ConfigRegistry.CreateDefault();
        var e = Assert.Throws<ConfigFileException>(() => r.LoadFromString("port 0\nlogfile /nonexist/x\nhz 5\n"));
        Assert.Equal("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n", e.Message);
        Assert.Null(e.LineNumber);
    }

    [Fact]
    public void QuotesUnitsAndCaseInFile()
    {
        var r = LoadText("PORT 7000\nmaxmemory 2mb\nrequirepass \"a b\\x21\"\nmasterauth 'x y'\nhash-max-ziplist-value 1kb\n" +
                         "client-output-buffer-limit replica 1gb 512mb 30\nbind 127.0.0.1 ::1\nlist-max-ziplist-size -3\n");
        Assert.Equal(7000, r.Values.Port);
        Assert.Equal(2 * 1024 * 1024, r.Values.MaxMemory);
        Assert.Equal("a b!", r.Values.RequirePass);
        Assert.Equal("x y", r.Values.MasterAuth);
        Assert.Equal(1024, r.Values.HashMaxListpackValue);
        Assert.Equal(new ClientOutputBufferLimit(1L << 30, 512L << 20, 30), r.Values.ClientOutputBufferLimit.Replica);
        Assert.Equal(ClientOutputBufferLimits.Default.PubSub, r.Values.ClientOutputBufferLimit.PubSub);
        Assert.Equal(["127.0.0.1", "::1"], r.Values.Bind);
        Assert.Equal(-3, r.Values.ListMaxListpackSize);
        Assert.Equal("normal 0 0 0 slave 1073741824 536870912 30 pubsub 33554432 8388608 60", r.Get1("client-output-buffer-limit"));
    }

    [Theory]
    [InlineData("save 900 1\nsave 300 10\n", new string[0], "900 1 300 10")]
    [InlineData("save 900 1\nsave \"\"\nsave 60 5\n", new string[0], "60 5")]
    [InlineData("save 900 1\n", new[] { "--save", "60", "5" }, "900 1 60 5")]
    [InlineData("", new[] { "--save", "60", "5", "--save", "70", "6" }, "60 5 70 6")]
    [InlineData("save\n", new string[0], "")]
    [InlineData("#\n", new[] { "--save" }, "")]
    [InlineData("save 1 1\nsave \"\"\n", new string[0], "")]
    [InlineData("save 3600 1 300 100 60 10000\nsave 5 5\n", new string[0], "3600 1 300 100 60 10000 5 5")]
    [InlineData("port 1\n", new string[0], "3600 1 300 100 60 10000")]
    public void SaveLinesAccumulateLikeRedis(string file, string[] extra, string expected)
    {
        using var t = new TempDir();
        var f = t.Write("s.conf", file);
        Assert.Equal(expected, Load([f, .. extra]).Get1("save"));
    }

    [Fact]
    public void ArgvOverridesFileAndKeepsPath()
    {
        using var t = new TempDir();
        var f = t.Write("r.conf", "port 7000\nmaxmemory 1mb\n");
        var old = Environment.CurrentDirectory;
        var r = Load(f, "--port", "7001", "--bind", "1.2.3.4", "5.6.7.8", "--requirepass", "--weird");
        Assert.Equal(7001, r.Values.Port);
        Assert.Equal(1048576, r.Values.MaxMemory);
        Assert.Equal(["1.2.3.4", "5.6.7.8"], r.Values.Bind);
        // An option without a value takes the next "--x" as its value, as in redis-server.
        Assert.Equal("--weird", r.Values.RequirePass);
        Assert.Equal(f, r.ConfigFilePath);
        Assert.False(r.SentinelMode);
        Assert.True(Load("--sentinel").SentinelMode);
        Assert.Null(Load("--port", "1").ConfigFilePath);
    }

    [Fact]
    public void StdinIsReadAfterTheFile()
    {
        var r = ConfigRegistry.CreateDefault();
        r.LoadFromArgs(["-", "--hz", "7"], new StringReader("port 7777\nhz 5\n"));
        Assert.Equal(7777, r.Values.Port);
        Assert.Equal(7, r.Values.Hz);
    }

    [Fact]
    public void IncludeIsRecursiveRelativeToDirAndSupportsGlobs()
    {
        using var t = new TempDir();
        t.Write("conf.d/10-a.conf", "hz 20\ninclude " + Path.Combine(t.Path, "deep.conf") + "\n");
        t.Write("conf.d/20-b.conf", "maxclients 99\n");
        t.Write("deep.conf", "timeout 30\n");
        t.Write("rel.conf", "tcp-keepalive 5\n");
        var main = t.Write("main.conf", $"dir {t.Path}\ninclude rel.conf\ninclude {t.Path}/conf.d/*.conf\ninclude {t.Path}/empty.d/*.conf\nhz 25\n");
        var r = Load(main);
        Assert.Equal(25, r.Values.Hz);
        Assert.Equal(99, r.Values.MaxClients);
        Assert.Equal(30, r.Values.Timeout);
        Assert.Equal(5, r.Values.TcpKeepAlive);
        Assert.Equal(t.Path, r.Values.Dir);
    }

    [Fact]
    public void ErrorsInsideAnIncludedFileReportThatFilesLine()
    {
        using var t = new TempDir();
        var inc = t.Write("inc.conf", "hz 5\nbogus 1\n");
        var e = Assert.Throws<ConfigFileException>(() => LoadText($"port 1\n\ninclude {inc}\n"));
        Assert.Equal(Fatal(2, "bogus 1", "Bad directive or wrong number of arguments"), e.Message);
    }

    [Fact]
    public void FileOnlyDirectivesAreKeptForTheEngine()
    {
        var r = LoadText("rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /x.so a b\nlist-max-ziplist-entries 5\nsentinel\n");
        var rc = Assert.Single(r.RenameCommands);
        Assert.Equal(["FLUSHALL", ""], rc.Args);
        Assert.Equal(1, rc.LineNumber);
        Assert.Equal(Fatal(1, "rename-command FLUSHALL \"\"", "No such command in rename-command"), rc.Fail("No such command in rename-command").Message);
        Assert.Equal(["alice", "on", ">pw", "~*", "+@all"], Assert.Single(r.Users).Args);
        Assert.Equal(["/x.so", "a", "b"], Assert.Single(r.LoadModules).Args);

        var s = ConfigRegistry.CreateDefault();
        s.SentinelMode = true;
        s.LoadFromString("sentinel monitor m 127.0.0.1 6379 2\n");
        Assert.Equal(["monitor", "m", "127.0.0.1", "6379", "2"], Assert.Single(s.SentinelLines).Args);
    }

    [Fact]
    public void SpecialValuesParseAndClamp()
    {
        var r = LoadText("hz 1000\nreplicaof 10.0.0.1 6380\nnotify-keyspace-events KEA\nshutdown-on-sigterm now nosave\n" +
                         "oom-score-adj-values 1 -2 3\nlatency-tracking-info-percentiles 1 2.5 99.99999\nmaxmemory-clients 10%\nunixsocketperm 0700\n");
        Assert.Equal(500, r.Values.Hz);
        Assert.Equal("500", r.Get1("hz"));
        Assert.Equal(new ReplicaOfTarget("10.0.0.1", 6380), r.Values.ReplicaOf);
        Assert.Equal("10.0.0.1 6380", r.Get1("slaveof"));
        Assert.Equal("AKE", r.Get1("notify-keyspace-events"));
        Assert.Equal(ShutdownFlags.NoSave | ShutdownFlags.Now, r.Values.ShutdownOnSigterm);
        Assert.Equal("nosave now", r.Get1("shutdown-on-sigterm"));
        Assert.Equal("1 -2 3", r.Get1("oom-score-adj-values"));
        Assert.Equal("1 2.5 99.99999", r.Get1("latency-tracking-info-percentiles"));
        Assert.Equal("10%", r.Get1("maxmemory-clients"));
        Assert.Equal(-10, r.Values.MaxMemoryClients);
        Assert.Equal("700", r.Get1("unixsocketperm"));
        Assert.Equal(448, r.Values.UnixSocketPerm);
        Assert.Null(LoadText("replicaof 1.2.3.4 1\nreplicaof NO ONE\n").Values.ReplicaOf);
    }

    [Fact]
    public void DebianRedisConfIsFullyAccepted()
    {
        using var t = new TempDir();
        // Same file with the machine paths pointed at a temp folder (dir must exist; logfile is not opened here).
        string text = File.ReadAllText(Path.Combine(GlobTests.TestDir(), "redis-7.0.conf"))
            .Replace("dir /var/lib/redis", "dir " + t.Path);
        var f = t.Write("redis.conf", text);
        var r = Load(f);
        Assert.Equal(6379, r.Values.Port);
        Assert.Equal(["127.0.0.1", "-::1"], r.Values.Bind);
        Assert.True(r.Values.Daemonize);
        Assert.Equal("/run/redis/redis-server.pid", r.Values.PidFile);
        Assert.Equal("/var/log/redis/redis-server.log", r.Values.LogFile);
        Assert.Equal(64L * 1024 * 1024, r.Values.AutoAofRewriteMinSize);
        Assert.Equal("3600 1 300 100 60 10000", r.Get1("save"));
        Assert.Equal(t.Path, r.Values.Dir);

        // Every uncommented line was a directive the registry accepted.
        int lines = text.Split('\n').Count(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        Assert.True(lines > 60);
    }
}
