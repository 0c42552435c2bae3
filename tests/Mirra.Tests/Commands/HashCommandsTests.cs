using System.Text;
using System.Text.RegularExpressions;
using Mirra.Replication;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class HashCommandsTests
{
    /// <summary>Runs a transcript recorded from redis-server 7.0.15 (see <see cref="Transcript"/>).</summary>
    static TestServer Script(string transcript, TestServer? server = null) => Transcript.Run(server ?? new TestServer(), transcript);

    static string Resp(params string[] argv)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(argv.Length).Append("\r\n");
        foreach (var a in argv) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    sealed class Recorder : IStreamConsumer
    {
        readonly StringBuilder _text = new();
        public void Append(ReadOnlySpan<byte> resp) => _text.Append(Encoding.UTF8.GetString(resp));
        public string Take() { var s = _text.ToString(); _text.Clear(); return s; }
    }

    // ---- Transcripts checked against redis-server 7.0.15 ----

    [Fact]
    public void HSetHGetHMSetAndArity()
    {
        Script("""
            hset h => -ERR wrong number of arguments for 'hset' command\r\n
            hset h a => -ERR wrong number of arguments for 'hset' command\r\n
            hset h a 1 b => -ERR wrong number of arguments for 'hset' command\r\n
            get h => $-1\r\n
            hset h a 1 b 2 => :2\r\n
            hset h a 3 c 4 => :1\r\n
            hset h a 5 a 6 => :0\r\n
            hget h a => $1\r\n6\r\n
            hget h c => $1\r\n4\r\n
            hget h nope => $-1\r\n
            hget nokey a => $-1\r\n
            hmset h x 1 y 2 => +OK\r\n
            hmset h x => -ERR wrong number of arguments for 'hmset' command\r\n
            hmset h x 1 y => -ERR wrong number of arguments for 'hmset' command\r\n
            hmset newkey f v => +OK\r\n
            hget newkey f => $1\r\nv\r\n
            hset h "" "" => :1\r\n
            hget h "" => $0\r\n\r\n
            hget => -ERR wrong number of arguments for 'hget' command\r\n
            hget h a b => -ERR wrong number of arguments for 'hget' command\r\n
            HSET h A upper => :1\r\n
            hget h A => $5\r\nupper\r\n
            hget h a => $1\r\n6\r\n
            """);
    }

    [Fact]
    public void HSetNx()
    {
        Script("""
            hsetnx h a 1 => :1\r\n
            hsetnx h a 2 => :0\r\n
            hget h a => $1\r\n1\r\n
            hsetnx h b 2 => :1\r\n
            hlen h => :2\r\n
            hsetnx h b => -ERR wrong number of arguments for 'hsetnx' command\r\n
            hsetnx h b 2 3 => -ERR wrong number of arguments for 'hsetnx' command\r\n
            """);
    }

    [Fact]
    public void HMGetHGetAllHKeysHValsKeepInsertionOrderWhileCompact()
    {
        Script("""
            hset h z 1 a 2 m 3 => :3\r\n
            hset h a 22 => :0\r\n
            hmget h a nope z => *3\r\n$2\r\n22\r\n$-1\r\n$1\r\n1\r\n
            hmget nokey a b => *2\r\n$-1\r\n$-1\r\n
            hmget h => -ERR wrong number of arguments for 'hmget' command\r\n
            hgetall h => *6\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$2\r\n22\r\n$1\r\nm\r\n$1\r\n3\r\n
            hkeys h => *3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nm\r\n
            hvals h => *3\r\n$1\r\n1\r\n$2\r\n22\r\n$1\r\n3\r\n
            hgetall nokey => *0\r\n
            hkeys nokey => *0\r\n
            hvals nokey => *0\r\n
            hdel h a => :1\r\n
            hset h a 4 => :1\r\n
            hkeys h => *3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\na\r\n
            hgetall h x => -ERR wrong number of arguments for 'hgetall' command\r\n
            """);
    }

    [Fact]
    public void Resp3Replies()
    {
        Script("""
            #resp3
            hset h a 1 b 2 => :2\r\n
            hgetall h => %2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n
            hgetall nokey => %0\r\n
            hkeys nokey => *0\r\n
            hget h nope => _\r\n
            hget nokey a => _\r\n
            hmget h a nope => *2\r\n$1\r\n1\r\n_\r\n
            hmget nokey a => *1\r\n_\r\n
            hrandfield nokey => _\r\n
            hrandfield nokey 2 withvalues => *0\r\n
            hrandfield h 2 withvalues => *2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n
            hrandfield h 5 => *2\r\n$1\r\na\r\n$1\r\nb\r\n
            hrandfield h 0 withvalues => *0\r\n
            hscan h 0 => *2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n
            hincrbyfloat h f 1.5 => $3\r\n1.5\r\n
            """);
    }

    [Fact]
    public void HDelDeletesTheKeyWithItsLastField()
    {
        Script("""
            hset h a 1 b 2 c 3 => :3\r\n
            hdel h a nope a => :1\r\n
            hdel h nope => :0\r\n
            hdel nokey a => :0\r\n
            hlen h => :2\r\n
            hdel h b c x => :2\r\n
            hlen h => :0\r\n
            get h => $-1\r\n
            hdel h => -ERR wrong number of arguments for 'hdel' command\r\n
            hset h a 1 => :1\r\n
            hdel h a a => :1\r\n
            get h => $-1\r\n
            """);
    }

    [Fact]
    public void HDelOnAFullHashDeletesTheKeyToo()
    {
        var s = Script("""
            hset big f{65} v => :1\r\n
            hset big a 1 => :1\r\n
            #encoding big hashtable
            hdel big a => :1\r\n
            hdel big f{65} => :1\r\n
            get big => $-1\r\n
            """);
        Assert.Equal(0, s.Server.Keyspace[0].Count);
    }

    [Fact]
    public void HExistsHLenHStrLen()
    {
        Script("""
            hset h a 1 long "hello world" empty "" num -123 => :4\r\n
            hexists h a => :1\r\n
            hexists h b => :0\r\n
            hexists nokey a => :0\r\n
            hlen h => :4\r\n
            hlen nokey => :0\r\n
            hstrlen h long => :11\r\n
            hstrlen h empty => :0\r\n
            hstrlen h num => :4\r\n
            hstrlen h nope => :0\r\n
            hstrlen nokey a => :0\r\n
            hlen h x => -ERR wrong number of arguments for 'hlen' command\r\n
            hexists h => -ERR wrong number of arguments for 'hexists' command\r\n
            hstrlen h => -ERR wrong number of arguments for 'hstrlen' command\r\n
            """);
    }

    [Fact]
    public void WrongTypeForEveryCommand()
    {
        Script("""
            set s v => +OK\r\n
            hset s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hmset s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hsetnx s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hget s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hmget s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hgetall s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hkeys s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hvals s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hdel s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hexists s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hlen s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hstrlen s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hincrby s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hincrbyfloat s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hscan s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hrandfield s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hrandfield s 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hset h a 1 => :1\r\n
            get h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            set h x => +OK\r\n
            get h => $1\r\nx\r\n
            """);
    }

    [Fact]
    public void ArgumentErrorsComeBeforeTheTypeCheck()
    {
        Script("""
            set s v => +OK\r\n
            hincrby s a x => -ERR value is not an integer or out of range\r\n
            hincrbyfloat s a x => -ERR value is not a valid float\r\n
            hincrbyfloat s a inf => -ERR value is NaN or Infinity\r\n
            hscan s x => -ERR invalid cursor\r\n
            hscan s 0 count 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hrandfield s x => -ERR value is not an integer or out of range\r\n
            hrandfield s 1 foo => -ERR syntax error\r\n
            hset s a 1 b => -ERR wrong number of arguments for 'hset' command\r\n
            """);
    }

    [Fact]
    public void HIncrBy()
    {
        Script("""
            hincrby h n 5 => :5\r\n
            hincrby h n -7 => :-2\r\n
            hget h n => $2\r\n-2\r\n
            hincrby h n x => -ERR value is not an integer or out of range\r\n
            hincrby h n 1.5 => -ERR value is not an integer or out of range\r\n
            hincrby h n +1 => -ERR value is not an integer or out of range\r\n
            hincrby h n 01 => -ERR value is not an integer or out of range\r\n
            hincrby h n 9223372036854775808 => -ERR value is not an integer or out of range\r\n
            hset h s abc lead 010 space " 1" float 1.0 => :4\r\n
            hincrby h s 1 => -ERR hash value is not an integer\r\n
            hincrby h lead 1 => -ERR hash value is not an integer\r\n
            hincrby h space 1 => -ERR hash value is not an integer\r\n
            hincrby h float 1 => -ERR hash value is not an integer\r\n
            hset h big 9223372036854775807 small -9223372036854775808 => :2\r\n
            hincrby h big 1 => -ERR increment or decrement would overflow\r\n
            hincrby h big 0 => :9223372036854775807\r\n
            hincrby h big -9223372036854775808 => :-1\r\n
            hincrby h small -1 => -ERR increment or decrement would overflow\r\n
            hincrby h small 9223372036854775807 => :-1\r\n
            hincrby h fresh -9223372036854775808 => :-9223372036854775808\r\n
            hincrby h fresh -1 => -ERR increment or decrement would overflow\r\n
            hincrby h x => -ERR wrong number of arguments for 'hincrby' command\r\n
            hincrby newkey f 0 => :0\r\n
            hget newkey f => $1\r\n0\r\n
            """);
    }

    [Fact]
    public void HIncrByFloatComputesInLongDouble()
    {
        Script("""
            hincrbyfloat h f 1.5 => $3\r\n1.5\r\n
            hincrbyfloat h f 1e3 => $6\r\n1001.5\r\n
            hincrbyfloat h f -1001.5 => $1\r\n0\r\n
            hincrbyfloat h a 0.1 => $3\r\n0.1\r\n
            hincrbyfloat h a 0.2 => $3\r\n0.3\r\n
            hincrbyfloat h b 1e18 => $19\r\n1000000000000000000\r\n
            hincrbyfloat h b 0.1 => $23\r\n1000000000000000000.125\r\n
            hincrbyfloat h c -0 => $1\r\n0\r\n
            hincrbyfloat h d -1e-30 => $1\r\n0\r\n
            hincrbyfloat h e 0x10 => $2\r\n16\r\n
            hincrbyfloat h e 0x1.8p1 => $2\r\n19\r\n
            hincrbyfloat h e .5 => $4\r\n19.5\r\n
            hincrbyfloat h e -5. => $4\r\n14.5\r\n
            hincrbyfloat h g 0.000003814697265625 => $19\r\n0.00000381469726562\r\n
            hincrbyfloat h g2 0.000011444091796875 => $19\r\n0.00001144409179688\r\n
            hincrbyfloat h x 12345678901234567890 => $20\r\n12345678901234567890\r\n
            hincrbyfloat h y 123456789012345678901234567890 => $30\r\n123456789012345678899921813504\r\n
            hincrbyfloat h z 1e-4950 => $1\r\n0\r\n
            hset h int 10 lead 010 text abc nan nan inf inf spaced " 1" => :6\r\n
            hincrbyfloat h int 0.5 => $4\r\n10.5\r\n
            hincrbyfloat h lead 1 => $2\r\n11\r\n
            hincrbyfloat h text 1 => -ERR hash value is not a float\r\n
            hincrbyfloat h nan 1 => -ERR hash value is not a float\r\n
            hincrbyfloat h spaced 1 => -ERR hash value is not a float\r\n
            hincrbyfloat h inf 1 => -ERR increment would produce NaN or Infinity\r\n
            hincrbyfloat h f abc => -ERR value is not a valid float\r\n
            hincrbyfloat h f "1.5 " => -ERR value is not a valid float\r\n
            hincrbyfloat h f " 1.5" => -ERR value is not a valid float\r\n
            hincrbyfloat h f 1e => -ERR value is not a valid float\r\n
            hincrbyfloat h f 0x => -ERR value is not a valid float\r\n
            hincrbyfloat h f . => -ERR value is not a valid float\r\n
            hincrbyfloat h f "" => -ERR value is not a valid float\r\n
            hincrbyfloat h f nan => -ERR value is not a valid float\r\n
            hincrbyfloat h f 1e5000 => -ERR value is not a valid float\r\n
            hincrbyfloat h f 1e-5000 => -ERR value is not a valid float\r\n
            hincrbyfloat h f 1.8e-4951 => -ERR value is not a valid float\r\n
            hincrbyfloat h f inf => -ERR value is NaN or Infinity\r\n
            hincrbyfloat h f -Infinity => -ERR value is NaN or Infinity\r\n
            hset h max 1.18973149535723176502e+4932 => :1\r\n
            hincrbyfloat h max 1e4931 => -ERR increment would produce NaN or Infinity\r\n
            hincrbyfloat h f => -ERR wrong number of arguments for 'hincrbyfloat' command\r\n
            hget h f => $1\r\n0\r\n
            """);
    }

    [Fact]
    public void HIncrByFloatPrintsLargeValuesInFull()
    {
        Script("""
            hincrbyfloat h big 1e70 => $71\r\n10000000000000000000222479489586148259025995410601157579323600873193472\r\n
            #encoding h hashtable
            hset h2 f 1e308 => :1\r\n
            hincrbyfloat h2 f 1e308 => $309\r\n199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096\r\n
            """);
    }

    [Fact]
    public void HIncrByFloatIsPropagatedAsHSet()
    {
        var s = new TestServer();
        var rec = new Recorder();
        s.Server.Propagation.Consumers.Add(rec);
        Assert.Equal("$3\r\n2.5\r\n", s.Run("HINCRBYFLOAT", "h", "f", "2.5"));
        Assert.Equal(Resp("SELECT", "0") + Resp("HSET", "h", "f", "2.5"), rec.Take());
        Assert.Equal("$3\r\n2.6\r\n", s.Run("hincrbyfloat", "h", "f", "0.1"));
        Assert.Equal(Resp("HSET", "h", "f", "2.6"), rec.Take());
        // Failures propagate nothing.
        s.Run("hset", "h", "t", "text");
        rec.Take();
        s.Run("hincrbyfloat", "h", "t", "1");
        Assert.Equal("", rec.Take());
    }

    [Fact]
    public void WritesPropagateAsReceivedOnlyWhenTheyChangeSomething()
    {
        var s = new TestServer();
        var rec = new Recorder();
        s.Server.Propagation.Consumers.Add(rec);
        long dirty = s.Server.Dirty;
        s.Run("hset", "h", "a", "1", "b", "2");
        Assert.Equal(Resp("SELECT", "0") + Resp("hset", "h", "a", "1", "b", "2"), rec.Take());
        Assert.Equal(dirty + 2, s.Server.Dirty);
        s.Run("hset", "h", "a", "1");  // same value: still a write for Redis
        Assert.Equal(Resp("hset", "h", "a", "1"), rec.Take());
        s.Run("hsetnx", "h", "a", "9");
        s.Run("hdel", "h", "nope");
        s.Run("hdel", "nokey", "a");
        s.Run("hget", "h", "a");
        Assert.Equal("", rec.Take());
        Assert.Equal(dirty + 3, s.Server.Dirty);
        s.Run("hdel", "h", "a", "b", "c");
        Assert.Equal(Resp("hdel", "h", "a", "b", "c"), rec.Take());
        Assert.Equal(dirty + 5, s.Server.Dirty);
        s.Run("hincrby", "h", "n", "3");
        Assert.Equal(Resp("hincrby", "h", "n", "3"), rec.Take());
    }

    [Fact]
    public void OnlyRealChangesAnnounceAWrite()
    {
        var s = new TestServer();
        s.Run("hset", "h", "a", "1", "t", "text");
        var touched = new List<string>();
        s.Server.Keyspace.KeyWriting = (_, key) => touched.Add(Encoding.UTF8.GetString(key));
        s.Run("hsetnx", "h", "a", "2");
        s.Run("hdel", "h", "nope", "nope2");
        s.Run("hincrby", "h", "t", "1");
        s.Run("hincrbyfloat", "h", "t", "1");
        s.Run("hget", "h", "a");
        s.Run("hgetall", "h");
        Assert.Empty(touched);
        s.Run("hset", "h", "b", "2");
        s.Run("hdel", "h", "nope", "b");
        s.Run("hincrby", "h", "n", "1");
        Assert.Equal(new[] { "h", "h", "h" }, touched);
    }

    // ---- Encodings ----

    [Fact]
    public void ConvertsPastTheThresholds()
    {
        Script("""
            hset h f v{64} => :1\r\n
            hset h f{64} v => :1\r\n
            #encoding h listpack
            hset h g v{65} => :1\r\n
            #encoding h hashtable
            hdel h g => :1\r\n
            #encoding h hashtable
            hset h2 f{65} v => :1\r\n
            #encoding h2 hashtable
            hset h3 a 1 => :1\r\n
            hsetnx h3 a v{65} => :0\r\n
            #encoding h3 listpack
            hsetnx h3 b v{65} => :1\r\n
            #encoding h3 hashtable
            hset h4 a 1 => :1\r\n
            hincrby h4 f{65} 1 => :1\r\n
            #encoding h4 hashtable
            hset h5 a 1 => :1\r\n
            hset h5 b 2 f{65} v c 3 => :3\r\n
            #encoding h5 hashtable
            hget h3 b => $65\r\nv{65}\r\n
            hlen h3 => :2\r\n
            """);
    }

    [Fact]
    public void ConvertsAtTheEntriesLimitAndHonoursConfigChanges()
    {
        var sb = new StringBuilder("#config hash-max-listpack-entries 128\n"); // Debian's 7.0.15 defaults to 512
        for (int i = 0; i < 127; i++) sb.Append($"hset h f{i} {i} => :1\\r\\n\n");
        sb.Append("hset h f127 127 => :1\\r\\n\n#encoding h listpack\n");
        sb.Append("hset h f0 updated => :0\\r\\n\n#encoding h listpack\nhlen h => :128\\r\\n\n");
        sb.Append("hset h f128 128 => :1\\r\\n\n#encoding h hashtable\nhlen h => :129\\r\\n\nhget h f0 => $7\\r\\nupdated\\r\\n\nhget h f128 => $3\\r\\n128\\r\\n\n");
        sb.Append("""
            hset c a 1 b 2 c 3 => :3\r\n
            #config hash-max-listpack-entries 2
            #encoding c listpack
            hset c a 5 => :0\r\n
            #encoding c hashtable
            #config hash-max-listpack-entries 0
            hset z a 1 => :1\r\n
            #encoding z hashtable
            #config hash-max-listpack-entries 128
            #config hash-max-listpack-value 0
            hset e "" "" => :1\r\n
            #encoding e listpack
            hset e x "" => :1\r\n
            #encoding e hashtable
            """);
        Script(sb.ToString());
    }

    [Fact]
    public void KeyCommandsSeeBothEncodings()
    {
        // A compact hash is stored as a bare array, a full one as a table object: TYPE, OBJECT ENCODING,
        // COPY and the WRONGTYPE checks of other families must treat both as hashes.
        var s = Script("""
            hset small a 1 b 2 => :2\r\n
            type small => +hash\r\n
            object encoding small => $8\r\nlistpack\r\n
            copy small small2 => :1\r\n
            hset small2 a changed => :0\r\n
            hget small a => $1\r\n1\r\n
            hget small2 a => $7\r\nchanged\r\n
            object encoding small2 => $8\r\nlistpack\r\n
            hset big f v{65} => :1\r\n
            type big => +hash\r\n
            object encoding big => $9\r\nhashtable\r\n
            copy big big2 => :1\r\n
            hdel big2 f => :1\r\n
            exists big2 => :0\r\n
            hstrlen big f => :65\r\n
            set str x => +OK\r\n
            hget str a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            get small => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            append small x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            get big => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """, new TestServer("enable-debug-command", "yes"));
        Assert.IsType<HashListpackByte[]>(s.Server.Keyspace[0].Peek("small"u8)!.Value);
        Assert.IsType<HashTableValue>(s.Server.Keyspace[0].Peek("big"u8)!.Value);
        long small = long.Parse(s.Run("memory", "usage", "small")[1..^2]);
        long big = long.Parse(s.Run("memory", "usage", "big")[1..^2]);
        Assert.InRange(small, 1, big - 1);
        Assert.Contains(" encoding:listpack ", s.Run("debug", "object", "small"));
        Assert.Contains(" encoding:hashtable ", s.Run("debug", "object", "big"));
    }

    [Fact]
    public void GrowingAndShrinkingStoresTheNewArrayInTheKey()
    {
        var s = new TestServer();
        Assert.Equal(":1\r\n", s.Run("hset", "h", "f0", "v0"));
        var first = s.Server.Keyspace[0].Peek("h"u8)!.Value;
        for (int i = 1; i < 40; i++) Assert.Equal(":1\r\n", s.Run("hset", "h", "f" + i, new string('v', 50)));
        var entry = s.Server.Keyspace[0].Peek("h"u8)!;
        Assert.NotSame(first, entry.Value);
        Assert.Equal("$8\r\nlistpack\r\n", s.Run("object", "encoding", "h"));
        Assert.Equal(":40\r\n", s.Run("hlen", "h"));
        var grown = (HashListpackByte[])entry.Value;
        for (int i = 1; i < 40; i++) Assert.Equal(":1\r\n", s.Run("hdel", "h", "f" + i));
        Assert.True(((HashListpackByte[])entry.Value).Length < grown.Length / 4);
        Assert.Equal("$2\r\nv0\r\n", s.Run("hget", "h", "f0"));
        Assert.Equal(":5\r\n", s.Run("hincrby", "h", "n", "5"));
        Assert.Equal("*4\r\n$2\r\nf0\r\n$2\r\nv0\r\n$1\r\nn\r\n$1\r\n5\r\n", s.Run("hgetall", "h"));
    }

    [Fact]
    public void HashtableEncodingAnswersLikeTheCompactOne()
    {
        var s = new TestServer("hash-max-listpack-entries", "128");
        var expected = new Dictionary<string, string>();
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(":1\r\n", s.Run("hset", "h", "field" + i, "value" + i));
            expected["field" + i] = "value" + i;
        }
        Assert.IsType<HashTableValue>(s.Server.Keyspace[0].Peek("h"u8)!.Value);
        Assert.Equal(":300\r\n", s.Run("hlen", "h"));
        Assert.Equal("$7\r\nvalue42\r\n", s.Run("hget", "h", "field42"));
        Assert.Equal(":1\r\n", s.Run("hexists", "h", "field299"));
        Assert.Equal(":8\r\n", s.Run("hstrlen", "h", "field299"));
        Assert.Equal(":0\r\n", s.Run("hset", "h", "field1", "changed"));
        expected["field1"] = "changed";
        Assert.Equal(":2\r\n", s.Run("hdel", "h", "field2", "field3", "nope"));
        expected.Remove("field2"); expected.Remove("field3");
        Assert.Equal(":7\r\n", s.Run("hincrby", "h", "counter", "7"));
        expected["counter"] = "7";

        var all = ParseArray(s.Run("hgetall", "h"));
        Assert.Equal(expected.Count * 2, all.Count);
        var got = new Dictionary<string, string>();
        for (int i = 0; i < all.Count; i += 2) got.Add(all[i], all[i + 1]);
        Assert.Equal(expected.OrderBy(p => p.Key), got.OrderBy(p => p.Key));
        Assert.Equal(expected.Keys.Order(), ParseArray(s.Run("hkeys", "h")).Order());
        Assert.Equal(expected.Values.Order(), ParseArray(s.Run("hvals", "h")).Order());
    }

    /// <summary>Bulk strings of a flat RESP2 array (nested headers skipped).</summary>
    static List<string> ParseArray(string resp)
    {
        var items = new List<string>();
        int i = 0;
        while (i < resp.Length)
        {
            int end = resp.IndexOf("\r\n", i, StringComparison.Ordinal);
            string line = resp[i..end];
            i = end + 2;
            if (line[0] == '$')
            {
                int n = int.Parse(line[1..]);
                if (n < 0) { items.Add("(nil)"); continue; }
                items.Add(resp.Substring(i, n));
                i += n + 2;
            }
        }
        return items;
    }

    // ---- HSCAN ----

    [Fact]
    public void HScanOfACompactHashReturnsEverythingAtOnce()
    {
        Script("""
            hset h a 1 b 2 c 3 ab 4 => :4\r\n
            hscan h 0 => *2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 count 1 => *2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 match a* => *2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 MATCH ?b COUNT 100 => *2\r\n$1\r\n0\r\n*2\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 match x* => *2\r\n$1\r\n0\r\n*0\r\n
            hscan h 0 match [bc]* => *2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n
            hscan h 0 match \a* => *2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 match * => *2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan h 0 match 1 => *2\r\n$1\r\n0\r\n*0\r\n
            hscan h 12345 => *2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n
            hscan nokey 0 => *2\r\n$1\r\n0\r\n*0\r\n
            hscan nokey 0 count 0 => *2\r\n$1\r\n0\r\n*0\r\n
            hscan nokey x => -ERR invalid cursor\r\n
            """);
    }

    [Fact]
    public void HScanArgumentErrors()
    {
        Script("""
            hset h a 1 => :1\r\n
            hscan h abc => -ERR invalid cursor\r\n
            hscan h " 0" => -ERR invalid cursor\r\n
            hscan h "0 " => -ERR invalid cursor\r\n
            hscan h 0x1 => -ERR invalid cursor\r\n
            hscan h - => -ERR invalid cursor\r\n
            hscan h 18446744073709551616 => -ERR invalid cursor\r\n
            hscan h 18446744073709551615 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            hscan h -1 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            hscan h +0 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            hscan h "" => *2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            hscan h 0 count 0 => -ERR syntax error\r\n
            hscan h 0 count -1 => -ERR syntax error\r\n
            hscan h 0 count x => -ERR value is not an integer or out of range\r\n
            hscan h 0 count => -ERR syntax error\r\n
            hscan h 0 match => -ERR syntax error\r\n
            hscan h 0 novalues => -ERR syntax error\r\n
            hscan h 0 type string => -ERR syntax error\r\n
            hscan h 0 count 1 foo => -ERR syntax error\r\n
            hscan h => -ERR wrong number of arguments for 'hscan' command\r\n
            """);
    }

    [Fact]
    public void HScanWalksAFullHashWithItsCursor()
    {
        var s = new TestServer();
        for (int i = 0; i < 1000; i++) s.Run("hset", "h", "f" + i, "v" + i);
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = s.Run("hscan", "h", cursor, "count", "20");
            var items = ParseArray(reply);
            cursor = items[0];
            for (int i = 1; i < items.Count; i += 2) Assert.True(seen.TryAdd(items[i], items[i + 1]), "returned twice: " + items[i]);
            Assert.True(items.Count - 1 <= 2 * 60, "one call returned too much"); // a few buckets past COUNT at most
            calls++;
        } while (cursor != "0");
        Assert.Equal(1000, seen.Count);
        Assert.Equal("v777", seen["f777"]);
        Assert.InRange(calls, 1000 / 10 / 2, 1000); // COUNT counts fields and values together, as in Redis

        // MATCH filters after the walk: a full iteration finds exactly the matching fields.
        var matched = new List<string>();
        cursor = "0";
        do
        {
            var items = ParseArray(s.Run("hscan", "h", cursor, "match", "f9?"));
            cursor = items[0];
            for (int i = 1; i < items.Count; i += 2) matched.Add(items[i]);
        } while (cursor != "0");
        Assert.Equal(Enumerable.Range(90, 10).Select(i => "f" + i), matched.Order());
    }

    // ---- HRANDFIELD ----

    [Fact]
    public void HRandFieldShapesAndErrors()
    {
        Script("""
            hset h a 1 b 2 c 3 => :3\r\n
            hrandfield nokey => $-1\r\n
            hrandfield nokey 3 => *0\r\n
            hrandfield nokey -3 withvalues => *0\r\n
            hrandfield nokey -9223372036854775807 => *0\r\n
            hrandfield h 0 => *0\r\n
            hrandfield h 0 withvalues => *0\r\n
            hrandfield h 3 => *3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n
            hrandfield h 9223372036854775807 => *3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n
            hrandfield h 5 withvalues => *6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n
            hrandfield h 3 WITHVALUES => *6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n
            hrandfield h x => -ERR value is not an integer or out of range\r\n
            hrandfield h 1 foo => -ERR syntax error\r\n
            hrandfield h 1 withvalues extra => -ERR syntax error\r\n
            hrandfield h -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n
            hrandfield nokey -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n
            hrandfield h -4611686018427387904 withvalues => -ERR value is out of range\r\n
            hrandfield h 4611686018427387904 withvalues => -ERR value is out of range\r\n
            hrandfield h 9223372036854775807 withvalues => -ERR value is out of range\r\n
            hrandfield h -4611686018427387903 withvalues extra => -ERR syntax error\r\n
            hrandfield nokey 4611686018427387903 withvalues => *0\r\n
            hrandfield => -ERR wrong number of arguments for 'hrandfield' command\r\n
            """);
    }

    [Theory]
    [InlineData(5)]    // compact
    [InlineData(300)]  // hashtable
    public void HRandFieldPicks(int size)
    {
        var s = new TestServer();
        for (int i = 0; i < size; i++) s.Run("hset", "h", "f" + i, "v" + i);

        for (int round = 0; round < 20; round++)
        {
            var one = ParseArray(s.Run("hrandfield", "h"));
            Assert.Single(one);
            Assert.StartsWith("f", one[0]);

            // Positive count: distinct fields.
            int k = Math.Min(size - 1, 3 + round);
            var distinct = ParseArray(s.Run("hrandfield", "h", k.ToString()));
            Assert.Equal(k, distinct.Count);
            Assert.Equal(k, distinct.Distinct().Count());
            var big = ParseArray(s.Run("hrandfield", "h", (size * 2 / 3 + 1).ToString()));
            Assert.Equal(size * 2 / 3 + 1, big.Distinct().Count());

            // With values: each value belongs to its field.
            var pairs = ParseArray(s.Run("hrandfield", "h", "-7", "withvalues"));
            Assert.Equal(14, pairs.Count);
            for (int i = 0; i < pairs.Count; i += 2) Assert.Equal("v" + pairs[i][1..], pairs[i + 1]);
        }

        // Negative count: exactly that many, repetitions allowed (and bound to happen past the size).
        var many = ParseArray(s.Run("hrandfield", "h", (-(size + 50)).ToString()));
        Assert.Equal(size + 50, many.Count);
        Assert.True(many.Distinct().Count() < many.Count);

        // Sampling is not stuck on a few fields.
        var hits = new HashSet<string>();
        for (int i = 0; i < 50 && hits.Count < Math.Min(size, 5); i++) hits.UnionWith(ParseArray(s.Run("hrandfield", "h", "-20")));
        Assert.True(hits.Count >= Math.Min(size, 5));

        // RESP3 WITHVALUES: pairs nested in arrays of two.
        s.Client.Reply.Protocol = 3;
        var nested = s.Run("hrandfield", "h", "2", "withvalues");
        Assert.StartsWith("*2\r\n*2\r\n$", nested);
        var negative = s.Run("hrandfield", "h", "-2", "withvalues");
        Assert.StartsWith("*2\r\n*2\r\n$", negative);
        Assert.Equal(4, ParseArray(negative).Count);
    }

    [Fact]
    public void AHugeNegativeCountDropsTheClientInsteadOfExhaustingMemory()
    {
        var s = new TestServer();
        s.Run("hset", "h", "a", "1");
        long saved = Mirra.Commands.HashCommands.MaxReplyBytes;
        Mirra.Commands.HashCommands.MaxReplyBytes = 1 << 20;
        try
        {
            Assert.Equal("", s.Run("hrandfield", "h", "-9223372036854775807"));
            Assert.True(s.Client.Closed);
            var other = s.NewClient();
            Assert.Equal("*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n", s.Run(other, "hrandfield", "h", "-3"));
        }
        finally { Mirra.Commands.HashCommands.MaxReplyBytes = saved; }
    }

    [Fact]
    public void HRandFieldOfACompactHashKeepsTheHashOrder()
    {
        var s = new TestServer();
        s.Run("hset", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        for (int i = 0; i < 20; i++)
        {
            var picked = ParseArray(s.Run("hrandfield", "h", "3"));
            Assert.Equal(picked.Order(), picked);
        }
    }
}
