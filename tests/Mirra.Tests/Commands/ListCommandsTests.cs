using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

public class ListCommandsTests
{
    // ---- Transcripts recorded from redis-server 7.0.15 (empty server, fresh RESP2 connection) ----

    [Fact]
    public void PushAndLength() => KeyspaceScript.Run(new TestServer(), """
            lpush k a "=>" => :2\r\n
            rpush k b c => :4\r\n
            lpush k x y => :6\r\n
            lrange k 0 -1 => *6\r\n$1\r\ny\r\n$1\r\nx\r\n$2\r\n=>\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n
            llen k => :6\r\n
            llen nokey => :0\r\n
            lpushx nokey a => :0\r\n
            rpushx nokey a b => :0\r\n
            lpushx k z1 z2 => :8\r\n
            rpushx k w => :9\r\n
            lrange k 0 -1 => *9\r\n$2\r\nz2\r\n$2\r\nz1\r\n$1\r\ny\r\n$1\r\nx\r\n$2\r\n=>\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nw\r\n
            lpush => -ERR wrong number of arguments for 'lpush' command\r\n
            lpush k => -ERR wrong number of arguments for 'lpush' command\r\n
            rpush k => -ERR wrong number of arguments for 'rpush' command\r\n
            lpushx k => -ERR wrong number of arguments for 'lpushx' command\r\n
            set s x => +OK\r\n
            lpush s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpush s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lpushx s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpushx s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            llen s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            type k => +list\r\n
            object encoding k => $9\r\nquicklist\r\n
            rpush k "" => :10\r\n
            lindex k -1 => $0\r\n\r\n
            exists nokey => :0\r\n
            """);

