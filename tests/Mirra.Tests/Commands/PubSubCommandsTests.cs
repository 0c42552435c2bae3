using System.Text;
using Mirra.Engine;
using Mirra.Observability;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// Every expected reply and message was recorded from redis-server 7.0.15 (raw RESP over a socket).
public class PubSubCommandsTests
{
    const string Restricted = "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

    static (TestServer Ts, Client Sub, Client Pub) Setup(params string[] config)
    {
        var ts = new TestServer(config);
        var sub = FakeTransport.Connect(ts, "127.0.0.1:40000", fd: 9);
        var pub = FakeTransport.Connect(ts, "127.0.0.1:40001", fd: 10);
        return (ts, sub, pub);
    }

    /// <summary>What a client received since the last call (messages delivered to it).</summary>
    static string Take(Client c)
    {
        var text = Encoding.UTF8.GetString(c.Reply.Written);
        c.Reply.Clear();
        return text;
    }

    [Fact]
    public void SubscribeConfirmsEachChannelWithTheTotalOfChannelsAndPatterns()
    {
        var (ts, sub, _) = Setup();
        Assert.Equal(
            "*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n" +
            "*3\r\n$9\r\nsubscribe\r\n$2\r\nc2\r\n:2\r\n" +
            "*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:2\r\n", ts.Run(sub, "SUBSCRIBE", "c1", "c2", "c1"));
        Assert.Equal(
            "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n" +
            "*3\r\n$10\r\npsubscribe\r\n$2\r\nx?\r\n:4\r\n", ts.Run(sub, "PSUBSCRIBE", "c*", "x?"));
        Assert.Equal(
            "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:4\r\n", ts.Run(sub, "PSUBSCRIBE", "c*"));
        Assert.Equal(2, sub.Subscriptions);
        Assert.Equal(2, sub.PatternSubscriptions);
        Assert.True(sub.Is(ClientFlags.PubSub));
    }

