using System.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.IntegrationTests.Infrastructure;
using Mirra.Observability;
using Mirra.Persistence;
using Mirra.Persistence.Rdb;

namespace Mirra.IntegrationTests;

/// <summary>
/// RDB files and DUMP payloads written by Mirra, read by the real thing: a Mirra keyspace is built
/// in-process (every type in its compact and large encodings, TTLs, sparse databases), written with
/// <see cref="RdbWriter"/> as dump.rdb, checked by redis-check-rdb, loaded by a real redis-server, and
/// every key's type, TTL and value compared with what Mirra answers for it. The same values also go
/// through <see cref="DumpPayload"/> and RESTORE into another redis-server.
/// </summary>
public class RdbWriterInteropTests
{
    /// <summary>An in-process Mirra server: commands run on the test thread through the real dispatcher.</summary>
    sealed class Source
    {
        public readonly Server Server;
        readonly Client _client;

        public Source()
        {
            Server = new Server(ConfigRegistry.CreateDefault(), new Log { Level = Mirra.Observability.LogLevel.Nothing });
            _client = new Client { Db = Server.Keyspace[0], Authenticated = true, CreatedAtMs = Server.Clock.NowMs() };
        }

        public RespValue Run(params string[] args) => Run(args.Select(Encoding.UTF8.GetBytes).ToArray());

        public RespValue Run(params byte[][] args)
        {
            int mark = _client.Reply.Length;
            Server.Dispatcher.ExecuteArgv(_client, args);
            var reply = _client.Reply.Written[mark..].ToArray();
            _client.Reply.Clear();
            var value = RespReader.FromBytes(reply).Read();
            Assert.False(value.IsError, $"{Encoding.UTF8.GetString(args[0])}: {value}");
            return value;
        }
    }

