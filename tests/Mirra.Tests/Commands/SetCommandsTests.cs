using System.Text;
using Mirra.Commands;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class SetCommandsTests
{
    /// <summary>Runs a transcript recorded from redis-server 7.0.15 (see <see cref="Transcript"/>).</summary>
    static TestServer Script(string transcript, TestServer? server = null) => Transcript.Run(server ?? new TestServer(), transcript);

    // ---- Transcripts checked against redis-server 7.0.15 ----

    [Fact]
    public void AddRemoveMembershipAndErrors()
    {
        Script("""
            sadd => -ERR wrong number of arguments for 'sadd' command\r\n
            sadd s => -ERR wrong number of arguments for 'sadd' command\r\n
            sadd s 3 1 2 -5 100000 -70000 9223372036854775807 => :7\r\n
            #encoding s intset
            smembers s => *7\r\n$6\r\n-70000\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$6\r\n100000\r\n$19\r\n9223372036854775807\r\n
            sadd s 2 1 => :0\r\n
            sadd s 2 2 4 4 => :1\r\n
            scard s => :8\r\n
            sismember s 1 => :1\r\n
            sismember s 01 => :0\r\n
            sismember s +1 => :0\r\n
            sismember s 9223372036854775808 => :0\r\n
            sismember s a => :0\r\n
            sismember nokey 1 => :0\r\n
            smismember s 1 a 4 3 => *4\r\n:1\r\n:0\r\n:1\r\n:1\r\n
            smismember nokey a b => *2\r\n:0\r\n:0\r\n
            smismember s => -ERR wrong number of arguments for 'smismember' command\r\n
            sadd s hello => :1\r\n
            #encoding s hashtable
            sismember s hello => :1\r\n
            sismember s 1 => :1\r\n
            scard s => :9\r\n
            scard nokey => :0\r\n
            sismember s => -ERR wrong number of arguments for 'sismember' command\r\n
            scard s x => -ERR wrong number of arguments for 'scard' command\r\n
            smembers s x => -ERR wrong number of arguments for 'smembers' command\r\n
            smembers nokey => *0\r\n
            sadd t a b c => :3\r\n
            srem t => -ERR wrong number of arguments for 'srem' command\r\n
            srem nokey a => :0\r\n
            srem t x y => :0\r\n
            srem t a a x => :1\r\n
            sismember t b => :1\r\n
            srem t c b z => :2\r\n
            exists t => :0\r\n
            sadd v -9223372036854775808 0 => :2\r\n
            #encoding v intset
            smembers v => *2\r\n$20\r\n-9223372036854775808\r\n$1\r\n0\r\n
            sadd x +1 => :1\r\n
            #encoding x hashtable
            sadd y 01 => :1\r\n
            #encoding y hashtable
            sadd z -0 => :1\r\n
            #encoding z hashtable
            sadd w 9223372036854775808 => :1\r\n
            #encoding w hashtable
            sadd u " 1" => :1\r\n
            #encoding u hashtable
            sadd e "" => :1\r\n
            #encoding e hashtable
            smembers e => *1\r\n$0\r\n\r\n
            set str x => +OK\r\n
            sadd str a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            srem str a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smembers str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sismember str a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smismember str a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            scard str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            SADD Upper 5 7 => :2\r\n
            SMEMBERS Upper => *2\r\n$1\r\n5\r\n$1\r\n7\r\n
            """);
    }

    [Fact]
    public void EncodingsFollowRedis70()
    {
        Script("""
            #config set-max-intset-entries 4
            sadd l 1 2 3 4 => :4\r\n
            #encoding l intset
            sadd l 4 3 => :0\r\n
            #encoding l intset
            sadd l 5 => :1\r\n
            #encoding l hashtable
            srem l 5 4 3 2 => :4\r\n
            #encoding l hashtable
            smembers l => *1\r\n$1\r\n1\r\n
            sadd m 1 2 3 4 5 => :5\r\n
            #encoding m hashtable
            #config set-max-intset-entries 0
            sadd e 1 => :1\r\n
            #encoding e hashtable
            smembers e => *1\r\n$1\r\n1\r\n
            #config set-max-intset-entries 2
            sadd q 1 2 => :2\r\n
            #config set-max-intset-entries 1
            sadd q 2 => :0\r\n
            #encoding q intset
            sadd q 1 2 => :0\r\n
            #encoding q intset
            srem q 2 => :1\r\n
            #encoding q intset
            sadd q 2 => :1\r\n
            #encoding q hashtable
            #config set-max-intset-entries 512
            sadd w 1 a => :2\r\n
            #encoding w hashtable
            srem w a => :1\r\n
            #encoding w hashtable
            sadd w2 1 => :1\r\n
            sadd w2 32767 -32768 => :2\r\n
            #encoding w2 intset
            sadd w2 32768 => :1\r\n
            sadd w2 -2147483648 2147483647 => :2\r\n
            sadd w2 2147483648 -9223372036854775808 => :2\r\n
            #encoding w2 intset
            smembers w2 => *8\r\n$20\r\n-9223372036854775808\r\n$11\r\n-2147483648\r\n$6\r\n-32768\r\n$1\r\n1\r\n$5\r\n32767\r\n$5\r\n32768\r\n$10\r\n2147483647\r\n$10\r\n2147483648\r\n
            srem w2 2147483648 -9223372036854775808 32768 -2147483648 2147483647 => :5\r\n
            #encoding w2 intset
            smembers w2 => *3\r\n$6\r\n-32768\r\n$1\r\n1\r\n$5\r\n32767\r\n
            """);
    }

    [Fact]
    public void IntersectionUnionDifferenceAndStores()
    {
        Script("""
            sadd a 1 2 3 4 5 => :5\r\n
            sadd b 4 5 6 7 => :4\r\n
            sadd c 5 7 9 => :3\r\n
            sadd h 5 x => :2\r\n
            sinter a => *5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n
            sinter a b => *2\r\n$1\r\n4\r\n$1\r\n5\r\n
            sinter a b c => *1\r\n$1\r\n5\r\n
            sinter a b c h => *1\r\n$1\r\n5\r\n
            sinter c a => *1\r\n$1\r\n5\r\n
            sinter a a => *5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n
            sinter a nokey => *0\r\n
            sinter nokey a => *0\r\n
            sinter => -ERR wrong number of arguments for 'sinter' command\r\n
            sunion a b => *7\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n
            sunion a b c nokey => *8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n
            sunion nokey => *0\r\n
            sunion => -ERR wrong number of arguments for 'sunion' command\r\n
            sdiff a b => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sdiff a b c => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sdiff a a => *0\r\n
            sdiff a nokey => *5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n
            sdiff nokey a => *0\r\n
            sdiff b a c => *1\r\n$1\r\n6\r\n
            sdiff h a => *1\r\n$1\r\nx\r\n
            sdiff => -ERR wrong number of arguments for 'sdiff' command\r\n
            sinterstore => -ERR wrong number of arguments for 'sinterstore' command\r\n
            sinterstore d => -ERR wrong number of arguments for 'sinterstore' command\r\n
            sinterstore d a b => :2\r\n
            #encoding d intset
            smembers d => *2\r\n$1\r\n4\r\n$1\r\n5\r\n
            sinterstore d a nokey => :0\r\n
            exists d => :0\r\n
            sunionstore d a b c => :8\r\n
            #encoding d intset
            smembers d => *8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n
            sunionstore d a h => :6\r\n
            #encoding d hashtable
            scard d => :6\r\n
            sdiffstore d d h => :4\r\n
            smembers d => *4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n
            #encoding d intset
            sdiffstore d a a => :0\r\n
            exists d => :0\r\n
            sdiffstore d a c => :4\r\n
            smembers d => *4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n
            sdiffstore d nokey => :0\r\n
            exists d => :0\r\n
            set str x => +OK\r\n
            sinter a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sinter nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sinter str nokey => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sunion a nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sdiff nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sinterstore d a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sunionstore d str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sdiffstore d a str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sunionstore str a => :5\r\n
            type str => +set\r\n
            smembers str => *5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n
            set str2 x => +OK\r\n
            sinterstore str2 a nokey => :0\r\n
            exists str2 => :0\r\n
            sintercard => -ERR wrong number of arguments for 'sintercard' command\r\n
            sintercard 1 => -ERR wrong number of arguments for 'sintercard' command\r\n
            sintercard 0 a => -ERR numkeys should be greater than 0\r\n
            sintercard -1 a => -ERR numkeys should be greater than 0\r\n
            sintercard abc a => -ERR numkeys should be greater than 0\r\n
            sintercard 2 a => -ERR Number of keys can't be greater than number of args\r\n
            sintercard 1 a => :5\r\n
            sintercard 2 a b => :2\r\n
            sintercard 3 a b c => :1\r\n
            sintercard 2 a nokey => :0\r\n
            sintercard 2 a b limit 1 => :1\r\n
            sintercard 2 a b LIMIT 0 => :2\r\n
            sintercard 2 a b limit 5 => :2\r\n
            sintercard 1 a limit 3 => :3\r\n
            sintercard 1 a limit -1 => -ERR LIMIT can't be negative\r\n
            sintercard 1 a limit x => -ERR LIMIT can't be negative\r\n
            sintercard 1 a limit => -ERR syntax error\r\n
            sintercard 1 a limit 1 limit 2 => :2\r\n
            sintercard 1 a foo => -ERR syntax error\r\n
            sintercard 1 str => :5\r\n
            sintercard 2 nokey str => :0\r\n
            sintercard 1 a b => -ERR syntax error\r\n
            set str3 x => +OK\r\n
            sintercard 2 nokey str3 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sintercard 1 str3 limit -1 => -ERR LIMIT can't be negative\r\n
            """);
    }

    [Fact]
    public void PopAndRandomMemberDeterministicCases()
    {
        Script("""
            sadd s 7 => :1\r\n
            spop s => $1\r\n7\r\n
            exists s => :0\r\n
            spop s => $-1\r\n
            spop nokey => $-1\r\n
            spop nokey 3 => *0\r\n
            sadd s 1 2 3 => :3\r\n
            spop s 0 => *0\r\n
            spop s -1 => -ERR value is out of range, must be positive\r\n
            spop s abc => -ERR value is out of range, must be positive\r\n
            spop s 1.5 => -ERR value is out of range, must be positive\r\n
            spop s " 1" => -ERR value is out of range, must be positive\r\n
            spop s 9223372036854775808 => -ERR value is out of range, must be positive\r\n
            spop s 1 2 => -ERR syntax error\r\n
            spop s 3 => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            exists s => :0\r\n
            sadd s 3 1 2 => :3\r\n
            spop s 10 => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            spop => -ERR wrong number of arguments for 'spop' command\r\n
            set str x => +OK\r\n
            spop str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            spop str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            spop str -1 => -ERR value is out of range, must be positive\r\n
            srandmember str => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            srandmember str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            srandmember str x => -ERR value is not an integer or out of range\r\n
            sadd r 1 2 3 => :3\r\n
            srandmember r 0 => *0\r\n
            srandmember r 3 => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            srandmember r 100 => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            srandmember r abc => -ERR value is not an integer or out of range\r\n
            srandmember r 1.5 => -ERR value is not an integer or out of range\r\n
            srandmember r -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n
            srandmember r -9223372036854775807 2 => -ERR syntax error\r\n
            srandmember r 1 2 => -ERR syntax error\r\n
            srandmember nokey => $-1\r\n
            srandmember nokey 5 => *0\r\n
            srandmember nokey -5 => *0\r\n
            sadd one 42 => :1\r\n
            srandmember one => $2\r\n42\r\n
            srandmember one -3 => *3\r\n$2\r\n42\r\n$2\r\n42\r\n$2\r\n42\r\n
            srandmember one 3 => *1\r\n$2\r\n42\r\n
            srandmember one 1 => *1\r\n$2\r\n42\r\n
            srandmember => -ERR wrong number of arguments for 'srandmember' command\r\n
            """);
    }

    [Fact]
    public void SMoveBetweenSets()
    {
        Script("""
            sadd a 1 2 => :2\r\n
            sadd b 3 => :1\r\n
            smove a b 1 => :1\r\n
            smembers a => *1\r\n$1\r\n2\r\n
            smembers b => *2\r\n$1\r\n1\r\n$1\r\n3\r\n
            smove a b 9 => :0\r\n
            smove a b 2 => :1\r\n
            exists a => :0\r\n
            smembers b => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            smove nokey b 1 => :0\r\n
            smove b b 3 => :1\r\n
            smove b b 4 => :0\r\n
            smove b new 3 => :1\r\n
            smembers new => *1\r\n$1\r\n3\r\n
            smembers b => *2\r\n$1\r\n1\r\n$1\r\n2\r\n
            sadd b 3 => :1\r\n
            smove new b 3 => :1\r\n
            exists new => :0\r\n
            smove b h x => :0\r\n
            set str v => +OK\r\n
            smove str b 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smove b str 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smove b str 9 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smove nokey str 1 => :0\r\n
            smove b => -ERR wrong number of arguments for 'smove' command\r\n
            sadd b hello => :1\r\n
            smove b c hello => :1\r\n
            #encoding c hashtable
            sadd i 1 => :1\r\n
            smove c i hello => :1\r\n
            #encoding i hashtable
            """);
    }

    [Fact]
    public void SScanOfIntsetsAndSmallTables()
    {
        Script("""
            sadd s 10 2 30 -4 => :4\r\n
            sscan s 0 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 99 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 0 count 1 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 0 match 1* => *2\r\n$1\r\n0\r\n*1\r\n$2\r\n10\r\n
            sscan s 0 match -* => *2\r\n$1\r\n0\r\n*1\r\n$2\r\n-4\r\n
            sscan s 0 match "*" count 100 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 0 MATCH 3? COUNT 2 => *2\r\n$1\r\n0\r\n*1\r\n$2\r\n30\r\n
            sscan s 0 match 1* match 2* => *2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n
            sscan s abc => -ERR invalid cursor\r\n
            sscan s -1 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 18446744073709551615 => *2\r\n$1\r\n0\r\n*4\r\n$2\r\n-4\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n30\r\n
            sscan s 18446744073709551616 => -ERR invalid cursor\r\n
            sscan s 0 count 0 => -ERR syntax error\r\n
            sscan s 0 count -1 => -ERR syntax error\r\n
            sscan s 0 count abc => -ERR value is not an integer or out of range\r\n
            sscan s 0 count => -ERR syntax error\r\n
            sscan s 0 match => -ERR syntax error\r\n
            sscan s 0 type set => -ERR syntax error\r\n
            sscan s 0 foo bar => -ERR syntax error\r\n
            sscan nokey 0 => *2\r\n$1\r\n0\r\n*0\r\n
            sscan nokey 0 count 0 => *2\r\n$1\r\n0\r\n*0\r\n
            sscan nokey abc => -ERR invalid cursor\r\n
            set str x => +OK\r\n
            sscan str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            sscan str abc => -ERR invalid cursor\r\n
            sscan => -ERR wrong number of arguments for 'sscan' command\r\n
            sscan s => -ERR wrong number of arguments for 'sscan' command\r\n
            sadd h only => :1\r\n
            sscan h 0 => *2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n
            sscan h 0 match o* => *2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n
            sscan h 0 match x* => *2\r\n$1\r\n0\r\n*0\r\n
            """);
    }

    [Fact]
    public void Resp3Replies()
    {
        Script("""
            #resp3
            sadd r 3 1 2 => :3\r\n
            smembers r => ~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            smembers nokey => ~0\r\n
            sinter r r => ~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sinter r nokey => ~0\r\n
            sunion r nokey => ~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sunion nokey => ~0\r\n
            sdiff r => ~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sdiff nokey r => ~0\r\n
            spop nokey => _\r\n
            spop nokey 2 => ~0\r\n
            spop r 0 => ~0\r\n
            srandmember nokey => _\r\n
            srandmember nokey 3 => *0\r\n
            srandmember r 0 => *0\r\n
            srandmember r 5 => *3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            smismember r 1 5 => *2\r\n:1\r\n:0\r\n
            sismember r 1 => :1\r\n
            sscan r 0 => *2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sintercard 1 r => :3\r\n
            spop r 5 => ~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n
            sadd one x => :1\r\n
            spop one => $1\r\nx\r\n
            """);
    }

    [Fact]
    public void ArgumentsAreCheckedBeforeTypesWhereRedisDoes()
    {
        Script("""
            set str x => +OK\r\n
            sscan str 0 count 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            srandmember str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            spop str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            srandmember nokey -5 => *0\r\n
            sintercard 1 str limit 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smove str nokey x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            smove nokey nokey2 x => :0\r\n
            """);
    }

    // ---- Effects: notifications, dirty counts, propagation ----

    /// <summary>
    /// Replies, server.dirty growth and keyevent notifications of each command, as redis-server 7.0.15 gave them
    /// (notify-keyspace-events KEA); "?" marks a reply that depends on random picks.
    /// </summary>
    [Fact]
    public void NotificationsAndDirtyCountsMatchRedis()
    {
        var s = new TestServer("notify-keyspace-events", "KEA");
        var events = s.CaptureKeyEvents();
        const string table = """
            sadd s 1 2 3 | :3\r\n | 3 | sadd s
            sadd s 1 | :0\r\n | 0 |
            srem s 9 | :0\r\n | 0 |
            srem s 1 9 | :1\r\n | 1 | srem s
            sadd t 2 3 4 a | :4\r\n | 4 | sadd t
            smove s t 2 | :1\r\n | 1 | srem s
            smove s t 3 | :1\r\n | 1 | srem s, del s
            smove t s a | :1\r\n | 2 | srem t, sadd s
            smove t new 4 | :1\r\n | 2 | srem t, sadd new
            smove new new 4 | :1\r\n | 0 |
            smove t t nope | :0\r\n | 0 |
            smove t nokey nope | :0\r\n | 0 |
            sinterstore d s t | :0\r\n | 0 |
            sunionstore d s t | :3\r\n | 1 | sunionstore d
            sunionstore d nokey | :0\r\n | 1 | del d
            sunionstore d nokey | :0\r\n | 0 |
            sdiffstore d t s | :2\r\n | 1 | sdiffstore d
            sdiffstore d s s | :0\r\n | 1 | del d
            sinterstore d t t | :2\r\n | 1 | sinterstore d
            sinterstore d t nokey | :0\r\n | 1 | del d
            sadd p 1 2 3 4 5 | :5\r\n | 5 | sadd p
            spop p | ? | 1 | spop p
            spop p 2 | ? | 2 | spop p
            spop p 0 | *0\r\n | 0 |
            spop p 5 | ? | 2 | spop p, del p
            spop nokey 5 | *0\r\n | 0 |
            spop nokey | $-1\r\n | 0 |
            sadd p 1 | :1\r\n | 1 | sadd p
            spop p | $1\r\n1\r\n | 1 | spop p, del p
            sadd q 1 2 3 4 5 6 7 8 9 10 | :10\r\n | 10 | sadd q
            spop q 9 | ? | 9 | spop q
            srem q 1 2 3 4 5 6 7 8 9 10 | :1\r\n | 1 | srem q, del q
            sadd f 1 | :1\r\n | 1 | sadd f
            sunionstore str f | :1\r\n | 1 | sunionstore str
            srem f 1 2 | :1\r\n | 1 | srem f, del f
            sadd g 1 2 3 | :3\r\n | 3 | sadd g
            srem g 1 2 3 | :3\r\n | 3 | srem g, del g
            """;
        foreach (var line in table.Split('\n'))
        {
            var f = line.Split('|').Select(x => x.Trim()).ToArray();
            events.Clear();
            long dirty = s.Server.Dirty;
            var reply = s.Run(f[0].Split(' '));
            if (f[1] != "?") Assert.True(f[1].Replace("\\r\\n", "\r\n") == reply, $"{f[0]}: {Transcript.Show(reply)}");
            Assert.True(long.Parse(f[2]) == s.Server.Dirty - dirty, $"{f[0]}: dirty +{s.Server.Dirty - dirty}");
            Assert.True(f[3] == string.Join(", ", events), $"{f[0]}: events {string.Join(", ", events)}");
        }
    }

    static string Resp(params string[] argv) => RecordingConsumer.Resp(argv);

    [Fact]
    public void WritesPropagateAsReceivedOnlyWhenTheyChangeSomething()
    {
        var s = new TestServer();
        var rec = RecordingConsumer.Attach(s);
        s.Run("sadd", "s", "1", "2");
        Assert.Equal(Resp("SELECT", "0") + Resp("sadd", "s", "1", "2"), rec.Take());
        s.Run("sadd", "s", "1");
        s.Run("srem", "s", "9");
        s.Run("srem", "nokey", "1");
        s.Run("smove", "s", "s", "1");
        s.Run("smove", "s", "t", "9");
        s.Run("sinterstore", "d", "s", "nokey");
        s.Run("sunionstore", "d", "nokey");
        s.Run("spop", "s", "0");
        s.Run("spop", "nokey");
        s.Run("smembers", "s");
        Assert.Equal("", rec.Take());
        s.Run("smove", "s", "t", "1");
        Assert.Equal(Resp("smove", "s", "t", "1"), rec.Take());
        s.Run("sunionstore", "d", "s", "t");
        Assert.Equal(Resp("sunionstore", "d", "s", "t"), rec.Take());
        s.Run("sinterstore", "d", "s", "nokey");
        Assert.Equal(Resp("sinterstore", "d", "s", "nokey"), rec.Take());
        s.Run("srem", "s", "2", "x");
        Assert.Equal(Resp("srem", "s", "2", "x"), rec.Take());
    }

    [Fact]
    public void SPopIsPropagatedAsSRemOrDel()
    {
        var s = new TestServer();
        var rec = RecordingConsumer.Attach(s);
        s.Run("sadd", "s", "7");
        rec.Take();
        // A single pop is one SREM, even when it empties the set (Redis 7.0 propagates no DEL then).
        Assert.Equal("$1\r\n7\r\n", s.Run("spop", "s"));
        Assert.Equal(Resp("SREM", "s", "7"), rec.Take());
        Assert.Equal("0", s.Run("exists", "s")[1..^2]);

        // Popping the whole set (count >= size) is one DEL.
        s.Run("sadd", "s", "3", "1", "2");
        rec.Take();
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", s.Run("spop", "s", "100"));
        Assert.Equal(Resp("DEL", "s"), rec.Take());

        // Otherwise one SREM per popped member, wrapped in MULTI/EXEC when there are several.
        foreach (var (size, count) in new[] { (10, 1), (10, 2), (10, 9), (20, 17) })
        {
            s.Run(new[] { "sadd", "s" }.Concat(Enumerable.Range(1, size).Select(i => i.ToString())).ToArray());
            rec.Take();
            var popped = Members(s.Run("spop", "s", count.ToString()));
            var expected = new StringBuilder();
            if (count > 1) expected.Append(Resp("MULTI"));
            foreach (var m in popped) expected.Append(Resp("SREM", "s", m));
            if (count > 1) expected.Append(Resp("EXEC"));
            Assert.Equal(expected.ToString(), rec.Take());
            s.Run("del", "s");
            rec.Take();
        }
    }

    // ---- Random picks: properties ----

    /// <summary>The members of an array or set reply of bulk strings.</summary>
    static List<string> Members(string resp)
    {
        var list = new List<string>();
        Assert.True(resp[0] == '*' || resp[0] == '~', resp);
        int pos = resp.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        int n = int.Parse(resp[1..(pos - 2)]);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal('$', resp[pos]);
            int end = resp.IndexOf("\r\n", pos, StringComparison.Ordinal);
            int len = int.Parse(resp[(pos + 1)..end]);
            list.Add(resp.Substring(end + 2, len));
            pos = end + 2 + len + 2;
        }
        Assert.Equal(resp.Length, pos);
        return list;
    }

    static string[] Sadd(string key, IEnumerable<string> members) => new[] { "sadd", key }.Concat(members).ToArray();

    static IEnumerable<string> Ints(int n) => Enumerable.Range(0, n).Select(i => (i * 7 - 50).ToString());
    static IEnumerable<string> Words(int n) => Enumerable.Range(0, n).Select(i => "m" + i);

    public static IEnumerable<object[]> Sizes() => new[]
    {
        new object[] { "intset", 10 }, new object[] { "intset", 200 },
        new object[] { "hashtable", 10 }, new object[] { "hashtable", 200 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SPopWithCountPopsDistinctMembersAndKeepsTheRest(string encoding, int size)
    {
        foreach (int count in new[] { 1, 2, size / 5, size / 2, size * 4 / 5, size - 1 })
        {
            var s = new TestServer();
            var all = (encoding == "intset" ? Ints(size) : Words(size)).ToHashSet();
            s.Run(Sadd("s", all));
            var popped = Members(s.Run("spop", "s", count.ToString()));
            Assert.Equal(count, popped.Count);
            Assert.Equal(count, popped.Distinct().Count());
            Assert.True(popped.All(all.Contains));
            var left = Members(s.Run("smembers", "s"));
            Assert.Equal(size - count, left.Count);
            Assert.Empty(left.Intersect(popped));
            Assert.True(all.SetEquals(left.Concat(popped)));
            Assert.Equal($":{size - count}\r\n", s.Run("scard", "s"));
        }
    }

    [Fact]
    public void SPopOfMostOfATableOfIntegersRebuildsAnIntset()
    {
        // Redis 7.0 keeps the members that stay in a new set, which starts as an intset (checked on 7.0.15).
        var s = new TestServer();
        s.Run(Sadd("h", Ints(9).Append("a")));
        s.Run("srem", "h", "a");
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "h"));
        Assert.Equal(8, Members(s.Run("spop", "h", "8")).Count);
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "h"));
        // Few pops leave the table as it is.
        s.Run(Sadd("g", Ints(9).Append("a")));
        s.Run("srem", "g", "a");
        s.Run("spop", "g", "1");
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "g"));
        // Popping a whole table of integers replies them in order, like Redis (its reply is a new intset).
        s.Run(Sadd("w", new[] { "5", "3", "1", "x" }));
        s.Run("srem", "w", "x");
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n", s.Run("spop", "w", "3"));
    }

    [Fact]
    public void SPopKeepsTheTtlWhenMembersRemain()
    {
        var s = new TestServer();
        s.Run(Sadd("s", Ints(10)));
        s.Run("expire", "s", "100");
        s.Run("spop", "s", "9");
        Assert.Equal(":100\r\n", s.Run("ttl", "s"));
        s.Run(Sadd("t", Words(10)));
        s.Run("expire", "t", "100");
        s.Run("spop", "t", "2");
        s.Run("spop", "t");
        Assert.Equal(":100\r\n", s.Run("ttl", "t"));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SRandMemberWithPositiveCountGivesDistinctMembers(string encoding, int size)
    {
        var s = new TestServer();
        var all = (encoding == "intset" ? Ints(size) : Words(size)).ToHashSet();
        s.Run(Sadd("s", all));
        foreach (int count in new[] { 1, 2, size / 5, size / 3, size / 3 + 1, size / 2, size - 1 })
        {
            for (int round = 0; round < 5; round++)
            {
                var picked = Members(s.Run("srandmember", "s", count.ToString()));
                Assert.Equal(count, picked.Count);
                Assert.Equal(count, picked.Distinct().Count());
                Assert.True(picked.All(all.Contains));
            }
        }
        // At least the size: the whole set.
        Assert.True(all.SetEquals(Members(s.Run("srandmember", "s", size.ToString()))));
        Assert.True(all.SetEquals(Members(s.Run("srandmember", "s", "1000000"))));
        Assert.Equal($":{size}\r\n", s.Run("scard", "s"));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SRandMemberWithNegativeCountAllowsRepeats(string encoding, int size)
    {
        var s = new TestServer();
        var all = (encoding == "intset" ? Ints(size) : Words(size)).ToHashSet();
        s.Run(Sadd("s", all));
        var picked = Members(s.Run("srandmember", "s", (-size * 5).ToString()));
        Assert.Equal(size * 5, picked.Count);
        Assert.True(picked.All(all.Contains));
        Assert.True(picked.Distinct().Count() < picked.Count); // five times the size cannot be all distinct
        Assert.True(picked.Distinct().Count() > 1);
        var one = s.Run("srandmember", "s");
        Assert.Contains(Members("*1\r\n" + one)[0], all);
        var single = Members(s.Run("srandmember", "s", "-1"));
        Assert.Single(single);
        Assert.Contains(single[0], all);
    }

    [Fact]
    public void SRandMemberOfAHugeNegativeCountDropsTheClient()
    {
        var saved = SetCommands.MaxReplyBytes;
        SetCommands.MaxReplyBytes = 1 << 20;
        try
        {
            var s = new TestServer();
            s.Run("sadd", "s", "a", "b");
            Assert.Equal("", s.Run("srandmember", "s", "-9223372036854775807"));
            Assert.True(s.Client.Closed);
            var other = s.NewClient();
            Assert.Equal(3, Members(s.Run(other, "srandmember", "s", "-3")).Count);
        }
        finally { SetCommands.MaxReplyBytes = saved; }
    }

    [Fact]
    public void SPopWithoutCountTakesEachMemberOnce()
    {
        foreach (var members in new[] { Ints(50).ToList(), Words(50).ToList() })
        {
            var s = new TestServer();
            s.Run(Sadd("s", members));
            var popped = new List<string>();
            for (int i = 0; i < members.Count; i++) popped.Add(Members("*1\r\n" + s.Run("spop", "s"))[0]);
            Assert.True(members.ToHashSet().SetEquals(popped));
            Assert.Equal(members.Count, popped.Distinct().Count());
            Assert.Equal(":0\r\n", s.Run("exists", "s"));
            Assert.Equal("$-1\r\n", s.Run("spop", "s"));
        }
    }

    // ---- Tables: results compared as sets (their order is the table's) ----

    static HashSet<string> Set(params string[] members) => members.ToHashSet();

    [Fact]
    public void AlgebraOnTables()
    {
        var s = new TestServer();
        s.Run("sadd", "a", "x", "y", "z", "1", "2");
        s.Run("sadd", "b", "y", "z", "w", "2", "3");
        s.Run("sadd", "i", "1", "2", "3", "4");
        Assert.True(Set("x", "y", "z", "1", "2").SetEquals(Members(s.Run("smembers", "a"))));
        Assert.True(Set("y", "z", "2").SetEquals(Members(s.Run("sinter", "a", "b"))));
        Assert.True(Set("2").SetEquals(Members(s.Run("sinter", "a", "b", "i"))));
        Assert.True(Set("x", "y", "z", "w", "1", "2", "3", "4").SetEquals(Members(s.Run("sunion", "a", "b", "i"))));
        Assert.True(Set("x", "1").SetEquals(Members(s.Run("sdiff", "a", "b"))));
        Assert.True(Set("x").SetEquals(Members(s.Run("sdiff", "a", "b", "i"))));
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n4\r\n", s.Run("sdiff", "i", "b"));
        Assert.Equal(":3\r\n", s.Run("sintercard", "2", "a", "b"));
        Assert.Equal(":2\r\n", s.Run("sintercard", "2", "a", "b", "limit", "2"));
        Assert.Equal(":1\r\n", s.Run("sintercard", "3", "b", "a", "i"));

        Assert.Equal(":3\r\n", s.Run("sinterstore", "d", "a", "b"));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "d"));
        Assert.True(Set("y", "z", "2").SetEquals(Members(s.Run("smembers", "d"))));
        // Integer-only results of table inputs are new intsets.
        Assert.Equal(":2\r\n", s.Run("sinterstore", "d", "a", "i"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "d"));
        Assert.Equal(":4\r\n", s.Run("sunionstore", "d", "i", "i"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "d"));
        Assert.Equal(":1\r\n", s.Run("sdiffstore", "d", "a", "b", "i"));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "d"));
        Assert.Equal(":2\r\n", s.Run("sdiffstore", "d", "a", "b"));
        Assert.True(Set("x", "1").SetEquals(Members(s.Run("smembers", "d"))));
    }

    [Fact]
    public void StoresReplaceTheDestinationAndItsTtl()
    {
        var s = new TestServer();
        s.Run("sadd", "a", "1", "2");
        s.Run("set", "d", "string");
        s.Run("expire", "d", "100");
        Assert.Equal(":2\r\n", s.Run("sunionstore", "d", "a"));
        Assert.Equal("+set\r\n", s.Run("type", "d"));
        Assert.Equal(":-1\r\n", s.Run("ttl", "d"));
        // The stored set is a copy: changing it leaves the source alone.
        s.Run("sadd", "d", "3", "x");
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", s.Run("smembers", "a"));
        // A destination that is also a source.
        Assert.Equal(":2\r\n", s.Run("sinterstore", "a", "a", "d"));
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", s.Run("smembers", "a"));
        Assert.Equal(":0\r\n", s.Run("sdiffstore", "a", "a", "a"));
        Assert.Equal(":0\r\n", s.Run("exists", "a"));
    }

    [Fact]
    public void DifferenceAlgorithmsAgree()
    {
        // A big first set against small others (subtraction) and a small first set against big others (checks).
        var s = new TestServer("set-max-intset-entries", "64");
        s.Run(Sadd("big", Ints(300)));
        s.Run(Sadd("bigw", Words(300).Concat(Ints(20))));
        s.Run("sadd", "small1", "-50", "-43", "m3");
        s.Run("sadd", "small2", "m4", "-36", "nope");
        var expectedInts = Ints(300).Except(new[] { "-50", "-43", "-36" }).ToHashSet();
        Assert.True(expectedInts.SetEquals(Members(s.Run("sdiff", "big", "small1", "small2"))));
        var expectedWords = Words(300).Concat(Ints(20)).Except(new[] { "-50", "-43", "-36", "m3", "m4" }).ToHashSet();
        Assert.True(expectedWords.SetEquals(Members(s.Run("sdiff", "bigw", "small1", "small2"))));
        Assert.True(Set("nope").SetEquals(Members(s.Run("sdiff", "small2", "big", "bigw", "small1"))));
        Assert.Equal(":297\r\n", s.Run("sdiffstore", "d", "big", "small1", "small2"));
        Assert.Equal("$9\r\nhashtable\r\n", s.Run("object", "encoding", "d"));
    }

    [Fact]
    public void SScanWalksATableCompletely()
    {
        var s = new TestServer();
        var all = Words(1000).ToHashSet();
        s.Run(Sadd("s", all));
        foreach (var count in new[] { "1", "10", "100", "5000" })
        {
            var seen = new HashSet<string>();
            string cursor = "0";
            int calls = 0;
            do
            {
                var reply = s.Run("sscan", "s", cursor, "count", count);
                int start = reply.IndexOf("$", StringComparison.Ordinal);
                int end = reply.IndexOf("\r\n", start, StringComparison.Ordinal);
                int len = int.Parse(reply[(start + 1)..end]);
                cursor = reply.Substring(end + 2, len);
                var page = Members(reply[(end + 2 + len + 2)..]);
                if (count == "5000") Assert.Equal(all.Count, page.Count);
                seen.UnionWith(page);
                calls++;
            } while (cursor != "0" && calls < 10000);
            Assert.True(all.SetEquals(seen), $"count {count}");
        }
        // MATCH filters what a step found.
        var matched = new HashSet<string>();
        string c = "0";
        do
        {
            var reply = s.Run("sscan", "s", c, "match", "m1?");
            int start = reply.IndexOf("$", StringComparison.Ordinal);
            int end = reply.IndexOf("\r\n", start, StringComparison.Ordinal);
            int len = int.Parse(reply[(start + 1)..end]);
            c = reply.Substring(end + 2, len);
            matched.UnionWith(Members(reply[(end + 2 + len + 2)..]));
        } while (c != "0");
        Assert.True(Enumerable.Range(10, 10).Select(i => "m" + i).ToHashSet().SetEquals(matched));
    }

    // ---- Keyspace accounting and writes announced ----

    [Fact]
    public void KeyspaceHitsAndMissesLikeRedis()
    {
        // Checked on redis-server 7.0.15: the STORE forms read their sources with lookupKeyRead; SPOP, SREM and
        // SMOVE do not count; SPOP of a whole set counts one hit (its reply is made by SUNION's code).
        var s = new TestServer();
        var stats = s.Server.Stats;
        s.Run("sadd", "a", "1");
        long hits = stats.KeyspaceHits, misses = stats.KeyspaceMisses;
        s.Run("sinterstore", "d", "a", "nokey");
        Assert.Equal((hits + 1, misses + 1), (stats.KeyspaceHits, stats.KeyspaceMisses));
        s.Run("sunionstore", "d", "a", "nokey");
        s.Run("sdiffstore", "d", "a", "nokey");
        Assert.Equal((hits + 3, misses + 3), (stats.KeyspaceHits, stats.KeyspaceMisses));
        s.Run("smove", "a", "b", "1");
        s.Run("spop", "a");
        s.Run("srem", "a", "1");
        Assert.Equal((hits + 3, misses + 3), (stats.KeyspaceHits, stats.KeyspaceMisses));
        s.Run("sadd", "q", "1", "2", "3");
        s.Run("spop", "q", "3");
        Assert.Equal((hits + 4, misses + 3), (stats.KeyspaceHits, stats.KeyspaceMisses));
    }

    [Fact]
    public void OnlyRealChangesAnnounceAWrite()
    {
        var s = new TestServer();
        s.Run("sadd", "i", "1", "2");
        s.Run("sadd", "h", "a", "b");
        var touched = new List<string>();
        s.Server.Keyspace.KeyWriting = (_, key) => touched.Add(Encoding.UTF8.GetString(key));
        s.Run("sadd", "i", "1", "2");
        s.Run("sadd", "h", "a");
        s.Run("srem", "i", "9", "x");
        s.Run("srem", "h", "z");
        s.Run("smove", "i", "h", "9");
        s.Run("smove", "i", "i", "1");
        s.Run("spop", "i", "0");
        s.Run("sinterstore", "nokey", "i", "nokey");
        s.Run("smembers", "i");
        s.Run("sunion", "i", "h");
        Assert.Empty(touched);
        s.Run("sadd", "i", "3");
        s.Run("sadd", "h", "a", "c");
        s.Run("srem", "i", "x", "3");
        s.Run("smove", "i", "h", "1");
        Assert.Equal(new[] { "i", "h", "i", "i", "h" }, touched);
    }

    [Fact]
    public void CopyAndTypeSeeSets()
    {
        var s = new TestServer();
        s.Run("sadd", "i", "1", "2");
        s.Run("sadd", "h", "a");
        Assert.Equal("+set\r\n", s.Run("type", "i"));
        Assert.Equal("+set\r\n", s.Run("type", "h"));
        Assert.Equal(":1\r\n", s.Run("copy", "i", "i2"));
        Assert.Equal(":1\r\n", s.Run("copy", "h", "h2"));
        s.Run("sadd", "i2", "3");
        s.Run("sadd", "h2", "b");
        Assert.Equal(":2\r\n", s.Run("scard", "i"));
        Assert.Equal(":1\r\n", s.Run("scard", "h"));
        Assert.Equal("$6\r\nintset\r\n", s.Run("object", "encoding", "i2"));
    }
}
