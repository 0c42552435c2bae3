using System.Text;
using Mirra.Config;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class SetCommandsTests
{
    /// <summary>
    /// Runs a transcript of "command args => exact reply" lines, recorded from redis-server 7.0.15 (each
    /// transcript starts from an empty server, default thresholds, a fresh RESP2 connection). Arguments split
    /// on spaces, "..." quotes; in replies only \r\n is an escape. Directives: "#resp3" (HELLO 3),
    /// "#config set-max-intset-entries N" (CONFIG SET), "#encoding key name" (OBJECT ENCODING).
    /// </summary>
    static TestServer Script(string transcript, TestServer? server = null)
    {
        var s = server ?? new TestServer();
        foreach (var raw in transcript.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line == "#resp3") { s.Client.Reply.Protocol = 3; continue; }
            if (line.StartsWith("#config ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                s.Configure(parts[1], parts[2]);
                continue;
            }
            if (line.StartsWith("#encoding ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                var entry = s.Server.Keyspace[0].Peek(Encoding.UTF8.GetBytes(parts[1]));
                Assert.True(entry != null, line);
                Assert.True(parts[2] == ValueTypes.EncodingName(entry!.Value), $"{line}: {ValueTypes.EncodingName(entry.Value)}");
                continue;
            }
            int sep = line.IndexOf(" => ", StringComparison.Ordinal);
            if (sep < 0) throw new ArgumentException("bad transcript line: " + line);
            var args = KeyspaceScript.Split(line[..sep]);
            var expected = line[(sep + 4)..].Replace("\\r\\n", "\r\n");
            var actual = s.Run(args);
            Assert.True(expected == actual, $"{line[..sep]}\n expected: {Show(expected)}\n   actual: {Show(actual)}");
        }
        return s;
    }

    static string Show(string s) => s.Replace("\r\n", "\\r\\n");

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
}