    static Source BuildKeyspace()
    {
        var s = new Source();
        var rng = new Random(20240601);
        string[] Range(int n, Func<int, string> f) => Enumerable.Range(0, n).Select(f).ToArray();

        // Strings: shared and large integers, text, binary, empty, compressible and random, grown by APPEND.
        s.Run("SET", "str:plain", "hello world");
        s.Run("SET", "str:int", "12345");
        s.Run("SET", "str:small", "7");
        s.Run("SET", "str:neg", "-5");
        s.Run("SET", "str:int32", "-2147483648");
        s.Run("SET", "str:big", "5000000000");
        s.Run("SET", "str:min", "-9223372036854775808");
        s.Run("SET", "str:empty", "");
        s.Run("SET", "str:float", "3.14");
        s.Run("SET", "str:lead0", "007");
        s.Run("SET", "str:utf8", "María José Núñez");
        s.Run("SET"u8.ToArray(), "str:bin"u8.ToArray(), "a\0b\r\nc\0"u8.ToArray());
        s.Run("SET", "str:long", new string('x', 10_000));
        var random = new byte[3000];
        rng.NextBytes(random);
        s.Run("SET"u8.ToArray(), "str:random"u8.ToArray(), random);
        s.Run("SET", "str:append", "abc");
        for (int i = 0; i < 50; i++) s.Run("APPEND", "str:append", "-" + i);
        s.Run("SET", "12345", "an integer key");
        s.Run("SET"u8.ToArray(), "key\0with\r\nbytes"u8.ToArray(), "v"u8.ToArray());
        s.Run("SET", new string('k', 300), "a long compressible key");

        // Hashes: the 3-field user shape, integers, > 16 pairs (a listpack blob), > 512 fields, a long value.
        s.Run("HSET", "hash:user", "nombre", "Ana María", "apellido", "García López", "email", "ana.garcia1975@gmail.com");
        s.Run("HSET", "hash:ints", "a", "1", "b", "-300", "c", "70000", "d", "9000000000", "e", "01");
        s.Run(["HSET", "hash:20", .. Range(20, i => $"field{i}:{i * 7}").Zip(Range(20, i => "value-" + (i * 31 % 17))).SelectMany(p => new[] { p.First, p.Second })]);
        s.Run(["HSET", "hash:big", .. Range(600, i => i % 2 == 0 ? "f" + (i / 2) : (i * 13).ToString())]);
        s.Run(["HSET", "hash:huge", .. Range(2000, i => i % 2 == 0 ? "field:" + i : "value:" + i)]);
        s.Run("HSET", "hash:longval", "f", new string('v', 100), "g", "short");

        // Lists: small, > 16 elements, 10k (many nodes), one big element, integers of every width.
        s.Run("RPUSH", "list:small", "a", "1", "hello");
        s.Run(["RPUSH", "list:20", .. Range(20, i => "e" + i)]);
        s.Run(["RPUSH", "list:10k", .. Range(10_000, i => "item:" + i)]);
        s.Run("RPUSH", "list:bigelem", "head", new string('z', 20_000), "tail");
        s.Run(["RPUSH", "list:ints", .. Range(40, i => (i % 4) switch
        {
            0 => (i * 3).ToString(),
            1 => (-i * 1000).ToString(),
            2 => (i * 100_000_000L).ToString(),
            _ => (-i * 1_000_000_000_000L).ToString(),
        })]);
        s.Run("LPUSH", "list:mixed", "", "0", "-0", "007", "x\r\ny");

        // Sets: intsets of each width, a large intset, a table of integers, small and large word sets.
        s.Run("SADD", "set:int16", "1", "2", "3", "-7");
        s.Run("SADD", "set:int32", "100000", "-3", "5");
        s.Run("SADD", "set:int64", "5000000000", "-1", "9223372036854775807");
        s.Run(["SADD", "set:intset400", .. Range(400, i => (i * 37 - 5000).ToString())]);
        s.Run(["SADD", "set:ints1000", .. Range(1000, i => (i * 11).ToString())]);
        s.Run("SADD", "set:words", "manzana", "pera", "uva", "kiwi", "12");
        s.Run(["SADD", "set:words300", .. Range(300, i => "palabra-" + i)]);

        // Sorted sets: small with integer scores, small with fractions, 200 members with infinities.
        s.Run("ZADD", "zset:small", "1", "a", "2", "b", "3", "c");
        s.Run("ZADD", "zset:fractions", "0.1", "a", "-2.5", "b", "1e-7", "c", "1e20", "d", "0.3333333333333333", "e", "-0", "f");
        var z = new List<string> { "ZADD", "zset:200" };
        for (int i = 0; i < 198; i++)
        {
            z.Add((i % 5) switch
            {
                0 => i.ToString(),
                1 => (i / 3.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                2 => (-i * 0.25).ToString(System.Globalization.CultureInfo.InvariantCulture),
                3 => (i * 1e15).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                _ => "0.1",
            });
            z.Add("member:" + i);
        }
        z.AddRange(["-inf", "lowest", "+inf", "highest"]);
        s.Run([.. z]);
        s.Run("ZADD", "zset:infs", "-inf", "a", "+inf", "b", "0", "c");

        // HyperLogLogs: sparse and dense.
        s.Run(["PFADD", "hll:sparse", .. Range(10, i => "e" + i)]);
        s.Run(["PFADD", "hll:dense", .. Range(5000, i => "element-" + i)]);

        // TTLs on every type.
        s.Run("SET", "ttl:str", "v");
        s.Run("PEXPIRE", "ttl:str", "100000");
        s.Run("HSET", "ttl:hash", "f", "v");
        s.Run("EXPIRE", "ttl:hash", "3600");
        s.Run("RPUSH", "ttl:list", "a", "b");
        s.Run("EXPIRE", "ttl:list", "7200");
        s.Run("SADD", "ttl:set", "1", "2");
        s.Run("PEXPIREAT", "ttl:set", "4102444800000");
        s.Run("ZADD", "ttl:zset", "1", "a");
        s.Run("EXPIRE", "ttl:zset", "86400");

        // Other databases, used sparsely.
        s.Run("SELECT", "3");
        s.Run("SET", "db3:key", "three");
        s.Run("HSET", "db3:hash", "x", "1");
        s.Run("SELECT", "9");
        s.Run("RPUSH", "db9:list", "nine");
        s.Run("SELECT", "15");
        s.Run("SET", "db15:ttl", "fifteen");
        s.Run("PEXPIRE", "db15:ttl", "500000");
        s.Run("SELECT", "0");
        return s;
    }

    static void WriteRdb(Source s, string path, bool compression, bool checksum)
    {
        using var file = File.Create(path);
        var rdb = new RdbWriter(file, compression, checksum);
        rdb.Begin(new SnapshotInfo(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1_234_567, 0, new string('c', 40), 42, false));
        foreach (var db in s.Server.Keyspace.Databases)
        {
            if (db.Count == 0) continue;
            rdb.SelectDb(db.Index, db.Count, db.ExpiresCount);
            foreach (var e in db.Table) rdb.Entry(e.Key, e.Value, e.HasExpiry ? db.ExpireAtOf(e) : -1);
        }
        rdb.End();
        Assert.Equal(file.Length, rdb.BytesWritten);
    }

    static string Text(RespValue v) => v.Bytes == null ? "(nil)" : Convert.ToHexString(v.Bytes);

    /// <summary>A read command's reply as comparable text; unordered replies (HGETALL, SMEMBERS) sorted.</summary>
    static string Canonical(RespValue v, bool pairs, bool unordered)
    {
        if (v.Items == null) return v.Type == RespType.Integer ? v.Integer.ToString() : Text(v);
        var items = v.Items.Select(Text).ToList();
        if (pairs)
        {
            var p = Enumerable.Range(0, items.Count / 2).Select(i => items[2 * i] + "=" + items[2 * i + 1]);
            return string.Join(",", unordered ? p.Order(StringComparer.Ordinal) : p);
        }
        return string.Join(",", unordered ? items.Order(StringComparer.Ordinal) : items);
    }

    /// <summary>Every key of every database of <paramref name="s"/> is in the real server, with the same type, TTL and value.</summary>
    static void AssertSameKeyspace(Source s, ServerProcess redis)
    {
        using var c = redis.Connect();
        foreach (var db in s.Server.Keyspace.Databases)
        {
            Assert.Equal("OK", c.Call("SELECT", db.Index.ToString()).AsString());
            s.Run("SELECT", db.Index.ToString());
            Assert.Equal(db.Count, c.Call("DBSIZE").AsInteger());
            var keys = new List<byte[]>();
            foreach (var e in db.Table) keys.Add(e.Key);
            foreach (var key in keys)
            {
                string name = Encoding.UTF8.GetString(key);
                string type = s.Run("TYPE"u8.ToArray(), key).AsString();
                Assert.Equal(type, c.Call("TYPE"u8.ToArray(), key).AsString());

                long expectedTtl = s.Run("PTTL"u8.ToArray(), key).AsInteger();
                long ttl = c.Call("PTTL"u8.ToArray(), key).AsInteger();
                if (expectedTtl < 0) Assert.Equal(expectedTtl, ttl);
                else Assert.InRange(ttl, expectedTtl - 60_000, expectedTtl);

                (string[] cmd, bool pairs, bool unordered) read = type switch
                {
                    "string" => (["GET"], false, false),
                    "hash" => (["HGETALL"], true, true),
                    "list" => (["LRANGE", "0", "-1"], false, false),
                    "set" => (["SMEMBERS"], false, true),
                    "zset" => (["ZRANGE", "0", "-1", "WITHSCORES"], true, false),
                    _ => throw new InvalidOperationException(type),
                };
                byte[][] args = [Encoding.ASCII.GetBytes(read.cmd[0]), key, .. read.cmd[1..].Select(Encoding.ASCII.GetBytes)];
                Assert.True(Canonical(s.Run(args), read.pairs, read.unordered) == Canonical(c.Call(args), read.pairs, read.unordered),
                    $"db {db.Index} key {name}: {read.cmd[0]} differs");
                if (name.StartsWith("hll:"))
                    Assert.Equal(s.Run("PFCOUNT"u8.ToArray(), key).AsInteger(), c.Call("PFCOUNT"u8.ToArray(), key).AsInteger());
            }
        }
        s.Run("SELECT", "0");
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Redis_check_rdb_and_redis_server_accept_the_file(bool compression, bool checksum)
    {
        var s = BuildKeyspace();
        var dir = Directory.CreateTempSubdirectory("mirra-rdbwrite-");
        try
        {
            var path = Path.Combine(dir.FullName, "dump.rdb");
            WriteRdb(s, path, compression, checksum);

            var check = ExternalTool.Run("redis-check-rdb", [path]);
            Assert.True(check.ExitCode == 0, check.ToString());
            long keys = s.Server.Keyspace.TotalKeys(), expires = s.Server.Keyspace.Databases.Sum(d => (long)d.ExpiresCount);
            foreach (var line in new[] { "RDB looks OK!", "AUX FIELD redis-ver = '7.0.15'", "AUX FIELD aof-base = '0'",
                         checksum ? "Checksum OK" : "RDB file was saved with checksum disabled", $"[info] {keys} keys read", $"[info] {expires} expires" })
                Assert.True(check.Stdout.Contains(line), $"no '{line}' in:\n{check.Stdout}");

            using var redis = ServerProcess.StartRedis("--save", "", "--appendonly", "no", "--dir", dir.FullName, "--dbfilename", "dump.rdb");
            var info = redis.Call("INFO", "keyspace").AsString();
            Assert.Contains("db0:keys=", info);
            Assert.Contains("db15:keys=1,expires=1", info);
            AssertSameKeyspace(s, redis);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Redis_restores_every_dump_payload(bool compression)
    {
        var s = BuildKeyspace();
        using var redis = ServerProcess.StartRedis("--save", "", "--appendonly", "no");
        using (var c = redis.Connect())
        {
            foreach (var db in s.Server.Keyspace.Databases)
            {
                if (db.Count == 0) continue;
                Assert.Equal("OK", c.Call("SELECT", db.Index.ToString()).AsString());
                foreach (var e in db.Table)
                {
                    var payload = DumpPayload.Create(e.Value, compression);
                    string ttl = e.HasExpiry ? db.ExpireAtOf(e).ToString() : "0";
                    byte[][] args = e.HasExpiry
                        ? ["RESTORE"u8.ToArray(), e.Key, Encoding.ASCII.GetBytes(ttl), payload, "ABSTTL"u8.ToArray()]
                        : ["RESTORE"u8.ToArray(), e.Key, "0"u8.ToArray(), payload];
                    var reply = c.Call(args);
                    Assert.True(reply.Type == RespType.SimpleString && reply.AsString() == "OK", $"RESTORE {Encoding.UTF8.GetString(e.Key)}: {reply}");
                }
            }
        }
        AssertSameKeyspace(s, redis);
    }
}
