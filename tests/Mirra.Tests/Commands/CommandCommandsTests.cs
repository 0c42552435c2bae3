using Mirra.Commands;
using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// Expected replies were captured from redis-server 7.0.15. MSET, LMOVE, XREAD and EVAL are declared here
// under other names (kmset...) with Redis's table entries, to test the key spec machinery on its own.
public class CommandCommandsTests
{
    static void Nop(CommandContext ctx) => ctx.Reply.Ok();

    static TestServer WithRedisEntries()
    {
        var ts = new TestServer();
        var t = ts.Server.Commands;
        t.Add(new CommandSpec("kmset", -3, "write denyoom", 1, -1, 2, Nop) { Group = "string", KeySpecs = "OW update", Tips = "request_policy:multi_shard response_policy:all_succeeded" });
        t.Add(new CommandSpec("klmove", 5, "write denyoom", 1, 2, 1, Nop) { Group = "list", KeySpecs = "RW access delete range:0:1:0; RW insert index:2 range:0:1:0" });
        t.Add(new CommandSpec("kxread", -4, "readonly blocking movablekeys", 0, 0, 0, Nop) { Group = "stream", KeySpecs = "RO access keyword:STREAMS:1 range:-1:1:2" });
        t.Add(new CommandSpec("keval", -3, "noscript stale skip_monitor no_mandatory_keys movablekeys", 0, 0, 0, Nop) { Group = "scripting", KeySpecs = "RW access update index:2 keynum:0:1:1" });
        return ts;
    }

    const string GetInfoResp2 =
        "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n" +
        "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
        "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

    [Fact]
    public void InfoOfGetIsRedisBytes()
    {
        var ts = new TestServer();
        Assert.Equal("*1\r\n" + GetInfoResp2, ts.Run("COMMAND", "INFO", "get"));
        Assert.Equal("*1\r\n" + GetInfoResp2, ts.Run("COMMAND", "INFO", "GET"));
        Assert.Equal("*2\r\n$-1\r\n" + GetInfoResp2, ts.Run("COMMAND", "INFO", "nosuch", "get"));
    }

    [Fact]
    public void InfoInResp3UsesSetsAndMaps()
    {
        var ts = new TestServer();
        ts.Client.Protocol = 3;
        Assert.Equal(
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n" +
            "$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n" +
            "$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n",
            ts.Run("COMMAND", "INFO", "get"));
        Assert.Equal("*1\r\n_\r\n", ts.Run("COMMAND", "INFO", "nosuch"));
    }

