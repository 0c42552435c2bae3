using System.Text.RegularExpressions;
using Mirra.Config;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>LATENCY, MEMORY and SLOWLOG. Exact texts verified against redis-server 7.0.15.</summary>
public class ObservabilityTests
{
    // ---------------- LATENCY ----------------

    [Fact]
    public void LatencyHelpIsRedisText()
    {
        var s = new TestServer();
        Assert.Equal("*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n+    Return a human readable latency analysis report.\r\n+GRAPH <event>\r\n+    Return an ASCII latency graph for the <event> class.\r\n+HISTORY <event>\r\n+    Return time-latency samples for the <event> class.\r\n+LATEST\r\n+    Return the latest latency samples for all events.\r\n+RESET [<event> ...]\r\n+    Reset latency data of one or more <event> classes.\r\n+    (default: reset all data for all event classes)\r\n+HISTOGRAM [COMMAND ...]\r\n+    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.\r\n+    If no commands are specified then all histograms are replied.\r\n+HELP\r\n+    Prints this help.\r\n",
            s.Run("LATENCY", "HELP"));
    }

    [Fact]
    public void LatencyArgumentErrors()
    {
        var s = new TestServer();
        Assert.Equal("-ERR wrong number of arguments for 'latency' command\r\n", s.Run("LATENCY"));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try LATENCY HELP.\r\n", s.Run("LATENCY", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'latency|history' command\r\n", s.Run("LATENCY", "HISTORY"));
        Assert.Equal("-ERR wrong number of arguments for 'latency|history' command\r\n", s.Run("LATENCY", "HISTORY", "command", "x"));
        Assert.Equal("-ERR wrong number of arguments for 'latency|latest' command\r\n", s.Run("LATENCY", "LATEST", "x"));
        Assert.Equal("-ERR No samples available for event 'nosuch'\r\n", s.Run("LATENCY", "GRAPH", "nosuch"));
    }

    [Fact]
    public void LatencyLatestHistoryAndReset()
    {
        var s = new TestServer();
        Assert.Equal("*0\r\n", s.Run("LATENCY", "LATEST"));
        Assert.Equal("*0\r\n", s.Run("LATENCY", "HISTORY", "command"));
        s.Server.Latency.ThresholdMs = 50;
        s.Server.Latency.Observe("command", 120);
        s.Server.Latency.Observe("fast-command", 60);
        s.Server.Latency.Observe("command", 10); // under the threshold: ignored
        Assert.Matches(@"^\*2\r\n\*4\r\n\$7\r\ncommand\r\n:\d+\r\n:120\r\n:120\r\n\*4\r\n\$12\r\nfast-command\r\n:\d+\r\n:60\r\n:60\r\n$", s.Run("LATENCY", "LATEST"));
        Assert.Matches(@"^\*1\r\n\*2\r\n:\d{10}\r\n:120\r\n$", s.Run("LATENCY", "HISTORY", "command"));
        Assert.Equal("*0\r\n", s.Run("LATENCY", "HISTORY", "COMMAND")); // event names are case-sensitive
        Assert.Equal(":1\r\n", s.Run("LATENCY", "RESET", "nosuch", "command", "other"));
        Assert.Equal(":0\r\n", s.Run("LATENCY", "RESET", "command"));
        Assert.Equal(":1\r\n", s.Run("LATENCY", "RESET"));
        Assert.Equal("*0\r\n", s.Run("LATENCY", "LATEST"));
    }

    static string VerbatimOrBulkText(string reply)
    {
        var m = Regex.Match(reply, @"^[$=](\d+)\r\n", RegexOptions.Singleline);
        Assert.True(m.Success, reply);
        string body = reply[m.Length..^2];
        Assert.Equal(int.Parse(m.Groups[1].Value), System.Text.Encoding.UTF8.GetByteCount(body));
        return body;
    }

    [Fact]
    public void LatencyDoctorTellsDisabledQuietAndSpikyApart()
    {
        var s = new TestServer();
        string disabled = VerbatimOrBulkText(s.Run("LATENCY", "DOCTOR"));
        Assert.Contains("latency-monitor-threshold", disabled);
        Assert.EndsWith("\n", disabled);

        s.Server.Latency.ThresholdMs = 100;
        string quiet = VerbatimOrBulkText(s.Run("LATENCY", "DOCTOR"));
        Assert.StartsWith("Dave,", quiet);
        Assert.DoesNotContain("1. ", quiet);

        s.Server.Latency.Observe("command", 300);
        s.Server.Latency.Observe("expire-cycle", 150);
        string report = VerbatimOrBulkText(s.Run("LATENCY", "DOCTOR"));
        Assert.Contains("1. command: 1 spike", report);
        Assert.Contains("2. expire-cycle: 1 spike", report);
        Assert.Contains("300ms", report);
        Assert.Contains("SLOWLOG", report);

        s.Run("HELLO", "3");
        Assert.StartsWith("=", s.Run("LATENCY", "DOCTOR"));
        Assert.Contains("txt:", s.Run("LATENCY", "DOCTOR"));
    }

    [Fact]
    public void LatencyGraphDrawsOneColumnPerSample()
    {
        var s = new TestServer();
        s.Server.Latency.ThresholdMs = 10;
        s.Server.Latency.Observe("command", 300);
        string graph = VerbatimOrBulkText(s.Run("LATENCY", "GRAPH", "command"));
        Assert.StartsWith("command - high 300 ms, low 300 ms (all time high 300 ms)\n" + new string('-', 80) + "\n#\n|\n|\n|\n\n", graph);

        var series = new Mirra.Observability.LatencyMonitor.Series { MaxMs = 300 };
        series.Samples.AddRange([(1000, 100), (1002, 300), (1003, 60)]);
        Assert.Equal("command - high 300 ms, low 60 ms (all time high 300 ms)\n" + new string('-', 80) + "\n" +
                     " # \n | \n#| \n||_\n\n" + "310\nsss\n",
            Mirra.Commands.ObservabilityCommands.LatencyGraphText("command", series, 1003));
    }

    [Fact]
    public void LatencyHistogramReportsCallsAndCumulativeBuckets()
    {
        var s = new TestServer();
        Assert.Equal("*0\r\n", s.Run("LATENCY", "HISTOGRAM", "set"));
        s.Run("SET", "k", "v");
        s.Run("SET", "k", "v");
        string one = s.Run("LATENCY", "HISTOGRAM", "set");
        Assert.Matches(@"^\*2\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n(:\d+\r\n)+$", one);
        Assert.EndsWith(":2\r\n", one); // the last bucket counts every call
        // Names are matched case-insensitively and repeated names are repeated.
        Assert.StartsWith("*4\r\n$3\r\nset\r\n", s.Run("LATENCY", "HISTOGRAM", "set", "nosuch", "SET"));
        s.Run("HELLO", "3");
        Assert.Matches(@"^%1\r\n\$3\r\nset\r\n%2\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n%\d+\r\n", s.Run("LATENCY", "HISTOGRAM", "set"));
        Assert.Contains("$5\r\nhello\r\n", s.Run("LATENCY", "HISTOGRAM"));
        s.Run("CONFIG", "RESETSTAT");
        Assert.Equal("%0\r\n", s.Run("LATENCY", "HISTOGRAM", "set"));
        Assert.StartsWith("%1\r\n$16\r\nconfig|resetstat\r\n", s.Run("LATENCY", "HISTOGRAM", "config|resetstat"));
    }

    // ---------------- MEMORY ----------------

    [Fact]
    public void MemoryHelpIsRedisText()
    {
        var s = new TestServer();
        Assert.Equal("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n+    Return memory problems reports.\r\n+MALLOC-STATS\r\n+    Return internal statistics report from the memory allocator.\r\n+PURGE\r\n+    Attempt to purge dirty pages for reclamation by the allocator.\r\n+STATS\r\n+    Return information about the memory usage of the server.\r\n+USAGE <key> [SAMPLES <count>]\r\n+    Return memory in bytes used by <key> and its value. Nested values are\r\n+    sampled up to <count> times (default: 5, 0 means sample all).\r\n+HELP\r\n+    Prints this help.\r\n",
            s.Run("MEMORY", "HELP"));
    }

    [Fact]
    public void MemoryUsageEstimatesAndValidatesLikeRedis()
    {
        var s = new TestServer();
        s.Run("SET", "small", "hello");
        s.Run("SET", "big", new string('x', 1000));
        Assert.Equal("$-1\r\n", s.Run("MEMORY", "USAGE", "nokey"));
        long small = long.Parse(s.Run("MEMORY", "USAGE", "small")[1..^2]);
        long big = long.Parse(s.Run("MEMORY", "USAGE", "big", "SAMPLES", "0")[1..^2]);
        Assert.InRange(small, 20, 500);
        Assert.True(big >= small + 990);
        Assert.Equal($":{small}\r\n", s.Run("MEMORY", "USAGE", "small", "samples", "5", "samples", "3"));
        Assert.Equal("-ERR syntax error\r\n", s.Run("MEMORY", "USAGE", "small", "samples", "-1"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", s.Run("MEMORY", "USAGE", "small", "samples", "x"));
        Assert.Equal("-ERR syntax error\r\n", s.Run("MEMORY", "USAGE", "small", "foo"));
        Assert.Equal("-ERR syntax error\r\n", s.Run("MEMORY", "USAGE", "small", "samples"));
        Assert.Equal("-ERR syntax error\r\n", s.Run("MEMORY", "USAGE", "nokey", "foo")); // arguments are checked first
        Assert.Equal("-ERR wrong number of arguments for 'memory|usage' command\r\n", s.Run("MEMORY", "USAGE"));
        Assert.Equal("-ERR wrong number of arguments for 'memory' command\r\n", s.Run("MEMORY"));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n", s.Run("MEMORY", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'memory|stats' command\r\n", s.Run("MEMORY", "STATS", "x"));
    }

    [Fact]
    public void MemoryUsageDoesNotTouchStatsOrExpireKeys()
    {
        var s = new TestServer();
        s.Run("SET", "k", "v", "PX", "100");
        s.AdvanceTime(200);
        Assert.StartsWith(":", s.Run("MEMORY", "USAGE", "k")); // a plain lookup, like Redis's dictFind
        Assert.Equal(0, s.Server.Stats.KeyspaceHits + s.Server.Stats.KeyspaceMisses);
        Assert.Equal(0, s.Server.Keyspace.ExpiredKeys);
    }

    static readonly string[] StatsFieldsBeforeDbs =
        ["peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches"];
    static readonly string[] StatsFieldsAfterDbs =
        ["overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active", "allocator.resident",
         "allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio", "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes"];

    [Fact]
    public void MemoryStatsHasRedisFieldsInRedisOrder()
    {
        var s = new TestServer();
        string empty = s.Run("MEMORY", "STATS");
        Assert.StartsWith("*54\r\n$14\r\npeak.allocated\r\n:", empty);
        var names = Regex.Matches(empty, @"\$\d+\r\n([a-z][a-z.\-]+)\r\n").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal([.. StatsFieldsBeforeDbs, .. StatsFieldsAfterDbs], names);

        s.Run("SET", "a", "1");
        s.Run("SELECT", "3");
        s.Run("SET", "b", "2");
        string two = s.Run("MEMORY", "STATS");
        Assert.StartsWith("*58\r\n", two);
        Assert.Contains("$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n:", two);
        Assert.Contains("$4\r\ndb.3\r\n*6\r\n", two);
        Assert.Contains("$31\r\noverhead.hashtable.slot-to-keys\r\n:0\r\n", two);
        Assert.Contains("$10\r\nkeys.count\r\n:2\r\n", two);
        Assert.Matches(@"\$18\r\ndataset.percentage\r\n\$\d+\r\n[\d.]+\r\n", two);

        s.Run("HELLO", "3");
        string resp3 = s.Run("MEMORY", "STATS");
        Assert.StartsWith("%29\r\n", resp3);
        Assert.Contains("$4\r\ndb.0\r\n%3\r\n", resp3);
        Assert.Matches(@"\$13\r\nfragmentation\r\n,[\d.e+\-]+\r\n", resp3);
    }

    [Fact]
    public void MemoryDoctorPurgeAndMallocStats()
    {
        var s = new TestServer();
        string doctor = VerbatimOrBulkText(s.Run("MEMORY", "DOCTOR"));
        Assert.Contains("so little data", doctor);
        Assert.Equal("+OK\r\n", s.Run("MEMORY", "PURGE"));
        Assert.Contains(".NET GC statistics", VerbatimOrBulkText(s.Run("MEMORY", "MALLOC-STATS")));
        s.Run("HELLO", "3");
        Assert.StartsWith("=", s.Run("MEMORY", "DOCTOR"));
    }

    // ---------------- SLOWLOG ----------------

    [Fact]
    public void SlowlogHelpIsRedisText()
    {
        var s = new TestServer();
        Assert.Equal("*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET [<count>]\r\n+    Return top <count> entries from the slowlog (default: 10, -1 mean all).\r\n+    Entries are made of:\r\n+    id, timestamp, time in microseconds, arguments array, client IP and port,\r\n+    client name\r\n+LEN\r\n+    Return the length of the slowlog.\r\n+RESET\r\n+    Reset the slowlog.\r\n+HELP\r\n+    Prints this help.\r\n",
            s.Run("SLOWLOG", "HELP"));
    }

    [Fact]
    public void SlowlogRecordsNewestFirstWithArgumentsAndClient()
    {
        var s = new TestServer("slowlog-log-slower-than", "0");
        s.Client.Name = "myname"u8.ToArray();
        s.Run("SET", "k", "v");
        s.Run("GET", "k");
        Assert.Equal(":2\r\n", s.Run("SLOWLOG", "LEN"));
        string last = s.Run("SLOWLOG", "GET", "1");
        // The LEN above is the newest entry.
        Assert.Matches(@"^\*1\r\n\*6\r\n:2\r\n:\d{10}\r\n:\d+\r\n\*2\r\n\$7\r\nSLOWLOG\r\n\$3\r\nLEN\r\n\$0\r\n\r\n\$6\r\nmyname\r\n$", last);
        string all = s.Run("SLOWLOG", "GET", "-1");
        Assert.StartsWith("*4\r\n*6\r\n:3\r\n", all);
        Assert.Contains("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", all);
        Assert.Equal("*0\r\n", s.Run("SLOWLOG", "GET", "0"));
        Assert.StartsWith("*6\r\n", s.Run("SLOWLOG", "GET")); // default 10, 6 entries so far
        Assert.Equal("+OK\r\n", s.Run("SLOWLOG", "RESET"));
        Assert.Equal(":1\r\n", s.Run("SLOWLOG", "LEN")); // RESET itself was logged after it ran
    }

    [Fact]
    public void SlowlogArgumentErrors()
    {
        var s = new TestServer();
        Assert.Equal("-ERR count should be greater than or equal to -1\r\n", s.Run("SLOWLOG", "GET", "-2"));
        Assert.Equal("-ERR count should be greater than or equal to -1\r\n", s.Run("SLOWLOG", "GET", "x"));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.\r\n", s.Run("SLOWLOG", "get", "1", "2"));
        Assert.Equal("-ERR wrong number of arguments for 'slowlog|len' command\r\n", s.Run("SLOWLOG", "LEN", "x"));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n", s.Run("SLOWLOG", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'slowlog' command\r\n", s.Run("SLOWLOG"));
    }
}
