using Mirra.IntegrationTests.Infrastructure;

namespace Mirra.IntegrationTests;

/// <summary>
/// Model-based check against the real thing: thousands of random commands over every type go to a
/// real redis-server and to Mirra in the same order, and every reply must be identical. Keys come
/// from a small pool so commands collide (wrong types, overwrites, deletes); values mix integers,
/// floats and text so encodings change under the commands' feet. A failure prints the seed, the
/// command number and both replies, so it can be replayed.
/// </summary>
public class DifferentialTests
{
    /// <summary>A command generator: returns the arguments, and whether the reply's order is unspecified.</summary>
    delegate (string[] Args, bool Unordered) Generator(Random rng);

    static readonly string[] Keys = Enumerable.Range(0, 8).Select(i => $"k{i}").ToArray();
    static readonly string[] Fields = { "f0", "f1", "f2", "nombre", "email", "" };

    static string Key(Random r) => Keys[r.Next(Keys.Length)];
    static string Member(Random r) => r.Next(3) == 0 ? r.Next(-3, 20).ToString() : r.Next(4) == 0 ? new string('m', r.Next(60, 70)) : "m" + r.Next(12);
    static string Score(Random r) => r.Next(5) switch
    {
        0 => "-inf",
        1 => "+inf",
        2 => (r.NextDouble() * 10 - 5).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
        _ => r.Next(-5, 10).ToString(),
    };
    static string Bound(Random r) => r.Next(4) == 0 ? "(" + r.Next(-5, 10) : Score(r);
    static string Field(Random r) => Fields[r.Next(Fields.Length)];

    static string Value(Random r) => r.Next(8) switch
    {
        0 => r.Next(-5, 100).ToString(),
        1 => (r.NextDouble() * 100 - 50).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        2 => "",
        3 => new string('x', r.Next(40, 80)),   // past embstr and listpack value limits
        4 => "9223372036854775807",
        5 => "0" + r.Next(10),                   // looks numeric, is not an integer
        _ => "v" + r.Next(1000),
    };

    static (string[], bool) C(params string[] args) => (args, false);
    static (string[], bool) Unordered(params string[] args) => (args, true);

