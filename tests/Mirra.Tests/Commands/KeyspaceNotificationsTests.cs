using System.Text;
using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

// The event transcripts were recorded from redis-server 7.0.15 with a subscriber on "__key*__:*"
// (CONFIG SET notify-keyspace-events as given); the time steps replace the real server's waits.
public class KeyspaceNotificationsTests
{
    /// <summary>
    /// Runs "command args -> events" lines: the events a "__key*__:*" subscriber receives, as
    /// channel=message separated by spaces (nothing after "->" when none). "!command" runs a command
    /// and drops its events; "~advance N" moves the clock N ms; "~active" runs an active expiry cycle
    /// and checks its events like a command.
    /// </summary>
    static void Run(string flags, string transcript)
    {
        var ts = new TestServer("notify-keyspace-events", flags);
        var sub = FakeTransport.Connect(ts, "127.0.0.1:40000", fd: 9);
        var client = FakeTransport.Connect(ts, "127.0.0.1:40001", fd: 10);
        ts.Run(sub, "PSUBSCRIBE", "__key*__:*");
        foreach (var raw in transcript.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('!')) { ts.Run(client, KeyspaceScript.Split(line[1..])); Events(sub); continue; }
            if (line.StartsWith("~advance ")) { ts.AdvanceTime(long.Parse(line[9..])); continue; }
            int sep = line.IndexOf(" ->", StringComparison.Ordinal);
            var command = line[..sep];
            var expected = line[(sep + 3)..].Trim();
            if (command == "~active")
            {
                for (int i = 0; i < 5; i++) ts.Server.ActiveExpiry.Run(Mirra.Storage.ActiveExpiry.CycleKind.Slow);
            }
            else ts.Run(client, KeyspaceScript.Split(command));
            var actual = Events(sub);
            Assert.True(expected == actual, $"{command}\n expected: {expected}\n   actual: {actual}");
        }
    }

    /// <summary>The pmessages a subscriber received, as "channel=message ...".</summary>
    static string Events(Client sub)
    {
        var data = Encoding.Latin1.GetString(sub.Reply.Written);
        sub.Reply.Clear();
        var events = new List<string>();
        int i = 0;
        string Line()
        {
            int end = data.IndexOf("\r\n", i, StringComparison.Ordinal);
            var l = data[i..end];
            i = end + 2;
            return l;
        }
        while (i < data.Length)
        {
            int n = int.Parse(Line()[1..]);
            var parts = new List<string>();
            for (int k = 0; k < n; k++)
            {
                var header = Line();
                int len = int.Parse(header[1..]);
                parts.Add(data.Substring(i, len));
                i += len + 2;
            }
            Assert.Equal("pmessage", parts[0]);
            events.Add(parts[2] + "=" + parts[3]);
        }
        return string.Join(' ', events);
    }

    [Fact]
    public void StringCommands() => Run("KEAn", """
        set k v -> __keyspace@0__:k=new __keyevent@0__:new=k __keyspace@0__:k=set __keyevent@0__:set=k
        set k v2 -> __keyspace@0__:k=set __keyevent@0__:set=k
        set k v3 nx ->
        set k v4 xx -> __keyspace@0__:k=set __keyevent@0__:set=k
        set k v get -> __keyspace@0__:k=set __keyevent@0__:set=k
        set k v ex 100 -> __keyspace@0__:k=set __keyevent@0__:set=k __keyspace@0__:k=expire __keyevent@0__:expire=k
        set k v keepttl -> __keyspace@0__:k=set __keyevent@0__:set=k
        setnx k2 v -> __keyspace@0__:k2=new __keyevent@0__:new=k2 __keyspace@0__:k2=set __keyevent@0__:set=k2
        setnx k2 v ->
        setex k3 100 v -> __keyspace@0__:k3=new __keyevent@0__:new=k3 __keyspace@0__:k3=set __keyevent@0__:set=k3 __keyspace@0__:k3=expire __keyevent@0__:expire=k3
        psetex k4 100000 v -> __keyspace@0__:k4=new __keyevent@0__:new=k4 __keyspace@0__:k4=set __keyevent@0__:set=k4 __keyspace@0__:k4=expire __keyevent@0__:expire=k4
        mset a 1 b 2 -> __keyspace@0__:a=new __keyevent@0__:new=a __keyspace@0__:a=set __keyevent@0__:set=a __keyspace@0__:b=new __keyevent@0__:new=b __keyspace@0__:b=set __keyevent@0__:set=b
        msetnx c 1 d 2 -> __keyspace@0__:c=new __keyevent@0__:new=c __keyspace@0__:c=set __keyevent@0__:set=c __keyspace@0__:d=new __keyevent@0__:new=d __keyspace@0__:d=set __keyevent@0__:set=d
        msetnx c 1 e 2 ->
        incr n -> __keyspace@0__:n=new __keyevent@0__:new=n __keyspace@0__:n=incrby __keyevent@0__:incrby=n
        incrby n 5 -> __keyspace@0__:n=incrby __keyevent@0__:incrby=n
        decr n -> __keyspace@0__:n=incrby __keyevent@0__:incrby=n
        decrby n 2 -> __keyspace@0__:n=incrby __keyevent@0__:incrby=n
        incrbyfloat f 1.5 -> __keyspace@0__:f=new __keyevent@0__:new=f __keyspace@0__:f=incrbyfloat __keyevent@0__:incrbyfloat=f
        incrbyfloat f 1.5 -> __keyspace@0__:f=incrbyfloat __keyevent@0__:incrbyfloat=f
        append s abc -> __keyspace@0__:s=new __keyevent@0__:new=s __keyspace@0__:s=append __keyevent@0__:append=s
        append s def -> __keyspace@0__:s=append __keyevent@0__:append=s
        setrange s 1 X -> __keyspace@0__:s=setrange __keyevent@0__:setrange=s
        setrange s2 0 "" ->
        setrange s2 2 X -> __keyspace@0__:s2=new __keyevent@0__:new=s2 __keyspace@0__:s2=setrange __keyevent@0__:setrange=s2
        getset s new -> __keyspace@0__:s=set __keyevent@0__:set=s
        getdel s -> __keyspace@0__:s=del __keyevent@0__:del=s
        getdel s ->
        getex n ex 100 -> __keyspace@0__:n=expire __keyevent@0__:expire=n
        getex n persist -> __keyspace@0__:n=persist __keyevent@0__:persist=n
        getex n persist ->
        getex n ->
        getex n pxat 1 -> __keyspace@0__:n=del __keyevent@0__:del=n
        getex f exat 1 -> __keyspace@0__:f=del __keyevent@0__:del=f
        setbit bits 7 1 -> __keyspace@0__:bits=new __keyevent@0__:new=bits __keyspace@0__:bits=setbit __keyevent@0__:setbit=bits
        setbit bits 7 1 ->
        setbit bits 7 0 -> __keyspace@0__:bits=setbit __keyevent@0__:setbit=bits
        set x 1 px 1 -> __keyspace@0__:x=new __keyevent@0__:new=x __keyspace@0__:x=set __keyevent@0__:set=x __keyspace@0__:x=expire __keyevent@0__:expire=x
        ~advance 2
        get x -> __keyspace@0__:x=expired __keyevent@0__:expired=x
        """);

    [Fact]
    public void KeyAndExpireCommands() => Run("KEAn", """
        !set a 1
        !set b 2
        del a b nosuch -> __keyspace@0__:a=del __keyevent@0__:del=a __keyspace@0__:b=del __keyevent@0__:del=b
        del a ->
        !set a 1
        unlink a -> __keyspace@0__:a=del __keyevent@0__:del=a
        !set a 1
        rename a b -> __keyspace@0__:b=new __keyevent@0__:new=b __keyspace@0__:a=rename_from __keyevent@0__:rename_from=a __keyspace@0__:b=rename_to __keyevent@0__:rename_to=b
        !set c 3
        renamenx b c ->
        renamenx b d -> __keyspace@0__:d=new __keyevent@0__:new=d __keyspace@0__:b=rename_from __keyevent@0__:rename_from=b __keyspace@0__:d=rename_to __keyevent@0__:rename_to=d
        rename d d ->
        copy d e -> __keyspace@0__:e=new __keyevent@0__:new=e __keyspace@0__:e=copy_to __keyevent@0__:copy_to=e
        copy d e ->
        copy d e replace -> __keyspace@0__:e=new __keyevent@0__:new=e __keyspace@0__:e=copy_to __keyevent@0__:copy_to=e
        copy d e db 1 -> __keyspace@1__:e=new __keyevent@1__:new=e __keyspace@1__:e=copy_to __keyevent@1__:copy_to=e
        move e 2 -> __keyspace@2__:e=new __keyevent@2__:new=e __keyspace@0__:e=move_from __keyevent@0__:move_from=e __keyspace@2__:e=move_to __keyevent@2__:move_to=e
        move e 2 ->
        !set p 1
        expire p 100 -> __keyspace@0__:p=expire __keyevent@0__:expire=p
        expire p 100 nx ->
        pexpire p 100000 -> __keyspace@0__:p=expire __keyevent@0__:expire=p
        expireat p 99999999999 -> __keyspace@0__:p=expire __keyevent@0__:expire=p
        pexpireat p 99999999999999 -> __keyspace@0__:p=expire __keyevent@0__:expire=p
        persist p -> __keyspace@0__:p=persist __keyevent@0__:persist=p
        persist p ->
        expire p 0 -> __keyspace@0__:p=del __keyevent@0__:del=p
        !set p 1
        expire p -5 -> __keyspace@0__:p=del __keyevent@0__:del=p
        !set q 1
        pexpireat q 1 -> __keyspace@0__:q=del __keyevent@0__:del=q
        !set r 1
        pexpire r 1 -> __keyspace@0__:r=expire __keyevent@0__:expire=r
        ~advance 2
        ~active -> __keyspace@0__:r=expired __keyevent@0__:expired=r
        touch r ->
        !set s1 x
        flushdb ->
        !set s1 x
        flushall ->
        !set s1 x
        swapdb 0 1 ->
        """);

    [Fact]
    public void HashCommands() => Run("KEAn", """
        hset h f v -> __keyspace@0__:h=new __keyevent@0__:new=h __keyspace@0__:h=hset __keyevent@0__:hset=h
        hset h f v g w -> __keyspace@0__:h=hset __keyevent@0__:hset=h
        hset h f v -> __keyspace@0__:h=hset __keyevent@0__:hset=h
        hsetnx h f v ->
        hsetnx h z v -> __keyspace@0__:h=hset __keyevent@0__:hset=h
        hmset h a b -> __keyspace@0__:h=hset __keyevent@0__:hset=h
        hdel h nosuch ->
        hdel h f g -> __keyspace@0__:h=hdel __keyevent@0__:hdel=h
        hincrby h n 1 -> __keyspace@0__:h=hincrby __keyevent@0__:hincrby=h
        hincrbyfloat h n 1.5 -> __keyspace@0__:h=hincrbyfloat __keyevent@0__:hincrbyfloat=h
        hdel h z a n -> __keyspace@0__:h=hdel __keyevent@0__:hdel=h __keyspace@0__:h=del __keyevent@0__:del=h
        hdel h z ->
        hincrby h2 n 1 -> __keyspace@0__:h2=new __keyevent@0__:new=h2 __keyspace@0__:h2=hincrby __keyevent@0__:hincrby=h2
        hincrbyfloat h3 n 1 -> __keyspace@0__:h3=new __keyevent@0__:new=h3 __keyspace@0__:h3=hincrbyfloat __keyevent@0__:hincrbyfloat=h3
        hsetnx h4 a b -> __keyspace@0__:h4=new __keyevent@0__:new=h4 __keyspace@0__:h4=hset __keyevent@0__:hset=h4
        """);

    [Fact]
    public void LazyExpiryAndKeyMisses() => Run("KEAmn", """
        !set k v px 1
        ~advance 2
        get k -> __keyspace@0__:k=expired __keyevent@0__:expired=k __keyspace@0__:k=keymiss __keyevent@0__:keymiss=k
        !set k v px 1
        ~advance 2
        set k v2 -> __keyspace@0__:k=expired __keyevent@0__:expired=k __keyspace@0__:k=new __keyevent@0__:new=k __keyspace@0__:k=set __keyevent@0__:set=k
        !set k v px 1
        ~advance 2
        exists k -> __keyspace@0__:k=expired __keyevent@0__:expired=k __keyspace@0__:k=keymiss __keyevent@0__:keymiss=k
        !set k v px 1
        ~advance 2
        ttl k -> __keyspace@0__:k=expired __keyevent@0__:expired=k __keyspace@0__:k=keymiss __keyevent@0__:keymiss=k
        !set k v px 1
        ~advance 2
        del k -> __keyspace@0__:k=expired __keyevent@0__:expired=k
        !hset h a b
        !pexpire h 1
        ~advance 2
        hset h c d -> __keyspace@0__:h=expired __keyevent@0__:expired=h __keyspace@0__:h=new __keyevent@0__:new=h __keyspace@0__:h=hset __keyevent@0__:hset=h
        !set k v px 1
        ~advance 2
        expire k 100 -> __keyspace@0__:k=expired __keyevent@0__:expired=k
        get nosuch -> __keyspace@0__:nosuch=keymiss __keyevent@0__:keymiss=nosuch
        exists nosuch -> __keyspace@0__:nosuch=keymiss __keyevent@0__:keymiss=nosuch
        ttl nosuch -> __keyspace@0__:nosuch=keymiss __keyevent@0__:keymiss=nosuch
        set nosuch2 v get -> __keyspace@0__:nosuch2=keymiss __keyevent@0__:keymiss=nosuch2 __keyspace@0__:nosuch2=new __keyevent@0__:new=nosuch2 __keyspace@0__:nosuch2=set __keyevent@0__:set=nosuch2
        mget x y -> __keyspace@0__:x=keymiss __keyevent@0__:keymiss=x __keyspace@0__:y=keymiss __keyevent@0__:keymiss=y
        incr newkey -> __keyspace@0__:newkey=new __keyevent@0__:new=newkey __keyspace@0__:newkey=incrby __keyevent@0__:incrby=newkey
        hget h f ->
        hget nohash f -> __keyspace@0__:nohash=keymiss __keyevent@0__:keymiss=nohash
        del nosuch3 ->
        type nosuch -> __keyspace@0__:nosuch=keymiss __keyevent@0__:keymiss=nosuch
        """);

    [Fact]
    public void ClassesAndChannelKindsFilter()
    {
        // Keyspace channel only, generic class only; events of other databases name their database.
        Run("Kg", """
            set k v ->
            del k -> __keyspace@0__:k=del
            !select 3
            set k v ->
            expire k 100 -> __keyspace@3__:k=expire
            """);
        Run("Ex", """
            set k v px 1 ->
            ~advance 2
            get k -> __keyevent@0__:expired=k
            """);
        // "A" does not include "new" nor "keymiss"; no K or E publishes nothing.
        Run("KEA", """
            set k v -> __keyspace@0__:k=set __keyevent@0__:set=k
            get nosuch ->
            """);
        Run("g$", """
            set k v ->
            del k ->
            """);
    }

    [Fact]
    public void Resp3SubscribersGetEventsAsPushesAroundTheirOwnReplies()
    {
        var ts = new TestServer("notify-keyspace-events", "KEA");
        var sub = FakeTransport.Connect(ts, "127.0.0.1:40000", fd: 9);
        var other = FakeTransport.Connect(ts, "127.0.0.1:40001", fd: 10);
        ts.Run(sub, "HELLO", "3");
        Assert.Equal(">3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:del\r\n:1\r\n", ts.Run(sub, "SUBSCRIBE", "__keyevent@0__:del"));
        Assert.Equal(">3\r\n$10\r\npsubscribe\r\n$16\r\n__keyspace@0__:*\r\n:2\r\n", ts.Run(sub, "PSUBSCRIBE", "__keyspace@0__:*"));

        // A binary key goes through untouched.
        var key = new byte[] { (byte)'b', (byte)'i', (byte)'n', 0, 0xff };
        ts.Server.Dispatcher.ExecuteArgv(other, ["SET"u8.ToArray(), key, "v"u8.ToArray()]);
        ts.Server.Dispatcher.ExecuteArgv(other, ["DEL"u8.ToArray(), key]);
        Assert.Equal(
            ">4\r\n$8\r\npmessage\r\n$16\r\n__keyspace@0__:*\r\n$20\r\n__keyspace@0__:bin\0\xff\r\n$3\r\nset\r\n" +
            ">4\r\n$8\r\npmessage\r\n$16\r\n__keyspace@0__:*\r\n$20\r\n__keyspace@0__:bin\0\xff\r\n$3\r\ndel\r\n" +
            ">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n$5\r\nbin\0\xff\r\n", Encoding.Latin1.GetString(sub.Reply.Written));
        sub.Reply.Clear();

        // Its own commands: each event where Redis sends it, before or after the reply.
        static string Space(string key, string evt) => $">4\r\n$8\r\npmessage\r\n$16\r\n__keyspace@0__:*\r\n${15 + key.Length}\r\n__keyspace@0__:{key}\r\n${evt.Length}\r\n{evt}\r\n";
        static string Event(string key) => $">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n${key.Length}\r\n{key}\r\n";
        Assert.Equal(Space("own", "set") + "+OK\r\n", ts.Run(sub, "SET", "own", "v"));
        Assert.Equal(":1\r\n" + Space("ownh", "hset"), ts.Run(sub, "HSET", "ownh", "f", "v"));
        Assert.Equal(":1\r\n" + Space("own", "expire"), ts.Run(sub, "EXPIRE", "own", "100"));
        Assert.Equal(Space("own", "persist") + ":1\r\n", ts.Run(sub, "PERSIST", "own"));
        Assert.Equal(Space("own", "del") + Event("own") + Space("ownh", "del") + Event("ownh") + ":2\r\n", ts.Run(sub, "DEL", "own", "ownh"));
    }

    [Fact]
    public void NothingIsBuiltOrSentWithoutSubscribers()
    {
        var ts = new TestServer("notify-keyspace-events", "KEA");
        int published = 0;
        var publish = ts.Server.Notifications.Publish!;
        ts.Server.Notifications.Publish = (c, m) => { published++; return publish(c, m); };
        ts.Run("SET", "k", "v");
        Assert.Equal(0, published);
        var sub = FakeTransport.Connect(ts);
        ts.Run(sub, "SUBSCRIBE", "unrelated");
        ts.Run("SET", "k", "v");
        Assert.Equal(2, published);
        ts.Configure("notify-keyspace-events", "");
        ts.Run("SET", "k", "v");
        Assert.Equal(2, published);
    }
}