    [Fact]
    public void PublishDeliversToChannelThenPatternSubscribersAndCountsEachDelivery()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c1", "c2");
        ts.Run(sub, "PSUBSCRIBE", "c*", "x?");
        Assert.Equal(":2\r\n", ts.Run(pub, "PUBLISH", "c1", "hello"));
        Assert.Equal(
            "*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nhello\r\n" +
            "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$5\r\nhello\r\n", Take(sub));
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "xy", ""));
        Assert.Equal("*4\r\n$8\r\npmessage\r\n$2\r\nx?\r\n$2\r\nxy\r\n$0\r\n\r\n", Take(sub));
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBLISH", "nobody", "x"));
        Assert.Equal("", Take(sub));

        // A second subscriber: deliveries follow subscription order, each counted.
        var other = FakeTransport.Connect(ts, "127.0.0.1:40002", fd: 11);
        ts.Run(other, "SUBSCRIBE", "c2");
        Assert.Equal(":3\r\n", ts.Run(pub, "PUBLISH", "c2", "m"));
        Assert.Equal("*3\r\n$7\r\nmessage\r\n$2\r\nc2\r\n$1\r\nm\r\n*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc2\r\n$1\r\nm\r\n", Take(sub));
        Assert.Equal("*3\r\n$7\r\nmessage\r\n$2\r\nc2\r\n$1\r\nm\r\n", Take(other));
    }

    [Fact]
    public void PatternsUseRedisGlobRules()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "PSUBSCRIBE", "news.[a-c]*", "h\\*llo");
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "news.bbc", "x"));
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBLISH", "news.dw", "x"));
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "h*llo", "x"));
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBLISH", "hello", "x"));
    }

    [Fact]
    public void UnsubscribeWithAndWithoutArguments()
    {
        var (ts, sub, _) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c1", "c2");
        ts.Run(sub, "PSUBSCRIBE", "c*", "x?");
        Assert.Equal(
            "*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:3\r\n" +
            "*3\r\n$11\r\nunsubscribe\r\n$6\r\nnosuch\r\n:3\r\n", ts.Run(sub, "UNSUBSCRIBE", "c1", "nosuch"));
        Assert.Equal("*3\r\n$11\r\nunsubscribe\r\n$2\r\nc2\r\n:2\r\n", ts.Run(sub, "UNSUBSCRIBE"));
        Assert.Equal("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:2\r\n", ts.Run(sub, "UNSUBSCRIBE"));
        // PUNSUBSCRIBE without arguments goes through the patterns in subscription order.
        Assert.Equal(
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:1\r\n" +
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx?\r\n:0\r\n", ts.Run(sub, "PUNSUBSCRIBE"));
        Assert.Equal("*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n", ts.Run(sub, "PUNSUBSCRIBE"));
        Assert.Equal("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", ts.Run(sub, "UNSUBSCRIBE"));
        Assert.False(sub.Is(ClientFlags.PubSub));
        Assert.Equal("$-1\r\n", ts.Run(sub, "GET", "k"));
        Assert.Equal("+PONG\r\n", ts.Run(sub, "PING"));

        ts.Run(sub, "PSUBSCRIBE", "a*");
        Assert.Equal(
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\nb*\r\n:1\r\n" +
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n", ts.Run(sub, "PUNSUBSCRIBE", "b*", "a*"));
    }

    [Fact]
    public void Resp2SubscribersMayOnlyRunTheSubscriptionCommands()
    {
        var (ts, sub, _) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c");
        Assert.Equal($"-ERR Can't execute 'get': {Restricted}\r\n", ts.Run(sub, "GET", "k"));
        Assert.Equal($"-ERR Can't execute 'echo': {Restricted}\r\n", ts.Run(sub, "ECHO", "x"));
        Assert.Equal($"-ERR Can't execute 'config|get': {Restricted}\r\n", ts.Run(sub, "CONFIG", "GET", "maxmemory"));
        Assert.Equal($"-ERR Can't execute 'set': {Restricted}\r\n", ts.Run(sub, "SET", "k", "v"));
        Assert.Equal($"-ERR Can't execute 'hello': {Restricted}\r\n", ts.Run(sub, "HELLO", "3"));
        // Lookup and arity come first.
        Assert.Equal("-ERR unknown command 'nosuchcmd', with args beginning with: \r\n", ts.Run(sub, "nosuchcmd"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", ts.Run(sub, "GET"));
        Assert.Equal("*2\r\n$4\r\npong\r\n$0\r\n\r\n", ts.Run(sub, "PING"));
        Assert.Equal("*2\r\n$4\r\npong\r\n$1\r\nx\r\n", ts.Run(sub, "PING", "x"));
        Assert.Equal("*3\r\n$10\r\npsubscribe\r\n$1\r\np\r\n:2\r\n", ts.Run(sub, "PSUBSCRIBE", "p"));
        Assert.Equal("*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n", ts.Run(sub, "SSUBSCRIBE", "s"));
        Assert.Contains("cmdstat_echo:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0", ts.Run("INFO", "commandstats"));
        Assert.Equal("+OK\r\n", ts.Run(sub, "QUIT"));
    }

    [Fact]
    public void TheSubscribedStateEndsWhenNoChannelPatternOrShardChannelIsLeft()
    {
        var (ts, sub, _) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c");
        Assert.Equal("*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n", ts.Run(sub, "SSUBSCRIBE", "s"));
        Assert.Equal("*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n", ts.Run(sub, "UNSUBSCRIBE", "c"));
        Assert.StartsWith("-ERR Can't execute 'get'", ts.Run(sub, "GET", "k"));
        Assert.Equal("*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n", ts.Run(sub, "SUNSUBSCRIBE"));
        Assert.Equal("$-1\r\n", ts.Run(sub, "GET", "k"));

        ts.Run(sub, "SSUBSCRIBE", "s");
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n", ts.Run(sub, "SUBSCRIBE", "c"));
        Assert.Equal("*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n", ts.Run(sub, "SUNSUBSCRIBE", "s"));
        Assert.StartsWith("-ERR Can't execute 'get'", ts.Run(sub, "GET", "k"));
        Assert.Equal("*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n", ts.Run(sub, "SUNSUBSCRIBE"));
    }

    [Fact]
    public void Resp3SubscribersGetPushesAndMayRunAnyCommand()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "HELLO", "3");
        Assert.Equal(">3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n", ts.Run(sub, "SUBSCRIBE", "c1"));
        Assert.Equal(">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n", ts.Run(sub, "PSUBSCRIBE", "c*"));
        Assert.Equal("_\r\n", ts.Run(sub, "GET", "k"));
        Assert.Equal("+PONG\r\n", ts.Run(sub, "PING"));
        Assert.Equal(":2\r\n", ts.Run(pub, "PUBLISH", "c1", "hello"));
        Assert.Equal(
            ">3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nhello\r\n" +
            ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$5\r\nhello\r\n", Take(sub));
        // Publishing to itself: the push comes before the reply.
        Assert.Equal(">3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$4\r\nself\r\n>4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$4\r\nself\r\n:2\r\n",
            ts.Run(sub, "PUBLISH", "c1", "self"));
        Assert.Equal(">3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:1\r\n", ts.Run(sub, "UNSUBSCRIBE"));
        Assert.Equal(">3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n", ts.Run(sub, "PUNSUBSCRIBE"));
        Assert.Equal(">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n", ts.Run(sub, "PUNSUBSCRIBE"));
        Assert.Equal(">3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n", ts.Run(sub, "SSUBSCRIBE", "s1"));
        Assert.Equal(":1\r\n", ts.Run(pub, "SPUBLISH", "s1", "x"));
        Assert.Equal(">3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$1\r\nx\r\n", Take(sub));
        // Back to RESP2 with a subscription left: restricted again.
        ts.Run(sub, "HELLO", "2");
        Assert.Equal($"-ERR Can't execute 'get': {Restricted}\r\n", ts.Run(sub, "GET", "k"));
    }

    [Fact]
    public void ShardChannelsAreSeparateFromChannels()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c1", "c2");
        ts.Run(sub, "PSUBSCRIBE", "*");
        Assert.Equal("*3\r\n$10\r\nssubscribe\r\n$2\r\nsc\r\n:1\r\n", ts.Run(sub, "SSUBSCRIBE", "sc"));
        Assert.Equal(":1\r\n", ts.Run(pub, "SPUBLISH", "sc", "hi"));
        Assert.Equal("*3\r\n$8\r\nsmessage\r\n$2\r\nsc\r\n$2\r\nhi\r\n", Take(sub));
        Assert.Equal(":0\r\n", ts.Run(pub, "SPUBLISH", "c1", "hi")); // channels do not hear shard messages
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "sc", "hi")); // only the * pattern hears this one
        Assert.Equal("*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nsc\r\n$2\r\nhi\r\n", Take(sub));
        Assert.Equal("*1\r\n$2\r\nsc\r\n", ts.Run(pub, "PUBSUB", "SHARDCHANNELS"));
        Assert.Equal("*0\r\n", ts.Run(pub, "PUBSUB", "SHARDCHANNELS", "x*"));
        Assert.Equal("*4\r\n$2\r\nsc\r\n:1\r\n$2\r\nzz\r\n:0\r\n", ts.Run(pub, "PUBSUB", "SHARDNUMSUB", "sc", "zz"));
        Assert.Equal("*0\r\n", ts.Run(pub, "PUBSUB", "SHARDNUMSUB"));
        Assert.Contains(" sub=2 psub=1 ssub=1 ", ts.Run(pub, "CLIENT", "LIST"));
    }

    [Fact]
    public void SsubscribeIsRefusedInsideATransaction()
    {
        var (ts, sub, _) = Setup();
        // Transcript of redis-server 7.0.15: queued, then refused at EXEC while SUBSCRIBE works.
        Assert.Equal("+OK\r\n", ts.Run(sub, "MULTI"));
        Assert.Equal("+QUEUED\r\n", ts.Run(sub, "SSUBSCRIBE", "x"));
        Assert.Equal("+QUEUED\r\n", ts.Run(sub, "SUBSCRIBE", "y"));
        Assert.Equal("*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\ny\r\n:1\r\n",
            ts.Run(sub, "EXEC"));
    }

    [Fact]
    public void PubsubIntrospection()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c1");
        ts.Run(sub, "PSUBSCRIBE", "c*", "x?");
        var other = FakeTransport.Connect(ts, "127.0.0.1:40002", fd: 11);
        ts.Run(other, "SUBSCRIBE", "c1", "d1");
        ts.Run(other, "PSUBSCRIBE", "c*");
        Assert.Equal("*6\r\n$2\r\nc1\r\n:2\r\n$2\r\nd1\r\n:1\r\n$2\r\nzz\r\n:0\r\n", ts.Run(pub, "PUBSUB", "NUMSUB", "c1", "d1", "zz"));
        Assert.Equal("*0\r\n", ts.Run(pub, "PUBSUB", "NUMSUB"));
        Assert.Equal(":2\r\n", ts.Run(pub, "PUBSUB", "NUMPAT"));
        Assert.Equal("*1\r\n$2\r\nd1\r\n", ts.Run(pub, "PUBSUB", "CHANNELS", "d*"));
        var all = ts.Run(pub, "PUBSUB", "CHANNELS");
        Assert.True(all is "*2\r\n$2\r\nc1\r\n$2\r\nd1\r\n" or "*2\r\n$2\r\nd1\r\n$2\r\nc1\r\n", all);
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n", ts.Run(pub, "PUBSUB", "CHANNELS", "a", "b"));
        Assert.Equal("-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", ts.Run(pub, "PUBSUB", "NUMPAT", "x"));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n", ts.Run(pub, "PUBSUB", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'pubsub' command\r\n", ts.Run(pub, "PUBSUB"));
        Assert.Equal("-ERR wrong number of arguments for 'publish' command\r\n", ts.Run(pub, "PUBLISH", "a"));
        Assert.Equal("-ERR wrong number of arguments for 'subscribe' command\r\n", ts.Run(pub, "SUBSCRIBE"));

        // RESP3 keeps the flat arrays.
        ts.Run(pub, "HELLO", "3");
        Assert.Equal("*4\r\n$2\r\nc1\r\n:2\r\n$1\r\nx\r\n:0\r\n", ts.Run(pub, "PUBSUB", "NUMSUB", "c1", "x"));

        var info = ts.Run(pub, "INFO", "stats");
        Assert.Contains("\r\npubsub_channels:2\r\npubsub_patterns:2\r\npubsubshard_channels:0\r\n", info);
    }

    [Fact]
    public void PubsubHelpIsRedisText()
    {
        var ts = new TestServer();
        Assert.Equal(
            "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n" +
            "+    Return the currently active channels matching a <pattern> (default: '*').\r\n+NUMPAT\r\n" +
            "+    Return number of subscriptions to patterns.\r\n+NUMSUB [<channel> ...]\r\n" +
            "+    Return the number of subscribers for the specified channels, excluding\r\n" +
            "+    pattern subscriptions(default: no channels).\r\n+SHARDCHANNELS [<pattern>]\r\n" +
            "+    Return the currently active shard level channels matching a <pattern> (default: '*').\r\n" +
            "+SHARDNUMSUB [<shardchannel> ...]\r\n" +
            "+    Return the number of subscribers for the specified shard level channel(s)\r\n" +
            "+HELP\r\n+    Prints this help.\r\n", ts.Run("PUBSUB", "HELP"));
        Assert.Equal("-ERR wrong number of arguments for 'pubsub|help' command\r\n", ts.Run("PUBSUB", "HELP", "x"));
    }

    [Fact]
    public void CommandInfoMatchesRedis()
    {
        var ts = new TestServer();
        Assert.Equal("*1\r\n*10\r\n$7\r\npublish\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "publish"));
        Assert.Equal("*1\r\n*10\r\n$8\r\nspublish\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*2\r\n+@pubsub\r\n+@fast\r\n*0\r\n" +
            "*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+not_key\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
            "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
            ts.Run("COMMAND", "INFO", "spublish"));
        Assert.StartsWith("*1\r\n*10\r\n$9\r\nsubscribe\r\n:-2\r\n*4\r\n+pubsub\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@slow\r\n",
            ts.Run("COMMAND", "INFO", "subscribe"));
        Assert.StartsWith("*1\r\n*10\r\n$12\r\nsunsubscribe\r\n:-1\r\n*4\r\n+pubsub\r\n+noscript\r\n+loading\r\n+stale\r\n:1\r\n:-1\r\n:1\r\n",
            ts.Run("COMMAND", "INFO", "sunsubscribe"));
    }

    [Fact]
    public void ClientListShowsSubscriptionsAndTheFlag()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "SUBSCRIBE", "a", "b");
        ts.Run(sub, "PSUBSCRIBE", "c*");
        var list = ts.Run(pub, "CLIENT", "LIST");
        Assert.Matches(@"id=\d+ addr=127\.0\.0\.1:40000 .* flags=P db=0 sub=2 psub=1 ssub=0 multi=-1 .* cmd=psubscribe ", list);
        Assert.Contains(" flags=P ", ts.Run(pub, "CLIENT", "LIST", "TYPE", "pubsub"));
        Assert.DoesNotContain("40000", ts.Run(pub, "CLIENT", "LIST", "TYPE", "normal"));
    }

    [Fact]
    public void ADisconnectedSubscriberIsForgotten()
    {
        var (ts, sub, pub) = Setup();
        ts.Run(sub, "SUBSCRIBE", "c");
        ts.Run(sub, "PSUBSCRIBE", "c*");
        ts.Run(sub, "SSUBSCRIBE", "s");
        Assert.Equal(":2\r\n", ts.Run(pub, "PUBLISH", "c", "x"));
        ts.Server.Clients.Kill(sub);
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBLISH", "c", "x"));
        Assert.Equal(":0\r\n", ts.Run(pub, "SPUBLISH", "s", "x"));
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBSUB", "NUMPAT"));
        Assert.Equal("*0\r\n", ts.Run(pub, "PUBSUB", "CHANNELS"));
        Assert.Contains("\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n", ts.Run(pub, "INFO", "stats"));
    }

    [Fact]
    public void PublishIsReplicatedAsReceived()
    {
        var (ts, sub, pub) = Setup();
        var stream = RecordingConsumer.Attach(ts);
        ts.Run(pub, "PUBLISH", "c", "x");
        ts.Run(pub, "SPUBLISH", "s", "y");
        Assert.Equal(RecordingConsumer.Resp("SELECT", "0") + RecordingConsumer.Resp("PUBLISH", "c", "x") + RecordingConsumer.Resp("SPUBLISH", "s", "y"), stream.Take());
        ts.Run(sub, "SUBSCRIBE", "c");
        Assert.Equal("", stream.Take());
        Assert.Contains("rdb_changes_since_last_save:0", ts.Run(pub, "INFO", "persistence"));
    }

    // ---- client-output-buffer-limit ----

    static string LogTo(TestServer ts)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mirra-pubsub-{Guid.NewGuid():N}.log");
        ts.Server.Log.Level = LogLevel.Warning;
        ts.Server.Log.SetFile(path);
        return path;
    }

    static string ReadLog(TestServer ts, string path)
    {
        ts.Server.Log.SetFile("");
        var text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    [Fact]
    public void ASubscriberOverTheHardLimitIsClosedAsap()
    {
        var (ts, sub, pub) = Setup("client-output-buffer-limit", "pubsub 1mb 256kb 60");
        var log = LogTo(ts);
        ts.Run(sub, "SUBSCRIBE", "big");
        string payload = new('x', 100_000);
        int delivered = 0;
        while (!sub.Is(ClientFlags.CloseAsap) && delivered < 100)
        {
            Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "big", payload));
            delivered++;
        }
        Assert.Equal(11, delivered); // 11 × ~100 KB pending (nothing is ever sent) reach 1 MB
        Assert.Contains(" flags=PA ", ts.Run(pub, "CLIENT", "LIST", "ID", sub.Id.ToString()));
        // Still a receiver until it is freed, but it gets nothing more.
        int pending = sub.Reply.Length;
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "big", payload));
        Assert.Equal(pending, sub.Reply.Length);

        ts.Server.OutputBufferLimits.CloseScheduled();
        Assert.True(sub.Closed);
        Assert.True(((FakeTransport)sub.Transport!).IsClosed);
        Assert.Equal(":0\r\n", ts.Run(pub, "PUBLISH", "big", payload));
        Assert.Equal(1, ts.Server.Stats.ClientOutputBufferLimitDisconnections);
        var text = ReadLog(ts, log);
        Assert.Matches(@"# Client id=\d+ addr=127\.0\.0\.1:40000 laddr=127\.0\.0\.1:6379 fd=9 name= age=\d+ idle=\d+ flags=P db=0 sub=1 psub=0 ssub=0 .* cmd=subscribe user=default redir=-1 resp=2 scheduled to be closed ASAP for overcoming of output buffer limits\.", text);
    }

    [Fact]
    public void TheSoftLimitClosesOnlyWhenExceededForLongerThanItsSeconds()
    {
        var (ts, sub, pub) = Setup("client-output-buffer-limit", "pubsub 0 100kb 2");
        ts.Run(sub, "SUBSCRIBE", "c");
        string payload = new('x', 60_000);
        ts.Run(pub, "PUBLISH", "c", payload);
        ts.Run(pub, "PUBLISH", "c", payload); // over the soft limit: the clock starts
        Assert.NotEqual(0, sub.OutputSoftLimitSince);
        ts.AdvanceTime(2000);
        ts.Run(pub, "PUBLISH", "c", payload); // 2 s over: not yet (more than 2 s is needed)
        Assert.False(sub.Is(ClientFlags.CloseAsap));

        // Back under the soft limit (the output was sent): the clock starts over.
        sub.Reply.Clear();
        ts.Run(pub, "PUBLISH", "c", "small");
        Assert.Equal(0, sub.OutputSoftLimitSince);
        ts.Run(pub, "PUBLISH", "c", payload);
        ts.Run(pub, "PUBLISH", "c", payload);
        ts.AdvanceTime(2000);
        ts.Run(pub, "PUBLISH", "c", "x");
        Assert.False(sub.Is(ClientFlags.CloseAsap));
        ts.AdvanceTime(1000);
        ts.Run(pub, "PUBLISH", "c", "x");
        Assert.True(sub.Is(ClientFlags.CloseAsap));
    }

    [Fact]
    public void LimitsApplyPerClassAndAreChangedAtRunTime()
    {
        var (ts, sub, pub) = Setup();
        var limits = ts.Server.OutputBufferLimits;
        // normal: no limit by default.
        ts.Run(pub, "SET", "k", new string('v', 5000));
        pub.Reply.WriteRaw(new byte[5000]);
        Assert.False(limits.Check(pub));
        ts.Configure("client-output-buffer-limit", "normal 4kb 0 0");
        Assert.True(limits.Check(pub));
        Assert.True(pub.Is(ClientFlags.CloseAsap));

        // A subscriber is of the pubsub class: the normal limit does not apply to it.
        ts.Run(sub, "SUBSCRIBE", "c");
        sub.Reply.WriteRaw(new byte[5000]);
        Assert.False(limits.Check(sub));

        // Replicas: a hard limit below repl-backlog-size (1 MB) counts as repl-backlog-size.
        var replica = FakeTransport.Connect(ts, "127.0.0.1:40005", fd: 12);
        replica.Flags |= ClientFlags.Replica;
        ts.Configure("client-output-buffer-limit", "replica 512kb 0 0");
        replica.Reply.WriteRaw(new byte[600 * 1024]);
        Assert.False(limits.Check(replica));
        replica.Reply.WriteRaw(new byte[500 * 1024]);
        Assert.True(limits.Check(replica));
        Assert.Equal(2, limits.ScheduledCount);
        limits.CloseScheduled();
        Assert.True(pub.Closed && replica.Closed);
        Assert.False(sub.Closed);
    }

    [Fact]
    public void InternalClientsAreNeverClosed()
    {
        var ts = new TestServer("client-output-buffer-limit", "pubsub 1kb 0 0");
        var sub = ts.NewClient(); // no transport
        var pub = FakeTransport.Connect(ts);
        ts.Run(sub, "SUBSCRIBE", "c");
        Assert.Equal(":1\r\n", ts.Run(pub, "PUBLISH", "c", new string('x', 4000)));
        Assert.False(sub.Is(ClientFlags.CloseAsap));
    }
}