    /// <summary>The command families covered so far; new types add their generators here.</summary>
    static readonly Generator[] Generators =
    {
        // strings
        r => C("SET", Key(r), Value(r)),
        r => r.Next(3) == 0 ? C("SET", Key(r), Value(r), "NX") : r.Next(2) == 0 ? C("SET", Key(r), Value(r), "XX", "GET") : C("SET", Key(r), Value(r), "KEEPTTL"),
        r => C("GET", Key(r)),
        r => C("MGET", Key(r), Key(r), Key(r)),
        r => C("MSET", Key(r), Value(r), Key(r), Value(r)),
        r => C("MSETNX", Key(r), Value(r), Key(r), Value(r)),
        r => C("SETNX", Key(r), Value(r)),
        r => C("GETSET", Key(r), Value(r)),
        r => C("GETDEL", Key(r)),
        r => C("INCR", Key(r)),
        r => C("DECRBY", Key(r), r.Next(-1000, 1000).ToString()),
        r => C("INCRBYFLOAT", Key(r), (r.NextDouble() * 10 - 5).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)),
        r => C("APPEND", Key(r), Value(r)),
        r => C("STRLEN", Key(r)),
        r => C("GETRANGE", Key(r), r.Next(-10, 10).ToString(), r.Next(-10, 10).ToString()),
        r => C("SETRANGE", Key(r), r.Next(0, 20).ToString(), Value(r)),
        r => C("SETBIT", Key(r), r.Next(0, 200).ToString(), r.Next(2).ToString()),
        r => C("GETBIT", Key(r), r.Next(0, 200).ToString()),
        r => C("BITCOUNT", Key(r)),
        r => C("BITPOS", Key(r), r.Next(2).ToString()),
        // keys and expiry (long TTLs: replies never depend on the moment)
        r => C("DEL", Key(r), Key(r)),
        r => C("EXISTS", Key(r), Key(r)),
        r => C("TYPE", Key(r)),
        r => C("OBJECT", "ENCODING", Key(r)),
        r => C("RENAME", Key(r), Key(r)),
        r => C("RENAMENX", Key(r), Key(r)),
        r => C("COPY", Key(r), Key(r), "REPLACE"),
        r => C("EXPIRE", Key(r), r.Next(1000, 5000).ToString(), r.Next(3) == 0 ? "NX" : r.Next(2) == 0 ? "GT" : "XX"),
        r => C("PERSIST", Key(r)),
        r => C("DBSIZE"),
        r => Unordered("KEYS", "*"),
        // hashes
        r => C("HSET", Key(r), Field(r), Value(r), Field(r), Value(r)),
        r => C("HSETNX", Key(r), Field(r), Value(r)),
        r => C("HGET", Key(r), Field(r)),
        r => C("HMGET", Key(r), Field(r), Field(r)),
        r => C("HDEL", Key(r), Field(r), Field(r)),
        r => C("HLEN", Key(r)),
        r => C("HEXISTS", Key(r), Field(r)),
        r => C("HSTRLEN", Key(r), Field(r)),
        r => C("HINCRBY", Key(r), Field(r), r.Next(-100, 100).ToString()),
        r => C("HINCRBYFLOAT", Key(r), Field(r), "1.5"),
        r => Unordered("HGETALL", Key(r)),
        r => Unordered("HKEYS", Key(r)),
        r => Unordered("HVALS", Key(r)),
        // HyperLogLog and bit operations (values are strings: they collide with the string commands on purpose)
        r => C("PFADD", Key(r), Member(r), Member(r), Member(r)),
        r => C("PFCOUNT", Key(r), Key(r)),
        r => C("PFMERGE", Key(r), Key(r), Key(r)),
        r => C("BITOP", r.Next(2) == 0 ? "AND" : "XOR", Key(r), Key(r), Key(r)),
        r => C("BITFIELD", Key(r), "INCRBY", "u8", r.Next(0, 40).ToString(), r.Next(-300, 300).ToString(), "GET", "i16", "#1"),
        // lists
        r => C(r.Next(2) == 0 ? "LPUSH" : "RPUSH", Key(r), Member(r), Member(r)),
        r => C(r.Next(2) == 0 ? "LPUSHX" : "RPUSHX", Key(r), Member(r)),
        r => C(r.Next(2) == 0 ? "LPOP" : "RPOP", Key(r)),
        r => C("LPOP", Key(r), r.Next(0, 3).ToString()),
        r => C("LLEN", Key(r)),
        r => C("LRANGE", Key(r), r.Next(-4, 3).ToString(), r.Next(-3, 6).ToString()),
        r => C("LINDEX", Key(r), r.Next(-4, 4).ToString()),
        r => C("LSET", Key(r), r.Next(-3, 3).ToString(), Member(r)),
        r => C("LREM", Key(r), r.Next(-2, 3).ToString(), Member(r)),
        r => C("LTRIM", Key(r), r.Next(0, 3).ToString(), r.Next(-2, 8).ToString()),
        r => C("LINSERT", Key(r), r.Next(2) == 0 ? "BEFORE" : "AFTER", Member(r), Member(r)),
        r => C("LPOS", Key(r), Member(r), "RANK", r.Next(2) == 0 ? "1" : "-1", "COUNT", "0"),
        r => C("LMOVE", Key(r), Key(r), r.Next(2) == 0 ? "LEFT" : "RIGHT", r.Next(2) == 0 ? "LEFT" : "RIGHT"),
        r => C("LMPOP", "2", Key(r), Key(r), r.Next(2) == 0 ? "LEFT" : "RIGHT", "COUNT", r.Next(1, 3).ToString()),
        r => C("BLPOP", Key(r), Key(r), "0.01"),
        // sets (SPOP and SRANDMEMBER are random: left out)
        r => C("SADD", Key(r), Member(r), Member(r), Member(r)),
        r => C("SREM", Key(r), Member(r), Member(r)),
        r => C("SISMEMBER", Key(r), Member(r)),
        r => C("SMISMEMBER", Key(r), Member(r), Member(r)),
        r => C("SCARD", Key(r)),
        r => Unordered("SMEMBERS", Key(r)),
        r => Unordered("SINTER", Key(r), Key(r)),
        r => Unordered("SUNION", Key(r), Key(r)),
        r => Unordered("SDIFF", Key(r), Key(r)),
        r => C(r.Next(3) switch { 0 => "SINTERSTORE", 1 => "SUNIONSTORE", _ => "SDIFFSTORE" }, Key(r), Key(r), Key(r)),
        r => C("SMOVE", Key(r), Key(r), Member(r)),
        r => C("SINTERCARD", "2", Key(r), Key(r), "LIMIT", r.Next(0, 4).ToString()),
        // sorted sets
        r => C("ZADD", Key(r), Score(r), Member(r), Score(r), Member(r)),
        r => r.Next(3) switch
        {
            0 => C("ZADD", Key(r), "NX", "CH", Score(r), Member(r)),
            1 => C("ZADD", Key(r), "GT", "CH", Score(r), Member(r)),
            _ => C("ZADD", Key(r), "XX", "INCR", Score(r), Member(r)),
        },
        r => C("ZREM", Key(r), Member(r), Member(r)),
        r => C("ZSCORE", Key(r), Member(r)),
        r => C("ZMSCORE", Key(r), Member(r), Member(r)),
        r => C("ZINCRBY", Key(r), Score(r), Member(r)),
        r => C("ZCARD", Key(r)),
        r => C("ZCOUNT", Key(r), Bound(r), Bound(r)),
        r => C("ZRANK", Key(r), Member(r)),
        r => C("ZREVRANK", Key(r), Member(r)),
        r => C("ZRANGE", Key(r), r.Next(-3, 3).ToString(), r.Next(-3, 5).ToString(), "WITHSCORES"),
        r => C("ZRANGE", Key(r), Bound(r), Bound(r), "BYSCORE", "LIMIT", r.Next(0, 3).ToString(), r.Next(-1, 4).ToString()),
        r => C("ZRANGE", Key(r), Bound(r), Bound(r), "BYSCORE", "REV", "WITHSCORES"),
        r => C("ZRANGEBYLEX", Key(r), "-", r.Next(2) == 0 ? "+" : "[m5"),
        r => C("ZPOPMIN", Key(r), r.Next(1, 3).ToString()),
        r => C("ZPOPMAX", Key(r)),
        r => C("ZREMRANGEBYRANK", Key(r), "0", r.Next(0, 3).ToString()),
        r => C("ZREMRANGEBYSCORE", Key(r), Bound(r), Bound(r)),
        r => C("ZUNIONSTORE", Key(r), "2", Key(r), Key(r), "WEIGHTS", "2", "1", "AGGREGATE", r.Next(2) == 0 ? "MAX" : "SUM"),
        r => C("ZINTERSTORE", Key(r), "2", Key(r), Key(r)),
        r => C("ZDIFFSTORE", Key(r), "2", Key(r), Key(r)),
        r => C("ZRANGESTORE", Key(r), Key(r), "0", "-1"),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_commands_get_the_same_replies_as_redis(int seed)
    {
        using var redis = ServerProcess.StartRedis("--save", "");
        using var mirra = ServerProcess.StartMirra();
        using var r = redis.Connect();
        using var m = mirra.Connect();
        var rng = new Random(seed);
        for (int i = 0; i < 3000; i++)
        {
            var (args, unordered) = Generators[rng.Next(Generators.Length)](rng);
            string expected = Canonical(r.Call(args), unordered);
            string actual = Canonical(m.Call(args), unordered);
            Assert.True(expected == actual, $"seed {seed}, command #{i}: {string.Join(' ', args.Select(a => $"\"{a}\""))}\n  redis: {expected}\n  mirra: {actual}");
        }
        Assert.Equal(Canonical(r.Call("DBSIZE"), false), Canonical(m.Call("DBSIZE"), false));
    }

    /// <summary>The reply as text; arrays whose order Redis leaves unspecified are sorted first.</summary>
    static string Canonical(RespValue v, bool unordered)
    {
        if (!unordered || v.Items == null) return v.ToString();
        return "[" + string.Join(", ", v.Items.Select(x => x.ToString()).Order(StringComparer.Ordinal)) + "]";
    }
}