    [Fact]
    public void InfoOfKeywordAndRangeSpecsIsRedisBytes()
    {
        var ts = WithRedisEntries();
        ts.Client.Protocol = 3;
        Assert.Equal(
            "*1\r\n*10\r\n$6\r\nkxread\r\n:-4\r\n~3\r\n+readonly\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n~4\r\n+@read\r\n+@stream\r\n+@slow\r\n+@blocking\r\n~0\r\n~1\r\n" +
            "%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$7\r\nkeyword\r\n$4\r\nspec\r\n%2\r\n$7\r\nkeyword\r\n$7\r\nSTREAMS\r\n$9\r\nstartfrom\r\n:1\r\n" +
            "$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:2\r\n~0\r\n",
            ts.Run("COMMAND", "INFO", "kxread"));
        ts.Client.Protocol = 2;
        Assert.Equal(
            "*1\r\n*10\r\n$5\r\nkmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n" +
            "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n" +
            "$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "kmset"));
        Assert.Equal(
            "*1\r\n*10\r\n$6\r\nklmove\r\n:5\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*2\r\n" +
            "*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" +
            "*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+insert\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "klmove"));
    }

    [Fact]
    public void InfoOfSubcommandsAndContainers()
    {
        var ts = new TestServer();
        Assert.Equal(
            "*1\r\n*10\r\n$11\r\nclient|kill\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "client|kill"));
        Assert.Equal(
            "*1\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "CLIENT|LIST"));
        Assert.StartsWith("*1\r\n*10\r\n$6\r\nclient\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*16\r\n*10\r\n$14\r\nclient|", ts.Run("COMMAND", "INFO", "client"));
        Assert.StartsWith("*1\r\n*10\r\n$7\r\ncommand\r\n:-1\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*1\r\n$29\r\nnondeterministic_output_order\r\n*0\r\n*7\r\n",
            ts.Run("COMMAND", "INFO", "command"));
        Assert.Equal("*1\r\n*10\r\n$7\r\nmonitor\r\n:1\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "monitor"));
        Assert.Equal("*1\r\n*10\r\n$8\r\nshutdown\r\n:-1\r\n*6\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n+no_multi\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "shutdown"));
        foreach (var bad in new[] { "client|", "|get", "client|nosuch", "get|x", "a|b|c" })
            Assert.Equal("*1\r\n$-1\r\n", ts.Run("COMMAND", "INFO", bad));
    }

    [Fact]
    public void HiddenFlagsAreNotReported()
    {
        var ts = new TestServer();
        ts.Server.Commands.Add(new CommandSpec("publishlike", 3, "pubsub loading stale fast may_replicate sentinel", 0, 0, 0, Nop) { Group = "pubsub" });
        Assert.StartsWith("*1\r\n*10\r\n$11\r\npublishlike\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@fast\r\n",
            ts.Run("COMMAND", "INFO", "publishlike"));
    }

    [Fact]
    public void AllCommandsAndCount()
    {
        var ts = new TestServer();
        int count = ts.Server.Commands.All.Count;
        Assert.Equal($":{count}\r\n", ts.Run("COMMAND", "COUNT"));
        Assert.StartsWith($"*{count}\r\n*10\r\n", ts.Run("COMMAND"));
        Assert.Equal(ts.Run("COMMAND"), ts.Run("COMMAND", "INFO"));
        Assert.Equal("-ERR wrong number of arguments for 'command|count' command\r\n", ts.Run("COMMAND", "COUNT", "x"));
        Assert.Equal("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n", ts.Run("COMMAND", "FOO"));
    }

    [Fact]
    public void DocsReportWhatTheTableHolds()
    {
        var ts = new TestServer();
        var get = ts.Server.Commands.Find("get")!;
        string Bulk(string s) => $"${s.Length}\r\n{s}\r\n";
        Assert.Equal("*2\r\n$3\r\nget\r\n*8\r\n" + Bulk("summary") + Bulk(get.Summary) + Bulk("since") + Bulk("1.0.0") + Bulk("group") + Bulk("string") + Bulk("complexity") + Bulk("O(1)"),
            ts.Run("COMMAND", "DOCS", "get"));
        Assert.Equal("*0\r\n", ts.Run("COMMAND", "DOCS", "nosuch"));
        // MONITOR has no complexity in Redis's docs.
        Assert.StartsWith("*2\r\n$7\r\nmonitor\r\n*6\r\n$7\r\nsummary\r\n", ts.Run("COMMAND", "DOCS", "monitor", "nosuch"));
        var client = ts.Run("COMMAND", "DOCS", "client");
        Assert.StartsWith("*2\r\n$6\r\nclient\r\n*10\r\n$7\r\nsummary\r\n", client);
        Assert.Contains("$5\r\nsince\r\n$5\r\n2.4.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$22\r\nDepends on subcommand.\r\n$11\r\nsubcommands\r\n*32\r\n", client);
        Assert.Contains("$11\r\nclient|kill\r\n*8\r\n", ts.Run("COMMAND", "DOCS", "client|kill"));
        Assert.Contains("$5\r\nsince\r\n$6\r\n2.9.50\r\n", ts.Run("COMMAND", "DOCS", "client|pause"));

        ts.Client.Protocol = 3;
        Assert.Equal("%0\r\n", ts.Run("COMMAND", "DOCS", "nosuch"));
        Assert.StartsWith("%1\r\n$3\r\nget\r\n%4\r\n$7\r\nsummary\r\n", ts.Run("COMMAND", "DOCS", "get"));
        Assert.StartsWith($"%{ts.Server.Commands.All.Count}\r\n", ts.Run("COMMAND", "DOCS"));
    }

    [Fact]
    public void GetKeysErrors()
    {
        var ts = WithRedisEntries();
        Assert.Equal("-ERR wrong number of arguments for 'command|getkeys' command\r\n", ts.Run("COMMAND", "GETKEYS"));
        Assert.Equal("-ERR wrong number of arguments for 'command|getkeys' command\r\n", ts.Run("COMMAND", "GETKEYS", "get"));
        Assert.Equal("-ERR Invalid command specified\r\n", ts.Run("COMMAND", "GETKEYS", "nosuch", "a"));
        Assert.Equal("-ERR Invalid command specified\r\n", ts.Run("COMMAND", "GETKEYS", "client", "nosuch"));
        Assert.Equal("-ERR The command has no key arguments\r\n", ts.Run("COMMAND", "GETKEYS", "ping", "a"));
        Assert.Equal("-ERR The command has no key arguments\r\n", ts.Run("COMMAND", "GETKEYS", "client", "list"));
        Assert.Equal("-ERR Invalid number of arguments specified for command\r\n", ts.Run("COMMAND", "GETKEYS", "get", "a", "b"));
        Assert.Equal("-ERR Invalid number of arguments specified for command\r\n", ts.Run("COMMAND", "GETKEYS", "kxread", "streams", "a"));
        Assert.Equal("-ERR Invalid arguments specified for command\r\n", ts.Run("COMMAND", "GETKEYS", "kxread", "foo", "a", "b"));
    }

    [Fact]
    public void GetKeysWithRangeKeywordAndKeynumSpecs()
    {
        var ts = WithRedisEntries();
        Assert.Equal("*1\r\n$1\r\na\r\n", ts.Run("COMMAND", "GETKEYS", "get", "a"));
        Assert.Equal("*1\r\n$1\r\na\r\n", ts.Run("COMMAND", "GETKEYS", "GET", "a"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", ts.Run("COMMAND", "GETKEYS", "kmset", "a", "1", "b", "2"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", ts.Run("COMMAND", "GETKEYS", "kmset", "a", "1", "b"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", ts.Run("COMMAND", "GETKEYS", "kxread", "count", "1", "streams", "a", "b", "0", "0"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", ts.Run("COMMAND", "GETKEYS", "kxread", "streams", "a", "b", "0", "0"));
        Assert.Equal("*1\r\n$1\r\na\r\n", ts.Run("COMMAND", "GETKEYS", "kxread", "streams", "a", "b", "0"));
        // EVAL: a key count of 0, too large, negative or not a number gives no keys (no_mandatory_keys).
        Assert.Equal("*1\r\n$1\r\nk\r\n", ts.Run("COMMAND", "GETKEYS", "keval", "x", "1", "k"));
        foreach (var n in new[] { "0", "5", "-1", "abc" })
            Assert.Equal("*0\r\n", ts.Run("COMMAND", "GETKEYS", "keval", "x", n, "k"));
    }

    [Fact]
    public void GetKeysAndFlags()
    {
        var ts = WithRedisEntries();
        Assert.Equal("*2\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n",
            ts.Run("COMMAND", "GETKEYSANDFLAGS", "kmset", "a", "1", "b", "2"));
        Assert.Equal("*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n",
            ts.Run("COMMAND", "GETKEYSANDFLAGS", "klmove", "a", "b", "left", "right"));
        ts.Client.Protocol = 3;
        Assert.Equal("*1\r\n*2\r\n$1\r\na\r\n~2\r\n+RO\r\n+access\r\n", ts.Run("COMMAND", "GETKEYSANDFLAGS", "get", "a"));
    }

    [Fact]
    public void ListAndFilters()
    {
        var ts = new TestServer();
        var all = ts.Run("COMMAND", "LIST");
        int total = ts.Server.Commands.All.Sum(c => 1 + (c.Subcommands?.Count ?? 0));
        Assert.StartsWith($"*{total}\r\n", all);
        Assert.Contains("$11\r\nclient|kill\r\n", all);
        Assert.Contains("$3\r\nget\r\n", all);

        var cl = ts.Run("COMMAND", "LIST", "FILTERBY", "PATTERN", "CL*");
        Assert.StartsWith("*17\r\n$6\r\nclient\r\n$14\r\nclient|setname\r\n", cl);
        var gi = ts.Run("COMMAND", "LIST", "FILTERBY", "pattern", "client|[g-i]*");
        Assert.StartsWith("*5\r\n", gi);
        foreach (var name in new[] { "client|info", "client|help", "client|getredir", "client|getname", "client|id" }) Assert.Contains($"\r\n{name}\r\n", gi);

        var conn = ts.Run("COMMAND", "LIST", "FILTERBY", "aclcat", "connection");
        Assert.Contains("$14\r\nclient|setname\r\n", conn);
        Assert.Contains("$4\r\nping\r\n", conn);
        Assert.DoesNotContain("$6\r\nclient\r\n", conn); // the container is only @slow
        Assert.DoesNotContain("$3\r\nget\r\n", conn);
        Assert.Equal("*0\r\n", ts.Run("COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"));
        Assert.Equal("*0\r\n", ts.Run("COMMAND", "LIST", "FILTERBY", "aclcat", "@connection"));
        Assert.Equal("*0\r\n", ts.Run("COMMAND", "LIST", "FILTERBY", "module", "x"));

        Assert.Equal("-ERR syntax error\r\n", ts.Run("COMMAND", "LIST", "FILTERBY"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("COMMAND", "LIST", "FILTERBY", "foo", "x"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("COMMAND", "LIST", "foo"));
        Assert.Equal("-ERR syntax error\r\n", ts.Run("COMMAND", "LIST", "FILTERBY", "pattern", "a", "b"));
    }

    [Theory]
    [InlineData("cl*", "client|kill", true)]
    [InlineData("CL*", "client", true)]
    [InlineData("c?ient", "client", true)]
    [InlineData("c?ient", "clent", false)]
    [InlineData("client|[^k]*", "client|kill", false)]
    [InlineData("client|[^k]*", "client|list", true)]
    [InlineData("*|*", "get", false)]
    [InlineData("g\\et", "get", true)]
    [InlineData("*", "", false)] // stringmatchlen never matches an empty name
    [InlineData("get*x", "getx", true)]
    [InlineData("[a-c]et", "bet", true)]
    [InlineData("[c-a]et", "bet", true)]
    public void PatternIsRedisGlobWithoutCase(string pattern, string name, bool match) =>
        Assert.Equal(match, CommandCommands.GlobMatch(pattern, name));

    [Fact]
    public void HelpIsRedisText()
    {
        var ts = new TestServer();
        Assert.Equal(
            "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no subcommand)\r\n+    Return details about all Redis commands.\r\n+COUNT\r\n" +
            "+    Return the total number of commands in this Redis server.\r\n+LIST\r\n+    Return a list of all commands in this Redis server.\r\n+INFO [<command-name> ...]\r\n" +
            "+    Return details about multiple Redis commands.\r\n+    If no command names are given, documentation details for all\r\n+    commands are returned.\r\n" +
            "+DOCS [<command-name> ...]\r\n+    Return documentation details about multiple Redis commands.\r\n+    If no command names are given, documentation details for all\r\n" +
            "+    commands are returned.\r\n+GETKEYS <full-command>\r\n+    Return the keys from a full Redis command.\r\n+GETKEYSANDFLAGS <full-command>\r\n" +
            "+    Return the keys and the access flags from a full Redis command.\r\n+HELP\r\n+    Prints this help.\r\n",
            ts.Run("COMMAND", "HELP"));
    }

    [Fact]
    public void AclCategoriesComeInRedisOrder()
    {
        var ts = new TestServer();
        Assert.Equal(new[] { "@read", "@string", "@fast" }, ts.Server.Commands.Find("get")!.AclCategories());
        Assert.Equal(new[] { "@fast", "@connection" }, ts.Server.Commands.Find("ping")!.AclCategories());
        var spec = new CommandSpec("x", 1, "write admin blocking", 0, 0, 0, Nop) { Acl = "keyspace dangerous" };
        Assert.Equal(new[] { "@keyspace", "@write", "@admin", "@slow", "@blocking", "@dangerous" }, spec.AclCategories());
        var script = new CommandSpec("y", 1, "readonly", 0, 0, 0, Nop) { Group = "scripting" };
        Assert.Equal(new[] { "@slow", "@scripting" }, script.AclCategories());
    }

    [Fact]
    public void KeySpecNotationRejectsUnknownWords()
    {
        Assert.Throws<ArgumentException>(() => KeySpec.Parse("RO acces", 1, 1, 1));
        Assert.Throws<ArgumentException>(() => KeySpec.Parse("RO access range:1", 1, 1, 1));
        var specs = KeySpec.Parse("RW access delete range:0:1:0; RW insert index:2 range:0:1:0", 1, 2, 1);
        Assert.Equal(2, specs.Length);
        Assert.Equal(2, specs[1].Index);
        Assert.Equal(new[] { "RW", "insert" }, specs[1].Flags);
    }
}
