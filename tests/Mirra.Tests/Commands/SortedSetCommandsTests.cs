using System.Text;
using System.Text.RegularExpressions;
using Mirra.Commands;
using Mirra.Config;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class SortedSetCommandsTests
{
    /// <summary>
    /// Runs a transcript recorded from redis-server 7.0.15 (see <see cref="Transcript"/>), checking the
    /// skiplist invariants of every sorted set after each command.
    /// </summary>
    static TestServer Script(string transcript, TestServer? server = null) =>
        Transcript.Run(server ?? new TestServer(), transcript, ValidateAll, v => (v as SortedSetValue)?.Validate());


    static string Resp(params string[] argv) => RecordingConsumer.Resp(argv);

    /// <summary>
    /// A server whose new sorted sets use the listpack (the default 128) or, with 0, the skiplist from
    /// their first member: the transcripts run under both give the same replies on redis-server.
    /// </summary>
    static TestServer WithListpackEntries(int entries) => new("zset-max-listpack-entries", entries.ToString());

    /// <summary>Checks every sorted set of database 0 (order, spans, links, member table).</summary>
    static void ValidateAll(TestServer s)
    {
        foreach (var e in s.Server.Keyspace[0].Table)
            if (e.Value is SortedSetValue z) z.Validate();
    }

    // ---- Transcripts recorded from redis-server 7.0.15 ----

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZAddArityOptionsAndErrors(int listpackEntries)
    {
        Script("""
            zadd z => -ERR wrong number of arguments for 'zadd' command\r\n
            zadd z 1 => -ERR wrong number of arguments for 'zadd' command\r\n
            zadd z 1 a 2 => -ERR syntax error\r\n
            zadd z nx => -ERR wrong number of arguments for 'zadd' command\r\n
            zadd z nx 1 => -ERR syntax error\r\n
            zadd z nx xx 1 a => -ERR XX and NX options at the same time are not compatible\r\n
            zadd z gt lt 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible\r\n
            zadd z gt nx 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible\r\n
            zadd z lt nx 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible\r\n
            zadd z incr 1 a 2 b => -ERR INCR option supports a single increment-element pair\r\n
            zadd z xx incr 1 a 2 b => -ERR INCR option supports a single increment-element pair\r\n
            zadd z abc a => -ERR value is not a valid float\r\n
            zadd z 1 a abc b => -ERR value is not a valid float\r\n
            zadd z nan a => -ERR value is not a valid float\r\n
            zadd z " 1" a => -ERR value is not a valid float\r\n
            zadd z "1 " a => -ERR value is not a valid float\r\n
            zadd z 1e400 a => -ERR value is not a valid float\r\n
            zadd z -1e400 a => -ERR value is not a valid float\r\n
            zadd z 1e-400 a => -ERR value is not a valid float\r\n
            zadd z "" a => -ERR value is not a valid float\r\n
            exists z => :0\r\n
            set s x => +OK\r\n
            zadd s 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zadd s nx xx 1 a => -ERR XX and NX options at the same time are not compatible\r\n
            zadd s abc a => -ERR value is not a valid float\r\n
            zadd s 1 a 2 => -ERR syntax error\r\n
            zadd z 1 a 2 b 3 c => :3\r\n
            zadd z 1 a 5 b 4 d => :1\r\n
            zadd z ch 1 a 6 b 7 e => :2\r\n
            zadd z XX 10 a 20 nope => :0\r\n
            zadd z NX 11 a 20 f => :1\r\n
            zadd z gt ch 1 a 100 b 9 new => :2\r\n
            zadd z lt ch 100 a 0 b => :1\r\n
            zadd z xx gt 50 a 1 e => :0\r\n
            zrange z 0 -1 withscores => *14\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n7\r\n$3\r\nnew\r\n$1\r\n9\r\n$1\r\nf\r\n$2\r\n20\r\n$1\r\na\r\n$2\r\n50\r\n
            zadd nokey xx 1 a => :0\r\n
            zadd nokey xx gt 1 a => :0\r\n
            exists nokey => :0\r\n
            zadd z gt 1 a => :0\r\n
            zadd z 0x10 hex 0X1P-1 half +inf top -Infinity bottom 1e2 hundred => :5\r\n
            zrange z 0 -1 withscores => *24\r\n$6\r\nbottom\r\n$4\r\n-inf\r\n$1\r\nb\r\n$1\r\n0\r\n$4\r\nhalf\r\n$3\r\n0.5\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n7\r\n$3\r\nnew\r\n$1\r\n9\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nf\r\n$2\r\n20\r\n$1\r\na\r\n$2\r\n50\r\n$7\r\nhundred\r\n$3\r\n100\r\n$3\r\ntop\r\n$3\r\ninf\r\n
            ZADD z CH Gt 200 a => :1\r\n
            type z => +zset\r\n
            zadd z 1 a 1 => -ERR syntax error\r\n
            zadd z 1 => -ERR wrong number of arguments for 'zadd' command\r\n
            zadd z ch => -ERR wrong number of arguments for 'zadd' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZAddIncrAndZIncrBy(int listpackEntries)
    {
        Script("""
            zadd z incr 1 a => $1\r\n1\r\n
            zadd z incr 1.5 a => $3\r\n2.5\r\n
            zadd z incr nx 1 a => $-1\r\n
            zadd z incr nx 1 b => $1\r\n1\r\n
            zadd z incr xx 1 nope => $-1\r\n
            zadd z incr gt -1 a => $-1\r\n
            zadd z incr lt -1 a => $3\r\n1.5\r\n
            zadd z incr lt 1 a => $-1\r\n
            zadd z incr 0 a => $3\r\n1.5\r\n
            zadd z incr inf a => $3\r\ninf\r\n
            zadd z incr -inf a => -ERR resulting score is not a number (NaN)\r\n
            zscore z a => $3\r\ninf\r\n
            zincrby z -inf a => -ERR resulting score is not a number (NaN)\r\n
            zincrby z inf a => $3\r\ninf\r\n
            zincrby z 1 c => $1\r\n1\r\n
            zincrby z 0.1 c => $18\r\n1.1000000000000001\r\n
            zincrby z 0.2 c => $3\r\n1.3\r\n
            zincrby z x c => -ERR value is not a valid float\r\n
            zincrby z nan c => -ERR value is not a valid float\r\n
            zincrby z nx c => -ERR syntax error\r\n
            zincrby z incr c => -ERR syntax error\r\n
            zincrby z 1 => -ERR wrong number of arguments for 'zincrby' command\r\n
            zincrby z 1 c d => -ERR wrong number of arguments for 'zincrby' command\r\n
            set s x => +OK\r\n
            zincrby s 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zincrby s x a => -ERR value is not a valid float\r\n
            zadd s incr 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zadd z incr 1 a 2 b => -ERR INCR option supports a single increment-element pair\r\n
            zrange z 0 -1 withscores => *6\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.3\r\n$1\r\na\r\n$3\r\ninf\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Fact]
    public void ScoreRepliesRespTwo()
    {
        Script("""
            zadd z 1.5 a 0.1 b 1e20 c 123456789012345678 d 1e-5 e 3.0 f -0.0 g 1e16 h 1e17 i 12345678901234567890 j 5e-324 k 1.7976931348623157e308 l 0.0001 m 123.456 n -2.5 o 100 p => :16\r\n
            zrange z 0 -1 withscores => *32\r\n$1\r\no\r\n$4\r\n-2.5\r\n$1\r\ng\r\n$1\r\n0\r\n$1\r\nk\r\n$23\r\n4.9406564584124654e-324\r\n$1\r\ne\r\n$22\r\n1.0000000000000001e-05\r\n$1\r\nm\r\n$6\r\n0.0001\r\n$1\r\nb\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\np\r\n$3\r\n100\r\n$1\r\nn\r\n$7\r\n123.456\r\n$1\r\nh\r\n$17\r\n10000000000000000\r\n$1\r\ni\r\n$5\r\n1e+17\r\n$1\r\nd\r\n$22\r\n1.2345678901234568e+17\r\n$1\r\nj\r\n$22\r\n1.2345678901234567e+19\r\n$1\r\nc\r\n$5\r\n1e+20\r\n$1\r\nl\r\n$23\r\n1.7976931348623157e+308\r\n
            zscore z b => $19\r\n0.10000000000000001\r\n
            zscore z g => $1\r\n0\r\n
            zscore z nope => $-1\r\n
            zscore nokey a => $-1\r\n
            zmscore z b e nope l => *4\r\n$19\r\n0.10000000000000001\r\n$22\r\n1.0000000000000001e-05\r\n$-1\r\n$23\r\n1.7976931348623157e+308\r\n
            zmscore nokey a b => *2\r\n$-1\r\n$-1\r\n
            zadd n inf a -inf b 0 c => :3\r\n
            zrange n 0 -1 withscores => *6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$3\r\ninf\r\n
            zscore n a => $3\r\ninf\r\n
            zscore n b => $4\r\n-inf\r\n
            zincrby n 1 a => $3\r\ninf\r\n
            zincrby n 0.1 c => $19\r\n0.10000000000000001\r\n
            zincrby n 0.2 c => $19\r\n0.30000000000000004\r\n
            """);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ScoreRepliesRespThree(int listpackEntries)
    {
        Script("""
            #resp3
            zadd z 1.5 a 0.1 b 1e20 c inf d -inf e 3 f => :6\r\n
            zrange z 0 -1 withscores => *6\r\n*2\r\n$1\r\ne\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nf\r\n,3\r\n*2\r\n$1\r\nc\r\n,1e+20\r\n*2\r\n$1\r\nd\r\n,inf\r\n
            zrange z 0 1 => *2\r\n$1\r\ne\r\n$1\r\nb\r\n
            zrangebyscore z -inf +inf withscores limit 0 2 => *2\r\n*2\r\n$1\r\ne\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n
            zrevrange z 0 0 withscores => *1\r\n*2\r\n$1\r\nd\r\n,inf\r\n
            zscore z b => ,0.10000000000000001\r\n
            zscore z nope => _\r\n
            zscore nokey a => _\r\n
            zmscore z b x d e => *4\r\n,0.10000000000000001\r\n_\r\n,inf\r\n,-inf\r\n
            zincrby z 1.5 a => ,3\r\n
            zadd z incr 1 a => ,4\r\n
            zadd z incr nx 1 a => _\r\n
            zrank z nope => _\r\n
            zrank z a => :3\r\n
            zunion 1 z withscores => *6\r\n*2\r\n$1\r\ne\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n*2\r\n$1\r\nf\r\n,3\r\n*2\r\n$1\r\na\r\n,4\r\n*2\r\n$1\r\nc\r\n,1e+20\r\n*2\r\n$1\r\nd\r\n,inf\r\n
            zinter 1 z withscores => *6\r\n*2\r\n$1\r\ne\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n*2\r\n$1\r\nf\r\n,3\r\n*2\r\n$1\r\na\r\n,4\r\n*2\r\n$1\r\nc\r\n,1e+20\r\n*2\r\n$1\r\nd\r\n,inf\r\n
            zdiff 1 z withscores => *6\r\n*2\r\n$1\r\ne\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n*2\r\n$1\r\nf\r\n,3\r\n*2\r\n$1\r\na\r\n,4\r\n*2\r\n$1\r\nc\r\n,1e+20\r\n*2\r\n$1\r\nd\r\n,inf\r\n
            zpopmin nokey => *0\r\n
            zpopmin nokey 1 => *0\r\n
            zpopmin z => *2\r\n$1\r\ne\r\n,-inf\r\n
            zpopmin z 1 => *1\r\n*2\r\n$1\r\nb\r\n,0.10000000000000001\r\n
            zpopmin z 0 => *0\r\n
            zpopmax z 2 => *2\r\n*2\r\n$1\r\nd\r\n,inf\r\n*2\r\n$1\r\nc\r\n,1e+20\r\n
            zmpop 1 nokey min => _\r\n
            zmpop 1 z max => *2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,4\r\n
            zrandmember nokey => _\r\n
            zrandmember nokey 1 => *0\r\n
            zrandmember z 0 withscores => *0\r\n
            zrandmember z 10 withscores => *1\r\n*2\r\n$1\r\nf\r\n,3\r\n
            zscan z 0 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\n3\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Fact]
    public void NegativeZeroIsKeptOnlyInTheSkiplist()
    {
        Script("""
            zadd lp -0 m => :1\r\n
            zrange lp 0 -1 withscores => *2\r\n$1\r\nm\r\n$1\r\n0\r\n
            zadd lp incr -0 n => $2\r\n-0\r\n
            zadd lp incr -0 n => $1\r\n0\r\n
            zincrby lp -0 o => $2\r\n-0\r\n
            zscan lp 0 => *2\r\n$1\r\n0\r\n*6\r\n$1\r\nm\r\n$1\r\n0\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\no\r\n$1\r\n0\r\n
            #config zset-max-listpack-entries 0
            zadd sk -0 m => :1\r\n
            #encoding sk skiplist
            zscore sk m => $2\r\n-0\r\n
            zadd sk incr -0 m => $2\r\n-0\r\n
            zadd sk incr -0 n => $2\r\n-0\r\n
            zrange sk 0 -1 withscores => *4\r\n$1\r\nm\r\n$2\r\n-0\r\n$1\r\nn\r\n$2\r\n-0\r\n
            zrangestore dst sk 0 -1 => :2\r\n
            zrange dst 0 -1 withscores => *4\r\n$1\r\nm\r\n$2\r\n-0\r\n$1\r\nn\r\n$2\r\n-0\r\n
            #config zset-max-listpack-entries 128
            zrangestore dst sk 0 -1 => :2\r\n
            #encoding dst listpack
            zrange dst 0 -1 withscores => *4\r\n$1\r\nm\r\n$1\r\n0\r\n$1\r\nn\r\n$1\r\n0\r\n
            zunionstore dst 1 sk => :2\r\n
            #encoding dst listpack
            zrange dst 0 -1 withscores => *4\r\n$1\r\nm\r\n$1\r\n0\r\n$1\r\nn\r\n$1\r\n0\r\n
            zunion 1 sk withscores => *4\r\n$1\r\nm\r\n$2\r\n-0\r\n$1\r\nn\r\n$2\r\n-0\r\n
            """);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void RangeBoundsParseLikeStrtod(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 16 d => :4\r\n
            zcount z " 1" 2 => :2\r\n
            zcount z "" 1 => :1\r\n
            zcount z ( 1 => :1\r\n
            zcount z ( 0 => :0\r\n
            zcount z 0x10 0x10 => :1\r\n
            zcount z (0x1p3 +inf => :1\r\n
            zcount z -1e400 1e400 => :4\r\n
            zcount z -inf inf => :4\r\n
            zcount z -Infinity +INFINITY => :4\r\n
            zcount z x 1 => -ERR min or max is not a float\r\n
            zcount z 1 x => -ERR min or max is not a float\r\n
            zcount z (x 1 => -ERR min or max is not a float\r\n
            zcount z ((1 2 => -ERR min or max is not a float\r\n
            zcount z nan 1 => -ERR min or max is not a float\r\n
            zcount z (nan 1 => -ERR min or max is not a float\r\n
            zcount z "1 " 2 => -ERR min or max is not a float\r\n
            zcount z "  " 2 => -ERR min or max is not a float\r\n
            zcount z 1e 2 => -ERR min or max is not a float\r\n
            zcount nokey x 1 => -ERR min or max is not a float\r\n
            set s v => +OK\r\n
            zcount s x 1 => -ERR min or max is not a float\r\n
            zcount s 1 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRemZCardAndKeyDeletion(int listpackEntries)
    {
        Script("""
            zrem z => -ERR wrong number of arguments for 'zrem' command\r\n
            zrem nokey a => :0\r\n
            zadd z 1 a 2 b 3 c => :3\r\n
            zcard z => :3\r\n
            zcard nokey => :0\r\n
            zrem z a nope a => :1\r\n
            zcard z => :2\r\n
            zrem z nope => :0\r\n
            zrem z b c d => :2\r\n
            exists z => :0\r\n
            zcard z => :0\r\n
            set s x => +OK\r\n
            zrem s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zcard s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zscore s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zmscore s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zcard z x => -ERR wrong number of arguments for 'zcard' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRangeByRank(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zrange z 0 -1 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z 1 2 withscores => *4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n
            zrange z -2 -1 => *2\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z 3 1 => *0\r\n
            zrange z 10 20 => *0\r\n
            zrange z -100 100 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z -100 -6 => *0\r\n
            zrange z -100 -5 => *1\r\n$1\r\na\r\n
            zrange z 4 4 => *1\r\n$1\r\ne\r\n
            zrange z 0 9223372036854775807 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z -9223372036854775808 -1 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z 0 99999999999999999999 => -ERR value is not an integer or out of range\r\n
            zrange z a b => -ERR value is not an integer or out of range\r\n
            zrange z 0 -1 rev => *5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n
            zrange z 0 1 rev withscores => *4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n
            zrange z -1 -1 rev => *1\r\n$1\r\na\r\n
            zrevrange z 0 1 => *2\r\n$1\r\ne\r\n$1\r\nd\r\n
            zrevrange z 0 1 withscores => *4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n
            zrevrange z 1 -1 WITHSCORES => *8\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n
            zrevrange z 0 1 withscore => -ERR syntax error\r\n
            zrevrange z 0 1 rev => -ERR syntax error\r\n
            zrevrange z 0 1 limit 0 1 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n
            zrevrange z 0 1 limit 0 -1 => *2\r\n$1\r\ne\r\n$1\r\nd\r\n
            zrange z 0 1 limit 0 1 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n
            zrange z 0 1 limit 5 -1 => *2\r\n$1\r\na\r\n$1\r\nb\r\n
            zrange z 0 -1 foo => -ERR syntax error\r\n
            zrange z 0 -1 withscores withscores => *10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n
            zrange z 0 -1 limit => -ERR syntax error\r\n
            zrange z 0 -1 limit 1 => -ERR syntax error\r\n
            zrange z 0 -1 rev rev => -ERR syntax error\r\n
            zrange z 0 1 withscore => -ERR syntax error\r\n
            zrange nokey 0 -1 => *0\r\n
            zrange nokey a b => -ERR value is not an integer or out of range\r\n
            zrange nokey 0 -1 withscores => *0\r\n
            zrange => -ERR wrong number of arguments for 'zrange' command\r\n
            zrange z 0 => -ERR wrong number of arguments for 'zrange' command\r\n
            set s x => +OK\r\n
            zrange s 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrange s a b => -ERR value is not an integer or out of range\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRangeByScore(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zrange z (1 3 byscore => *2\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrange z 1 (3 byscore => *2\r\n$1\r\na\r\n$1\r\nb\r\n
            zrange z (1 (3 byscore => *1\r\n$1\r\nb\r\n
            zrange z -inf +inf byscore => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z +inf -inf byscore rev => *5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n
            zrange z 3 1 byscore rev withscores => *6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n
            zrange z 3 1 byscore => *0\r\n
            zrange z 2 2 byscore => *1\r\n$1\r\nb\r\n
            zrange z (2 2 byscore => *0\r\n
            zrange z x 1 byscore => -ERR min or max is not a float\r\n
            zrange z 1 x byscore => -ERR min or max is not a float\r\n
            zrange z -inf +inf byscore limit 1 2 => *2\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrange z -inf +inf byscore limit 1 -1 => *4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z -inf +inf byscore limit -1 2 => *0\r\n
            zrange z -inf +inf byscore limit 0 0 => *0\r\n
            zrange z -inf +inf byscore limit 4 10 => *1\r\n$1\r\ne\r\n
            zrange z -inf +inf byscore limit 5 10 => *0\r\n
            zrange z -inf +inf byscore limit 1 => -ERR syntax error\r\n
            zrange z -inf +inf byscore limit a 1 => -ERR value is not an integer or out of range\r\n
            zrange z -inf +inf byscore limit 1 a => -ERR value is not an integer or out of range\r\n
            zrange z +inf -inf byscore withscores limit 1 2 rev => *4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n
            zrange z -inf +inf byscore withscores limit 1 2 rev => *0\r\n
            zrange z 0 1 byscore bylex => -ERR syntax error\r\n
            zrange z 0 1 bylex byscore => -ERR syntax error\r\n
            zrange z 0 1 byscore byscore => -ERR syntax error\r\n
            zrange z 0 -1 limit 0 1 byscore => *0\r\n
            zrange nokey a b byscore => -ERR min or max is not a float\r\n
            zrange nokey -inf +inf byscore => *0\r\n
            zrangebyscore z 1 3 => *3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrangebyscore z 1 3 withscores limit 0 1 => *2\r\n$1\r\na\r\n$1\r\n1\r\n
            zrangebyscore z (1 +inf WITHSCORES LIMIT 1 1 => *2\r\n$1\r\nc\r\n$1\r\n3\r\n
            zrangebyscore z 1 3 limit 0 => -ERR syntax error\r\n
            zrangebyscore z 1 3 rev => -ERR syntax error\r\n
            zrangebyscore z 1 3 byscore => -ERR syntax error\r\n
            zrangebyscore z x 3 => -ERR min or max is not a float\r\n
            zrangebyscore z 1 => -ERR wrong number of arguments for 'zrangebyscore' command\r\n
            zrevrangebyscore z 3 1 => *3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n
            zrevrangebyscore z 1 3 => *0\r\n
            zrevrangebyscore z (3 -inf withscores limit 1 5 => *2\r\n$1\r\na\r\n$1\r\n1\r\n
            zrevrangebyscore z +inf (4 => *1\r\n$1\r\ne\r\n
            set s x => +OK\r\n
            zrange s a b byscore => -ERR min or max is not a float\r\n
            zrange s 1 2 byscore => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrangebyscore s 1 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRangeByLex(int listpackEntries)
    {
        Script("""
            zadd z 0 a 0 b 0 c 0 d 0 e 0 ab => :6\r\n
            zrange z [a [c bylex => *4\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrange z - + bylex => *6\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z + - bylex rev => *6\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n
            zrange z [c [a bylex rev => *4\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n
            zrange z (a (c bylex => *2\r\n$2\r\nab\r\n$1\r\nb\r\n
            zrange z [a [a bylex => *1\r\n$1\r\na\r\n
            zrange z (a [a bylex => *0\r\n
            zrange z - - bylex => *0\r\n
            zrange z + + bylex => *0\r\n
            zrange z + - bylex => *0\r\n
            zrange z "[" + bylex => *6\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z "(" + bylex => *6\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z - "(ab" bylex => *1\r\n$1\r\na\r\n
            zrange z - + bylex limit 1 2 => *2\r\n$2\r\nab\r\n$1\r\nb\r\n
            zrange z - + bylex limit 1 -1 => *5\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrange z + - bylex rev limit 0 2 => *2\r\n$1\r\ne\r\n$1\r\nd\r\n
            zrange z a c bylex => -ERR min or max not valid string range item\r\n
            zrange z [a c bylex => -ERR min or max not valid string range item\r\n
            zrange z 0 1 bylex => -ERR min or max not valid string range item\r\n
            zrange z +x - bylex => -ERR min or max not valid string range item\r\n
            zrange z -x + bylex => -ERR min or max not valid string range item\r\n
            zrange z - + bylex withscores => -ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n
            zrangebylex z - + => *6\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            zrangebylex z [b (d => *2\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrangebylex z - + withscores => -ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n
            zrangebylex z - + limit 0 2 => *2\r\n$1\r\na\r\n$2\r\nab\r\n
            zrangebylex z - + limit 0 => -ERR syntax error\r\n
            zrevrangebylex z + - => *6\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n
            zrevrangebylex z [c - => *4\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n
            zrevrangebylex z - + => *0\r\n
            zrevrangebylex z + - limit 1 1 => *1\r\n$1\r\nd\r\n
            zrange nokey - + bylex => *0\r\n
            zrange nokey x y bylex => -ERR min or max not valid string range item\r\n
            zrangebylex nokey x y => -ERR min or max not valid string range item\r\n
            set s x => +OK\r\n
            zrangebylex s x y => -ERR min or max not valid string range item\r\n
            zrangebylex s - + => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Fact]
    public void ZRangeStore()
    {
        Script("""
            zadd src 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zrangestore dst src 0 1 => :2\r\n
            zrange dst 0 -1 withscores => *4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n
            #encoding dst listpack
            zrangestore dst src 0 -1 rev => :5\r\n
            zrange dst 0 -1 withscores => *10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n
            zrangestore dst src (1 4 byscore limit 1 2 => :2\r\n
            zrange dst 0 -1 withscores => *4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n
            zrangestore dst src 4 (1 byscore rev => :3\r\n
            zrange dst 0 -1 withscores => *6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n
            zadd lex 0 a 0 b 0 c => :3\r\n
            zrangestore dst lex [b + bylex => :2\r\n
            zrange dst 0 -1 => *2\r\n$1\r\nb\r\n$1\r\nc\r\n
            zrangestore dst src 0 -1 withscores => -ERR syntax error\r\n
            zrangestore dst src 0 -1 limit 0 1 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n
            zrangestore dst src 5 10 => :0\r\n
            exists dst => :0\r\n
            zrangestore dst src 0 0 => :1\r\n
            zrangestore dst nokey 0 -1 => :0\r\n
            exists dst => :0\r\n
            zrangestore dst src x 1 => -ERR value is not an integer or out of range\r\n
            zrangestore dst src x 1 byscore => -ERR min or max is not a float\r\n
            zrangestore dst src => -ERR wrong number of arguments for 'zrangestore' command\r\n
            set str v => +OK\r\n
            zrangestore dst str 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrangestore str src 0 -1 => :5\r\n
            type str => +zset\r\n
            zrange str 0 -1 withscores => *10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n
            pexpire str 100000 => :1\r\n
            zrangestore str src 1 1 => :1\r\n
            pttl str => :-1\r\n
            zrangestore src src 1 2 => :2\r\n
            zrange src 0 -1 withscores => *4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n
            """);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRankAndZRevRank(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c => :3\r\n
            zrank z a => :0\r\n
            zrank z c => :2\r\n
            zrevrank z a => :2\r\n
            zrevrank z c => :0\r\n
            zrank z nope => $-1\r\n
            zrevrank z nope => $-1\r\n
            zrank nokey a => $-1\r\n
            zrank z a withscore => -ERR wrong number of arguments for 'zrank' command\r\n
            zrevrank z a withscore => -ERR wrong number of arguments for 'zrevrank' command\r\n
            zrank z => -ERR wrong number of arguments for 'zrank' command\r\n
            set s x => +OK\r\n
            zrank s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrevrank s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZCountAndZLexCount(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zcount z 2 4 => :3\r\n
            zcount z (2 4 => :2\r\n
            zcount z 2 (4 => :2\r\n
            zcount z -inf +inf => :5\r\n
            zcount z 3 1 => :0\r\n
            zcount z (3 3 => :0\r\n
            zcount z 6 +inf => :0\r\n
            zcount nokey 1 2 => :0\r\n
            zadd l 0 a 0 b 0 c 0 d => :4\r\n
            zlexcount l - + => :4\r\n
            zlexcount l [b (d => :2\r\n
            zlexcount l (a [a => :0\r\n
            zlexcount l [d [a => :0\r\n
            zlexcount l + - => :0\r\n
            zlexcount l b d => -ERR min or max not valid string range item\r\n
            zlexcount nokey - + => :0\r\n
            zlexcount nokey x y => -ERR min or max not valid string range item\r\n
            set s x => +OK\r\n
            zlexcount s - + => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zcount z 1 => -ERR wrong number of arguments for 'zcount' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZPopMinAndZPopMax(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zpopmin z 0 => *0\r\n
            zpopmin z -1 => -ERR value is out of range, must be positive\r\n
            zpopmin z x => -ERR value is out of range, must be positive\r\n
            zpopmin z 1 2 => -ERR syntax error\r\n
            zpopmin z => *2\r\n$1\r\na\r\n$1\r\n1\r\n
            zpopmin z 1 => *2\r\n$1\r\nb\r\n$1\r\n2\r\n
            zpopmax z => *2\r\n$1\r\ne\r\n$1\r\n5\r\n
            zpopmax z 2 => *4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n
            zpopmin z 10 => *0\r\n
            exists z => :0\r\n
            zpopmin z => *0\r\n
            zpopmin nokey 5 => *0\r\n
            zpopmax nokey -1 => -ERR value is out of range, must be positive\r\n
            set s v => +OK\r\n
            zpopmin s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zpopmax s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zpopmin s -1 => -ERR value is out of range, must be positive\r\n
            zpopmax => -ERR wrong number of arguments for 'zpopmax' command\r\n
            #resp3
            zadd z 1 a 2 b 3 c => :3\r\n
            zpopmax z => *2\r\n$1\r\nc\r\n,3\r\n
            zpopmax z 1 => *1\r\n*2\r\n$1\r\nb\r\n,2\r\n
            zpopmin z 7 => *1\r\n*2\r\n$1\r\na\r\n,1\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZMPop(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c => :3\r\n
            zmpop 1 z min => *2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            zmpop 1 z max count 5 => *2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n
            zmpop 1 z min => *-1\r\n
            zadd z 1 a 2 b 3 c => :3\r\n
            zadd y 10 x => :1\r\n
            zmpop 3 nokey z y max count 2 => *2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n
            zmpop 3 nokey y z MIN COUNT 9 => *2\r\n$1\r\ny\r\n*1\r\n*2\r\n$1\r\nx\r\n$2\r\n10\r\n
            zmpop 2 nokey nokey2 max => *-1\r\n
            zmpop 0 z min => -ERR numkeys should be greater than 0\r\n
            zmpop -1 z min => -ERR numkeys should be greater than 0\r\n
            zmpop x z min => -ERR numkeys should be greater than 0\r\n
            zmpop 2 z min => -ERR syntax error\r\n
            zmpop 1 z foo => -ERR syntax error\r\n
            zmpop 1 z min count 0 => -ERR count should be greater than 0\r\n
            zmpop 1 z min count -1 => -ERR count should be greater than 0\r\n
            zmpop 1 z min count x => -ERR count should be greater than 0\r\n
            zmpop 1 z min count => -ERR syntax error\r\n
            zmpop 1 z min count 1 count 2 => -ERR syntax error\r\n
            zmpop 1 z min foo 1 => -ERR syntax error\r\n
            zmpop 1 z min count 1 extra => -ERR syntax error\r\n
            zmpop 9999999999999 z min => -ERR syntax error\r\n
            zmpop 1 z => -ERR wrong number of arguments for 'zmpop' command\r\n
            set s v => +OK\r\n
            zmpop 1 s min => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zmpop 2 nokey s min => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zmpop 2 z s min => *2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n
            #resp3
            zmpop 1 nokey min => _\r\n
            zmpop 1 z max => _\r\n
            zmpop 1 z min count 3 => _\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZUnionZInterZDiff(int listpackEntries)
    {
        Script("""
            zadd a 1 x 2 y 3 z => :3\r\n
            zadd b 10 y 20 z 30 w => :3\r\n
            set str v => +OK\r\n
            zunion 2 a b => *4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n
            zunion 2 a b withscores => *8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n
            zunion 2 a b weights 2 3 withscores => *8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n34\r\n$1\r\nz\r\n$2\r\n66\r\n$1\r\nw\r\n$2\r\n90\r\n
            zunion 2 a b weights 1 -1 withscores => *8\r\n$1\r\nw\r\n$3\r\n-30\r\n$1\r\nz\r\n$3\r\n-17\r\n$1\r\ny\r\n$2\r\n-8\r\n$1\r\nx\r\n$1\r\n1\r\n
            zunion 2 a b aggregate min withscores => *8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n
            zunion 2 a b aggregate MAX withscores => *8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n
            zunion 2 a b aggregate sum withscores weights 0.5 0.1 => *8\r\n$1\r\nx\r\n$3\r\n0.5\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nw\r\n$1\r\n3\r\n$1\r\nz\r\n$3\r\n3.5\r\n
            zunion 2 a a withscores => *6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n$1\r\nz\r\n$1\r\n6\r\n
            zunion 2 a nokey withscores => *6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n
            zinter 2 a b withscores => *4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n
            zinter 2 a b weights 1 -1 withscores => *4\r\n$1\r\nz\r\n$3\r\n-17\r\n$1\r\ny\r\n$2\r\n-8\r\n
            zinter 2 a b aggregate max withscores => *4\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n
            zinter 2 a b aggregate min => *2\r\n$1\r\ny\r\n$1\r\nz\r\n
            zinter 2 a nokey withscores => *0\r\n
            zinter 2 a a withscores => *6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n$1\r\nz\r\n$1\r\n6\r\n
            zdiff 2 a b withscores => *2\r\n$1\r\nx\r\n$1\r\n1\r\n
            zdiff 2 b a withscores => *2\r\n$1\r\nw\r\n$2\r\n30\r\n
            zdiff 1 a => *3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n
            zdiff 2 a a => *0\r\n
            zdiff 2 nokey a => *0\r\n
            zdiff 2 a nokey withscores => *6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n
            zadd inf 1 x => :1\r\n
            zadd pinf inf x => :1\r\n
            zadd ninf -inf x => :1\r\n
            zunion 2 pinf ninf withscores => *2\r\n$1\r\nx\r\n$1\r\n0\r\n
            zunion 2 pinf inf weights 0 1 withscores => *2\r\n$1\r\nx\r\n$1\r\n1\r\n
            zinter 2 pinf ninf withscores => *2\r\n$1\r\nx\r\n$1\r\n0\r\n
            zinter 2 pinf inf weights 0 1 aggregate max withscores => *2\r\n$1\r\nx\r\n$1\r\n1\r\n
            zunion 2 a b weights inf -inf withscores => *8\r\n$1\r\nw\r\n$4\r\n-inf\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n$1\r\nx\r\n$3\r\ninf\r\n
            zunion 2 a b aggregate foo => -ERR syntax error\r\n
            zunion 2 a b aggregate => -ERR syntax error\r\n
            zunion 2 a b weights 1 => -ERR syntax error\r\n
            zunion 2 a b weights 1 x => -ERR weight value is not a float\r\n
            zunion 2 a b weights nan 1 => -ERR weight value is not a float\r\n
            zunion 2 a b weights " 1" 1 => -ERR weight value is not a float\r\n
            zunion 2 a b weights 1 2 3 => -ERR syntax error\r\n
            zunion 2 a b weights => -ERR syntax error\r\n
            zunion 2 a b withscores limit 1 => -ERR syntax error\r\n
            zunion 0 a => -ERR at least 1 input key is needed for 'zunion' command\r\n
            zunion -1 a => -ERR at least 1 input key is needed for 'zunion' command\r\n
            zunion 3 a b => -ERR syntax error\r\n
            zunion x a => -ERR value is not an integer or out of range\r\n
            zunion 2 a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zunion 2 a str weights x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zinter 2 str a foo => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zdiff 2 a b weights 1 2 => -ERR syntax error\r\n
            zdiff 2 a b aggregate sum => -ERR syntax error\r\n
            zdiff 0 a => -ERR at least 1 input key is needed for 'zdiff' command\r\n
            zdiff 3 a b => -ERR syntax error\r\n
            zinter 0 a => -ERR at least 1 input key is needed for 'zinter' command\r\n
            zunion 1 => -ERR wrong number of arguments for 'zunion' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Fact]
    public void ZUnionStoreZInterStoreZDiffStore()
    {
        Script("""
            zadd a 1 x 2 y 3 z => :3\r\n
            zadd b 10 y 20 z 30 w => :3\r\n
            zunionstore d 2 a b => :4\r\n
            zrange d 0 -1 withscores => *8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n
            #encoding d listpack
            zunionstore d 2 a b weights 1 2 aggregate max => :4\r\n
            zrange d 0 -1 withscores => *8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nz\r\n$2\r\n40\r\n$1\r\nw\r\n$2\r\n60\r\n
            zinterstore d 2 a b => :2\r\n
            zrange d 0 -1 withscores => *4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n
            zinterstore d 2 a nokey => :0\r\n
            exists d => :0\r\n
            zinterstore d 2 a nokey => :0\r\n
            zdiffstore d 2 a b => :1\r\n
            zrange d 0 -1 withscores => *2\r\n$1\r\nx\r\n$1\r\n1\r\n
            zdiffstore d 2 a a => :0\r\n
            exists d => :0\r\n
            zunionstore d 2 a b withscores => -ERR syntax error\r\n
            zinterstore d 2 a b withscores => -ERR syntax error\r\n
            zdiffstore d 2 a b withscores => -ERR syntax error\r\n
            zdiffstore d 0 a => -ERR at least 1 input key is needed for 'zdiffstore' command\r\n
            zunionstore d 0 a => -ERR at least 1 input key is needed for 'zunionstore' command\r\n
            zunionstore d 1 => -ERR wrong number of arguments for 'zunionstore' command\r\n
            zunionstore d x a => -ERR value is not an integer or out of range\r\n
            set str v => +OK\r\n
            zunionstore d 2 a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zunionstore str 1 a => :3\r\n
            type str => +zset\r\n
            zinterstore a 2 a b => :2\r\n
            zrange a 0 -1 withscores => *4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n
            zunionstore a 1 a weights 2 => :2\r\n
            zrange a 0 -1 withscores => *4\r\n$1\r\ny\r\n$2\r\n24\r\n$1\r\nz\r\n$2\r\n46\r\n
            """);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZInterCard(int listpackEntries)
    {
        Script("""
            zadd a 1 x 2 y 3 z => :3\r\n
            zadd b 10 y 20 z 30 w => :3\r\n
            zintercard 2 a b => :2\r\n
            zintercard 2 a b limit 1 => :1\r\n
            zintercard 2 a b limit 0 => :2\r\n
            zintercard 2 a b limit 100 => :2\r\n
            zintercard 2 a b LIMIT 2 => :2\r\n
            zintercard 1 a => :3\r\n
            zintercard 2 a a => :3\r\n
            zintercard 2 a b limit -1 => -ERR LIMIT can't be negative\r\n
            zintercard 2 a b limit x => -ERR LIMIT can't be negative\r\n
            zintercard 2 a b limit => -ERR syntax error\r\n
            zintercard 2 a b foo => -ERR syntax error\r\n
            zintercard 2 a b withscores => -ERR syntax error\r\n
            zintercard 2 a b weights 1 2 => -ERR syntax error\r\n
            zintercard 0 a => -ERR at least 1 input key is needed for 'zintercard' command\r\n
            zintercard 3 a b => -ERR syntax error\r\n
            zintercard 1 nokey => :0\r\n
            zintercard 2 a nokey => :0\r\n
            set str v => +OK\r\n
            zintercard 2 a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zintercard 1 => -ERR wrong number of arguments for 'zintercard' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRemRangeByRankScoreLex(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zremrangebyrank z x 1 => -ERR value is not an integer or out of range\r\n
            zremrangebyrank z 0 x => -ERR value is not an integer or out of range\r\n
            zremrangebyrank z 5 10 => :0\r\n
            zremrangebyrank z -100 -50 => :0\r\n
            zremrangebyrank z 3 1 => :0\r\n
            zremrangebyrank z 1 -2 => :3\r\n
            zrange z 0 -1 withscores => *4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\ne\r\n$1\r\n5\r\n
            zremrangebyrank nokey 0 1 => :0\r\n
            zadd z 2 b 3 c 4 d => :3\r\n
            zremrangebyscore z x 1 => -ERR min or max is not a float\r\n
            zremrangebyscore z (1 (1 => :0\r\n
            zremrangebyscore z 3 1 => :0\r\n
            zremrangebyscore z (1 3 => :2\r\n
            zrange z 0 -1 withscores => *6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n
            zremrangebyscore z -inf +inf => :3\r\n
            exists z => :0\r\n
            zremrangebyscore nokey -inf +inf => :0\r\n
            zadd l 0 a 0 b 0 c 0 d 0 e => :5\r\n
            zremrangebylex l - - => :0\r\n
            zremrangebylex l x y => -ERR min or max not valid string range item\r\n
            zremrangebylex l (a [c => :2\r\n
            zrange l 0 -1 => *3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n
            zremrangebylex l [e + => :1\r\n
            zremrangebylex l - + => :2\r\n
            exists l => :0\r\n
            zremrangebylex nokey - + => :0\r\n
            set s x => +OK\r\n
            zremrangebyrank s 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zremrangebyrank s x 1 => -ERR value is not an integer or out of range\r\n
            zremrangebyscore s 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zremrangebyscore s x 1 => -ERR min or max is not a float\r\n
            zremrangebylex s - + => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zremrangebylex s x y => -ERR min or max not valid string range item\r\n
            zremrangebyrank z 0 => -ERR wrong number of arguments for 'zremrangebyrank' command\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(0)]
    public void ZRandMemberDeterministicReplies(int listpackEntries)
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 d 5 e => :5\r\n
            zrandmember z 5 => *5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n
            zrandmember z 10 => *5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n
            zrandmember z 5 withscores => *10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n
            zrandmember z 0 => *0\r\n
            zrandmember z 0 withscores => *0\r\n
            zrandmember nokey => $-1\r\n
            zrandmember nokey 5 => *0\r\n
            zrandmember nokey -5 withscores => *0\r\n
            zrandmember z x => -ERR value is not an integer or out of range\r\n
            zrandmember z 1 2 => -ERR syntax error\r\n
            zrandmember z 1 withscore => -ERR syntax error\r\n
            zrandmember z -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n
            zrandmember z 9223372036854775807 withscores => -ERR value is out of range\r\n
            zrandmember z -4611686018427387904 withscores => -ERR value is out of range\r\n
            zrandmember z 4611686018427387903 withscores => *10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n
            set s v => +OK\r\n
            zrandmember s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrandmember s 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zrandmember s x => -ERR value is not an integer or out of range\r\n
            zrandmember s 1 x => -ERR syntax error\r\n
            """, WithListpackEntries(listpackEntries));
    }

    [Fact]
    public void ZScanListpackAndErrors()
    {
        Script("""
            zadd z 1 a 2 b 3 c 4 ab 0.1 f 1e20 g 4611686018427387904 h 4.7e18 i -0 j inf k => :10\r\n
            zscan z 0 => *2\r\n$1\r\n0\r\n*20\r\n$1\r\nj\r\n$1\r\n0\r\n$1\r\nf\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n$1\r\nh\r\n$19\r\n4611686018427387904\r\n$1\r\ni\r\n$7\r\n4.7e+18\r\n$1\r\ng\r\n$5\r\n1e+20\r\n$1\r\nk\r\n$3\r\ninf\r\n
            zscan z 0 match a* => *2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n
            zscan z 0 count 1 => *2\r\n$1\r\n0\r\n*20\r\n$1\r\nj\r\n$1\r\n0\r\n$1\r\nf\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n$1\r\nh\r\n$19\r\n4611686018427387904\r\n$1\r\ni\r\n$7\r\n4.7e+18\r\n$1\r\ng\r\n$5\r\n1e+20\r\n$1\r\nk\r\n$3\r\ninf\r\n
            zscan z -1 => *2\r\n$1\r\n0\r\n*20\r\n$1\r\nj\r\n$1\r\n0\r\n$1\r\nf\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n$1\r\nh\r\n$19\r\n4611686018427387904\r\n$1\r\ni\r\n$7\r\n4.7e+18\r\n$1\r\ng\r\n$5\r\n1e+20\r\n$1\r\nk\r\n$3\r\ninf\r\n
            zscan z 0 noscores => -ERR syntax error\r\n
            zscan z 0 count 0 => -ERR syntax error\r\n
            zscan z 0 count x => -ERR value is not an integer or out of range\r\n
            zscan z x => -ERR invalid cursor\r\n
            zscan z 18446744073709551616 => -ERR invalid cursor\r\n
            zscan z 0 match => -ERR syntax error\r\n
            zscan z 0 type zset => -ERR syntax error\r\n
            zscan nokey 0 => *2\r\n$1\r\n0\r\n*0\r\n
            zscan nokey x => -ERR invalid cursor\r\n
            set s v => +OK\r\n
            zscan s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zscan s x => -ERR invalid cursor\r\n
            """);
    }

    [Fact]
    public void ListpackThresholds()
    {
        Script("""
            zadd z 1 m{64} => :1\r\n
            #encoding z listpack
            zadd z2 1 m{65} => :1\r\n
            #encoding z2 skiplist
            zadd z3 1 a 2 m{65} => :2\r\n
            #encoding z3 skiplist
            zadd z4 xx 1 m{65} => :0\r\n
            exists z4 => :0\r\n
            zrem z2 m{65} => :1\r\n
            exists z2 => :0\r\n
            zadd z3 3 b => :1\r\n
            zrem z3 m{65} => :1\r\n
            #encoding z3 skiplist
            zcard z3 => :2\r\n
            #config zset-max-listpack-entries 3
            zadd e 1 a 2 b 3 c => :3\r\n
            #encoding e listpack
            zadd e 1 a 3 c => :0\r\n
            #encoding e listpack
            zadd e 4 d => :1\r\n
            #encoding e skiplist
            zpopmax e 3 => *6\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n
            #encoding e skiplist
            #config zset-max-listpack-entries 128
            zadd e 1 x => :1\r\n
            #encoding e skiplist
            #config zset-max-listpack-entries 0
            zadd zero 1 a => :1\r\n
            #encoding zero skiplist
            #config zset-max-listpack-entries 128
            #config zset-max-listpack-value 0
            zadd v0 1 a => :1\r\n
            #encoding v0 skiplist
            zadd v1 1 "" => :1\r\n
            #encoding v1 listpack
            #config zset-max-listpack-value 64
            zadd big 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m 1 m => :1\r\n
            #encoding big listpack
            copy e ecopy => :1\r\n
            #encoding ecopy skiplist
            zrange ecopy 0 -1 withscores => *4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n
            type e => +zset\r\n
            zadd s1 1 a 2 b => :2\r\n
            zrangestore st s1 0 -1 => :2\r\n
            #encoding st listpack
            zunionstore u 2 s1 z2 => :2\r\n
            #encoding u listpack
            zunionstore u 2 s1 z3 => :2\r\n
            #encoding u listpack
            zadd long 1 m{65} => :1\r\n
            zunionstore u 2 s1 long => :3\r\n
            #encoding u skiplist
            zinterstore u 2 s1 long => :0\r\n
            exists u => :0\r\n
            zdiffstore u 2 long s1 => :1\r\n
            #encoding u skiplist
            #config zset-max-listpack-entries 1
            zrangestore st s1 0 -1 => :2\r\n
            #encoding st skiplist
            zrangestore st s1 0 0 => :1\r\n
            #encoding st listpack
            zrangestore st s1 -inf +inf byscore limit 0 1 => :1\r\n
            #encoding st listpack
            zinterstore st 1 s1 => :2\r\n
            #encoding st skiplist
            zdiffstore st 1 s1 => :2\r\n
            #encoding st skiplist
            """);
    }


    // ---- Effects: replication stream, keyspace events, dirty counter, write announcements ----

    [Fact]
    public void PropagatesAsReceivedExceptZmpop()
    {
        // The stream redis-server 7.0.15 wrote to its AOF for the same commands.
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Run("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Assert.Equal(Resp("SELECT", "0") + Resp("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), stream.Take());
        s.Run("zadd", "z", "1", "a");
        s.Run("zadd", "z", "nx", "incr", "1", "a");
        s.Run("zadd", "z", "xx", "gt", "0", "b");
        s.Run("zpopmin", "z", "0");
        s.Run("zrem", "z", "nope");
        s.Run("zrandmember", "z");
        s.Run("zremrangebyscore", "z", "10", "20");
        Assert.Equal("", stream.Take());
        s.Run("zadd", "z", "incr", "1", "a");
        s.Run("zincrby", "z", "2", "b");
        s.Run("zpopmin", "z", "1");
        s.Run("zpopmax", "z");
        Assert.Equal(Resp("zadd", "z", "incr", "1", "a") + Resp("zincrby", "z", "2", "b") + Resp("zpopmin", "z", "1") + Resp("zpopmax", "z"), stream.Take());
        Assert.Equal("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", s.Run("zmpop", "1", "z", "min"));
        Assert.Equal(Resp("ZPOPMIN", "z", "1"), stream.Take());
        s.Run("zmpop", "2", "nokey", "z", "max", "count", "10");
        Assert.Equal(Resp("ZPOPMAX", "z", "2"), stream.Take());
        s.Run("zmpop", "1", "z", "max");
        Assert.Equal("", stream.Take());
        s.Run("zadd", "z", "1", "a", "2", "b", "3", "c");
        stream.Take();
        s.Run("zrangestore", "d", "z", "0", "1");
        s.Run("zunionstore", "d", "1", "z");
        s.Run("zunionstore", "d", "1", "nokey");
        s.Run("zunionstore", "d", "1", "nokey");
        s.Run("zremrangebyrank", "z", "0", "0");
        s.Run("zrem", "z", "b", "nope");
        Assert.Equal(Resp("zrangestore", "d", "z", "0", "1") + Resp("zunionstore", "d", "1", "z") + Resp("zunionstore", "d", "1", "nokey") +
                     Resp("zremrangebyrank", "z", "0", "0") + Resp("zrem", "z", "b", "nope"), stream.Take());
    }

    [Fact]
    public void DirtyCountsChangesLikeRedis()
    {
        // Each step's rdb_changes_since_last_save increase on redis-server 7.0.15.
        var steps = new (string Command, long Dirty)[]
        {
            ("zadd z 1 a 2 b 3 c", 3), ("zadd z 1 a", 0), ("zadd z ch 5 a 6 b 7 d", 3), ("zadd z incr 0 a", 0),
            ("zadd z incr 1 a", 1), ("zincrby z 1 a", 1), ("zadd z gt 1 a", 0), ("zrem z a nope d", 2), ("zpopmin z 5", 2),
            ("zadd z 1 a 2 b 3 c 4 d", 4), ("zpopmax z 0", 0), ("zmpop 1 z min count 2", 2), ("zrangestore d z 0 -1", 1),
            ("zrangestore d z 5 6", 1), ("zrangestore d z 5 6", 0), ("zunionstore u 2 z d", 1), ("zinterstore u 1 nokey", 1),
            ("zdiffstore u 1 z", 1), ("zremrangebyrank z 0 0", 1), ("zremrangebyscore z -inf +inf", 1), ("zadd z 1 a 2 b 3 c", 3),
            ("zremrangebylex z - +", 3), ("zadd z 1 a 2 b 3 c", 3), ("zrange z 0 -1", 0), ("zincrby z -inf a", 1), ("zadd z incr inf a", 0),
        };
        var s = new TestServer();
        foreach (var (command, dirty) in steps)
        {
            long before = s.Server.Dirty;
            s.Run(command.Split(' '));
            Assert.True(dirty == s.Server.Dirty - before, $"{command}: {s.Server.Dirty - before}");
        }
    }

    [Fact]
    public void KeyspaceEventsLikeRedis()
    {
        // The keyevent notifications redis-server 7.0.15 published (notify-keyspace-events KEA) for each step.
        var steps = new (string Command, string Events)[]
        {
            ("zadd z 1 a 2 b 3 c", "zadd z"), ("zadd z 1 a", ""), ("zadd z incr 1 a", "zincr z"), ("zadd z ch 5 a", "zadd z"),
            ("zincrby z 1 a", "zincr z"), ("zrem z a nope", "zrem z"), ("zrem z nope", ""), ("zpopmin z", "zpopmin z"),
            ("zpopmax z 5", "zpopmax z, del z"), ("zadd z 1 a 2 b 3 c", "zadd z"), ("zmpop 1 z max count 3", "zpopmax z, del z"),
            ("zadd z 1 a 2 b 3 c", "zadd z"), ("zremrangebyscore z 1 1", "zremrangebyscore z"), ("zremrangebyrank z 0 0", "zremrangebyrank z"),
            ("zremrangebylex z - +", "zremrangebylex z, del z"), ("zremrangebylex z - +", ""), ("zadd z 1 a 2 b 3 c", "zadd z"),
            ("zrangestore d z 0 1", "zrangestore d"), ("zrangestore d z 5 6", "del d"), ("zrangestore d z 5 6", ""),
            ("zunionstore d 1 z", "zunionstore d"), ("zinterstore d 2 z nokey", "del d"), ("zdiffstore d 1 z", "zdiffstore d"),
            ("zadd z xx 5 nope", ""), ("zadd z gt 0 a", ""),
        };
        var s = new TestServer("notify-keyspace-events", "KEA");
        var events = s.CaptureKeyEvents();
        foreach (var (command, expected) in steps)
        {
            events.Clear();
            s.Run(command.Split(' '));
            Assert.True(expected == string.Join(", ", events), $"{command}: {string.Join(", ", events)}");
        }
    }

    [Fact]
    public void OnlyRealChangesAnnounceAWrite()
    {
        var s = new TestServer();
        s.Run("zadd", "z", "1", "a", "2", "b", "3", "c");
        var touched = new List<string>();
        s.Server.Keyspace.KeyWriting = (_, key) => touched.Add(Encoding.UTF8.GetString(key));
        s.Run("zadd", "z", "1", "a");
        s.Run("zadd", "z", "nx", "5", "a");
        s.Run("zadd", "z", "xx", "5", "nope");
        s.Run("zadd", "z", "gt", "0", "b");
        s.Run("zincrby", "z", "0", "a");
        s.Run("zrem", "z", "nope");
        s.Run("zpopmin", "z", "0");
        s.Run("zremrangebyscore", "z", "10", "20");
        s.Run("zremrangebylex", "z", "(zz", "+");
        s.Run("zremrangebyrank", "z", "5", "9");
        s.Run("zrange", "z", "0", "-1");
        s.Run("zunion", "1", "z");
        Assert.Empty(touched);
        s.Run("zadd", "z", "5", "a", "6", "b", "7", "d");
        s.Run("zrem", "z", "nope", "a", "b");
        s.Run("zpopmin", "z");
        s.Run("zrangestore", "dst", "z", "0", "-1");
        s.Run("zremrangebyscore", "z", "-inf", "+inf"); // the change, then the deletion of the emptied key
        Assert.Equal(new[] { "z", "z", "z", "dst", "z", "z" }, touched);
    }

    [Fact]
    public void StoreSourcesCountKeyspaceHitsAndMisses()
    {
        var s = new TestServer();
        s.Run("zadd", "z", "1", "a", "2", "b");
        long hits = s.Server.Stats.KeyspaceHits, misses = s.Server.Stats.KeyspaceMisses;
        s.Run("zrangestore", "d", "z", "0", "-1");
        s.Run("zrangestore", "d", "nokey", "0", "-1");
        Assert.Equal(hits + 1, s.Server.Stats.KeyspaceHits);
        Assert.Equal(misses + 1, s.Server.Stats.KeyspaceMisses);
        s.Run("zadd", "z", "3", "c");
        s.Run("zpopmin", "z");
        s.Run("zrem", "z", "b");
        Assert.Equal(hits + 1, s.Server.Stats.KeyspaceHits); // write lookups are not counted
        s.Run("zunion", "2", "z", "nokey");
        Assert.Equal(hits + 2, s.Server.Stats.KeyspaceHits);
        Assert.Equal(misses + 2, s.Server.Stats.KeyspaceMisses);
    }

    [Fact]
    public void GenericKeyCommandsSeeTheSortedSet()
    {
        Script("""
            zadd z 1 a 2 b 3 c => :3\r\n
            type z => +zset\r\n
            object encoding z => $8\r\nlistpack\r\n
            copy z c => :1\r\n
            zadd c 4 d => :1\r\n
            zcard z => :3\r\n
            zcard c => :4\r\n
            rename c r => +OK\r\n
            zrange r 0 -1 withscores => *8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n
            exists z c r => :2\r\n
            del z r => :2\r\n
            exists z r => :0\r\n
            zadd z 1 a => :1\r\n
            set z x => +OK\r\n
            type z => +string\r\n
            zadd z 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            zadd s 1 a => :1\r\n
            get s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            append s x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            hset s f v => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """);
    }

    // ---- The pop used by the blocking commands ----

    [Fact]
    public void PopAndReplyGivesTheBlockingCommandsReplies()
    {
        // Replies of BZPOPMIN/BZPOPMAX/BZMPOP on a non-empty key, recorded from redis-server 7.0.15.
        var s = new TestServer();
        var stream = RecordingConsumer.Attach(s);
        s.Server.Commands.Add(new Mirra.Engine.CommandSpec("testbzpop", 3, "write", 1, 1, 1, ctx =>
        {
            bool max = ctx.ArgIs(2, "max"u8);
            if (SortedSetCommands.PopAndReply(ctx, ctx.Arg(1), max, -1, emitKey: true, nested: false) > 0)
                SortedSetCommands.PropagatePop(ctx, ctx.Arg(1), max, -1);
            else ctx.Reply.NullArray();
        }));
        s.Server.Commands.Add(new Mirra.Engine.CommandSpec("testbzmpop", 4, "write", 1, 1, 1, ctx =>
        {
            long count = long.Parse(ctx.ArgString(3));
            long n = SortedSetCommands.PopAndReply(ctx, ctx.Arg(1), ctx.ArgIs(2, "max"u8), count, emitKey: true, nested: true);
            if (n > 0) SortedSetCommands.PropagatePop(ctx, ctx.Arg(1), ctx.ArgIs(2, "max"u8), n);
        }));
        s.Run("zadd", "z", "1", "a", "2", "b", "3", "c");
        stream.Take();
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", s.Run("testbzpop", "z", "min"));
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n", s.Run("testbzpop", "z", "max"));
        Assert.Equal(Resp("ZPOPMIN", "z") + Resp("ZPOPMAX", "z"), stream.Take());
        Assert.Equal("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", s.Run("testbzmpop", "z", "min", "5"));
        Assert.Equal(Resp("ZPOPMIN", "z", "1"), stream.Take());
        Assert.Equal(":0\r\n", s.Run("exists", "z"));
        Assert.Equal("*-1\r\n", s.Run("testbzpop", "z", "min"));
        s.Run("set", "str", "x");
        Assert.Equal("*-1\r\n", s.Run("testbzpop", "str", "min")); // not a sorted set: nothing popped, nothing written
        s.Run("zadd", "z", "1", "a", "2", "b");
        s.Client.Reply.Protocol = 3;
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n", s.Run("testbzpop", "z", "min"));
        Assert.Equal("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n", s.Run("testbzmpop", "z", "max", "2"));
    }

    // ---- Complexity ----

    [Fact]
    public void RanksAndRankRangesStayLogarithmicOnALargeSet()
    {
        // 200,000 members, then 100,000 ZRANK/ZREVRANK/ZRANGE-by-rank calls: linear rank lookups would not finish.
        const int members = 200_000;
        var s = new TestServer();
        var args = new List<string> { "zadd", "big" };
        for (int i = 0; i < members; i++)
        {
            args.Add(i.ToString());
            args.Add("m" + i.ToString("D6"));
            if (args.Count == 2 + 2 * 5000)
            {
                Assert.Equal(":5000\r\n", s.Run(args.ToArray()));
                args.RemoveRange(2, args.Count - 2);
            }
        }
        Assert.Equal($":{members}\r\n", s.Run("zcard", "big"));
        Assert.Equal("$8\r\nskiplist\r\n", s.Run("object", "encoding", "big"));
        var rng = new Random(42);
        for (int call = 0; call < 100_000; call++)
        {
            int i = rng.Next(members);
            string member = "m" + i.ToString("D6");
            switch (call % 4)
            {
                case 0:
                    Assert.Equal($":{i}\r\n", s.Run("zrank", "big", member));
                    break;
                case 1:
                    Assert.Equal($":{members - 1 - i}\r\n", s.Run("zrevrank", "big", member));
                    break;
                case 2:
                    Assert.Equal($"*1\r\n$7\r\n{member}\r\n", s.Run("zrange", "big", i.ToString(), i.ToString()));
                    break;
                default:
                    Assert.Equal($"*1\r\n$7\r\n{member}\r\n", s.Run("zrange", "big", (i - members).ToString(), (i - members).ToString()));
                    break;
            }
        }
        Assert.Equal(":100000\r\n", s.Run("zcount", "big", "100000", "+inf"));
        Assert.Equal(":1000\r\n", s.Run("zremrangebyrank", "big", "1000", "1999"));
        Assert.Equal(":1000\r\n", s.Run("zrank", "big", "m002000"));
    }
}

public class SortedSetWithSetInputsTests
{
    [Fact]
    public void PlainSetsAreInputsWithScoreOne()
    {
        // Replies recorded from redis-server 7.0.15.
        var s = new Support.TestServer();
        s.Run("SADD", "s", "a", "b", "c");
        s.Run("SADD", "i", "1", "2");
        s.Run("ZADD", "z", "5", "a", "7", "x");
        Assert.Equal("*12\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nx\r\n$1\r\n7\r\n",
            s.Run("ZUNION", "3", "s", "i", "z", "WITHSCORES"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\n6\r\n", s.Run("ZINTER", "2", "s", "z", "WITHSCORES"));
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", s.Run("ZDIFF", "2", "i", "z"));
    }
}