    [Fact]
    public void PopsWithAndWithoutCount() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c d e => :5\r\n
            lpop k => $1\r\na\r\n
            rpop k => $1\r\ne\r\n
            lpop k 2 => *2\r\n$1\r\nb\r\n$1\r\nc\r\n
            rpop k 0 => *0\r\n
            lpop k 0 => *0\r\n
            lpop k -1 => -ERR value is out of range, must be positive\r\n
            lpop k abc => -ERR value is out of range, must be positive\r\n
            lpop k 1.5 => -ERR value is out of range, must be positive\r\n
            rpop k 5 => *1\r\n$1\r\nd\r\n
            exists k => :0\r\n
            lpop k => $-1\r\n
            lpop k 2 => *-1\r\n
            rpop nokey 0 => *-1\r\n
            lpop nokey -1 => -ERR value is out of range, must be positive\r\n
            lpop k 1 2 => -ERR wrong number of arguments for 'lpop' command\r\n
            rpop => -ERR wrong number of arguments for 'rpop' command\r\n
            set s x => +OK\r\n
            lpop s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpop s 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpop s -1 => -ERR value is out of range, must be positive\r\n
            rpush k 1 2 3 => :3\r\n
            rpop k 2 => *2\r\n$1\r\n3\r\n$1\r\n2\r\n
            lpop k 9223372036854775807 => *1\r\n$1\r\n1\r\n
            """);

    [Fact]
    public void RangeAndIndex() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c d e => :5\r\n
            lrange k 0 -1 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            lrange k 1 3 => *3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n
            lrange k -3 -2 => *2\r\n$1\r\nc\r\n$1\r\nd\r\n
            lrange k -100 100 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            lrange k 3 1 => *0\r\n
            lrange k 5 10 => *0\r\n
            lrange k -1 -5 => *0\r\n
            lrange k 4 4 => *1\r\n$1\r\ne\r\n
            lrange k x 1 => -ERR value is not an integer or out of range\r\n
            lrange k 1 x => -ERR value is not an integer or out of range\r\n
            lrange k 99999999999999999999 1 => -ERR value is not an integer or out of range\r\n
            lrange k -9223372036854775808 9223372036854775807 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            lrange nokey 0 -1 => *0\r\n
            lrange nokey x 1 => -ERR value is not an integer or out of range\r\n
            lindex k 0 => $1\r\na\r\n
            lindex k 4 => $1\r\ne\r\n
            lindex k -1 => $1\r\ne\r\n
            lindex k -5 => $1\r\na\r\n
            lindex k 5 => $-1\r\n
            lindex k -6 => $-1\r\n
            lindex k x => -ERR value is not an integer or out of range\r\n
            lindex nokey 0 => $-1\r\n
            lindex nokey x => $-1\r\n
            set s x => +OK\r\n
            lrange s 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lrange s x 1 => -ERR value is not an integer or out of range\r\n
            lindex s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lindex s x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """);

    [Fact]
    public void LSet() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c => :3\r\n
            lset k 0 A => +OK\r\n
            lset k -1 C => +OK\r\n
            lset k 1 "a longer element" => +OK\r\n
            lrange k 0 -1 => *3\r\n$1\r\nA\r\n$16\r\na longer element\r\n$1\r\nC\r\n
            lset k 3 z => -ERR index out of range\r\n
            lset k -4 z => -ERR index out of range\r\n
            lset k x z => -ERR value is not an integer or out of range\r\n
            lset nokey 0 z => -ERR no such key\r\n
            lset nokey x z => -ERR no such key\r\n
            set s x => +OK\r\n
            lset s 0 z => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lset s x z => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lset k 0 => -ERR wrong number of arguments for 'lset' command\r\n
            lset k 0 a b => -ERR wrong number of arguments for 'lset' command\r\n
            """);

    [Fact]
    public void LRemAndLTrim() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b a c a b a => :7\r\n
            lrem k 0 zz => :0\r\n
            lrem k 1 a => :1\r\n
            lrange k 0 -1 => *6\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n
            lrem k -1 a => :1\r\n
            lrange k 0 -1 => *5\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n
            lrem k 0 b => :2\r\n
            lrange k 0 -1 => *3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\na\r\n
            lrem k -9223372036854775808 a => :2\r\n
            exists k => :1\r\n
            lrem nokey 0 a => :0\r\n
            lrem nokey x a => -ERR value is not an integer or out of range\r\n
            lrem k x a => -ERR value is not an integer or out of range\r\n
            rpush k a b c d e f => :7\r\n
            ltrim k 1 -2 => +OK\r\n
            lrange k 0 -1 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            ltrim k 0 -1 => +OK\r\n
            lrange k 0 -1 => *5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n
            ltrim k -2 100 => +OK\r\n
            lrange k 0 -1 => *2\r\n$1\r\nd\r\n$1\r\ne\r\n
            ltrim k 5 3 => +OK\r\n
            exists k => :0\r\n
            ltrim nokey 0 1 => +OK\r\n
            ltrim nokey x 1 => -ERR value is not an integer or out of range\r\n
            rpush k a b c => :3\r\n
            ltrim k 0 0 => +OK\r\n
            lrange k 0 -1 => *1\r\n$1\r\na\r\n
            ltrim k 1 0 => +OK\r\n
            exists k => :0\r\n
            set s x => +OK\r\n
            lrem s 0 x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lrem s x x => -ERR value is not an integer or out of range\r\n
            ltrim s 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            ltrim s x 1 => -ERR value is not an integer or out of range\r\n
            """);

    [Fact]
    public void LInsert() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c a => :4\r\n
            linsert k before a X => :5\r\n
            linsert k AFTER a Y => :6\r\n
            linsert k after c Z => :7\r\n
            linsert k after nope Q => :-1\r\n
            linsert k middle a Q => -ERR syntax error\r\n
            lrange k 0 -1 => *7\r\n$1\r\nX\r\n$1\r\na\r\n$1\r\nY\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nZ\r\n$1\r\na\r\n
            linsert nokey before a b => :0\r\n
            linsert nokey middle a b => -ERR syntax error\r\n
            set s x => +OK\r\n
            linsert s before a b => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            linsert s middle a b => -ERR syntax error\r\n
            linsert k before "" e => :-1\r\n
            rpush e "" => :1\r\n
            linsert e before "" first => :2\r\n
            lrange e 0 -1 => *2\r\n$5\r\nfirst\r\n$0\r\n\r\n
            """);

    [Fact]
    public void LPos() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c 1 2 3 c c => :8\r\n
            lpos k c => :2\r\n
            lpos k c rank 2 => :6\r\n
            lpos k c rank -1 => :7\r\n
            lpos k c rank -3 => :2\r\n
            lpos k c rank -4 => $-1\r\n
            lpos k c rank 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n
            lpos k c rank x => -ERR value is not an integer or out of range\r\n
            lpos k c rank -9223372036854775808 => :7\r\n
            lpos k c rank -9223372036854775807 => $-1\r\n
            lpos k c rank -9223372036854775808 count 0 => *3\r\n:7\r\n:6\r\n:2\r\n
            lpos k c rank -9223372036854775808 count 2 => *3\r\n:7\r\n:6\r\n:2\r\n
            lpos k c count 0 => *3\r\n:2\r\n:6\r\n:7\r\n
            lpos k c count 2 => *2\r\n:2\r\n:6\r\n
            lpos k c count -1 => -ERR COUNT can't be negative\r\n
            lpos k c count x => -ERR COUNT can't be negative\r\n
            lpos k c maxlen 3 => :2\r\n
            lpos k c maxlen 3 count 0 => *1\r\n:2\r\n
            lpos k c maxlen -1 => -ERR MAXLEN can't be negative\r\n
            lpos k c maxlen x => -ERR MAXLEN can't be negative\r\n
            lpos k c maxlen 0 => :2\r\n
            lpos k c rank -1 count 2 maxlen 2 => *2\r\n:7\r\n:6\r\n
            lpos k c rank -1 count 2 maxlen 1 => *1\r\n:7\r\n
            lpos k c rank 2 count 0 => *2\r\n:6\r\n:7\r\n
            lpos k c rank 4 count 0 => *0\r\n
            lpos k c RANK 1 COUNT 1 MAXLEN 0 => *1\r\n:2\r\n
            lpos k c count 1 count 2 => *2\r\n:2\r\n:6\r\n
            lpos k zz => $-1\r\n
            lpos k zz count 0 => *0\r\n
            lpos nokey a => $-1\r\n
            lpos nokey a count 1 => *0\r\n
            lpos nokey a rank 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n
            lpos k c bogus 1 => -ERR syntax error\r\n
            lpos k c rank => -ERR syntax error\r\n
            lpos k c count => -ERR syntax error\r\n
            set s x => +OK\r\n
            lpos s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lpos s a rank 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n
            lpos s a foo => -ERR syntax error\r\n
            """);

    [Fact]
    public void LMoveAndRPopLPush() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c => :3\r\n
            lmove nokey d left right => $-1\r\n
            lmove k d middle right => -ERR syntax error\r\n
            lmove k d left up => -ERR syntax error\r\n
            lmove nokey d up left => -ERR syntax error\r\n
            set s x => +OK\r\n
            lmove k s left right => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lmove s k left right => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lmove nokey s left right => $-1\r\n
            lmove k d left right => $1\r\na\r\n
            lmove k d RIGHT LEFT => $1\r\nc\r\n
            lrange d 0 -1 => *2\r\n$1\r\nc\r\n$1\r\na\r\n
            lmove d d left right => $1\r\nc\r\n
            lrange d 0 -1 => *2\r\n$1\r\na\r\n$1\r\nc\r\n
            rpoplpush d d => $1\r\nc\r\n
            lrange d 0 -1 => *2\r\n$1\r\nc\r\n$1\r\na\r\n
            rpoplpush nokey d => $-1\r\n
            rpoplpush s d => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpoplpush k s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            rpoplpush k d => $1\r\nb\r\n
            exists k => :0\r\n
            lrange d 0 -1 => *3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n
            lmove d fresh right left => $1\r\na\r\n
            lmove fresh fresh left left => $1\r\na\r\n
            lrange fresh 0 -1 => *1\r\n$1\r\na\r\n
            """);

    [Fact]
    public void LMPop() => KeyspaceScript.Run(new TestServer(), """
            rpush k a b c d => :4\r\n
            rpush k2 x => :1\r\n
            lmpop 0 k left => -ERR numkeys should be greater than 0\r\n
            lmpop -1 k left => -ERR numkeys should be greater than 0\r\n
            lmpop x k left => -ERR numkeys should be greater than 0\r\n
            lmpop 1 k => -ERR wrong number of arguments for 'lmpop' command\r\n
            lmpop 1 k middle => -ERR syntax error\r\n
            lmpop 2 k left => -ERR syntax error\r\n
            lmpop 9223372036854775807 k left => -ERR syntax error\r\n
            lmpop 1 k left count => -ERR syntax error\r\n
            lmpop 1 k left count 0 => -ERR count should be greater than 0\r\n
            lmpop 1 k left count -1 => -ERR count should be greater than 0\r\n
            lmpop 1 k left count x => -ERR count should be greater than 0\r\n
            lmpop 1 k left foo 1 => -ERR syntax error\r\n
            lmpop 1 k left count 1 count 2 => -ERR syntax error\r\n
            lmpop 1 k left 1 => -ERR syntax error\r\n
            lmpop 2 nokey k right count 2 => *2\r\n$1\r\nk\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n
            set s x => +OK\r\n
            lmpop 2 nokey s right count 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lmpop 2 s k right count 2 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            lmpop 1 nokey left => *-1\r\n
            lmpop 1 nokey left count 100 => *-1\r\n
            lmpop 3 k k2 nokey LEFT COUNT 100 => *2\r\n$1\r\nk\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n
            exists k => :0\r\n
            lmpop 2 k k2 left => *2\r\n$2\r\nk2\r\n*1\r\n$1\r\nx\r\n
            lmpop 1 k2 left count 1 extra => -ERR syntax error\r\n
            lmpop 1 nokey left count 0 => -ERR count should be greater than 0\r\n
            """);

    [Fact]
    public void BlockingArgumentErrors() => KeyspaceScript.Run(new TestServer(), """
            blpop k x => -ERR timeout is not a float or out of range\r\n
            blpop k -1 => -ERR timeout is negative\r\n
            blpop k 1e20 => -ERR timeout is negative\r\n
            blpop k inf => -ERR timeout is negative\r\n
            blpop k -inf => -ERR timeout is negative\r\n
            blpop k nan => -ERR timeout is not a float or out of range\r\n
            blpop k "1 " => -ERR timeout is not a float or out of range\r\n
            blpop k "" => -ERR timeout is not a float or out of range\r\n
            blpop k 9223372036854776 => -ERR timeout is negative\r\n
            brpop k 1e16 => -ERR timeout is negative\r\n
            blmove a b middle left x => -ERR syntax error\r\n
            blmove a b left left x => -ERR timeout is not a float or out of range\r\n
            blmove a b left left -1 => -ERR timeout is negative\r\n
            brpoplpush a b x => -ERR timeout is not a float or out of range\r\n
            brpoplpush a b -0.0015 => -ERR timeout is negative\r\n
            blmpop x 0 a left => -ERR numkeys should be greater than 0\r\n
            blmpop 0 0 a left => -ERR numkeys should be greater than 0\r\n
            blmpop -1 0 a left => -ERR numkeys should be greater than 0\r\n
            blmpop 0 2 a left => -ERR syntax error\r\n
            blmpop x 1 a middle => -ERR syntax error\r\n
            blmpop x 1 a left count 0 => -ERR count should be greater than 0\r\n
            blmpop x 1 a left => -ERR timeout is not a float or out of range\r\n
            blmpop -1 1 a left count 1 => -ERR timeout is negative\r\n
            blpop a => -ERR wrong number of arguments for 'blpop' command\r\n
            blpop => -ERR wrong number of arguments for 'blpop' command\r\n
            blmove a b left left => -ERR wrong number of arguments for 'blmove' command\r\n
            blmpop 0 1 a => -ERR wrong number of arguments for 'blmpop' command\r\n
            set s x => +OK\r\n
            blpop s x => -ERR timeout is not a float or out of range\r\n
            blpop s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            blpop nokey s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            brpop s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            blmove s l left left 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            blmpop 0 2 nokey s left => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            """);

    [Fact]
    public void BlockingCommandsServeAtOnce() => KeyspaceScript.Run(new TestServer(), """
            rpush l a b c d e => :5\r\n
            blpop nokey l 0 => *2\r\n$1\r\nl\r\n$1\r\na\r\n
            brpop l nokey 0 => *2\r\n$1\r\nl\r\n$1\r\ne\r\n
            blmpop 0 2 nokey l left count 2 => *2\r\n$1\r\nl\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n
            blmpop 0 1 l right => *2\r\n$1\r\nl\r\n*1\r\n$1\r\nd\r\n
            exists l => :0\r\n
            rpush l x y => :2\r\n
            set s x => +OK\r\n
            blpop l s 0 => *2\r\n$1\r\nl\r\n$1\r\nx\r\n
            blmove l s left left 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            brpoplpush l s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
            blmove l d LEFT Right 0 => $1\r\ny\r\n
            lrange d 0 -1 => *1\r\n$1\r\ny\r\n
            rpush l x => :1\r\n
            brpoplpush l d 0 => $1\r\nx\r\n
            lrange d 0 -1 => *2\r\n$1\r\nx\r\n$1\r\ny\r\n
            blmove d d right left 0.5 => $1\r\ny\r\n
            lrange d 0 -1 => *2\r\n$1\r\ny\r\n$1\r\nx\r\n
            """);

    // ---- RESP3 null shapes (recorded from redis-server 7.0.15 after HELLO 3) ----

    [Fact]
    public void Resp3Nulls()
    {
        var s = new TestServer();
        s.Client.Protocol = 3;
        KeyspaceScript.Run(s, """
            lpop nokey => _\r\n
            lpop nokey 2 => _\r\n
            lpop nokey 0 => _\r\n
            lindex nokey 0 => _\r\n
            lpos nokey a => _\r\n
            lpos nokey a count 0 => *0\r\n
            lmove nokey x left left => _\r\n
            lmpop 1 nokey left => _\r\n
            rpush q 1 2 3 => :3\r\n
            lindex q 5 => _\r\n
            lpos q 9 => _\r\n
            blpop q 0 => *2\r\n$1\r\nq\r\n$1\r\n1\r\n
            lmpop 1 q left count 5 => *2\r\n$1\r\nq\r\n*2\r\n$1\r\n2\r\n$1\r\n3\r\n
            """);
    }

    // ---- Effects: dirty counts, propagation, keyspace events, write announcements ----

    static (TestServer Server, List<string> Events) WithEvents()
    {
        var s = new TestServer("notify-keyspace-events", "KEA");
        var events = new List<string>();
        s.Server.Notifications.HasSubscribers = () => true;
        s.Server.Notifications.Publish = (channel, message) =>
        {
            var c = Encoding.UTF8.GetString(channel);
            if (c.StartsWith("__keyspace@", StringComparison.Ordinal))
                events.Add(c[(c.IndexOf(':') + 1)..] + ":" + Encoding.UTF8.GetString(message));
            return 0; // receivers: none, the test only records
        };
        return (s, events);
    }

    /// <summary>Keyspace events as redis-server 7.0.15 sends them (recorded with PSUBSCRIBE __keyspace@0__:*).</summary>
    [Theory]
    [InlineData("rpush k a b c d", "k:rpush")]
    [InlineData("lpush k z", "k:lpush")]
    [InlineData("lpushx nokey z", "")]
    [InlineData("rpushx k q w", "k:rpush")]
    [InlineData("lpop k 0", "")]
    [InlineData("lpop k 2", "k:lpop")]
    [InlineData("rpop k", "k:rpop")]
    [InlineData("lset k 0 X", "k:lset")]
    [InlineData("linsert k before a Y", "k:linsert")]
    [InlineData("linsert k before nope Y", "")]
    [InlineData("lrem k 0 nope", "")]
    [InlineData("lrem k 1 c", "k:lrem")]
    [InlineData("ltrim k 0 -1", "k:ltrim")]
    [InlineData("ltrim nokey 0 1", "")]
    [InlineData("ltrim k 1 0", "k:ltrim k:del")]
    [InlineData("lmove k d left right", "d:rpush k:lpop")]
    [InlineData("rpoplpush k k", "k:lpush k:rpop")]
    [InlineData("lmove k k left right", "k:rpush k:lpop")]
    [InlineData("lmpop 1 k right count 5", "k:rpop k:del")]
    [InlineData("blpop k 0", "k:lpop")]
    [InlineData("blmpop 0 1 k left count 9", "k:lpop k:del")]
    [InlineData("blmove k dd left left 0", "dd:lpush k:lpop")]
    public void KeyspaceEvents(string command, string expected)
    {
        var (s, events) = WithEvents();
        s.Run("rpush", "k", "a", "b", "c");
        events.Clear();
        s.Run(command.Split(' '));
        Assert.Equal(expected, string.Join(' ', events));
    }

    [Fact]
    public void PoppingTheLastElementDeletesTheKeyWithADelEvent()
    {
        var (s, events) = WithEvents();
        s.Run("rpush", "k", "a");
        s.Run("set", "d2", "x");
        s.Run("del", "d2");
        events.Clear();
        Assert.Equal("$1\r\na\r\n", s.Run("lmove", "k", "d2", "left", "right"));
        Assert.Equal("d2:rpush k:lpop k:del", string.Join(' ', events));
        Assert.Equal(":0\r\n", s.Run("exists", "k"));
    }

    /// <summary>rdb_changes_since_last_save deltas measured on redis-server 7.0.15.</summary>
    [Theory]
    [InlineData("rpush k x y", 2)]
    [InlineData("lpushx k x y", 2)]
    [InlineData("rpushx nokey x y", 0)]
    [InlineData("lpop k 2", 2)]
    [InlineData("rpop k", 1)]
    [InlineData("rpop k 0", 0)]
    [InlineData("lrem k 0 a", 3)]
    [InlineData("lrem k 0 zz", 0)]
    [InlineData("ltrim k 1 -2", 2)]
    [InlineData("ltrim k 0 -1", 0)]
    [InlineData("linsert k before c Q", 1)]
    [InlineData("linsert k before zz Q", 0)]
    [InlineData("lset k 0 Z", 1)]
    [InlineData("lmove k k2 left right", 1)]
    [InlineData("rpoplpush k k", 1)]
    [InlineData("lmpop 1 k left count 2", 2)]
    [InlineData("blpop k 0", 1)]
    [InlineData("blmpop 0 1 k left count 3", 3)]
    [InlineData("blmove k k2 left left 0", 1)]
    public void DirtyCounts(string command, long expected)
    {
        var s = new TestServer();
        s.Run("rpush", "k", "a", "b", "c", "a", "d", "a");
        long before = s.Server.Dirty;
        s.Run(command.Split(' '));
        Assert.Equal(expected, s.Server.Dirty - before);
    }

    /// <summary>What each command puts in the replication stream, as redis-server 7.0.15 writes it to its AOF.</summary>
    [Theory]
    [InlineData("rpush k x", "rpush k x")]
    [InlineData("lpop k 2", "lpop k 2")]
    [InlineData("ltrim k 0 -1", "")]
    [InlineData("ltrim k 1 -1", "ltrim k 1 -1")]
    [InlineData("lrem k 0 zz", "")]
    [InlineData("linsert k before qq x", "")]
    [InlineData("lpop k 0", "")]
    [InlineData("lmove k k left left", "lmove k k left left")]
    [InlineData("blpop k 0", "LPOP k")]
    [InlineData("brpop nokey k 0", "RPOP k")]
    [InlineData("blmpop 0 1 k left count 5", "LPOP k 3")]
    [InlineData("blmpop 0 1 k right", "RPOP k 1")]
    [InlineData("lmpop 2 nokey k right", "RPOP k 1")]
    [InlineData("lmpop 1 k left count 2", "LPOP k 2")]
    [InlineData("blmove k d LEFT Right 0", "LMOVE k d LEFT Right")]
    [InlineData("brpoplpush k d 0", "RPOPLPUSH k d")]
    [InlineData("blmove nokey d left left 0.01", "")]
    public void Propagation(string command, string expected)
    {
        var s = new TestServer();
        s.Run("rpush", "k", "a", "b", "c");
        var stream = RecordingConsumer.Attach(s);
        s.Run(command.Split(' '));
        string want = expected.Length == 0 ? "" : RecordingConsumer.Resp("SELECT", "0") + RecordingConsumer.Resp(expected.Split(' '));
        Assert.Equal(want, stream.Take());
    }

    [Fact]
    public void WritesAreAnnouncedOnlyWhenSomethingChanges()
    {
        var s = new TestServer();
        s.Run("rpush", "k", "a", "b", "c");
        var touched = new List<string>();
        s.Server.Keyspace.KeyWriting += (_, key) => touched.Add(Encoding.UTF8.GetString(key));
        s.Run("lrem", "k", "0", "zz");
        s.Run("linsert", "k", "before", "zz", "x");
        s.Run("lpop", "k", "0");
        s.Run("lrange", "k", "0", "-1");
        s.Run("lpos", "k", "a");
        Assert.Empty(touched);
        s.Run("lrem", "k", "0", "a");
        Assert.Equal(["k"], touched);
    }

    // ---- Encoding and sizes ----

    [Fact]
    public void EveryListIsAQuicklistLikeRedis70()
    {
        var s = new TestServer();
        s.Run("rpush", "small", "a");
        Assert.Equal("$9\r\nquicklist\r\n", s.Run("object", "encoding", "small"));
        for (int i = 0; i < 2000; i++) s.Run("rpush", "big", "element-" + i);
        Assert.Equal("$9\r\nquicklist\r\n", s.Run("object", "encoding", "big"));
        var big = (ListValue)s.Server.Keyspace[0].Peek("big"u8)!.Value;
        Assert.True(big.NodeCount > 1);
        // Popping back to one element: still one value type, the nodes shrink back to one.
        s.Run("ltrim", "big", "0", "0");
        Assert.Equal(1, big.NodeCount);
        Assert.Equal("$9\r\nquicklist\r\n", s.Run("object", "encoding", "big"));
    }

    [Fact]
    public void NodeSizeFollowsListMaxListpackSizeAtEachWrite()
    {
        var s = new TestServer("list-max-listpack-size", "4");
        for (int i = 0; i < 10; i++) s.Run("rpush", "k", i.ToString());
        var list = (ListValue)s.Server.Keyspace[0].Peek("k"u8)!.Value;
        Assert.Equal([4, 4, 2], list.NodeCounts());
        s.Configure("list-max-listpack-size", "-1");
        for (int i = 0; i < 3; i++) s.Run("rpush", "k", i.ToString());
        Assert.Equal([4, 4, 5], list.NodeCounts());
    }

    [Fact]
    public void BigElementsAndLongListsRoundTrip()
    {
        var s = new TestServer();
        var big = new string('x', 20000);
        Assert.Equal(":1\r\n", s.Run("rpush", "k", big));
        for (int i = 0; i < 5000; i++) s.Run(i % 2 == 0 ? "rpush" : "lpush", "k", "v" + i);
        Assert.Equal(":5001\r\n", s.Run("llen", "k"));
        Assert.Equal($"$20000\r\n{big}\r\n", s.Run("lindex", "k", "2500"));
        Assert.Equal("$5\r\nv4999\r\n", s.Run("lindex", "k", "0"));
        Assert.Equal("$5\r\nv4998\r\n", s.Run("lindex", "k", "-1"));
        Assert.Equal(":2500\r\n", s.Run("lpos", "k", big));
        var list = (ListValue)s.Server.Keyspace[0].Peek("k"u8)!.Value;
        list.Validate();
        Assert.True(list.NodeCount >= 5, $"{list.NodeCount} nodes");
    }
}
